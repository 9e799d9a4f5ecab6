//! Binary node codec speed: `pack_into` (reusing one buffer) and `unpack` on realistic stanzas,
//! what refusing decode bombs costs (`codec/bomb/*`), and frame bytes → typed inbound stanza
//! (`stanza/*/owned`: `unpack` then the parser on the `Node`; `stanza/*/view`: `decode_view`
//! then the same parser on the borrowed `NodeRef`).
//!
//! `cargo bench --bench codec -- --warm-up-time 1 --measurement-time 2`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use wa_actors::protocol::binary::limits::DEFAULT_MAX_NODES;
use wa_actors::protocol::binary::tags::{LIST_16, LIST_8};
use wa_actors::protocol::binary::{pack, pack_into, unpack, DecodeError, Node, MAX_DEPTH};

#[path = "common/nodes.rs"]
mod nodes;

use nodes::{ack, big_payload, inbound, message, receipt, usync};
use wa_actors::protocol::binary::{body_with, decode_view_with, DecodeLimits};
use wa_actors::protocol::message::{MessageStanza, OwnJids};
use wa_actors::protocol::send::ack::MessageAck;
use wa_actors::protocol::stanza::ack::ack_for;
use wa_actors::protocol::stanza::notification::Notification;
use wa_actors::protocol::stanza::read::StanzaNode;
use wa_actors::protocol::stanza::receipt::IncomingReceipt;

fn corpus() -> Vec<(&'static str, Node)> {
    vec![
        ("ack", ack()),
        ("receipt", receipt()),
        ("message_enc", message()),
        ("usync_300_users", usync(300)),
        ("payload_64k", big_payload()),
    ]
}

fn codec(c: &mut Criterion) {
    let corpus = corpus();
    let mut group = c.benchmark_group("encode");
    let mut buf = Vec::with_capacity(1 << 17);
    for (name, node) in &corpus {
        group.throughput(Throughput::Bytes(pack(node).len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), node, |b, node| {
            b.iter(|| {
                buf.clear();
                pack_into(black_box(node), &mut buf).expect("corpus nodes fit the format");
                black_box(buf.len())
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("decode");
    for (name, node) in &corpus {
        let frame = pack(node);
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &frame, |b, frame| {
            b.iter(|| unpack(black_box(frame)).expect("corpus frames decode"))
        });
    }
    group.finish();
}

fn compressed(body: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(vec![0x02], Compression::default());
    z.write_all(body).unwrap();
    z.finish().unwrap()
}

fn bombs(c: &mut Criterion) {
    // Every level claims 65535 children, then 1 MiB of filler: refused by the heap budget.
    let mut claims = vec![0];
    for _ in 0..MAX_DEPTH {
        claims.extend_from_slice(&[LIST_8, 2, 0x19, LIST_16, 0xFF, 0xFF]);
    }
    claims.resize(claims.len() + (1 << 20), 0x19);
    assert!(matches!(
        unpack(&claims),
        Err(DecodeError::OverBudget { .. })
    ));
    c.bench_function("codec/bomb/claimed_lists_refused", |b| {
        b.iter(|| unpack(black_box(&claims)).unwrap_err())
    });
    // 64 MiB of one byte in about 64 KiB of zlib: inflation stops at the bound.
    let zlib = compressed(&vec![0x19; 64 << 20]);
    assert!(matches!(
        unpack(&zlib),
        Err(DecodeError::InflatedTooLarge { .. })
    ));
    c.bench_function("codec/bomb/zlib_64mib_refused", |b| {
        b.iter(|| unpack(black_box(&zlib)).unwrap_err())
    });
    // The largest tree of minimal nodes the node budget accepts, sent compressed.
    let groups = DEFAULT_MAX_NODES / 65_535;
    let per = (DEFAULT_MAX_NODES - 1 - groups) / groups;
    let mut body = vec![LIST_8, 2, 0x19, LIST_8, groups as u8];
    for _ in 0..groups {
        body.extend_from_slice(&[LIST_8, 2, 0x19, LIST_16]);
        body.extend_from_slice(&(per as u16).to_be_bytes());
        for _ in 0..per {
            body.extend_from_slice(&[LIST_8, 1, 0x19]);
        }
    }
    let dense = compressed(&body);
    assert!(unpack(&dense).is_ok());
    c.bench_function("codec/bomb/largest_accepted_node_tree", |b| {
        b.iter(|| unpack(black_box(&dense)).unwrap())
    });
}

/// What the receive path makes of one stanza: its typed form and the ack it owes.
fn typed<'n, N: StanzaNode<'n>>(tag: &str, node: N, own: &OwnJids) -> usize {
    let acked = ack_for(node).map_or(0, |a| a.attrs.len());
    acked
        + match tag {
            "message" => MessageStanza::parse(node, own).unwrap().encs.len(),
            "receipt" => IncomingReceipt::parse(node, own).unwrap().len(),
            "notification" => usize::from(Notification::parse(node).unwrap().id.is_some()),
            _ => usize::from(MessageAck::parse(node).unwrap().is_some()),
        }
}

fn stanzas(c: &mut Criterion) {
    let (pn, lid) = inbound::own();
    let own = OwnJids { pn, lid: Some(lid) };
    let limits = DecodeLimits::default();
    let mut group = c.benchmark_group("stanza");
    for (tag, node) in [
        ("message", inbound::message()),
        ("receipt", inbound::receipt()),
        ("ack", inbound::ack()),
        ("notification", inbound::notification()),
    ] {
        let frame = pack(&node);
        group.bench_with_input(BenchmarkId::new(tag, "owned"), &frame, |b, frame| {
            b.iter(|| {
                let node = unpack(black_box(frame)).unwrap();
                typed(tag, &node, &own)
            })
        });
        group.bench_with_input(BenchmarkId::new(tag, "view"), &frame, |b, frame| {
            b.iter(|| {
                let body = body_with(black_box(frame), &limits).unwrap();
                let view = decode_view_with(&body, &limits).unwrap();
                typed(tag, view.root(), &own)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codec, bombs, stanzas);
criterion_main!(benches);
