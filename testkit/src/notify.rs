//! Contacts and the server telling our devices things besides messages: receipts for our
//! messages, presence and typing (sent live only, as the real server does not queue them),
//! and notifications (queued until acked, like messages). Every method takes the device to
//! tell (`to`, a phone-number or LID JID with device).

use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::LocalIdentity;
use wa_protocol::stanza::receipt::ReceiptKind;

use crate::contact::Contact;
use crate::envelope::MessageId;
use crate::error::TestkitError;
use crate::groups::Group;
use crate::server::{random_id, unix_now, FakeServer};
use crate::stanzas;

impl FakeServer {
    /// Queues `node` for device `to`; the queue number.
    fn queue_for(&self, to: &Jid, node: Node) -> Result<u64, TestkitError> {
        let seq = {
            let mut st = self.shared.state();
            let device = st
                .device_key(to)
                .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
            st.enqueue(device, node)
        };
        self.shared.notify();
        Ok(seq)
    }

    /// Sends `node` to device `to`'s live connections; how many.
    fn send_live_to(&self, to: &Jid, node: &Node) -> Result<usize, TestkitError> {
        let st = self.shared.state();
        let device = st
            .device_key(to)
            .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
        Ok(st.send_live(device, node))
    }

    /// Queues `<notification type=kind from=from>children</notification>` for device `to`
    /// (any type: an unknown one exercises the client's fallback). Returns the queue number.
    pub fn send_notification(
        &self,
        to: &Jid,
        kind: &str,
        from: &Jid,
        children: Vec<Node>,
    ) -> Result<u64, TestkitError> {
        let node = stanzas::notification(kind, from, None, &random_id(), unix_now(), children);
        self.queue_for(to, node)
    }

    fn group_notification(
        &self,
        to: &Jid,
        group: &Group,
        by: &Contact,
        child: Node,
    ) -> Result<u64, TestkitError> {
        let node = stanzas::notification(
            "w:gp2",
            group.jid(),
            Some(by.jid()),
            &random_id(),
            unix_now(),
            vec![child],
        );
        self.queue_for(to, node)
    }

    /// Tells device `to` it is in `group`, created by `creator`: a `w:gp2` notification whose
    /// only child is `<create>` with the group's metadata.
    pub fn announce_group(
        &self,
        to: &Jid,
        group: &Group,
        creator: &Contact,
    ) -> Result<u64, TestkitError> {
        let subject = self
            .group_subject(group)
            .ok_or_else(|| TestkitError::UnknownGroup(group.jid().clone()))?;
        let create = stanzas::group_create(
            group.jid(),
            &subject,
            creator.jid(),
            &self.group_members(group),
            unix_now(),
            Some("create"),
        );
        self.group_notification(to, group, creator, create)
    }

    /// Adds `members` to `group` and tells device `to` (`w:gp2` `<add>`, by `by`).
    pub fn add_group_members(
        &self,
        to: &Jid,
        group: &Group,
        by: &Contact,
        members: &[Jid],
    ) -> Result<u64, TestkitError> {
        self.edit_members(group, |list| {
            for m in members {
                if !list.iter().any(|x| x.same_user(m)) {
                    list.push(m.to_non_ad());
                }
            }
        })?;
        let change = stanzas::group_members_change("add", members);
        self.group_notification(to, group, by, change)
    }

    /// Removes `members` from `group` and tells device `to` (`w:gp2` `<remove>`).
    pub fn remove_group_members(
        &self,
        to: &Jid,
        group: &Group,
        by: &Contact,
        members: &[Jid],
    ) -> Result<u64, TestkitError> {
        self.edit_members(group, |list| {
            list.retain(|x| !members.iter().any(|m| m.same_user(x)));
        })?;
        let change = stanzas::group_members_change("remove", members);
        self.group_notification(to, group, by, change)
    }

    /// Renames `group` and tells device `to` (`w:gp2` `<subject>`).
    pub fn set_group_subject(
        &self,
        to: &Jid,
        group: &Group,
        by: &Contact,
        subject: &str,
    ) -> Result<u64, TestkitError> {
        {
            let mut st = self.shared.state();
            let g = st
                .groups
                .get_mut(&group.jid().to_string())
                .ok_or_else(|| TestkitError::UnknownGroup(group.jid().clone()))?;
            g.subject = subject.to_owned();
        }
        let change = stanzas::group_subject(subject, by.jid(), unix_now());
        self.group_notification(to, group, by, change)
    }

    /// Tells device `to` about any other `w:gp2` change (`<promote>`, `<description>`,
    /// `<locked/>`, …; see [`stanzas`]) without changing the server's group.
    pub fn send_group_change(
        &self,
        to: &Jid,
        group: &Group,
        by: &Contact,
        change: Node,
    ) -> Result<u64, TestkitError> {
        self.group_notification(to, group, by, change)
    }

    fn edit_members(
        &self,
        group: &Group,
        edit: impl FnOnce(&mut Vec<Jid>),
    ) -> Result<(), TestkitError> {
        let mut st = self.shared.state();
        let g = st
            .groups
            .get_mut(&group.jid().to_string())
            .ok_or_else(|| TestkitError::UnknownGroup(group.jid().clone()))?;
        edit(&mut g.members);
        Ok(())
    }
}

impl Contact {
    /// Queues a receipt of `kind` for our messages `ids` (sent in a 1:1 chat with this
    /// contact) to device `to`. Retry receipts carry `<retry count="1">` and the contact's
    /// registration id.
    pub fn send_receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        kind: ReceiptKind,
        ids: &[MessageId],
    ) -> Result<u64, TestkitError> {
        self.receipt(server, to, None, kind, ids)
    }

    /// As [`Contact::send_receipt`] for our messages in `group` (`from=group
    /// participant=contact`).
    pub fn send_group_receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        group: &Group,
        kind: ReceiptKind,
        ids: &[MessageId],
    ) -> Result<u64, TestkitError> {
        self.receipt(server, to, Some(group), kind, ids)
    }

    fn receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        group: Option<&Group>,
        kind: ReceiptKind,
        ids: &[MessageId],
    ) -> Result<u64, TestkitError> {
        let (from, participant) = match group {
            Some(g) => (g.jid(), Some(self.jid())),
            None => (self.jid(), None),
        };
        let ids: Vec<String> = ids.iter().map(|i| i.0.clone()).collect();
        let now = unix_now();
        let node = if kind == ReceiptKind::Retry {
            let registration = {
                let st = server.shared.state();
                st.contacts
                    .get(&self.phone())
                    .map(|c| c.identity.registration_id)
                    .ok_or(TestkitError::UnknownContact(self.phone()))?
            };
            let first = ids.first().map(String::as_str).unwrap_or_default();
            stanzas::retry_receipt(from, participant, first, 1, registration, now)
        } else {
            stanzas::receipt(from, participant, &kind, &ids, now)
        };
        server.queue_for(to, node)
    }

    /// Sends this contact's presence to device `to` if it is online (not queued). Returns how
    /// many connections got it.
    pub fn send_presence(
        &self,
        server: &FakeServer,
        to: &Jid,
        available: bool,
        last_seen: Option<u64>,
    ) -> Result<usize, TestkitError> {
        server.send_live_to(to, &stanzas::presence(self.jid(), available, last_seen))
    }

    /// Sends `<chatstate>` (composing, with `audio` for a voice note, or paused) in the 1:1
    /// chat, to device `to` if it is online.
    pub fn send_chatstate(
        &self,
        server: &FakeServer,
        to: &Jid,
        composing: bool,
        audio: bool,
    ) -> Result<usize, TestkitError> {
        server.send_live_to(to, &stanzas::chatstate(self.jid(), None, composing, audio))
    }

    /// As [`Contact::send_chatstate`], in `group`.
    pub fn send_group_chatstate(
        &self,
        server: &FakeServer,
        to: &Jid,
        group: &Group,
        composing: bool,
        audio: bool,
    ) -> Result<usize, TestkitError> {
        let node = stanzas::chatstate(group.jid(), Some(self.jid()), composing, audio);
        server.send_live_to(to, &node)
    }

    /// Tells device `to` this contact set its profile picture to `picture_id`, or removed it
    /// (`None`).
    pub fn set_picture(
        &self,
        server: &FakeServer,
        to: &Jid,
        picture_id: Option<&str>,
    ) -> Result<u64, TestkitError> {
        let change = stanzas::picture_change(self.jid(), self.jid(), picture_id);
        server.send_notification(to, "picture", self.jid(), vec![change])
    }

    /// Tells device `to` this contact's about text changed.
    pub fn set_about(
        &self,
        server: &FakeServer,
        to: &Jid,
        text: &str,
    ) -> Result<u64, TestkitError> {
        server.send_notification(to, "status", self.jid(), vec![stanzas::about_set(text)])
    }

    /// Tells device `to` this contact linked (`added`) or unlinked device number `device`.
    pub fn change_device(
        &self,
        server: &FakeServer,
        to: &Jid,
        added: bool,
        device: u16,
    ) -> Result<u64, TestkitError> {
        let jid = self.jid().clone().with_device(device);
        let key_index = added.then_some(&b"signed-key-index"[..]);
        let change = stanzas::device_change(added, &jid, unix_now(), key_index);
        server.send_notification(to, "devices", self.jid(), vec![change])
    }

    /// Tells device `to` about a business change of this contact (a child from
    /// [`stanzas::business_verified_name`], [`stanzas::business_remove`], …).
    pub fn send_business_update(
        &self,
        server: &FakeServer,
        to: &Jid,
        change: Node,
    ) -> Result<u64, TestkitError> {
        server.send_notification(to, "business", self.jid(), vec![change])
    }

    /// Gives this contact a new Signal identity (a reinstall): its sessions and sender keys
    /// are gone, so its next message starts a new session. Tells device `to` with an
    /// `encrypt` notification carrying `<identity/>`.
    pub fn change_identity(&self, server: &FakeServer, to: &Jid) -> Result<u64, TestkitError> {
        {
            let mut st = server.shared.state();
            let c = st
                .contacts
                .get_mut(&self.phone())
                .ok_or(TestkitError::UnknownContact(self.phone()))?;
            c.identity = LocalIdentity::generate(&mut rand::rngs::OsRng);
            c.sessions.clear();
            c.sender_keys.clear();
            c.skdm_sent.clear();
        }
        server.send_notification(to, "encrypt", self.jid(), vec![stanzas::identity_changed()])
    }
}
