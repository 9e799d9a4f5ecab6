use prost::Message as _;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wa_protobuf::wa;

use super::*;
use crate::binary::{Jid, Node};
use crate::crypto::KeyPair;
use crate::message::{EditAttribute, EncType};
use crate::signal::{unpad, LocalIdentity, PreKey, PreKeyBundle, SignalError, SignedPreKey};
use crate::stanza::prekey_nodes::bundle_user_node;
use crate::stanza::prekeys_server::key_fetch_users;

fn text(s: &str) -> wa::Message {
    wa::Message {
        conversation: Some(s.to_owned()),
        ..Default::default()
    }
}

#[test]
fn ids_have_whatsapp_web_form_and_depend_on_every_input() {
    let id = message_id(1_700_000_000, "15550001", &[7; 16]);
    assert_eq!(id.len(), 22);
    assert!(id.starts_with("3EB0"));
    assert!(id[4..]
        .chars()
        .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
    assert_eq!(id, message_id(1_700_000_000, "15550001", &[7; 16]));
    assert_ne!(id, message_id(1_700_000_001, "15550001", &[7; 16]));
    assert_ne!(id, message_id(1_700_000_000, "15550002", &[7; 16]));
    assert_ne!(id, message_id(1_700_000_000, "15550001", &[8; 16]));
}

#[test]
fn own_devices_get_a_device_sent_copy_naming_the_chat() {
    let chat = Jid::pn("15550002").with_device(3);
    let mut msg = text("hi");
    msg.message_context_info = Some(wa::MessageContextInfo {
        message_secret: Some(vec![9; 32]),
        ..Default::default()
    });
    let mut rng = StdRng::seed_from_u64(1);
    let (theirs, ours) = plaintext_for(&chat, &msg, &mut rng);
    let theirs = wa::Message::decode(unpad(&theirs).expect("padded")).expect("decodes");
    assert_eq!(theirs, msg);
    let ours = wa::Message::decode(unpad(&ours).expect("padded")).expect("decodes");
    let dsm = ours.device_sent_message.expect("dsm");
    assert_eq!(
        dsm.destination_jid.as_deref(),
        Some("15550002@s.whatsapp.net")
    );
    assert_eq!(dsm.message.as_deref(), Some(&msg));
    assert_eq!(ours.message_context_info, msg.message_context_info);
}

#[test]
fn type_mediatype_and_edit_follow_the_content() {
    assert_eq!(message_type(&text("x")), "text");
    assert_eq!(media_type(&text("x")), None);
    let reaction = wa::Message {
        reaction_message: Some(wa::ReactionMessage::default()),
        ..Default::default()
    };
    assert_eq!(message_type(&reaction), "reaction");
    assert!(hides_on_failure(&reaction));
    let voice = wa::Message {
        audio_message: Some(Box::new(wa::AudioMessage {
            ptt: Some(true),
            ..Default::default()
        })),
        ..Default::default()
    };
    assert_eq!(message_type(&voice), "media");
    assert_eq!(media_type(&voice), Some("ptt"));
    let wrapped = wa::Message {
        view_once_message: Some(Box::new(wa::FutureProofMessage {
            message: Some(Box::new(wa::Message {
                image_message: Some(Default::default()),
                ..Default::default()
            })),
        })),
        ..Default::default()
    };
    assert_eq!(media_type(&wrapped), Some("image"));
    let key = |from_me: bool| wa::MessageKey {
        remote_jid: Some("15550002@s.whatsapp.net".into()),
        from_me: Some(from_me),
        id: Some("3EB0T".into()),
        participant: None,
    };
    let protocol = |t: i32, from_me: bool, edited: bool| wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            r#type: Some(t),
            key: Some(key(from_me)),
            edited_message: edited.then(|| Box::new(text("new"))),
            ..Default::default()
        })),
        ..Default::default()
    };
    let edit = protocol(14, true, true);
    assert_eq!(message_type(&edit), "text");
    assert_eq!(edit_attribute(&edit), EditAttribute::MessageEdit);
    assert!(hides_on_failure(&edit));
    let wrapped_edit = wa::Message {
        edited_message: Some(Box::new(wa::FutureProofMessage {
            message: Some(Box::new(edit.clone())),
        })),
        ..Default::default()
    };
    assert_eq!(edit_attribute(&wrapped_edit), EditAttribute::MessageEdit);
    assert!(hides_on_failure(&wrapped_edit));
    assert_eq!(
        edit_attribute(&protocol(14, true, false)),
        EditAttribute::None
    );
    assert_eq!(
        edit_attribute(&protocol(0, true, false)),
        EditAttribute::SenderRevoke
    );
    assert_eq!(
        edit_attribute(&protocol(0, false, false)),
        EditAttribute::AdminRevoke
    );
    assert!(!hides_on_failure(&protocol(0, true, false)));
    assert_eq!(edit_attribute(&reaction), EditAttribute::SenderRevoke);
    let thumbs = wa::Message {
        reaction_message: Some(wa::ReactionMessage {
            text: Some("👍".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(edit_attribute(&thumbs), EditAttribute::None);
    assert_eq!(edit_attribute(&text("x")), EditAttribute::None);
}

fn outgoing(types: &[EncType]) -> OutgoingMessage {
    OutgoingMessage {
        id: "3EB0AA".into(),
        to: Jid::pn("15550002"),
        message_type: "reaction".into(),
        edit: EditAttribute::SenderRevoke,
        media_type: Some("image".into()),
        hide_on_failure: true,
        participants: types
            .iter()
            .enumerate()
            .map(|(i, t)| DeviceEnc {
                device: Jid::pn("15550002").with_device(i as u16),
                enc_type: t.clone(),
                ciphertext: vec![i as u8; 3],
            })
            .collect(),
        device_identity: Some(vec![1, 2, 3]),
    }
}

#[test]
fn the_server_reads_back_what_the_client_builds() {
    let out = outgoing(&[EncType::PreKey, EncType::Whisper]);
    let node = out.to_node();
    assert_eq!(node.attr_str("edit").as_deref(), Some("7"));
    let enc = node
        .child_path(&["participants", "to", "enc"])
        .expect("enc");
    assert_eq!(enc.attr_str("v").as_deref(), Some("2"));
    assert_eq!(enc.attr_str("decrypt-fail").as_deref(), Some("hide"));
    let read = ClientMessage::parse(&node).expect("parses");
    assert_eq!(read.id, out.id);
    assert_eq!(read.to, out.to);
    assert_eq!(read.message_type, "reaction");
    assert_eq!(read.edit, EditAttribute::SenderRevoke);
    assert_eq!(read.device_identity, Some(vec![1, 2, 3]));
    assert_eq!(read.participants.len(), 2);
    for ((jid, enc), sent) in read.participants.iter().zip(&out.participants) {
        assert_eq!(jid, &sent.device);
        assert_eq!(enc.enc_type, sent.enc_type);
        assert_eq!(enc.ciphertext, sent.ciphertext);
        assert_eq!(enc.media_type.as_deref(), Some("image"));
    }
}

#[test]
fn device_identity_only_with_a_prekey_message() {
    let node = outgoing(&[EncType::Whisper]).to_node();
    assert!(node.child("device-identity").is_none());
    let mut plain = outgoing(&[EncType::Whisper]);
    plain.edit = EditAttribute::None;
    assert!(plain.to_node().attr("edit").is_none());
}

#[test]
fn malformed_client_messages_are_refused() {
    let empty = Node::build("message")
        .attr("id", "1")
        .attr("to", Jid::pn("1"))
        .finish();
    assert_eq!(
        ClientMessage::parse(&empty),
        Err(SendStanzaError::NoPayload)
    );
    let to_without_enc = Node::build("message")
        .attr("id", "1")
        .attr("to", Jid::pn("1"))
        .child(
            Node::build("participants")
                .child(Node::build("to").attr("jid", Jid::pn("1")).finish())
                .finish(),
        )
        .finish();
    assert!(matches!(
        ClientMessage::parse(&to_without_enc),
        Err(SendStanzaError::Stanza(_))
    ));
    assert!(ClientMessage::parse(&Node::new("iq")).is_err());
}

#[test]
fn acks_carry_the_outcome() {
    let chat = Jid::pn("15550002");
    let ok = MessageAck::parse(&message_ack_node("3EB0X", &chat, 1_700_000_000, None))
        .expect("valid")
        .expect("message class");
    assert_eq!(ok.id, "3EB0X");
    assert_eq!(ok.t, Some(1_700_000_000));
    assert_eq!(ok.from, Some(chat.clone()));
    assert_eq!(ok.outcome, AckOutcome::Accepted);
    let refused = MessageAck::parse(&message_ack_node("3EB0Y", &chat, 1, Some(479)))
        .expect("valid")
        .expect("message class");
    assert_eq!(refused.outcome, AckOutcome::Refused(479));
    let receipt_ack = Node::build("ack")
        .attr("class", "receipt")
        .attr("id", "1")
        .finish();
    assert_eq!(MessageAck::parse(&receipt_ack), Ok(None));
    let bad = Node::build("ack")
        .attr("class", "message")
        .attr("id", "1")
        .attr("error", "x")
        .finish();
    assert!(MessageAck::parse(&bad).is_err());
}

#[test]
fn fetched_bundles_are_verified_per_device() {
    let identity = LocalIdentity {
        key_pair: KeyPair::from_private_bytes([1; 32]),
        registration_id: 77,
    };
    let signed = SignedPreKey::new(&identity.key_pair, 5, KeyPair::from_private_bytes([2; 32]));
    let one = PreKey {
        id: 9,
        key_pair: KeyPair::from_private_bytes([3; 32]),
    };
    let good = PreKeyBundle::for_local(&identity, &signed, Some(&one));
    let mut forged = good.clone();
    forged.signed_prekey_signature[0] ^= 1;
    let devices = [
        Jid::pn("1").with_device(0),
        Jid::pn("1").with_device(2),
        Jid::pn("2").with_device(0),
        Jid::pn("3").with_device(0),
    ];
    let iq = key_fetch_iq(&devices);
    assert_eq!(key_fetch_users(&iq).len(), 4);
    let reply = Node::build("iq")
        .child(
            Node::build("list")
                .children([
                    bundle_user_node(devices[0].clone(), &good),
                    bundle_user_node(devices[1].clone(), &forged),
                    Node::build("user")
                        .attr("jid", devices[2].clone())
                        .child(crate::stanza::iq::error_node(404, "item-not-found"))
                        .finish(),
                ])
                .finish(),
        )
        .finish();
    let got = parse_key_fetch_reply(&reply, &devices);
    assert_eq!(got[0].1, Ok(good));
    assert_eq!(
        got[1].1,
        Err(BundleError::Signature(SignalError::BadSignature(
            "signed prekey"
        )))
    );
    assert_eq!(got[2].1, Err(BundleError::Server { code: 404 }));
    assert_eq!(got[3].1, Err(BundleError::Missing));
}

#[test]
fn a_resend_carries_one_enc_with_its_count() {
    let out = outgoing(&[EncType::PreKey]);
    let node = out.to_resend_node(2).expect("one participant");
    assert_eq!(
        node.attr_jid("to"),
        Some(out.participants[0].device.clone())
    );
    assert!(node.child("participants").is_none());
    let read = ClientMessage::parse(&node).expect("parses");
    assert!(read.participants.is_empty());
    assert_eq!(read.direct.len(), 1);
    assert_eq!(read.direct[0].retry_count, Some(2));
    assert_eq!(read.direct[0].ciphertext, out.participants[0].ciphertext);
    assert!(node.child("device-identity").is_some());
    assert_eq!(
        outgoing(&[EncType::PreKey, EncType::Whisper]).to_resend_node(1),
        None
    );
}
