//! Binary node codec speed: `pack_into` (reusing one buffer) and `unpack` on realistic stanzas.
//!
//! `cargo bench --bench codec -- --warm-up-time 1 --measurement-time 2`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wa_actors::protocol::binary::{pack, pack_into, unpack, Jid, Node};

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

criterion_group!(benches, codec);
criterion_main!(benches);
