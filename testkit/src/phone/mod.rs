//! The simulated primary phone: its identity and its accounts' JIDs. The phone's side of the
//! pairing crypto is the protocol crate's (`wa_protocol::pairing::{adv_primary,
//! code_primary}`, beside the companion's); [`adv`] only adds the deliberate forgeries.

pub(crate) mod adv;

use wa_protocol::binary::Jid;
use wa_protocol::crypto::KeyPair;

/// How far LID users are from phone numbers on this server (any fixed distance will do; the
/// shortcut `FakeServer::provision` uses the same one).
pub(crate) const LID_OFFSET: u64 = 100_000_000_000;

/// A primary phone: one phone number, one identity key, devices numbered from 1.
#[derive(Debug, Clone)]
pub(crate) struct Phone {
    /// The phone number (JID user).
    pub number: u64,
    /// The account's identity key pair (signs every companion's device identity).
    pub identity: KeyPair,
    /// The account's raw id (`ADVDeviceIdentity.rawId`), fixed per account.
    pub raw_id: u32,
    /// The device id the next companion gets.
    pub next_device: u16,
}

impl Phone {
    /// A new phone for `number` with a fresh identity.
    pub fn new(number: u64) -> Self {
        Self {
            number,
            identity: KeyPair::generate(&mut rand::rngs::OsRng),
            raw_id: rand::random(),
            next_device: 1,
        }
    }

    /// The phone-number JID of device `device`.
    pub fn jid(&self, device: u16) -> Jid {
        Jid::pn(self.number.to_string()).with_device(device)
    }

    /// The LID of device `device`.
    pub fn lid(&self, device: u16) -> Jid {
        lid_of(self.number).with_device(device)
    }
}

/// The LID user of phone number `number`.
pub(crate) fn lid_of(number: u64) -> Jid {
    Jid::lid(number.saturating_add(LID_OFFSET).to_string())
}
