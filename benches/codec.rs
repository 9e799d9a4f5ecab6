//! Binary node codec speed: `pack_into` (reusing one buffer) and `unpack` on realistic stanzas,
//! and what refusing decode bombs costs (`codec/bomb/*`).
//!
//! `cargo bench --bench codec -- --warm-up-time 1 --measurement-time 2`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use wa_actors::protocol::binary::limits::DEFAULT_MAX_NODES;
use wa_actors::protocol::binary::tags::{LIST_16, LIST_8};
use wa_actors::protocol::binary::{pack, pack_into, unpack, DecodeError, Jid, Node, MAX_DEPTH};

fn ack() -> Node {
    Node::build("ack")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("class", "receipt")
        .attr("to", Jid::pn("15551234567").with_device(3))
        .attr("type", "read")
        .finish()
}

fn receipt() -> Node {
    Node::build("receipt")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("to", Jid::pn("15551234567"))
        .attr("type", "read")
        .attr("t", 1_700_000_000u64)
        .child(Node::build("list").children((0..5).map(|i| {
            Node::build("item")
                .attr("id", format!("3EB0C0FFEE12345678{i:02}"))
                .finish()
        })))
        .finish()
}

fn message() -> Node {
    Node::build("message")
        .attr("id", "3EB0C0FFEE1234567890")
        .attr("to", Jid::pn("15551234567"))
        .attr("type", "text")
        .children([
            Node::build("enc")
                .attr("v", "2")
                .attr("type", "pkmsg")
                .bytes((0..300u32).map(|i| (i * 7) as u8).collect::<Vec<_>>())
                .finish(),
            Node::build("device-identity")
                .bytes(vec![0x5a; 150])
                .finish(),
        ])
        .finish()
}

/// A usync result listing `users` users with three devices each.
fn usync(users: u32) -> Node {
    let user = |i: u32| {
        Node::build("user")
            .attr("jid", Jid::pn(format!("1555{i:07}")))
            .child(
                Node::build("devices")
                    .child(Node::build("device-list").children((0..3u16).map(|d| {
                        Node::build("device")
                            .attr("id", d)
                            .attr_opt("key-index", (d > 0).then_some(d))
                            .finish()
                    })))
                    .child(
                        Node::build("key-index-list")
                            .attr("ts", 1_700_000_000u64 + u64::from(i))
                            .bytes(vec![0x42; 40]),
                    ),
            )
            .finish()
    };
    Node::build("iq")
        .attr("from", Jid::server_jid())
        .attr("id", "117.130-3")
        .attr("type", "result")
        .child(
            Node::build("usync")
                .attr("sid", "1700000000000-1")
                .attr("mode", "query")
                .attr("last", "true")
                .attr("index", "0")
                .attr("context", "message")
                .child(Node::build("list").children((0..users).map(user))),
        )
        .finish()
}

fn big_payload() -> Node {
    Node::build("iq")
        .attr("id", "42")
        .attr("type", "set")
        .attr("xmlns", "w:m")
        .child(Node::build("media").bytes((0..65536u32).map(|i| i as u8).collect::<Vec<_>>()))
        .finish()
}

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

criterion_group!(benches, codec, bombs);
criterion_main!(benches);
