//! One-time prekeys: keeping enough of them on the server that contacts can always start a
//! Signal session with this device.
//!
//! The `PreKeys` actor is a child of `ConnSup`, started once a paired device logged in. It asks
//! the server how many keys it still holds and uploads more when fewer than
//! [`PreKeyConfig::min`] are left, again whenever the server sends a low-count notification.
//! Ids come from one counter the store advances atomically ([`Store::reserve_ids`]), shared
//! with the Signal actor's retry receipts, and new keys are stored insert-only *before* the
//! upload, so a `pkmsg` to any key the server hands out always finds its private key here and
//! no key already handed out is ever replaced.
//!
//! [`Store::reserve_ids`]: crate::store::Store::reserve_ids

mod actor;
pub(crate) mod plan;
pub(crate) mod stored;

pub(crate) use actor::{PreKeys, PreKeysArgs, PreKeysHandle, PreKeysMsg};

/// How many prekeys to keep on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreKeyConfig {
    /// Upload more when the server has fewer than this (whatsmeow `MinPreKeyCount` = 5).
    pub min: u32,
    /// How many a refill uploads (whatsmeow `WantedPreKeyCount` = 50).
    pub refill: u32,
    /// How many the first upload of a new device carries (whatsmeow and Baileys: 812).
    pub initial: u32,
}

impl Default for PreKeyConfig {
    fn default() -> Self {
        use wa_protocol::stanza::prekeys::{
            INITIAL_PREKEY_COUNT, MIN_PREKEY_COUNT, WANTED_PREKEY_COUNT,
        };
        Self {
            min: MIN_PREKEY_COUNT,
            refill: WANTED_PREKEY_COUNT,
            initial: INITIAL_PREKEY_COUNT,
        }
    }
}
