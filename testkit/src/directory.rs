//! The server's user directory: usync answers (devices and LIDs of contacts and of our own
//! registered devices; phone-number lookups) and the `w:g2` group queries, read and built
//! with `wa_protocol::{usync, groups}`.

use std::collections::{BTreeSet, HashMap};

use wa_protocol::binary::{Jid, Node};
use wa_protocol::groups::{group_info_result, joined_groups_result, parse_group_query, GroupQuery};
use wa_protocol::stanza::iq::server_error_reply;
use wa_protocol::stanza::notification::{GroupInfo, GroupParticipant, ParticipantRole};
use wa_protocol::usync::{
    parse_query, result_iq, ContactStatus, DeviceEntry, QueryUser, UserAnswer,
};

use crate::contact::Contact;
use crate::phone::lid_of;
use crate::server::FakeServer;
use crate::state::{DeviceKey, Shared, State};

/// Directory data beyond contacts and registered devices.
#[derive(Debug, Default)]
pub(crate) struct DirectoryState {
    /// Companion devices of contacts (device 0 is always there), by phone number.
    pub contact_devices: HashMap<u64, BTreeSet<u16>>,
}

impl Contact {
    /// Gives the contact these companion devices besides its phone (device 0), as usync
    /// reports them (the server holds no keys for them: they are for device lists only).
    pub fn set_devices(&self, server: &FakeServer, companions: &[u16]) {
        let set = companions.iter().copied().filter(|&d| d != 0).collect();
        server
            .shared
            .state()
            .directory
            .contact_devices
            .insert(self.phone(), set);
        server.shared.notify();
    }
}

/// The phone number a user JID (phone number or LID, any device) names, if the server knows
/// it as a contact or one of our accounts.
fn phone_of(st: &State, user: &Jid) -> Option<u64> {
    if user.is_pn() {
        let phone = user.user.parse::<u64>().ok()?;
        let known = st.contacts.contains_key(&phone)
            || st.phones.contains_key(&phone)
            || st.devices.keys().any(|(p, _)| *p == phone);
        return known.then_some(phone);
    }
    if !user.is_lid() {
        return None;
    }
    let contact = st.contacts.keys().find(|p| lid_of(**p).user == user.user);
    let ours = || {
        st.devices
            .iter()
            .find(|(_, d)| d.lid.user == user.user)
            .map(|((p, _), _)| p)
    };
    contact.or_else(ours).copied()
}

/// The LID of `phone`: a registered device's, else the one contacts and phones derive.
fn lid_for(st: &State, phone: u64) -> Jid {
    st.devices
        .iter()
        .find(|((p, _), _)| *p == phone)
        .map(|(_, d)| d.lid.to_non_ad())
        .unwrap_or_else(|| lid_of(phone))
}

/// Device 0, a contact's companions, and every registered device of the number.
fn devices_of(st: &State, phone: u64) -> Vec<DeviceEntry> {
    let mut ids: BTreeSet<u16> = BTreeSet::from([0]);
    if let Some(extra) = st.directory.contact_devices.get(&phone) {
        ids.extend(extra);
    }
    ids.extend(
        st.devices
            .keys()
            .filter(|(p, _)| *p == phone)
            .filter_map(|(_, d)| u16::try_from(*d).ok()),
    );
    ids.into_iter()
        .map(|id| DeviceEntry {
            id,
            // Companions were added under some key index; the device id is as good as any.
            key_index: (id != 0).then_some(u32::from(id)),
            hosted: false,
        })
        .collect()
}

fn answer_for(st: &State, user: &QueryUser) -> Option<UserAnswer> {
    let (asked, phone, echo) = match user {
        QueryUser::Jid(j) => (j.clone(), phone_of(st, j), None),
        QueryUser::Phone(p) => {
            let jid = Jid::pn(p.clone());
            (jid.clone(), phone_of(st, &jid), Some(format!("+{p}")))
        }
    };
    let Some(phone) = phone else {
        // Unknown numbers are answered "out"; unknown JIDs are left out.
        return echo.map(|e| UserAnswer {
            jid: asked,
            pn: None,
            lid: None,
            devices: Vec::new(),
            key_index: None,
            contact: Some((ContactStatus::Out, e)),
        });
    };
    let pn = Jid::pn(phone.to_string());
    // Echo the asked JID, as whatsmeow indexes the answer by it.
    let jid = if asked.is_lid() { asked } else { pn.clone() };
    Some(UserAnswer {
        pn: jid.is_lid().then_some(pn),
        lid: Some(lid_for(st, phone)),
        devices: devices_of(st, phone),
        key_index: None,
        contact: echo.map(|e| (ContactStatus::In, e)),
        jid,
    })
}

/// Answers a usync query; malformed ones get 400.
pub(crate) fn usync(shared: &Shared, id: &str, iq: &Node) -> Node {
    let request = match parse_query(iq) {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(error = %e, "refused usync");
            return server_error_reply(id, 400, "bad-request");
        }
    };
    let st = shared.state();
    let answers: Vec<UserAnswer> = request
        .users
        .iter()
        .filter_map(|u| answer_for(&st, u))
        .collect();
    result_iq(&request, &answers)
}

fn group_info(st: &State, jid: &Jid) -> Option<GroupInfo> {
    let g = st.groups.get(&jid.to_string())?;
    let participants = g
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let phone = phone_of(st, m);
            let alt = phone.map(|p| {
                if m.is_lid() {
                    Jid::pn(p.to_string())
                } else {
                    lid_for(st, p)
                }
            });
            GroupParticipant {
                jid: m.to_non_ad(),
                alt,
                role: if i == 0 {
                    ParticipantRole::SuperAdmin
                } else {
                    ParticipantRole::Member
                },
            }
        })
        .collect();
    Some(GroupInfo {
        jid: jid.to_non_ad(),
        subject: Some(g.subject.clone()),
        subject_time: None,
        subject_owner: g.members.first().cloned(),
        creator: g.members.first().cloned(),
        creation: None,
        description: None,
        participants,
        announce: false,
        locked: false,
        ephemeral: None,
        addressing_mode: Some("pn".into()),
        size: Some(u32::try_from(g.members.len()).unwrap_or(u32::MAX)),
    })
}

fn is_member(st: &State, group: &GroupInfo, device: DeviceKey) -> bool {
    let Some(d) = st.devices.get(&device) else {
        return false;
    };
    group
        .participants
        .iter()
        .any(|p| p.jid.same_user(&d.jid.to_non_ad()) || p.jid.same_user(&d.lid.to_non_ad()))
}

/// Answers a `w:g2` get (`None`: not a query this server models). 404 for an unknown group,
/// 403 for one the asking device's account is not in.
pub(crate) fn groups(
    shared: &Shared,
    device: Option<DeviceKey>,
    id: &str,
    iq: &Node,
) -> Option<Node> {
    let query = match parse_group_query(iq) {
        Ok(q) => q?,
        Err(e) => {
            tracing::debug!(error = %e, "refused group query");
            return Some(server_error_reply(id, 400, "bad-request"));
        }
    };
    let Some(device) = device else {
        return Some(server_error_reply(id, 401, "not-authorized"));
    };
    let st = shared.state();
    Some(match query {
        GroupQuery::Info(jid) => match group_info(&st, &jid) {
            Some(info) if is_member(&st, &info, device) => group_info_result(id, &info),
            Some(_) => server_error_reply(id, 403, "forbidden"),
            None => server_error_reply(id, 404, "item-not-found"),
        },
        GroupQuery::Participating => {
            let mut all: Vec<GroupInfo> = st
                .groups
                .keys()
                .filter_map(|k| k.parse::<Jid>().ok())
                .filter_map(|j| group_info(&st, &j))
                .filter(|g| is_member(&st, g, device))
                .collect();
            all.sort_by(|a, b| a.jid.cmp(&b.jid));
            joined_groups_result(id, &all)
        }
        _ => return None,
    })
}
