//! Receive-path benchmarks: a `<message>` frame through `unpack` and `MessageStanza::parse`,
//! `decrypt_stanza` for a 1:1 `msg` and a group `skmsg`, and receipt / notification parsing.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use prost::Message as _;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_actors::proto::wa;
use wa_actors::protocol::binary::{pack, unpack, Jid, Node};
use wa_actors::protocol::message::{decrypt_stanza, MessageStanza, OwnJids, RecvKeys};
use wa_actors::protocol::signal::{
    pad_with, LocalIdentity, PreKey, PreKeyBundle, PreKeySet, SenderKeyRecord, SessionRecord,
    SignedPreKey,
};
use wa_actors::protocol::stanza::notification::Notification;
use wa_actors::protocol::stanza::receipt::IncomingReceipt;

fn own() -> OwnJids {
    OwnJids {
        pn: Jid::pn("15550001111"),
        lid: Some(Jid::lid("100000000000001")),
    }
}

/// A text message of about 100 bytes, serialized and padded as a sender would.
fn plaintext() -> Vec<u8> {
    let msg = wa::Message {
        conversation: Some("x".repeat(96)),
        ..Default::default()
    };
    pad_with(&msg.encode_to_vec(), 7)
}

fn message_node(from: Jid, participant: Option<Jid>, ty: &'static str, ct: Vec<u8>) -> Node {
    Node::build("message")
        .attr("from", from)
        .attr_opt("participant", participant)
        .attr("id", "3EB0A1B2C3D4E5F60718")
        .attr("t", "1700000000")
        .attr("type", "text")
        .attr("notify", "Bob")
        .child(Node::build("enc").attr("v", "2").attr("type", ty).bytes(ct))
        .finish()
}

fn direct(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let bob = LocalIdentity::generate(&mut rng);
    let us = LocalIdentity::generate(&mut rng);
    let spk = SignedPreKey::generate(&us.key_pair, 1, &mut rng);
    let opk = PreKey::generate(2, &mut rng);
    let prekeys = PreKeySet {
        signed: vec![spk.clone()],
        one_time: vec![opk.clone()],
    };
    let bundle = PreKeyBundle::for_local(&us, &spk, Some(&opk));
    let sender = SessionRecord::new()
        .initiate(&bob, &bundle, &mut rng)
        .unwrap();
    // Our side of the session comes from Bob's first pkmsg; the bench decrypts his second
    // message on it (still a pkmsg until we reply, which takes the existing-session path).
    let (first, sender) = sender.encrypt(&plaintext()).unwrap();
    let first_node = message_node(
        Jid::pn("15550002222"),
        None,
        "pkmsg",
        first.serialized().to_vec(),
    );
    let first_stanza = MessageStanza::parse(&first_node, &own()).unwrap();
    let ours = decrypt_stanza(&first_stanza, &RecvKeys::default(), &us, &prekeys, &mut rng)
        .changes
        .session
        .unwrap();
    let frame = pack(&first_node);
    c.bench_function("recv/parse/message_frame", |b| {
        b.iter(|| {
            let node = unpack(black_box(&frame)).unwrap();
            MessageStanza::parse(&node, &own()).unwrap()
        })
    });
    let (second, _) = sender.encrypt(&plaintext()).unwrap();
    let node = message_node(
        Jid::pn("15550002222"),
        None,
        second.enc_type(),
        second.serialized().to_vec(),
    );
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let keys = RecvKeys {
        session: ours,
        ..Default::default()
    };
    c.bench_function("recv/decrypt_stanza/direct_msg", |b| {
        b.iter(|| {
            let out = decrypt_stanza(black_box(&stanza), &keys, &us, &prekeys, &mut rng);
            assert!(out.failure.is_none());
            out
        })
    });
}

fn group(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(4);
    let us = LocalIdentity::generate(&mut rng);
    let sender = SenderKeyRecord::generate_own(&mut rng);
    let ours = SenderKeyRecord::new().process_distribution(&sender.distribution_message().unwrap());
    let (skmsg, _) = sender.encrypt(&plaintext()).unwrap();
    let node = message_node(
        Jid::group("120363000000000001"),
        Some(Jid::lid("200000000000002").with_device(1)),
        "skmsg",
        skmsg.serialized().to_vec(),
    );
    let stanza = MessageStanza::parse(&node, &own()).unwrap();
    let keys = RecvKeys {
        sender_key: ours,
        ..Default::default()
    };
    c.bench_function("recv/decrypt_stanza/group_skmsg", |b| {
        b.iter(|| {
            let out = decrypt_stanza(
                black_box(&stanza),
                &keys,
                &us,
                &PreKeySet::default(),
                &mut rng,
            );
            assert!(out.failure.is_none());
            out
        })
    });
}

fn others(c: &mut Criterion) {
    let receipt = Node::build("receipt")
        .attr("from", Jid::pn("15550002222").with_device(1))
        .attr("id", "A")
        .attr("t", "1700000001")
        .attr("type", "read")
        .child(
            Node::build("list")
                .children(["B", "C", "D"].map(|id| Node::build("item").attr("id", id).finish())),
        )
        .finish();
    c.bench_function("recv/parse/receipt", |b| {
        b.iter(|| IncomingReceipt::parse(black_box(&receipt), &own()).unwrap())
    });
    let notification = Node::build("notification")
        .attr("from", Jid::group("120363000000000001"))
        .attr("type", "w:gp2")
        .attr("id", "N")
        .attr("t", "1700000000")
        .attr("participant", Jid::lid("5"))
        .children([
            Node::build("add")
                .child(Node::build("participant").attr("jid", Jid::lid("6")))
                .finish(),
            Node::build("subject").attr("subject", "New name").finish(),
        ])
        .finish();
    c.bench_function("recv/parse/group_notification", |b| {
        b.iter(|| Notification::parse(black_box(&notification)).unwrap())
    });
}

criterion_group!(benches, direct, group, others);
criterion_main!(benches);
