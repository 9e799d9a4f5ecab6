//! How one-time prekeys are stored: the row key is the id, the value only the 32-byte private
//! key. A new device keeps 812 of them for as long as the server may hand them out, so the
//! versioned record (`PreKey::to_bytes`: tag, version, id again, private key) would be a
//! quarter larger in every store for nothing; the public half is derived when a `pkmsg`
//! needs the key. Rows written before this form are still read.

use wa_protocol::crypto::KeyPair;
use wa_protocol::signal::{PreKey, SignalError};
use zeroize::Zeroizing;

/// The stored value of `key`: its private half.
pub(crate) fn encode(key: &PreKey) -> Vec<u8> {
    let private = Zeroizing::new(key.key_pair.private.to_bytes());
    private.to_vec()
}

/// Reads the prekey `id` from its stored value (the compact form or a versioned record).
pub(crate) fn decode(id: u32, value: &[u8]) -> Result<PreKey, SignalError> {
    match <[u8; 32]>::try_from(value) {
        Ok(private) => {
            let private = Zeroizing::new(private);
            Ok(PreKey {
                id,
                key_pair: KeyPair::from_private_bytes(*private),
            })
        }
        Err(_) => PreKey::from_bytes(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_form_round_trips_and_old_records_still_read() {
        let key = PreKey::generate(7, &mut rand::rngs::OsRng);
        let stored = encode(&key);
        assert_eq!(stored.len(), 32);
        assert_eq!(decode(7, &stored).unwrap(), key);
        assert_eq!(decode(7, &key.to_bytes()).unwrap(), key);
        assert!(decode(7, &[1, 2, 3]).is_err());
    }
}
