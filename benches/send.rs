//! The encrypt path of a 1:1 send, without I/O: the padded plaintexts (message and
//! `deviceSentMessage` copy), one Signal encryption per device, the `<participants>` stanza
//! and its binary encoding. Three devices (the recipient's phone and companion, our phone),
//! on established sessions and from fresh bundles (X3DH and signature checks included), and
//! reading the bundle-fetch reply for them.
//!
//! The group fan-out to 10, 50 and 256 devices on established sessions: the first send
//! (one `skmsg` plus the sender-key distribution encrypted 1:1 for every device) and a later
//! one (every device holds the key: the `skmsg` alone), each with the participant hash over
//! all devices and the stanza encoded.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use prost::Message as _;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_actors::proto::wa;
use wa_actors::protocol::binary::{encode, Jid, Node};
use wa_actors::protocol::send::{
    message_type, parse_key_fetch_reply, participant_hash, plaintext_for, sender_key_distribution,
    DeviceEnc, GroupMessage, OutgoingMessage,
};
use wa_actors::protocol::signal::{
    pad, LocalIdentity, PreKey, PreKeyBundle, SenderKeyRecord, SessionRecord, SignedPreKey,
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

/// One group send: `skmsg` with `key`, the distribution for every device when `distribute`,
/// the participant hash, the stanza encoded.
fn group_send_once(
    group: &Jid,
    msg: &wa::Message,
    devices: &[Jid],
    sessions: &mut [SessionRecord],
    key: &mut SenderKeyRecord,
    distribute: bool,
    rng: &mut StdRng,
) -> Vec<u8> {
    let mut participants = Vec::new();
    if distribute {
        let skdm = key.distribution_message().expect("own key");
        let plain = pad(&sender_key_distribution(group, &skdm).encode_to_vec(), rng);
        for (d, s) in devices.iter().zip(sessions.iter_mut()) {
            let (ct, next) = s.encrypt(&plain).expect("encrypt");
            *s = next;
            participants.push(DeviceEnc::new(d.clone(), &ct));
        }
    }
    let (skmsg, next) = key.encrypt(&pad(&msg.encode_to_vec(), rng)).expect("skmsg");
    *key = next;
    let out = GroupMessage {
        id: "3EB0112233445566778899".into(),
        to: group.clone(),
        message_type: message_type(msg).into(),
        edit: Default::default(),
        media_type: None,
        hide_on_failure: false,
        addressing_mode: Some("pn".into()),
        phash: participant_hash(devices),
        skmsg: skmsg.serialized().to_vec(),
        participants,
        device_identity: Some(vec![0; 160]),
    };
    encode(&out.to_node()).expect("encodes")
}

fn group_fan_out(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(11);
    let local = LocalIdentity::generate(&mut rng);
    let group = Jid::group("120363000000000001");
    let msg = message();
    for n in [10usize, 50, 256] {
        // Members with two devices each, as a group usually has.
        let devices: Vec<Jid> = (0..n)
            .map(|i| Jid::pn(format!("1555{:07}", i / 2)).with_device((i % 2) as u16))
            .collect();
        let mut sessions: Vec<SessionRecord> = (0..n)
            .map(|i| {
                let peer = LocalIdentity::generate(&mut rng);
                let spk = SignedPreKey::generate(&peer.key_pair, 1, &mut rng);
                let opk = PreKey::generate(i as u32 + 1, &mut rng);
                let bundle = PreKeyBundle::for_local(&peer, &spk, Some(&opk));
                SessionRecord::new()
                    .initiate(&local, &bundle, &mut rng)
                    .expect("bundle verifies")
            })
            .collect();
        let mut key = SenderKeyRecord::generate_own(&mut rng);
        c.bench_function(&format!("send/group_{n}_devices/first_send"), |b| {
            b.iter(|| {
                group_send_once(
                    &group,
                    &msg,
                    &devices,
                    &mut sessions,
                    &mut key,
                    true,
                    &mut rng,
                )
            })
        });
        c.bench_function(&format!("send/group_{n}_devices/key_held"), |b| {
            b.iter(|| {
                group_send_once(
                    &group,
                    &msg,
                    &devices,
                    &mut sessions,
                    &mut key,
                    false,
                    &mut rng,
                )
            })
        });
    }
}

criterion_group!(benches, fan_out, group_fan_out);
criterion_main!(benches);
