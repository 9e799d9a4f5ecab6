//! App-state paths against wacore-appstate 0.7: the LTHash update, a server patch and a
//! snapshot, each from its protobuf bytes to verified, decrypted mutations.
//!
//! The inputs are built once with our encoder from fixed keys and IVs: a `regular` collection
//! of [`LIVE`] chats (pin, mute and archive actions), then a patch of [`PATCH`] SETs, half of
//! them overwriting a live record (so both sides look up and subtract the previous value MAC).
//! `check` asserts that both libraries expand the same keys, accept both MACs of the patch and
//! the snapshot, decode the same indexes and reach the same LTHash.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::appstate::{
    decode_patch, decode_snapshot, encode, CollectionState, ExpandedKeys, LtHash, Operation,
    OutgoingMutation,
};
use wacore_appstate::hash::HashState;
use wacore_appstate::processor::{process_patch, process_snapshot};
use wacore_appstate::{expand_app_state_keys, ExpandedAppStateKeys, WAPATCH_INTEGRITY};
use waproto::buffa::Message as _;
use waproto::whatsapp as wc;

use crate::Path;

/// Records in the collection before the patch.
const LIVE: usize = 200;
/// Mutations in the patch.
const PATCH: usize = 20;
const COLLECTION: &str = "regular";
const KEY_ID: &[u8] = &[0, 0, 0, 7];
const KEY_DATA: [u8; 32] = [0x5a; 32];

fn chat(i: usize) -> String {
    format!("{}@s.whatsapp.net", 4_915_100_000_000u64 + i as u64)
}

/// The `i`th chat's action, rotating through pin, mute and archive.
fn mutation(i: usize, round: u8) -> OutgoingMutation {
    let ts = 1_700_000_000_000 + i as i64 * 1000 + i64::from(round);
    let mut value = wa::SyncActionValue {
        timestamp: Some(ts),
        ..Default::default()
    };
    let index = match i % 3 {
        0 => {
            value.pin_action = Some(wa::PinAction {
                pinned: Some(round.is_multiple_of(2)),
            });
            vec!["pin_v1".to_string(), chat(i)]
        }
        1 => {
            value.mute_action = Some(wa::MuteAction {
                muted: Some(true),
                mute_end_timestamp: Some(ts + 8 * 3600 * 1000),
                ..Default::default()
            });
            vec!["mute".to_string(), chat(i)]
        }
        _ => {
            value.archive_chat_action = Some(wa::ArchiveChatAction {
                archived: Some(round.is_multiple_of(2)),
                ..Default::default()
            });
            vec!["archive".to_string(), chat(i)]
        }
    };
    let mut iv = [0u8; 16];
    iv[..8].copy_from_slice(&(i as u64).to_le_bytes());
    iv[15] = round;
    OutgoingMutation {
        operation: Operation::Set,
        index,
        value,
        version: 2,
        iv,
    }
}

/// The inputs both sides read.
struct Inputs {
    ours_keys: HashMap<Vec<u8>, ExpandedKeys>,
    theirs_keys: Arc<ExpandedAppStateKeys>,
    /// The collection at version 1 (our form) and, for wacore, its hash and index → value MAC.
    start: CollectionState,
    start_hash: HashState,
    start_values: HashMap<Vec<u8>, Vec<u8>>,
    snapshot_bytes: Vec<u8>,
    patch_bytes: Vec<u8>,
    /// The state the patch leads to, as our encoder computed it.
    after_patch: CollectionState,
}

fn inputs() -> Inputs {
    let keys = ExpandedKeys::expand(&KEY_DATA);
    let records: Vec<wa::SyncdRecord> = (0..LIVE)
        .map(|i| {
            encode::encode_record(&keys, KEY_ID, &mutation(i, 0))
                .0
                .record
                .expect("a record")
        })
        .collect();
    let (mut snapshot, start) =
        encode::encode_snapshot(COLLECTION, 1, KEY_ID, &keys, records).expect("snapshot");
    snapshot.version = Some(wa::SyncdVersion { version: Some(1) });
    // Every other mutation overwrites a live chat; the rest are new chats.
    let muts: Vec<OutgoingMutation> = (0..PATCH)
        .map(|j| {
            let i = if j % 2 == 0 { j * 7 } else { LIVE + j };
            mutation(i, 1)
        })
        .collect();
    let (mut patch, after_patch) =
        encode::encode_patch(COLLECTION, &start, KEY_ID, &keys, &muts).expect("patch");
    // As the server serves it: with its version.
    patch.version = Some(wa::SyncdVersion {
        version: Some(after_patch.version),
    });
    let start_values = start
        .index_values
        .iter()
        .map(|(i, v)| (i.to_vec(), v.to_vec()))
        .collect();
    let start_hash = HashState {
        version: start.version,
        hash: *start.hash.as_bytes(),
        ..HashState::default()
    };
    let mut ours_keys = HashMap::new();
    ours_keys.insert(KEY_ID.to_vec(), keys);
    Inputs {
        ours_keys,
        theirs_keys: Arc::new(expand_app_state_keys(&KEY_DATA)),
        start,
        start_hash,
        start_values,
        snapshot_bytes: snapshot.encode_to_vec(),
        patch_bytes: patch.encode_to_vec(),
        after_patch,
    }
}

fn ours_patch(x: &Inputs) -> (CollectionState, usize) {
    let patch = wa_protocol::appstate::decode::parse_patch(&x.patch_bytes).expect("ours parses");
    let (state, decoded) = decode_patch(COLLECTION, &x.start, &patch, None, &x.ours_keys)
        .expect("ours accepts the patch");
    (state, decoded.len())
}

fn theirs_patch(x: &Inputs) -> ([u8; 128], Vec<Vec<String>>) {
    let patch = wc::SyncdPatch::decode_from_slice(&x.patch_bytes).expect("wacore parses");
    let mut state = x.start_hash.clone();
    let keys = x.theirs_keys.clone();
    let out = process_patch(
        &patch,
        &mut state,
        |_| Ok(keys.clone()),
        |index_mac| Ok(x.start_values.get(index_mac).cloned()),
        true,
        COLLECTION,
    )
    .expect("wacore accepts the patch");
    (
        state.hash,
        out.mutations.into_iter().map(|m| m.index).collect(),
    )
}

fn ours_snapshot(x: &Inputs) -> (CollectionState, usize) {
    let snapshot =
        wa_protocol::appstate::decode::parse_snapshot(&x.snapshot_bytes).expect("ours parses");
    let (state, decoded) =
        decode_snapshot(COLLECTION, &snapshot, &x.ours_keys).expect("ours accepts the snapshot");
    (state, decoded.len())
}

fn theirs_snapshot(x: &Inputs) -> ([u8; 128], usize) {
    let snapshot = wc::SyncdSnapshot::decode_from_slice(&x.snapshot_bytes).expect("wacore parses");
    let mut state = HashState::default();
    let keys = x.theirs_keys.clone();
    let out = process_snapshot(
        &snapshot,
        &mut state,
        |_| Ok(keys.clone()),
        true,
        COLLECTION,
    )
    .expect("wacore accepts the snapshot");
    (state.hash, out.mutations.len())
}

/// Value MACs for the LTHash path: 8 subtracted, 8 added, as a patch of 8 overwrites does.
fn lthash_items() -> (Vec<[u8; 32]>, Vec<[u8; 32]>) {
    let mac = |seed: u8| -> [u8; 32] { std::array::from_fn(|k| seed.wrapping_mul(31) ^ k as u8) };
    ((0..8).map(mac).collect(), (8..16).map(mac).collect())
}

fn check(x: &Inputs) {
    let k = &x.ours_keys[KEY_ID];
    let t = &x.theirs_keys;
    assert_eq!(
        (
            k.index,
            k.value_encryption,
            k.value_mac,
            k.snapshot_mac,
            k.patch_mac
        ),
        (
            t.index,
            t.value_encryption,
            t.value_mac,
            t.snapshot_mac,
            t.patch_mac
        ),
        "the key expansions differ"
    );
    let (ours, n) = ours_patch(x);
    assert_eq!(
        ours, x.after_patch,
        "our decoder disagrees with our encoder"
    );
    let (hash, indexes) = theirs_patch(x);
    assert_eq!(&hash, ours.hash.as_bytes(), "the patch LTHashes differ");
    assert_eq!(indexes.len(), n);
    let (ours_s, n_s) = ours_snapshot(x);
    assert_eq!(
        ours_s, x.start,
        "our snapshot decode disagrees with our encoder"
    );
    let (hash_s, n_t) = theirs_snapshot(x);
    assert_eq!(
        &hash_s,
        ours_s.hash.as_bytes(),
        "the snapshot LTHashes differ"
    );
    assert_eq!(n_s, n_t);

    let (removed, added) = lthash_items();
    let base: [u8; 128] = std::array::from_fn(|i| (i * 7) as u8);
    let mut o = LtHash(base);
    o.subtract_then_add(removed.iter().map(|m| &m[..]), added.iter().map(|m| &m[..]));
    let mut w = base;
    WAPATCH_INTEGRITY.subtract_then_add_in_place(&mut w, &removed, &added);
    assert_eq!(o.as_bytes(), &w, "the LTHash updates differ");
}

/// The app-state paths, after checking that both sides agree.
pub fn paths(checked: bool) -> Vec<Path> {
    let x: &'static Inputs = Box::leak(Box::new(inputs()));
    if checked {
        check(x);
    }
    let (removed, added) = lthash_items();
    let (removed, added): (&'static [[u8; 32]], &'static [[u8; 32]]) =
        (removed.leak(), added.leak());
    let base: [u8; 128] = std::array::from_fn(|i| (i * 7) as u8);
    vec![
        Path {
            name: "appstate/lthash_8_8".into(),
            ours: Box::new(move || {
                let mut h = LtHash(black_box(base));
                h.subtract_then_add(removed.iter().map(|m| &m[..]), added.iter().map(|m| &m[..]));
                black_box(h);
            }),
            theirs: Box::new(move || {
                let mut h = black_box(base);
                WAPATCH_INTEGRITY.subtract_then_add_in_place(&mut h, removed, added);
                black_box(h);
            }),
        },
        Path {
            name: format!("appstate/patch_{PATCH}_over_{LIVE}"),
            ours: Box::new(move || {
                black_box(ours_patch(black_box(x)));
            }),
            theirs: Box::new(move || {
                black_box(theirs_patch(black_box(x)));
            }),
        },
        Path {
            name: format!("appstate/snapshot_{LIVE}"),
            ours: Box::new(move || {
                black_box(ours_snapshot(black_box(x)));
            }),
            theirs: Box::new(move || {
                black_box(theirs_snapshot(black_box(x)));
            }),
        },
    ]
}
