//! The primary phone (device 0) of each of our accounts, as a receiver: our clients fan out
//! to it like to any device of their own account, so it hands out a bundle and decrypts its
//! `deviceSentMessage` copies, which tests can read.

use std::collections::HashMap;

use wa_protocol::binary::Jid;
use wa_protocol::message::EncNode;
use wa_protocol::signal::{LocalIdentity, PreKeyBundle};

use crate::contact_devices::{read, ContactDevice, Envelope, ReceivedMessage};
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// One account's phone: its keys and what it read.
#[derive(Debug)]
pub(crate) struct OwnPhone {
    device: ContactDevice,
    received: Vec<ReceivedMessage>,
}

/// Our accounts' phones, by phone number, made when first fetched.
#[derive(Debug, Default)]
pub(crate) struct OwnPhones(HashMap<u64, OwnPhone>);

/// The phone number of `jid` when it names the phone of one of our accounts.
fn our_phone(st: &State, jid: &Jid) -> Option<u64> {
    let phone = jid.user.parse::<u64>().ok()?;
    let ours = jid.is_pn()
        && jid.device == 0
        && !st.contacts.contains_key(&phone)
        && st.devices.keys().any(|(p, _)| *p == phone);
    ours.then_some(phone)
}

/// The bundle of our account's phone `jid`, if it is one.
pub(crate) fn take_phone_bundle(st: &mut State, jid: &Jid) -> Option<PreKeyBundle> {
    let phone = our_phone(st, jid)?;
    Some(phone_device(st, phone).take_bundle())
}

/// The Signal side of account `phone`'s phone (made on first use): what it receives with and
/// sends with (history sync, app-state key shares).
pub(crate) fn phone_device(st: &mut State, phone: u64) -> &mut ContactDevice {
    &mut st
        .own_phones
        .0
        .entry(phone)
        .or_insert_with(|| OwnPhone {
            device: ContactDevice::new(LocalIdentity::generate(&mut rand::rngs::OsRng)),
            received: Vec::new(),
        })
        .device
}

/// The keys and the inbox of our account's phone `jid`, once it handed out a bundle.
pub(crate) fn phone_of<'a>(
    st: &'a mut State,
    jid: &Jid,
) -> Option<(&'a mut ContactDevice, &'a mut Vec<ReceivedMessage>)> {
    let phone = our_phone(st, jid)?;
    st.own_phones
        .0
        .get_mut(&phone)
        .map(|p| (&mut p.device, &mut p.received))
}

/// Whether our account's phone `jid` handed out a bundle (and so has a session to read with).
pub(crate) fn has_phone(st: &State, jid: &Jid) -> bool {
    our_phone(st, jid).is_some_and(|p| st.own_phones.0.contains_key(&p))
}

/// Decrypts `enc` for our account's phone `to`; false when `to` is not one that handed out
/// a bundle.
pub(crate) fn receive_on_phone(
    st: &mut State,
    sender: DeviceKey,
    to: &Jid,
    env: &Envelope<'_>,
    enc: &EncNode,
) -> bool {
    let Some(phone) = our_phone(st, to) else {
        return false;
    };
    let Some(entry) = st.own_phones.0.get_mut(&phone) else {
        return false;
    };
    let record = read(&mut entry.device, None, sender, to, env, enc);
    entry.received.push(record.clone());
    crate::history_on_demand::answer_on_demand(st, sender, &record);
    true
}

impl FakeServer {
    /// What the phone of our account `account` (any of its JIDs) decrypted of what our
    /// clients sent, in arrival order.
    pub fn phone_received(&self, account: &Jid) -> Vec<ReceivedMessage> {
        let st = self.shared.state();
        account
            .user
            .parse::<u64>()
            .ok()
            .and_then(|p| st.own_phones.0.get(&p))
            .map(|p| p.received.clone())
            .unwrap_or_default()
    }
}
