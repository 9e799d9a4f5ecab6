use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::binary::Jid;
use crate::message::{EditAttribute, EncType};
use crate::signal::{SenderKeyDistributionMessage, SenderKeyRecord};

#[test]
fn participant_hash_is_order_free_and_depends_on_every_device() {
    let a = Jid::pn("15550001").with_device(0);
    let b = Jid::pn("15550002").with_device(3);
    let c = Jid::lid("99887766").with_device(1);
    let h = participant_hash(&[a.clone(), b.clone(), c.clone()]);
    assert!(h.starts_with("2:"));
    // 6 bytes in unpadded base64 are 8 characters.
    assert_eq!(h.len(), 10);
    assert_eq!(h, participant_hash(&[c.clone(), a.clone(), b.clone()]));
    assert_ne!(h, participant_hash(&[a.clone(), b.clone()]));
    assert_ne!(h, participant_hash(&[a, b.with_device(4), c]));
}

#[test]
fn participant_hash_matches_an_independent_computation() {
    use sha2::{Digest, Sha256};
    // The sorted AD forms, joined: "1.0:2@s.whatsapp.net" < "2.0:0@lid".
    let joined = "1.0:2@s.whatsapp.net2.0:0@lid";
    let digest = Sha256::digest(joined.as_bytes());
    let expected = {
        use base64::Engine as _;
        format!(
            "2:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(&digest[..6])
        )
    };
    let got = participant_hash(&[Jid::lid("2"), Jid::pn("1").with_device(2)]);
    assert_eq!(got, expected);
}

fn group_message(participants: Vec<DeviceEnc>) -> GroupMessage {
    GroupMessage {
        id: "3EB0AA".into(),
        to: Jid::group("120363000000000001"),
        message_type: "text".into(),
        edit: EditAttribute::MessageEdit,
        media_type: Some("image".into()),
        hide_on_failure: true,
        addressing_mode: Some("pn".into()),
        phash: "2:AAAAAAAA".into(),
        skmsg: vec![0x33, 1, 2],
        participants,
        device_identity: Some(vec![7, 7]),
    }
}

#[test]
fn the_server_reads_what_the_client_builds() {
    let device = Jid::pn("15550002").with_device(1);
    let msg = group_message(vec![DeviceEnc {
        device: device.clone(),
        enc_type: EncType::PreKey,
        ciphertext: vec![9, 9],
    }]);
    let node = msg.to_node();
    let read = ClientMessage::parse(&node).unwrap();
    assert_eq!(read.id, "3EB0AA");
    assert_eq!(read.to, msg.to);
    assert_eq!(read.phash.as_deref(), Some("2:AAAAAAAA"));
    assert_eq!(read.addressing_mode.as_deref(), Some("pn"));
    assert_eq!(read.edit, EditAttribute::MessageEdit);
    assert_eq!(read.participants.len(), 1);
    assert_eq!(read.participants[0].0, device);
    assert_eq!(read.participants[0].1.enc_type, EncType::PreKey);
    // The 1:1 distribution carries no mediatype; the skmsg does.
    assert_eq!(read.participants[0].1.media_type, None);
    assert_eq!(read.direct.len(), 1);
    assert_eq!(read.direct[0].enc_type, EncType::SenderKey);
    assert_eq!(read.direct[0].media_type.as_deref(), Some("image"));
    assert_eq!(read.direct[0].decrypt_fail.as_deref(), Some("hide"));
    assert_eq!(read.direct[0].ciphertext, vec![0x33, 1, 2]);
    assert_eq!(read.device_identity, Some(vec![7, 7]));
}

#[test]
fn a_send_to_devices_that_all_have_the_key_has_no_participants_or_identity() {
    let node = group_message(Vec::new()).to_node();
    assert!(node.child("participants").is_none());
    assert!(node.child("device-identity").is_none());
    let read = ClientMessage::parse(&node).unwrap();
    assert!(read.participants.is_empty());
    assert_eq!(read.direct.len(), 1);
}

#[test]
fn a_group_resend_names_its_one_participant() {
    let device = Jid::pn("15550002").with_device(2);
    let target = DeviceEnc {
        device: device.clone(),
        enc_type: EncType::Whisper,
        ciphertext: vec![1],
    };
    let group = Jid::group("120363000000000001");
    let node = group_resend_node(
        "3EB0BB",
        &group,
        "text",
        &EditAttribute::None,
        &target,
        2,
        Some(&[5]),
    );
    let read = ClientMessage::parse(&node).unwrap();
    assert_eq!(read.to, group);
    assert_eq!(read.participant, Some(device));
    assert_eq!(read.direct[0].retry_count, Some(2));
    // A msg needs no device identity.
    assert_eq!(read.device_identity, None);
}

#[test]
fn the_distribution_payload_names_the_group_and_round_trips() {
    let mut rng = StdRng::seed_from_u64(3);
    let record = SenderKeyRecord::generate_own(&mut rng);
    let skdm = record.distribution_message().unwrap();
    let group = Jid::group("120363000000000009");
    let m = sender_key_distribution(&group, &skdm);
    let inner = m.sender_key_distribution_message.unwrap();
    assert_eq!(inner.group_id.as_deref(), Some("120363000000000009@g.us"));
    let back = SenderKeyDistributionMessage::parse(
        &inner.axolotl_sender_key_distribution_message.unwrap(),
    )
    .unwrap();
    assert!(back == skdm, "distribution message changed on the way");
}
