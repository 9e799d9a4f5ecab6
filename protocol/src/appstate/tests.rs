//! Round trips through our own encoder and one corruption per check; the byte-exact peer
//! vectors live in the `app-state` conformance suite.

use std::collections::HashMap;

use wa_protobuf::wa;

use super::*;

const KEY_ID: &[u8] = b"\x00\x00\x00\x01\xab\xcd";

fn keys() -> HashMap<Vec<u8>, ExpandedKeys> {
    HashMap::from([(KEY_ID.to_vec(), ExpandedKeys::expand(&[7; 32]))])
}

fn pin(chat: &str, pinned: bool, iv: u8) -> OutgoingMutation {
    OutgoingMutation {
        operation: Operation::Set,
        index: vec!["pin_v1".into(), chat.into()],
        value: wa::SyncActionValue {
            timestamp: Some(1),
            pin_action: Some(wa::PinAction {
                pinned: Some(pinned),
            }),
            ..Default::default()
        },
        version: 5,
        iv: [iv; 16],
    }
}

fn served(state: &CollectionState, muts: &[OutgoingMutation]) -> (wa::SyncdPatch, CollectionState) {
    let k = keys();
    let (mut patch, next) = encode_patch("regular", state, KEY_ID, &k[KEY_ID], muts).unwrap();
    patch.version = Some(wa::SyncdVersion {
        version: Some(next.version),
    });
    (patch, next)
}

#[test]
fn encoded_patch_decodes_to_the_same_state_and_actions() {
    let start = CollectionState::default();
    let (patch, want) = served(
        &start,
        &[pin("a@s.whatsapp.net", true, 1), pin("b@g.us", false, 2)],
    );
    let (got, decoded) = decode_patch("regular", &start, &patch, None, &keys()).unwrap();
    assert_eq!(got, want);
    assert_eq!(got.version, 1);
    assert_eq!(got.index_values.len(), 2);
    assert_eq!(
        SyncAction::from_mutation(&decoded[0]),
        SyncAction::Pin {
            chat: "a@s.whatsapp.net".into(),
            action: wa::PinAction { pinned: Some(true) }
        }
    );
    // Overwrite then remove: the hash returns to the single remaining record's hash.
    let (p2, s2) = served(&got, &[pin("a@s.whatsapp.net", false, 3)]);
    let (g2, _) = decode_patch("regular", &got, &p2, None, &keys()).unwrap();
    assert_eq!(g2, s2);
    let mut rm = pin("a@s.whatsapp.net", false, 4);
    rm.operation = Operation::Remove;
    let (p3, s3) = served(&g2, &[rm]);
    let (g3, d3) = decode_patch("regular", &g2, &p3, None, &keys()).unwrap();
    assert_eq!(g3, s3);
    assert_eq!(g3.index_values.len(), 1);
    assert!(matches!(
        SyncAction::from_mutation(&d3[0]),
        SyncAction::Other {
            operation: Operation::Remove,
            ..
        }
    ));
    let mut only_b = CollectionState::default();
    let b = g3.index_values.iter().next().unwrap();
    only_b.apply_set(*b.0, *b.1);
    assert_eq!(only_b.hash, g3.hash);
}

#[test]
fn every_check_fails_with_its_own_error() {
    let start = CollectionState::default();
    let (patch, _) = served(&start, &[pin("a@s.whatsapp.net", true, 1)]);
    let decode =
        |p: &wa::SyncdPatch| decode_patch("regular", &start, p, None, &keys()).unwrap_err();

    let mut p = patch.clone();
    p.patch_mac.as_mut().unwrap()[0] ^= 1;
    assert_eq!(decode(&p), AppStateError::PatchMacMismatch { version: 1 });

    // A different snapshot MAC also changes the patch MAC input, so recompute the patch MAC
    // to reach the snapshot MAC check.
    let mut p = patch.clone();
    p.snapshot_mac.as_mut().unwrap()[0] ^= 1;
    let k = &keys()[KEY_ID];
    let vm = decode::record_value_mac(p.mutations[0].record.as_ref().unwrap()).unwrap();
    p.patch_mac = Some(
        macs::patch_mac(
            &k.patch_mac,
            p.snapshot_mac.as_ref().unwrap(),
            [vm.as_slice()],
            1,
            "regular",
        )
        .to_vec(),
    );
    assert_eq!(
        decode(&p),
        AppStateError::SnapshotMacMismatch { version: 1 }
    );

    let mut p = patch.clone();
    let blob = p.mutations[0]
        .record
        .as_mut()
        .unwrap()
        .value
        .as_mut()
        .unwrap()
        .blob
        .as_mut()
        .unwrap();
    blob[20] ^= 1; // ciphertext byte: patch MAC still covers only the value MAC
    assert_eq!(decode(&p), AppStateError::ValueMacMismatch);

    let mut p = patch.clone();
    p.mutations[0]
        .record
        .as_mut()
        .unwrap()
        .index
        .as_mut()
        .unwrap()
        .blob
        .as_mut()
        .unwrap()[0] ^= 1;
    assert_eq!(decode(&p), AppStateError::IndexMacMismatch);

    let mut p = patch.clone();
    p.key_id = Some(wa::KeyId { id: Some(vec![9]) });
    assert_eq!(decode(&p), AppStateError::MissingKey(vec![9]));

    let (replay, _) = served(&start, &[pin("a@s.whatsapp.net", true, 1)]);
    let (after, _) = decode_patch("regular", &start, &replay, None, &keys()).unwrap();
    assert_eq!(
        decode_patch("regular", &after, &replay, None, &keys()).unwrap_err(),
        AppStateError::StaleVersion { current: 1, got: 1 }
    );

    let mut rm = pin("x@s.whatsapp.net", true, 1);
    rm.operation = Operation::Remove;
    assert_eq!(
        encode_patch("regular", &start, KEY_ID, k, &[rm]).unwrap_err(),
        AppStateError::RemoveOfMissingIndex
    );
}

#[test]
fn snapshot_round_trip_and_corruption() {
    let k = keys();
    let records: Vec<wa::SyncdRecord> = (0..20)
        .map(|i| {
            encode::encode_record(
                &k[KEY_ID],
                KEY_ID,
                &pin(&format!("{i}@s.whatsapp.net"), true, i),
            )
            .0
            .record
            .unwrap()
        })
        .collect();
    let (snap, want) = encode_snapshot("regular_low", 9, KEY_ID, &k[KEY_ID], records).unwrap();
    let (got, decoded) = decode_snapshot("regular_low", &snap, &k).unwrap();
    assert_eq!(got, want);
    assert_eq!(decoded.len(), 20);
    assert_eq!(
        decode_snapshot("regular", &snap, &k).unwrap_err(),
        AppStateError::SnapshotMacMismatch { version: 9 }
    );
    let mut bad = snap.clone();
    bad.records.pop();
    assert!(matches!(
        decode_snapshot("regular_low", &bad, &k),
        Err(AppStateError::SnapshotMacMismatch { .. })
    ));
}

#[test]
fn lthash_wraps_and_state_bytes_round_trip() {
    let mut h = LtHash::default();
    h.subtract(b"x");
    h.add(b"x");
    assert_eq!(h, LtHash::default());
    let mut s = CollectionState::default();
    s.apply_set([1; 32], [2; 32]);
    s.apply_set([3; 32], [4; 32]);
    s.version = 42;
    assert_eq!(CollectionState::from_bytes(&s.to_bytes()), Some(s.clone()));
    assert_eq!(CollectionState::from_bytes(&s.to_bytes()[..50]), None);
}

#[test]
fn sync_iq_round_trips_both_roles() {
    let req = iq::sync_request(&[
        iq::CollectionRequest {
            name: "regular".into(),
            version: 0,
            return_snapshot: true,
            patches: vec![],
        },
        iq::CollectionRequest {
            name: "regular_low".into(),
            version: 3,
            return_snapshot: false,
            patches: vec![vec![1, 2]],
        },
    ]);
    assert_eq!(req.attr_str("xmlns").as_deref(), Some(SYNC_XMLNS));
    let first = &req.child("sync").unwrap().children()[0];
    assert!(
        first.attr("version").is_none(),
        "no version with a snapshot request"
    );
    let parsed = iq::parse_sync_request(&req).unwrap();
    assert_eq!(parsed[1].version, 3);
    assert_eq!(parsed[1].patches, vec![vec![1, 2]]);
    assert!(parsed[0].return_snapshot);
    let result = iq::sync_result(&[
        iq::CollectionResult {
            name: "regular".into(),
            version: 5,
            has_more_patches: true,
            snapshot: Some(vec![9]),
            patches: vec![vec![1], vec![2]],
            error_code: None,
        },
        iq::CollectionResult {
            name: "regular_low".into(),
            version: 7,
            error_code: Some(409),
            ..Default::default()
        },
    ]);
    let back = iq::parse_sync_result(&result).unwrap();
    assert_eq!(back[0].patches.len(), 2);
    assert!(back[0].has_more_patches);
    assert_eq!(back[0].snapshot, Some(vec![9]));
    assert_eq!(back[1].error_code, Some(409));
    let bogus = Node::build("sync")
        .child(Node::build("collection").attr("name", "nope").finish())
        .finish();
    assert_eq!(
        iq::parse_sync_result(&bogus).unwrap_err(),
        AppStateError::UnknownCollection("nope".into())
    );
}

use crate::binary::Node;
