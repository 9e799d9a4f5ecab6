//! App-state figures: the LTHash update of a patch touching 812 values (subtract the old
//! value MAC, add the new one), decoding a 50-mutation patch with every MAC verified and the
//! LTHash updated, and decoding a full 5,000-record snapshot.

use std::collections::HashMap;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wa_actors::proto::wa;
use wa_actors::protocol::appstate::encode::encode_record;
use wa_actors::protocol::appstate::{
    decode_patch, decode_snapshot, encode_patch, encode_snapshot, CollectionState, ExpandedKeys,
    LtHash, Operation, OutgoingMutation,
};

const KEY_ID: &[u8] = &[0, 0, 0, 1];

fn keys() -> HashMap<Vec<u8>, ExpandedKeys> {
    HashMap::from([(KEY_ID.to_vec(), ExpandedKeys::expand(&[3; 32]))])
}

fn mute(i: usize) -> OutgoingMutation {
    OutgoingMutation {
        operation: Operation::Set,
        index: vec![
            "mute".into(),
            format!("{}@s.whatsapp.net", 15550000000u64 + i as u64),
        ],
        value: wa::SyncActionValue {
            timestamp: Some(1_700_000_000_000 + i as i64),
            mute_action: Some(wa::MuteAction {
                muted: Some(true),
                mute_end_timestamp: Some(-1),
                ..Default::default()
            }),
            ..Default::default()
        },
        version: 2,
        iv: [(i % 251) as u8; 16],
    }
}

fn lthash(c: &mut Criterion) {
    let old: Vec<[u8; 32]> = (0..812u32).map(|i| [(i % 256) as u8; 32]).collect();
    let new: Vec<[u8; 32]> = (0..812u32).map(|i| [(i % 256) as u8 ^ 0x5a; 32]).collect();
    let mut g = c.benchmark_group("app_state");
    g.throughput(Throughput::Elements(812));
    g.bench_function("lthash_subtract_add_812", |b| {
        b.iter(|| {
            let mut h = LtHash::default();
            h.subtract_then_add(
                old.iter().map(|x| x.as_slice()),
                new.iter().map(|x| x.as_slice()),
            );
            h
        })
    });
    g.finish();
}

fn patch(c: &mut Criterion) {
    let k = keys();
    let muts: Vec<_> = (0..50).map(mute).collect();
    let start = CollectionState::default();
    let (mut p, _) = encode_patch("regular_high", &start, KEY_ID, &k[KEY_ID], &muts).unwrap();
    p.version = Some(wa::SyncdVersion { version: Some(1) });
    let mut g = c.benchmark_group("app_state");
    g.throughput(Throughput::Elements(50));
    g.bench_function("decode_apply_patch_50", |b| {
        b.iter(|| decode_patch("regular_high", &start, &p, None, &k).unwrap())
    });
    g.finish();
}

fn snapshot(c: &mut Criterion) {
    let k = keys();
    let records: Vec<_> = (0..5000)
        .map(|i| {
            encode_record(&k[KEY_ID], KEY_ID, &mute(i))
                .0
                .record
                .unwrap()
        })
        .collect();
    let (snap, _) = encode_snapshot("regular_high", 7, KEY_ID, &k[KEY_ID], records).unwrap();
    let mut g = c.benchmark_group("app_state");
    g.throughput(Throughput::Elements(5000));
    g.sample_size(10);
    g.bench_function("decode_snapshot_5000", |b| {
        b.iter(|| decode_snapshot("regular_high", &snap, &k).unwrap())
    });
    g.finish();
}

criterion_group!(benches, lthash, patch, snapshot);
criterion_main!(benches);
