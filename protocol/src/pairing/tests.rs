//! Node-level tests: the pairing iqs survive the binary codec, and hostile nodes give typed
//! errors.

use proptest::prelude::*;

use super::code::{companion_finish, wrap_ephemeral, FinishRandom};
use super::link_code::{
    companion_finish_iq, companion_hello_iq, parse_hello_response, parse_primary_hello,
    validate_phone, CompanionHello,
};
use super::*;
use crate::binary::{pack, unpack, Jid, Node};
use crate::crypto::KeyPair;

const CODE: &str = "ABCD2345";

fn roundtrip(node: &Node) -> Node {
    unpack(&pack(node)).expect("our own node decodes")
}

fn success_iq(children: Vec<Node>) -> Node {
    Node::build("iq")
        .attr("from", Jid::server_jid())
        .attr("type", "set")
        .attr("id", "p-1")
        .attr("xmlns", "md")
        .child(Node::build("pair-success").children(children))
        .finish()
}

#[test]
fn missing_children_are_reported_before_any_crypto() {
    let identity = KeyPair::from_private_bytes([1; 32]);
    let device = Node::build("device")
        .attr("jid", "1555:3@s.whatsapp.net")
        .finish();
    let ident = Node::build("device-identity").bytes(vec![1, 2, 3]).finish();
    let cases = [
        (
            success_iq(vec![device.clone()]),
            PairError::MissingNode("device-identity"),
        ),
        (
            success_iq(vec![ident.clone()]),
            PairError::MissingNode("device"),
        ),
        (
            success_iq(vec![Node::new("device-identity"), device.clone()]),
            PairError::MissingContent("device-identity"),
        ),
        (Node::new("iq"), PairError::MissingNode("pair-success")),
    ];
    for (iq, want) in cases {
        assert_eq!(
            handle_pair_success(&roundtrip(&iq), &[0; 32], &identity),
            Err(want)
        );
    }
    // Both present but garbage: the protobuf layer fails, typed.
    assert!(matches!(
        handle_pair_success(&success_iq(vec![ident, device]), &[0; 32], &identity),
        Err(PairError::InvalidProtobuf { .. })
    ));
}

#[test]
fn error_reply_carries_whatsmeow_codes() {
    let node = roundtrip(&pair_error_reply("p-1", &PairError::HmacMismatch));
    assert_eq!(node.attr_str("type").as_deref(), Some("error"));
    assert_eq!(node.attr_str("id").as_deref(), Some("p-1"));
    let err = node.child("error").expect("error child");
    assert_eq!(err.attr_str("code").as_deref(), Some("401"));
    assert_eq!(err.attr_str("text").as_deref(), Some("hmac-mismatch"));
    assert_eq!(
        PairError::AccountSignatureInvalid.reply_code(),
        (401, "signature-mismatch")
    );
    assert_eq!(PairError::InvalidRef.reply_code(), (500, "internal-error"));
}

#[test]
fn pair_device_refs_and_ack() {
    let iq = Node::build("iq")
        .attr("id", "q-7")
        .child(Node::build("pair-device").children([
            Node::build("ref").bytes(b"2@abc".to_vec()).finish(),
            Node::build("ref").string("2@def").finish(),
        ]))
        .finish();
    let pd = parse_pair_device(&roundtrip(&iq)).expect("parses");
    assert_eq!(pd.refs, ["2@abc", "2@def"]);
    let ack = roundtrip(&pd.ack());
    assert_eq!(ack.attr_str("id").as_deref(), Some("q-7"));
    assert_eq!(ack.attr_str("to").as_deref(), Some("@s.whatsapp.net"));

    let bad = Node::build("iq")
        .attr("id", "q-8")
        .child(Node::build("pair-device").child(Node::build("ref").bytes(vec![0xff, 0xfe])))
        .finish();
    assert_eq!(parse_pair_device(&bad), Err(PairError::InvalidRef));
    assert_eq!(
        parse_pair_device(&Node::new("iq")),
        Err(PairError::MissingNode("pair-device"))
    );
}

#[test]
fn link_code_flow_nodes() {
    assert!(validate_phone("15551234567").is_ok());
    for bad in ["+15551234567", "012345678", "123456", "1555abc4567"] {
        assert_eq!(
            validate_phone(bad),
            Err(PairCodeError::InvalidPhone),
            "{bad}"
        );
    }

    let companion_eph = KeyPair::from_private_bytes([31; 32]);
    let identity = KeyPair::from_private_bytes([32; 32]);
    let noise = KeyPair::from_private_bytes([33; 32]);
    let wrapped =
        wrap_ephemeral(CODE, companion_eph.public.as_bytes(), &[1; 32], &[2; 16]).expect("ok");
    let hello = CompanionHello {
        phone: "15551234567",
        wrapped_ephemeral: wrapped,
        noise_public: noise.public.as_bytes(),
        platform_id: "1",
        platform_display: "Chrome (Linux)",
        show_push_notification: true,
    };
    let iq = roundtrip(&companion_hello_iq("h-1", &hello).expect("valid phone"));
    let reg = iq.child("link_code_companion_reg").expect("reg");
    assert_eq!(reg.attr_str("stage").as_deref(), Some("companion_hello"));
    assert_eq!(
        reg.attr_str("jid").as_deref(),
        Some("15551234567@s.whatsapp.net")
    );
    assert_eq!(
        reg.child("link_code_pairing_wrapped_companion_ephemeral_pub")
            .and_then(Node::content_bytes),
        Some(&wrapped[..])
    );

    let answer = Node::build("iq")
        .child(
            Node::build("link_code_companion_reg")
                .child(Node::build("link_code_pairing_ref").bytes(b"REF1".to_vec())),
        )
        .finish();
    let pairing_ref = parse_hello_response(&roundtrip(&answer)).expect("ref");
    assert_eq!(pairing_ref, b"REF1");

    let phone_eph = KeyPair::from_private_bytes([34; 32]);
    let phone_id = KeyPair::from_private_bytes([35; 32]);
    let wrapped_phone =
        wrap_ephemeral(CODE, phone_eph.public.as_bytes(), &[3; 32], &[4; 16]).expect("ok");
    let notification = |r: &[u8], wrapped: &[u8]| {
        Node::build("notification")
            .attr("type", "link_code_companion_reg")
            .child(
                Node::build("link_code_companion_reg").children([
                    Node::build("link_code_pairing_ref")
                        .bytes(r.to_vec())
                        .finish(),
                    Node::build("link_code_pairing_wrapped_primary_ephemeral_pub")
                        .bytes(wrapped.to_vec())
                        .finish(),
                    Node::build("primary_identity_pub")
                        .bytes(phone_id.public.as_bytes().to_vec())
                        .finish(),
                ]),
            )
            .finish()
    };
    let primary = parse_primary_hello(
        &roundtrip(&notification(b"REF1", &wrapped_phone)),
        &pairing_ref,
    )
    .expect("parses");
    assert_eq!(primary.primary_identity_public, phone_id.public.0);
    assert_eq!(
        parse_primary_hello(&notification(b"REF2", &wrapped_phone), &pairing_ref),
        Err(PairCodeError::RefMismatch)
    );
    assert_eq!(
        parse_primary_hello(&notification(b"REF1", &wrapped_phone[..40]), &pairing_ref),
        Err(PairCodeError::WrappedKeyTooShort(40))
    );

    let random = FinishRandom {
        bundle_salt: [5; 32],
        nonce: [6; 12],
        adv_random: [7; 32],
    };
    let fin = companion_finish(
        CODE,
        &companion_eph,
        &identity,
        &primary.wrapped_primary_ephemeral,
        &primary.primary_identity_public,
        &random,
    )
    .expect("finishes");
    let iq = roundtrip(
        &companion_finish_iq(
            "f-1",
            "15551234567",
            &fin,
            identity.public.as_bytes(),
            &pairing_ref,
        )
        .expect("valid phone"),
    );
    let reg = iq.child("link_code_companion_reg").expect("reg");
    assert_eq!(reg.attr_str("stage").as_deref(), Some("companion_finish"));
    assert_eq!(
        reg.child("link_code_pairing_wrapped_key_bundle")
            .and_then(Node::content_bytes),
        Some(&fin.wrapped_key_bundle[..])
    );
    assert_eq!(
        reg.child("companion_identity_public")
            .and_then(Node::content_bytes),
        Some(&identity.public.0[..])
    );
}

proptest! {
    #[test]
    fn hostile_pair_success_never_panics(
        content in proptest::collection::vec(any::<u8>(), 0..400),
        jid in "[0-9a-z:@.]{0,30}",
        with_lid in any::<bool>(),
    ) {
        let identity = KeyPair::from_private_bytes([1; 32]);
        let device = Node::build("device")
            .attr("jid", jid.clone())
            .attr_opt("lid", with_lid.then(|| jid.clone()))
            .finish();
        let iq = success_iq(vec![
            Node::build("device-identity").bytes(content).finish(),
            device,
        ]);
        let _ = handle_pair_success(&iq, &[9; 32], &identity);
    }

    #[test]
    fn hostile_primary_hello_never_panics(
        wrapped in proptest::collection::vec(any::<u8>(), 0..120),
        id_key in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let node = Node::build("notification")
            .child(Node::build("link_code_companion_reg").children([
                Node::build("link_code_pairing_ref").bytes(b"R".to_vec()).finish(),
                Node::build("link_code_pairing_wrapped_primary_ephemeral_pub").bytes(wrapped).finish(),
                Node::build("primary_identity_pub").bytes(id_key).finish(),
            ]))
            .finish();
        let _ = parse_primary_hello(&node, b"R");
    }
}
