//! Groups: a contact's group message reaches each of our member devices as
//! `<message from=group participant=contact><enc type="pkmsg|msg"/><enc type="skmsg"/>` the
//! first time (the 1:1 payload is `Message{senderKeyDistributionMessage}`, signal.md §5) and
//! as `<enc type="skmsg"/>` alone afterwards (whatsmeow `sendGroup`, seen from a receiver).

use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::signal::SenderKeyRecord;

use crate::contact::{encrypt_direct, text_message, Contact};
use crate::envelope::{enc_node, message_node, padded, MessageId};
use crate::error::TestkitError;
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// A group the server knows (a handle; its members live in the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    jid: Jid,
}

impl Group {
    /// `…@g.us`.
    pub fn jid(&self) -> &Jid {
        &self.jid
    }
}

#[derive(Debug, Clone)]
pub(crate) struct GroupState {
    pub subject: String,
    /// Members as user JIDs (no device).
    pub members: Vec<Jid>,
}

/// The first group id handed out; real ids look like `120363…@g.us`.
const FIRST_GROUP: u64 = 120_363_000_000_000_000;

/// `Message{senderKeyDistributionMessage{groupId, axolotl…}}` for `record`'s current state.
pub(crate) fn skdm_message(
    group: &Jid,
    record: &SenderKeyRecord,
) -> Result<wa::Message, TestkitError> {
    let skdm = record.distribution_message()?;
    Ok(wa::Message {
        sender_key_distribution_message: Some(wa::SenderKeyDistributionMessage {
            group_id: Some(group.to_string()),
            axolotl_sender_key_distribution_message: Some(skdm.serialize()),
        }),
        ..Default::default()
    })
}

/// Our registered devices whose user is a member of `group`, in a stable order.
fn member_devices(st: &State, members: &[Jid]) -> Vec<DeviceKey> {
    let mut out: Vec<DeviceKey> = st
        .devices
        .iter()
        .filter(|(_, d)| {
            members
                .iter()
                .any(|m| m.same_user(&d.jid) || m.same_user(&d.lid))
        })
        .map(|(k, _)| *k)
        .collect();
    out.sort_unstable();
    out
}

impl FakeServer {
    /// Creates a group with `subject` and `members` (user JIDs: contacts' and our own
    /// account's; devices are ignored).
    pub fn create_group(&self, subject: &str, members: &[Jid]) -> Group {
        let mut st = self.shared.state();
        let id = FIRST_GROUP + st.groups.len() as u64 + 1;
        let jid = Jid::group(id.to_string());
        st.groups.insert(
            jid.to_string(),
            GroupState {
                subject: subject.to_owned(),
                members: members.iter().map(Jid::to_non_ad).collect(),
            },
        );
        Group { jid }
    }

    /// The group's subject, if the server knows it.
    pub fn group_subject(&self, group: &Group) -> Option<String> {
        let st = self.shared.state();
        st.groups
            .get(&group.jid.to_string())
            .map(|g| g.subject.clone())
    }

    /// The group's members (user JIDs).
    pub fn group_members(&self, group: &Group) -> Vec<Jid> {
        let st = self.shared.state();
        st.groups
            .get(&group.jid.to_string())
            .map(|g| g.members.clone())
            .unwrap_or_default()
    }
}

impl Contact {
    /// Sends `text` to `group` (see [`Contact::send_group_message`]).
    pub fn send_group_text(
        &self,
        server: &FakeServer,
        group: &Group,
        text: &str,
    ) -> Result<MessageId, TestkitError> {
        self.send_group_message(server, group, &text_message(text))
    }

    /// Encrypts `message` once with this contact's sender key for `group` and queues it for
    /// every registered device of ours whose user is a member; a device that has not had the
    /// sender key yet also gets the distribution message over the 1:1 session in the same
    /// stanza. Fails when the contact is not a member or a device has no prekeys.
    pub fn send_group_message(
        &self,
        server: &FakeServer,
        group: &Group,
        message: &wa::Message,
    ) -> Result<MessageId, TestkitError> {
        let id = {
            let mut st = server.shared.state();
            let key = group.jid.to_string();
            let members = st
                .groups
                .get(&key)
                .map(|g| g.members.clone())
                .ok_or_else(|| TestkitError::UnknownGroup(group.jid.clone()))?;
            if !members.iter().any(|m| m.same_user(self.jid())) {
                return Err(TestkitError::NotMember(group.jid.clone()));
            }
            let envelope = self.envelope(&st, message, Some(&group.jid))?;
            let contact = st
                .contacts
                .get_mut(&self.phone())
                .ok_or(TestkitError::UnknownContact(self.phone()))?;
            let record = contact
                .sender_keys
                .entry(key.clone())
                .or_insert_with(|| SenderKeyRecord::generate_own(&mut rand::rngs::OsRng))
                .clone();
            // The distribution message names the iteration the skmsg below is sent at.
            let skdm = padded(&skdm_message(&group.jid, &record)?);
            let (skmsg, record) = record.encrypt(&padded(message))?;
            contact.sender_keys.insert(key.clone(), record);
            let skmsg = skmsg.serialized().to_vec();
            let mut stanzas = Vec::new();
            for device in member_devices(&st, &members) {
                let mut encs = Vec::new();
                let needs_key = st
                    .contacts
                    .get(&self.phone())
                    .is_some_and(|c| !c.skdm_sent.contains(&(key.clone(), device)));
                if needs_key {
                    let (ty, ct) = encrypt_direct(&mut st, self.phone(), device, None, &skdm)?;
                    encs.push(enc_node(ty, ct, None));
                }
                encs.push(enc_node("skmsg", skmsg.clone(), None));
                stanzas.push((device, needs_key, message_node(&envelope, encs)));
            }
            for (device, needs_key, node) in stanzas {
                if needs_key {
                    if let Some(c) = st.contacts.get_mut(&self.phone()) {
                        c.skdm_sent.insert((key.clone(), device));
                    }
                }
                st.enqueue(device, node);
            }
            self.remember(&mut st, &envelope, message, Some(&group.jid));
            envelope.id
        };
        server.shared.notify();
        Ok(id)
    }
}
