//! Key expansion (app-state.md §2): one 32-byte shared key becomes five 32-byte keys through
//! HKDF-SHA256 under "WhatsApp Mutation Keys".

use std::collections::{BTreeMap, HashMap};

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

const INFO: &[u8] = b"WhatsApp Mutation Keys";

/// The five keys derived from one app-state sync key. Zeroized on drop; `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ExpandedKeys {
    /// HMAC-SHA256 key of index MACs (bytes 0..32).
    pub index: [u8; 32],
    /// AES-256-CBC key of values (32..64).
    pub value_encryption: [u8; 32],
    /// HMAC-SHA512 key of value MACs (64..96).
    pub value_mac: [u8; 32],
    /// HMAC-SHA256 key of snapshot MACs (96..128).
    pub snapshot_mac: [u8; 32],
    /// HMAC-SHA256 key of patch MACs (128..160).
    pub patch_mac: [u8; 32],
}

impl ExpandedKeys {
    /// Expands the `keyData` of an `AppStateSyncKey`.
    pub fn expand(key_data: &[u8]) -> ExpandedKeys {
        let mut out = [0u8; 160];
        Hkdf::<Sha256>::new(None, key_data)
            .expand(INFO, &mut out)
            .expect("160 bytes is under HKDF-SHA256's limit");
        let mut keys = ExpandedKeys {
            index: [0; 32],
            value_encryption: [0; 32],
            value_mac: [0; 32],
            snapshot_mac: [0; 32],
            patch_mac: [0; 32],
        };
        keys.index.copy_from_slice(&out[..32]);
        keys.value_encryption.copy_from_slice(&out[32..64]);
        keys.value_mac.copy_from_slice(&out[64..96]);
        keys.snapshot_mac.copy_from_slice(&out[96..128]);
        keys.patch_mac.copy_from_slice(&out[128..]);
        out.zeroize();
        keys
    }
}

impl std::fmt::Debug for ExpandedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExpandedKeys(..)")
    }
}

/// Where the decoder finds the keys named by key ids.
pub trait KeySource {
    /// The expanded keys for `key_id`, if held.
    fn keys(&self, key_id: &[u8]) -> Option<&ExpandedKeys>;
}

impl KeySource for HashMap<Vec<u8>, ExpandedKeys> {
    fn keys(&self, key_id: &[u8]) -> Option<&ExpandedKeys> {
        self.get(key_id)
    }
}

impl KeySource for BTreeMap<Vec<u8>, ExpandedKeys> {
    fn keys(&self, key_id: &[u8]) -> Option<&ExpandedKeys> {
        self.get(key_id)
    }
}

/// A single key under its id.
impl KeySource for (Vec<u8>, ExpandedKeys) {
    fn keys(&self, key_id: &[u8]) -> Option<&ExpandedKeys> {
        (self.0 == key_id).then_some(&self.1)
    }
}
