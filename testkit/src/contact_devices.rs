//! A contact's devices as receivers: each has its own keys (device 0 shares the contact's
//! identity, which it also sends with), hands out prekey bundles to whoever fetches them,
//! decrypts what our clients send it, and keeps what it read for the test.

use std::collections::{BTreeMap, HashMap};

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::message::{EncNode, EncType};
use wa_protocol::signal::{
    unpad, Incoming, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SenderKeyRecord,
    SessionRecord, SignedPreKey,
};

use crate::contact::{Contact, ContactState};
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// A message one of a contact's devices received from one of our clients, as it decrypted it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    /// The contact's device that got it.
    pub device: Jid,
    /// The sending device.
    pub from: Jid,
    /// The message id.
    pub id: String,
    /// The stanza's `type`.
    pub message_type: String,
    /// The stanza's `edit` (empty for none).
    pub edit: String,
    /// `pkmsg` or `msg`.
    pub enc_type: String,
    /// The `<enc mediatype>`, if any.
    pub media_type: Option<String>,
    /// The decrypted content, or why it could not be read.
    pub message: Result<wa::Message, String>,
    /// The group it was sent to, for a group message.
    pub group: Option<Jid>,
}

/// One device's receiving keys.
#[derive(Debug)]
pub(crate) struct ContactDevice {
    pub identity: LocalIdentity,
    pub signed: SignedPreKey,
    /// One-time prekeys handed out in bundles and not used yet.
    pub handed: Vec<PreKey>,
    pub next_prekey: u32,
    /// Sessions with our devices (device 0 uses the contact's own map instead, so sending
    /// and receiving share one session per peer, as on a real device).
    pub sessions: HashMap<DeviceKey, SessionRecord>,
    /// Sender keys our devices handed it, by (group JID string, sending device).
    pub sender_keys: HashMap<(String, DeviceKey), SenderKeyRecord>,
}

impl ContactDevice {
    pub(crate) fn new(identity: LocalIdentity) -> Self {
        let rng = &mut rand::rngs::OsRng;
        let signed = SignedPreKey::generate(&identity.key_pair, 1, rng);
        Self {
            identity,
            signed,
            handed: Vec::new(),
            next_prekey: 1,
            sessions: HashMap::new(),
            sender_keys: HashMap::new(),
        }
    }

    /// A bundle with a fresh one-time prekey (the contact never runs out).
    pub(crate) fn take_bundle(&mut self) -> PreKeyBundle {
        let prekey = PreKey::generate(self.next_prekey, &mut rand::rngs::OsRng);
        self.next_prekey += 1;
        let bundle = PreKeyBundle::for_local(&self.identity, &self.signed, Some(&prekey));
        self.handed.push(prekey);
        bundle
    }
}

/// The devices a new contact starts with: the phone (0).
pub(crate) fn initial_devices(identity: &LocalIdentity) -> BTreeMap<u16, ContactDevice> {
    BTreeMap::from([(0, ContactDevice::new(identity.clone()))])
}

pub(crate) fn contact_of<'a>(st: &'a mut State, jid: &Jid) -> Option<&'a mut ContactState> {
    if !jid.is_pn() {
        return None;
    }
    st.contacts.get_mut(&jid.user.parse::<u64>().ok()?)
}

/// Whether the directory lists `device` for contact `phone` (`Contact::set_devices`).
fn listed(st: &State, phone: u64, device: u16) -> bool {
    device == 0
        || st
            .directory
            .contact_devices
            .get(&phone)
            .is_some_and(|set| set.contains(&device))
}

/// The bundle of contact device `jid`, if it is one. A device only listed for usync gets its
/// keys now, so every listed device can be sent to.
pub(crate) fn take_contact_bundle(st: &mut State, jid: &Jid) -> Option<PreKeyBundle> {
    let phone = jid.user.parse::<u64>().ok().filter(|_| jid.is_pn())?;
    let is_listed = listed(st, phone, jid.device);
    let contact = st.contacts.get_mut(&phone)?;
    if !contact.devices.contains_key(&jid.device) && !is_listed {
        return None;
    }
    let device = contact
        .devices
        .entry(jid.device)
        .or_insert_with(|| ContactDevice::new(LocalIdentity::generate(&mut rand::rngs::OsRng)));
    Some(device.take_bundle())
}

/// Every device of contact `user`: those with keys and those only listed for usync.
pub(crate) fn contact_device_jids(st: &State, user: &Jid) -> Vec<Jid> {
    let Some(phone) = user.user.parse::<u64>().ok().filter(|_| user.is_pn()) else {
        return Vec::new();
    };
    let Some(c) = st.contacts.get(&phone) else {
        return Vec::new();
    };
    let mut ids: Vec<u16> = c.devices.keys().copied().collect();
    ids.extend(
        st.directory
            .contact_devices
            .get(&phone)
            .into_iter()
            .flatten(),
    );
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|d| Jid::pn(user.user.clone()).with_device(d))
        .collect()
}

/// What the contact needs to know about the stanza an `<enc>` came in.
pub(crate) struct Envelope<'a> {
    pub id: &'a str,
    pub message_type: &'a str,
    pub edit: &'a str,
    pub from: &'a Jid,
}

/// Decrypts `enc`, sent by our device `sender` to contact device `to`, and records it. False
/// when `to` is not a contact device.
pub(crate) fn receive(
    st: &mut State,
    sender: DeviceKey,
    to: &Jid,
    env: &Envelope<'_>,
    enc: &EncNode,
) -> bool {
    let Some(contact) = contact_of(st, to) else {
        return false;
    };
    let ContactState {
        devices,
        sessions: phone_sessions,
        received,
        ..
    } = contact;
    let Some(device) = devices.get_mut(&to.device) else {
        return false;
    };
    let shared = (to.device == 0).then_some(phone_sessions);
    let record = read(device, shared, sender, to, env, enc);
    // A real device keeps one message per id: a client's re-send after a lost ack advances
    // the session (it was decrypted above) but is not a second message. An answer to a retry
    // receipt (`<enc count>`) is recorded, as the tests that drive retries read it.
    let seen = enc.retry_count.is_none()
        && received.iter().any(|r| {
            r.id == record.id
                && r.device == record.device
                && r.from == record.from
                && r.message.is_ok()
        });
    if !seen {
        received.push(record);
    }
    true
}

/// Decrypts `enc` from our device `sender` on `device` (with `shared` sessions, or the
/// device's own), consuming the one-time prekey it used, and says what was read.
pub(crate) fn read(
    device: &mut ContactDevice,
    shared: Option<&mut HashMap<DeviceKey, SessionRecord>>,
    sender: DeviceKey,
    to: &Jid,
    env: &Envelope<'_>,
    enc: &EncNode,
) -> ReceivedMessage {
    let identity = device.identity.clone();
    let prekeys = PreKeySet {
        signed: vec![device.signed.clone()],
        one_time: device.handed.clone(),
    };
    let sessions = match shared {
        Some(s) => s,
        None => &mut device.sessions,
    };
    let result = decrypt(&identity, &prekeys, sessions, sender, enc);
    if let Ok((_, Some(id))) = &result {
        device.handed.retain(|k| k.id != *id);
    }
    ReceivedMessage {
        device: to.clone(),
        from: env.from.clone(),
        id: env.id.to_owned(),
        message_type: env.message_type.to_owned(),
        edit: env.edit.to_owned(),
        enc_type: enc.enc_type.as_wire().to_owned(),
        media_type: enc.media_type.clone(),
        message: result.map(|(m, _)| m),
        group: None,
    }
}

/// Decrypts a 1:1 `<enc>` from our device `sender` on `device` (with `shared` sessions, or
/// the device's own), consuming the one-time prekey it used.
pub(crate) fn decrypt_direct(
    device: &mut ContactDevice,
    shared: Option<&mut HashMap<DeviceKey, SessionRecord>>,
    sender: DeviceKey,
    enc: &EncNode,
) -> Result<wa::Message, String> {
    let identity = device.identity.clone();
    let prekeys = PreKeySet {
        signed: vec![device.signed.clone()],
        one_time: device.handed.clone(),
    };
    let sessions = match shared {
        Some(s) => s,
        None => &mut device.sessions,
    };
    let (message, consumed) = decrypt(&identity, &prekeys, sessions, sender, enc)?;
    if let Some(id) = consumed {
        device.handed.retain(|k| k.id != id);
    }
    Ok(message)
}

fn decrypt(
    identity: &LocalIdentity,
    prekeys: &PreKeySet,
    sessions: &mut HashMap<DeviceKey, SessionRecord>,
    sender: DeviceKey,
    enc: &EncNode,
) -> Result<(wa::Message, Option<u32>), String> {
    let incoming = match enc.enc_type {
        EncType::PreKey => Incoming::PreKey(&enc.ciphertext),
        EncType::Whisper => Incoming::Whisper(&enc.ciphertext),
        ref other => return Err(format!("unexpected <enc type={}>", other.as_wire())),
    };
    let record = sessions.get(&sender).cloned().unwrap_or_default();
    let d = record
        .decrypt(identity, prekeys, incoming, &mut rand::rngs::OsRng)
        .map_err(|e| e.to_string())?;
    sessions.insert(sender, d.record);
    let plain = unpad(&d.plaintext).map_err(|e| e.to_string())?;
    let message = wa::Message::decode(plain).map_err(|e| e.to_string())?;
    Ok((message, d.consumed_prekey))
}

impl Contact {
    /// Adds companion device `device` with its own keys: usync lists it and its bundle can
    /// be fetched at once. Returns its JID.
    pub fn add_device(&self, server: &FakeServer, device: u16) -> Jid {
        {
            let mut st = server.shared.state();
            if let Some(c) = st.contacts.get_mut(&self.phone()) {
                c.devices.entry(device).or_insert_with(|| {
                    ContactDevice::new(LocalIdentity::generate(&mut rand::rngs::OsRng))
                });
            }
            if device != 0 {
                st.directory
                    .contact_devices
                    .entry(self.phone())
                    .or_default()
                    .insert(device);
            }
        }
        server.shared.notify();
        self.jid().clone().with_device(device)
    }

    /// Every device of this contact (the phone first).
    pub fn devices(&self, server: &FakeServer) -> Vec<Jid> {
        contact_device_jids(&server.shared.state(), self.jid())
    }

    /// What the contact's devices received from our clients, in arrival order.
    pub fn received(&self, server: &FakeServer) -> Vec<ReceivedMessage> {
        server
            .shared
            .state()
            .contacts
            .get(&self.phone())
            .map(|c| c.received.clone())
            .unwrap_or_default()
    }

    /// Waits until the contact's devices received at least `n` messages.
    pub async fn wait_for_received(
        &self,
        server: &FakeServer,
        n: usize,
        timeout: std::time::Duration,
    ) -> Result<Vec<ReceivedMessage>, crate::TestkitError> {
        let phone = self.phone();
        server
            .wait_until(
                &format!("{n} messages received by {phone}"),
                timeout,
                |st| {
                    st.contacts
                        .get(&phone)
                        .is_some_and(|c| c.received.len() >= n)
                },
            )
            .await?;
        Ok(self.received(server))
    }
}
