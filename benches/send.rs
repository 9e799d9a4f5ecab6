//! The encrypt path of a 1:1 send, without I/O: the padded plaintexts (message and
//! `deviceSentMessage` copy), one Signal encryption per device, the `<participants>` stanza
//! and its binary encoding. Three devices (the recipient's phone and companion, our phone),
//! on established sessions and from fresh bundles (X3DH and signature checks included), and
//! reading the bundle-fetch reply for them.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_actors::proto::wa;
use wa_actors::protocol::binary::{encode, Jid, Node};
use wa_actors::protocol::send::{
    message_type, parse_key_fetch_reply, plaintext_for, DeviceEnc, OutgoingMessage,
};
use wa_actors::protocol::signal::{
    LocalIdentity, PreKey, PreKeyBundle, SessionRecord, SignedPreKey,
};
use wa_actors::protocol::stanza::prekey_nodes::bundle_user_node;

struct Target {
    device: Jid,
    own: bool,
    bundle: PreKeyBundle,
}

fn targets(rng: &mut StdRng) -> Vec<Target> {
    let them = Jid::pn("15550000002");
    let us = Jid::pn("15550000001");
    [(them.clone(), 0, false), (them, 5, false), (us, 0, true)]
        .into_iter()
        .enumerate()
        .map(|(i, (user, device, own))| {
            let peer = LocalIdentity::generate(rng);
            let spk = SignedPreKey::generate(&peer.key_pair, 1, rng);
            let opk = PreKey::generate(i as u32 + 1, rng);
            Target {
                device: user.with_device(device),
                own,
                bundle: PreKeyBundle::for_local(&peer, &spk, Some(&opk)),
            }
        })
        .collect()
}

fn message() -> wa::Message {
    wa::Message {
        conversation: Some("a message of about the length people type, give or take".into()),
        ..Default::default()
    }
}

/// Encrypts `msg` for every target with `sessions` (updated), builds and encodes the stanza.
fn send_once(
    chat: &Jid,
    msg: &wa::Message,
    targets: &[Target],
    sessions: &mut [SessionRecord],
    rng: &mut StdRng,
) -> Vec<u8> {
    let (theirs, ours) = plaintext_for(chat, msg, rng);
    let participants = targets
        .iter()
        .zip(sessions.iter_mut())
        .map(|(t, s)| {
            let (ct, next) = s
                .encrypt(if t.own { &ours } else { &theirs })
                .expect("encrypt");
            *s = next;
            DeviceEnc::new(t.device.clone(), &ct)
        })
        .collect();
    let out = OutgoingMessage {
        id: "3EB0112233445566778899".into(),
        to: chat.clone(),
        message_type: message_type(msg).into(),
        edit: Default::default(),
        media_type: None,
        hide_on_failure: false,
        participants,
        device_identity: Some(vec![0; 160]),
    };
    encode(&out.to_node()).expect("encodes")
}

fn fan_out(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(7);
    let local = LocalIdentity::generate(&mut rng);
    let targets = targets(&mut rng);
    let chat = Jid::pn("15550000002");
    let msg = message();
    let fresh = |rng: &mut StdRng| -> Vec<SessionRecord> {
        targets
            .iter()
            .map(|t| {
                SessionRecord::new()
                    .initiate(&local, &t.bundle, rng)
                    .expect("bundle verifies")
            })
            .collect()
    };
    let mut sessions = fresh(&mut rng);
    c.bench_function("send/encrypt_3_devices/established", |b| {
        b.iter(|| send_once(&chat, &msg, &targets, &mut sessions, &mut rng))
    });
    c.bench_function("send/encrypt_3_devices/from_bundles", |b| {
        b.iter_batched(
            || StdRng::seed_from_u64(9),
            |mut rng| {
                let mut sessions = fresh(&mut rng);
                send_once(&chat, &msg, &targets, &mut sessions, &mut rng)
            },
            BatchSize::SmallInput,
        )
    });
    let devices: Vec<Jid> = targets.iter().map(|t| t.device.clone()).collect();
    let reply = Node::build("iq")
        .child(
            Node::build("list")
                .children(
                    targets
                        .iter()
                        .map(|t| bundle_user_node(t.device.clone(), &t.bundle)),
                )
                .finish(),
        )
        .finish();
    c.bench_function("send/bundles_3_devices/parse_and_verify", |b| {
        b.iter(|| parse_key_fetch_reply(black_box(&reply), &devices))
    });
}

criterion_group!(benches, fan_out);
criterion_main!(benches);
