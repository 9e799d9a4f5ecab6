//! The four MACs of app-state.md §5 and the vectors README §4.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::keys::ExpandedKeys;
use super::lthash::LtHash;
use crate::crypto::hmac_sha256::HmacKey;

/// Bytes of every MAC kept on the wire.
pub const MAC_LEN: usize = 32;

fn hmac256(key: &[u8], parts: &[&[u8]]) -> [u8; MAC_LEN] {
    HmacKey::new(key).mac(parts)
}

/// HMAC-SHA256 of the index JSON under the index key.
pub fn index_mac(index_key: &[u8; 32], index_json: &[u8]) -> [u8; MAC_LEN] {
    HmacKey::new32(index_key).mac(&[index_json])
}

/// The value MAC: HMAC-SHA512 over `op+1 ‖ keyId ‖ iv‖ciphertext ‖ u64be(len(keyId)+1)`,
/// first 32 bytes. `operation` is 0 for SET, 1 for REMOVE.
pub fn value_mac(
    value_mac_key: &[u8; 32],
    operation: u8,
    key_id: &[u8],
    iv_and_ciphertext: &[u8],
) -> [u8; MAC_LEN] {
    let mac = Hmac::<Sha512>::new_from_slice(value_mac_key).expect("any key length");
    value_mac_from(mac, operation, key_id, iv_and_ciphertext)
}

fn value_mac_from(
    mut mac: Hmac<Sha512>,
    operation: u8,
    key_id: &[u8],
    iv_and_ciphertext: &[u8],
) -> [u8; MAC_LEN] {
    mac.update(&[operation.wrapping_add(1)]);
    mac.update(key_id);
    mac.update(iv_and_ciphertext);
    mac.update(&(key_id.len() as u64 + 1).to_be_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// The value-MAC and index-MAC keys of one key id, keyed once for all the records under it:
/// keying costs two compressions per MAC (SHA-512 and SHA-256), a quarter of a record's MAC
/// work before the LTHash (callgrind, side-by-side `appstate/patch_*`).
pub(crate) struct RecordMacKeys {
    value: Hmac<Sha512>,
    index: HmacKey,
}

impl RecordMacKeys {
    pub(crate) fn new(keys: &ExpandedKeys) -> Self {
        Self {
            value: Hmac::<Sha512>::new_from_slice(&keys.value_mac).expect("any key length"),
            index: HmacKey::new32(&keys.index),
        }
    }

    /// [`value_mac`] under these keys.
    pub(crate) fn value_mac(&self, operation: u8, key_id: &[u8], blob: &[u8]) -> [u8; MAC_LEN] {
        value_mac_from(self.value.clone(), operation, key_id, blob)
    }

    /// [`index_mac`] under these keys.
    pub(crate) fn index_mac(&self, index_json: &[u8]) -> [u8; MAC_LEN] {
        self.index.mac(&[index_json])
    }
}

/// The snapshot MAC of a collection state: `HMAC-SHA256(ltHash ‖ u64be(version) ‖ name)`.
pub fn snapshot_mac(
    snapshot_mac_key: &[u8; 32],
    hash: &LtHash,
    version: u64,
    collection: &str,
) -> [u8; MAC_LEN] {
    hmac256(
        snapshot_mac_key,
        &[
            hash.as_bytes(),
            &version.to_be_bytes(),
            collection.as_bytes(),
        ],
    )
}

/// The patch MAC: `HMAC-SHA256(snapshotMac ‖ valueMac… ‖ u64be(version) ‖ name)`.
pub fn patch_mac<'a>(
    patch_mac_key: &[u8; 32],
    snapshot_mac: &[u8],
    value_macs: impl IntoIterator<Item = &'a [u8]>,
    version: u64,
    collection: &str,
) -> [u8; MAC_LEN] {
    let mut mac = Hmac::<Sha256>::new_from_slice(patch_mac_key).expect("any key length");
    mac.update(snapshot_mac);
    for v in value_macs {
        mac.update(v);
    }
    mac.update(&version.to_be_bytes());
    mac.update(collection.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Constant-time comparison of a computed MAC with one from the wire.
pub fn mac_eq(computed: &[u8; MAC_LEN], received: &[u8]) -> bool {
    received.len() == MAC_LEN && bool::from(computed.ct_eq(received))
}
