//! The server's usync answer, read by the client: one [`UsyncUser`] per `<user>`.

use crate::binary::{Jid, Node};
use crate::stanza::attrs::{
    expect_tag, opt_int, opt_jid, opt_str, req_child, req_int, req_jid, StanzaError,
};
use crate::stanza::iq::{parse_error, IqErrorReply};
use crate::stanza::notification::KeyIndexList;

use super::{UsyncError, MAX_DEVICES_PER_USER, MAX_REPLY_USERS};

/// One device of a user's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceEntry {
    /// Device number: 0 is the phone, others are companions.
    pub id: u16,
    /// `key-index`: which signed key index the companion was added under (absent for 0).
    pub key_index: Option<u32>,
    /// `is_hosted="true"`: a device the server hosts (Cloud API); senders skip it.
    pub hosted: bool,
}

/// A user's device list and LID, what senders fan out to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDevices {
    /// The user as asked for (no device).
    pub user: Jid,
    /// The user's LID, when the server sent it.
    pub lid: Option<Jid>,
    /// The devices, phone first as the server lists them, without duplicates.
    pub devices: Vec<DeviceEntry>,
}

impl UserDevices {
    /// The device JIDs of `user` (hosted devices included; senders filter them).
    pub fn device_jids(&self) -> impl Iterator<Item = Jid> + '_ {
        self.devices
            .iter()
            .map(|d| self.user.to_non_ad().with_device(d.id))
    }
}

/// `<contact type="in|out">`: whether a looked-up phone number is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactStatus {
    /// `in`: on WhatsApp.
    In,
    /// `out` (or any other value): not on WhatsApp.
    Out,
}

/// One `<user>` of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsyncUser {
    /// `jid` (no device).
    pub jid: Jid,
    /// `pn_jid`: the phone-number JID when `jid` is a LID.
    pub pn: Option<Jid>,
    /// `<lid val>`: the user's LID (only LID-server JIDs are kept).
    pub lid: Option<Jid>,
    /// The device list; `None` when the reply has none for this user (not asked, failed).
    pub devices: Option<Vec<DeviceEntry>>,
    /// `<device-list hash>`.
    pub device_hash: Option<String>,
    /// `<key-index-list ts>bytes</key-index-list>`.
    pub key_index: Option<KeyIndexList>,
    /// `<contact type>`, when asked.
    pub contact: Option<ContactStatus>,
    /// The `<contact>` text: the queried number echoed back.
    pub contact_query: Option<String>,
    /// The first `<error>` inside a protocol child (privacy, blocked, not found…).
    pub error: Option<IqErrorReply>,
}

impl UsyncUser {
    /// The device list with the user's LID; `None` when the reply had no list for this user
    /// (an empty list is refused too: every registered user has a phone).
    pub fn user_devices(&self) -> Option<UserDevices> {
        let devices = self.devices.as_ref().filter(|d| !d.is_empty())?;
        Some(UserDevices {
            user: self.jid.clone(),
            lid: self.lid.clone(),
            devices: devices.clone(),
        })
    }

    /// The phone-number JID and the LID of this user, when the reply names both.
    pub fn lid_mapping(&self) -> Option<(Jid, Jid)> {
        if self.jid.is_lid() {
            return Some((self.pn.clone().filter(Jid::is_pn)?, self.jid.clone()));
        }
        let lid = self.lid.clone()?;
        self.jid.is_pn().then(|| (self.jid.clone(), lid))
    }
}

/// Reads a usync reply (`<iq type="result"><usync><list><user>…`). An iq error reply is the
/// caller's (it never reaches here); a result without `<usync><list>` is an error.
pub fn parse_result(iq: &Node) -> Result<Vec<UsyncUser>, UsyncError> {
    expect_tag(iq, "iq")?;
    let usync = req_child(iq, "iq", "usync")?;
    let list = req_child(usync, "usync", "list")?;
    let count = list
        .children_by_tag("user")
        .take(MAX_REPLY_USERS + 1)
        .count();
    if count > MAX_REPLY_USERS {
        return Err(UsyncError::TooManyUsers {
            count,
            max: MAX_REPLY_USERS,
        });
    }
    list.children_by_tag("user").map(parse_user).collect()
}

fn parse_user(user: &Node) -> Result<UsyncUser, UsyncError> {
    let jid = req_jid(user, "user", "jid")?;
    if jid.device != 0 {
        return Err(UsyncError::DeviceAddress(jid));
    }
    let mut out = UsyncUser {
        pn: opt_jid(user, "user", "pn_jid")?.map(|j| j.to_non_ad()),
        lid: None,
        devices: None,
        device_hash: None,
        key_index: None,
        contact: None,
        contact_query: None,
        error: None,
        jid,
    };
    if let Some(devices) = user.child("devices") {
        if devices.child("error").is_some() {
            out.error = Some(parse_error(devices));
        } else if let Some(list) = devices.child("device-list") {
            out.device_hash = opt_str(list, "hash");
            out.devices = Some(parse_devices(&out.jid, list)?);
        }
        if let Some(k) = devices.child("key-index-list") {
            out.key_index = Some(KeyIndexList {
                timestamp: req_int(k, "key-index-list", "ts")?,
                signed: k.bytes().map(<[u8]>::to_vec),
            });
        }
    }
    if let Some(lid) = user.child("lid") {
        if lid.child("error").is_some() {
            out.error.get_or_insert_with(|| parse_error(lid));
        }
        // A LID that is not on the LID server would map a user to someone else's number.
        out.lid = opt_jid(lid, "lid", "val")?
            .map(|j| j.to_non_ad())
            .filter(Jid::is_lid);
    }
    if let Some(contact) = user.child("contact") {
        if contact.child("error").is_some() {
            out.error.get_or_insert_with(|| parse_error(contact));
        }
        let ty = opt_str(contact, "type").ok_or(StanzaError::MissingAttr {
            tag: "contact",
            attr: "type",
        })?;
        out.contact = Some(if ty == "in" {
            ContactStatus::In
        } else {
            ContactStatus::Out
        });
        out.contact_query = contact
            .content_bytes()
            .map(|b| String::from_utf8_lossy(b).chars().take(64).collect());
    }
    Ok(out)
}

fn parse_devices(user: &Jid, list: &Node) -> Result<Vec<DeviceEntry>, UsyncError> {
    let count = list
        .children_by_tag("device")
        .take(MAX_DEVICES_PER_USER + 1)
        .count();
    if count > MAX_DEVICES_PER_USER {
        return Err(UsyncError::TooManyDevices {
            user: user.clone(),
            count,
            max: MAX_DEVICES_PER_USER,
        });
    }
    let mut out: Vec<DeviceEntry> = Vec::with_capacity(count);
    for d in list.children_by_tag("device") {
        let entry = DeviceEntry {
            id: req_int(d, "device", "id")?,
            key_index: opt_int(d, "device", "key-index")?,
            hosted: d.attr_bool("is_hosted").unwrap_or(false),
        };
        // A repeated id would mean encrypting twice for one device; keep the first.
        if !out.iter().any(|e| e.id == entry.id) {
            out.push(entry);
        }
    }
    Ok(out)
}
