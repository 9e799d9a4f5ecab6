//! Contacts: other WhatsApp users, each with its own Signal identity, who send our devices
//! end-to-end encrypted messages through the server.
//!
//! A contact encrypts as libsignal does: the first message to a device starts a session from
//! the device's prekey bundle (fetched from the server, consuming a one-time prekey), and
//! since our client never answers a contact, every later message is still a `pkmsg` carrying
//! the same prekey ids and base key (libsignal keeps the pending prekey until the peer
//! replies; so does `SessionRecord::encrypt`).

use std::collections::{BTreeMap, HashMap, HashSet};

use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::crypto::PublicKey;
use wa_protocol::signal::{pad, LocalIdentity, PreKeyBundle, SenderKeyRecord, SessionRecord};

use crate::contact_devices::{initial_devices, ContactDevice, ReceivedMessage};
use crate::envelope::{corrupt, enc_node, message_kind, message_node, padded, Envelope, MessageId};
use crate::error::TestkitError;
use crate::phone::lid_of;
use crate::prekeys::take_bundle;
use crate::server::{unix_now, FakeServer};
use crate::state::{DeviceKey, State};

/// A contact: a handle on a user the server simulates (its keys and sessions live in the
/// server). Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    phone: u64,
    jid: Jid,
    lid: Jid,
}

/// A message a contact sent, kept so it can be re-sent after a retry receipt.
#[derive(Debug, Clone)]
pub(crate) struct SentMessage {
    pub envelope: Envelope,
    pub message: wa::Message,
    /// The group it was sent to, if any.
    pub group: Option<Jid>,
}

/// A contact's secrets and sessions, held by the server.
#[derive(Debug)]
pub(crate) struct ContactState {
    pub push_name: String,
    pub identity: LocalIdentity,
    /// Sessions with our devices.
    pub sessions: HashMap<DeviceKey, SessionRecord>,
    /// Our own sender key per group (by group JID string).
    pub sender_keys: HashMap<String, SenderKeyRecord>,
    /// (group, device) pairs that already have our sender key.
    pub skdm_sent: HashSet<(String, DeviceKey)>,
    /// Everything sent, by message id.
    pub sent: HashMap<String, SentMessage>,
    /// Re-sends per (message id, device).
    pub resends: HashMap<(String, DeviceKey), u32>,
    /// Whether stanzas name the contact's LID too.
    pub announce_lid: bool,
    /// The contact's devices as receivers, by device id (0: the phone).
    pub devices: BTreeMap<u16, ContactDevice>,
    /// What its devices received from our clients.
    pub received: Vec<ReceivedMessage>,
}

impl ContactState {
    fn new(push_name: String) -> Self {
        let identity = LocalIdentity::generate(&mut rand::rngs::OsRng);
        Self {
            push_name,
            devices: initial_devices(&identity),
            received: Vec::new(),
            identity,
            sessions: HashMap::new(),
            sender_keys: HashMap::new(),
            skdm_sent: HashSet::new(),
            sent: HashMap::new(),
            resends: HashMap::new(),
            announce_lid: false,
        }
    }
}

/// Encrypts `plaintext` (padded) for `device` with `phone`'s session, starting one from
/// `bundle` when given, else from the device's bundle on the server when there is none.
/// Returns the `<enc type>` and the ciphertext.
pub(crate) fn encrypt_direct(
    st: &mut State,
    phone: u64,
    device: DeviceKey,
    fresh: Option<PreKeyBundle>,
    plaintext: &[u8],
) -> Result<(&'static str, Vec<u8>), TestkitError> {
    let has_session = st
        .contacts
        .get(&phone)
        .ok_or(TestkitError::UnknownContact(phone))?
        .sessions
        .get(&device)
        .is_some_and(SessionRecord::has_session);
    let bundle = match fresh {
        Some(b) => Some(b),
        None if has_session => None,
        None => Some(take_bundle(st, device).ok_or_else(|| no_prekeys(st, device))?),
    };
    let contact = st
        .contacts
        .get_mut(&phone)
        .ok_or(TestkitError::UnknownContact(phone))?;
    let mut session = contact.sessions.get(&device).cloned().unwrap_or_default();
    if let Some(bundle) = bundle {
        session = session.initiate(&contact.identity, &bundle, &mut rand::rngs::OsRng)?;
    }
    let (ciphertext, session) = session.encrypt(plaintext)?;
    contact.sessions.insert(device, session);
    Ok((ciphertext.enc_type(), ciphertext.serialized().to_vec()))
}

fn no_prekeys(st: &State, device: DeviceKey) -> TestkitError {
    TestkitError::NoPrekeys(device_jid(st, device))
}

/// The phone-number JID of a registered device.
pub(crate) fn device_jid(st: &State, device: DeviceKey) -> Jid {
    st.devices
        .get(&device)
        .map(|d| d.jid.clone())
        .unwrap_or_else(|| Jid::pn(device.0.to_string()))
}

impl FakeServer {
    /// Adds a contact with phone number `phone` (JID `phone@s.whatsapp.net`, device 0) and a
    /// fresh Signal identity, push name `Contact <phone>`. Adding the same number again
    /// returns the existing contact.
    pub fn add_contact(&self, phone: u64) -> Contact {
        self.add_named_contact(phone, &format!("Contact {phone}"))
    }

    /// As [`FakeServer::add_contact`], with a push name.
    pub fn add_named_contact(&self, phone: u64, push_name: &str) -> Contact {
        let jid = Jid::pn(phone.to_string());
        self.shared
            .state()
            .contacts
            .entry(phone)
            .or_insert_with(|| ContactState::new(push_name.to_owned()));
        Contact {
            phone,
            jid,
            lid: lid_of(phone),
        }
    }
}

impl Contact {
    /// The contact's phone number.
    pub fn phone(&self) -> u64 {
        self.phone
    }

    /// `phone@s.whatsapp.net`: its chat JID and its only device (0).
    pub fn jid(&self) -> &Jid {
        &self.jid
    }

    /// Its LID (not used in stanzas unless a test puts it there).
    pub fn lid(&self) -> &Jid {
        &self.lid
    }

    /// Its identity public key (what our client should store for it).
    pub fn identity_key(&self, server: &FakeServer) -> Option<PublicKey> {
        let st = server.shared.state();
        st.contacts
            .get(&self.phone)
            .map(|c| c.identity.key_pair.public)
    }

    /// Its current push name (the `notify` of its next message).
    pub fn push_name(&self, server: &FakeServer) -> Option<String> {
        let st = server.shared.state();
        st.contacts.get(&self.phone).map(|c| c.push_name.clone())
    }

    /// Changes its push name: later stanzas carry the new `notify` (how a push-name change
    /// reaches the client).
    pub fn set_push_name(&self, server: &FakeServer, name: &str) {
        if let Some(c) = server.shared.state().contacts.get_mut(&self.phone) {
            c.push_name = name.to_owned();
        }
    }

    /// Makes later messages name the contact's LID as well (`sender_lid`, or
    /// `participant_lid` in groups), as the server does for contacts it knows by LID; the
    /// receiver then keys the contact's Signal session by the LID (signal.md §9).
    pub fn set_lid_addressing(&self, server: &FakeServer, on: bool) {
        if let Some(c) = server.shared.state().contacts.get_mut(&self.phone) {
            c.announce_lid = on;
        }
    }

    /// Sends `message` to every registered device of our user `user` (any device of it may
    /// be named), one stanza per device under one id, as a real sender fans out. Fails when
    /// the user has no registered device or one of them has no prekeys.
    pub fn send_message_to_user(
        &self,
        server: &FakeServer,
        user: &Jid,
        message: &wa::Message,
    ) -> Result<MessageId, TestkitError> {
        let id = {
            let mut st = server.shared.state();
            let mut devices: Vec<DeviceKey> = st
                .devices
                .iter()
                .filter(|(_, d)| d.jid.same_user(user) || d.lid.same_user(user))
                .map(|(k, _)| *k)
                .collect();
            devices.sort_unstable();
            if devices.is_empty() {
                return Err(TestkitError::UnknownDevice(user.clone()));
            }
            let envelope = self.envelope(&st, message, None)?;
            let plaintext = padded(message);
            let mut stanzas = Vec::new();
            for device in devices {
                let (enc_type, ciphertext) =
                    encrypt_direct(&mut st, self.phone, device, None, &plaintext)?;
                stanzas.push((
                    device,
                    message_node(&envelope, vec![enc_node(enc_type, ciphertext, None)]),
                ));
            }
            self.remember(&mut st, &envelope, message, None);
            for (device, node) in stanzas {
                st.enqueue(device, node);
            }
            envelope.id
        };
        server.shared.notify();
        Ok(id)
    }

    /// Sends `text` as `Message{conversation}` to our device `to` (see
    /// [`Contact::send_message`]).
    pub fn send_text(
        &self,
        server: &FakeServer,
        to: &Jid,
        text: &str,
    ) -> Result<MessageId, TestkitError> {
        self.send_message(server, to, &text_message(text))
    }

    /// Encrypts `message` for our device `to` (phone-number or LID JID with device) and
    /// queues `<message id from type t notify><enc v="2" type="pkmsg|msg">…</enc></message>`
    /// for it. Fails when `to` is not a registered device or has no prekeys to start a
    /// session from.
    pub fn send_message(
        &self,
        server: &FakeServer,
        to: &Jid,
        message: &wa::Message,
    ) -> Result<MessageId, TestkitError> {
        self.send_direct(server, to, message, false)
    }

    /// Sends `text` whose first delivery is undecryptable (the ciphertext's last byte
    /// flipped); the re-send after the client's retry receipt is sound.
    pub fn send_corrupted_text(
        &self,
        server: &FakeServer,
        to: &Jid,
        text: &str,
    ) -> Result<MessageId, TestkitError> {
        self.send_direct(server, to, &text_message(text), true)
    }

    /// Sends `encoded`, a `Message` protobuf as bytes, to our device `to` like
    /// [`Contact::send_message`]: for content that `wa::Message` cannot build, such as fields
    /// from a newer schema. The stanza's `type` and any resend use what `wa::Message` decodes
    /// of it; fails with [`TestkitError::BadMessage`] when it does not decode at all.
    pub fn send_message_bytes(
        &self,
        server: &FakeServer,
        to: &Jid,
        encoded: &[u8],
    ) -> Result<MessageId, TestkitError> {
        let message =
            <wa::Message as prost::Message>::decode(encoded).map_err(TestkitError::BadMessage)?;
        let plaintext = pad(encoded, &mut rand::rngs::OsRng);
        self.send_direct_padded(server, to, &message, plaintext, false)
    }

    fn send_direct(
        &self,
        server: &FakeServer,
        to: &Jid,
        message: &wa::Message,
        corrupted: bool,
    ) -> Result<MessageId, TestkitError> {
        self.send_direct_padded(server, to, message, padded(message), corrupted)
    }

    fn send_direct_padded(
        &self,
        server: &FakeServer,
        to: &Jid,
        message: &wa::Message,
        plaintext: Vec<u8>,
        corrupted: bool,
    ) -> Result<MessageId, TestkitError> {
        let id = {
            let mut st = server.shared.state();
            let device = st
                .device_key(to)
                .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
            let envelope = self.envelope(&st, message, None)?;
            let (enc_type, mut ciphertext) =
                encrypt_direct(&mut st, self.phone, device, None, &plaintext)?;
            if corrupted {
                corrupt(&mut ciphertext);
            }
            let node = message_node(&envelope, vec![enc_node(enc_type, ciphertext, None)]);
            self.remember(&mut st, &envelope, message, None);
            st.enqueue(device, node);
            envelope.id
        };
        server.shared.notify();
        Ok(id)
    }

    /// A new envelope from this contact: to itself as the chat, or in `group`.
    pub(crate) fn envelope(
        &self,
        st: &State,
        message: &wa::Message,
        group: Option<&Jid>,
    ) -> Result<Envelope, TestkitError> {
        let contact = st
            .contacts
            .get(&self.phone)
            .ok_or(TestkitError::UnknownContact(self.phone))?;
        let now = unix_now();
        Ok(Envelope {
            id: MessageId::generate(now, &self.jid.user),
            from: group.cloned().unwrap_or_else(|| self.jid.clone()),
            participant: group.map(|_| self.jid.clone()),
            t: now,
            kind: message_kind(message),
            notify: contact.push_name.clone(),
            sender_lid: contact.announce_lid.then(|| self.lid.clone()),
        })
    }

    pub(crate) fn remember(
        &self,
        st: &mut State,
        envelope: &Envelope,
        message: &wa::Message,
        group: Option<&Jid>,
    ) {
        if let Some(c) = st.contacts.get_mut(&self.phone) {
            c.sent.insert(
                envelope.id.0.clone(),
                SentMessage {
                    envelope: envelope.clone(),
                    message: message.clone(),
                    group: group.cloned(),
                },
            );
        }
    }
}

/// `Message{conversation: text}`.
pub fn text_message(text: &str) -> wa::Message {
    wa::Message {
        conversation: Some(text.to_owned()),
        ..Default::default()
    }
}
