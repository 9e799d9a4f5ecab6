//! Deciding how many prekeys to upload, and generating and persisting them.

use wa_protocol::signal::PreKey;
use wa_protocol::stanza::prekeys::next_prekey_id;

use super::PreKeyConfig;
use crate::store::{Batch, Namespace};

/// Key of the next prekey id in [`Namespace::SIGNAL_META`].
pub(crate) const NEXT_PREKEY_ID: &[u8] = b"next_prekey_id";

/// How many keys to upload when the server reports `server_count`; `local_empty` is true when
/// this device never generated any (a fresh pairing gets the large first batch).
pub(crate) fn upload_size(config: &PreKeyConfig, server_count: u32, local_empty: bool) -> u32 {
    if server_count >= config.min {
        0
    } else if server_count == 0 && local_empty {
        config.initial
    } else {
        config.refill
    }
}

/// The id stored under [`NEXT_PREKEY_ID`], or 1 for a device that has none yet.
pub(crate) fn parse_next_id(stored: Option<&[u8]>) -> u32 {
    stored
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .filter(|id| *id != 0)
        .unwrap_or(1)
}

/// `count` fresh keys starting at `first_id`, and the batch that stores them with the id to
/// continue from.
pub(crate) fn generate(
    first_id: u32,
    count: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> (Vec<PreKey>, Batch) {
    let mut id = first_id;
    let mut keys = Vec::with_capacity(count as usize);
    let mut batch = Batch::new();
    for _ in 0..count {
        let key = PreKey::generate(id, rng);
        batch = batch.put(
            Namespace::PRE_KEYS,
            id.to_be_bytes().to_vec(),
            key.to_bytes(),
        );
        keys.push(key);
        id = next_prekey_id(id);
    }
    let batch = batch.put(
        Namespace::SIGNAL_META,
        NEXT_PREKEY_ID.to_vec(),
        id.to_be_bytes().to_vec(),
    );
    (keys, batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_sizes() {
        let c = PreKeyConfig::default();
        assert_eq!(upload_size(&c, 0, true), 812);
        assert_eq!(upload_size(&c, 0, false), 50);
        assert_eq!(upload_size(&c, 4, true), 50);
        assert_eq!(upload_size(&c, 5, false), 0);
    }

    #[test]
    fn ids_continue_and_are_stored_with_the_keys() {
        assert_eq!(parse_next_id(None), 1);
        assert_eq!(parse_next_id(Some(&[0, 0, 0, 0])), 1);
        assert_eq!(parse_next_id(Some(&[0, 0, 1, 0])), 256);
        assert_eq!(parse_next_id(Some(&[1, 2])), 1);
        let (keys, batch) = generate(10, 3, &mut rand::rngs::OsRng);
        assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [10, 11, 12]);
        assert_eq!(batch.ops.len(), 4);
        match batch.ops.last() {
            Some(crate::store::WriteOp::Put { ns, value, .. }) => {
                assert_eq!(*ns, Namespace::SIGNAL_META);
                assert_eq!(parse_next_id(Some(value)), 13);
            }
            other => panic!("unexpected last op {other:?}"),
        }
    }
}
