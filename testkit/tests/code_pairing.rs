//! The fake phone pairs a bare companion by phone-number code; the companion side is the
//! protocol crate's (`companion_hello_iq`, `parse_primary_hello`, `companion_finish`,
//! `handle_pair_success`).

mod common;

use common::{is_iq, Keys, RawClient};
use wa_protocol::crypto::KeyPair;
use wa_protocol::pairing::code::{
    companion_finish, generate_pairing_code, wrap_ephemeral, FinishRandom,
};
use wa_protocol::pairing::handle_pair_success;
use wa_protocol::pairing::link_code::{
    companion_finish_iq, companion_hello_iq, parse_hello_response, parse_primary_hello,
    CompanionHello,
};
use wa_testkit::{FakeServer, TestkitError};

const PHONE: &str = "15557654321";

/// A registered companion that asked to pair by code; returns its ephemeral key, code and ref.
async fn hello(server: &FakeServer, keys: &Keys) -> (RawClient, KeyPair, String, Vec<u8>) {
    let mut client = RawClient::register(server, keys).await;
    let mut rng = rand::rngs::OsRng;
    let ephemeral = KeyPair::generate(&mut rng);
    let code = generate_pairing_code(&mut rng);
    let wrapped = wrap_ephemeral(
        &code,
        ephemeral.public.as_bytes(),
        &rand::random(),
        &rand::random(),
    )
    .expect("valid code");
    let iq = companion_hello_iq(
        "hello-1",
        &CompanionHello {
            phone: PHONE,
            wrapped_ephemeral: wrapped,
            noise_public: keys.noise.public.as_bytes(),
            platform_id: "1",
            platform_display: "Chrome (Linux)",
            show_push_notification: true,
        },
    )
    .expect("valid hello");
    client.send(&iq).await;
    let reply = client
        .recv_until(|n| n.attr_str("id").as_deref() == Some("hello-1"))
        .await;
    let pairing_ref = parse_hello_response(&reply).expect("a pairing ref");
    (client, ephemeral, code, pairing_ref)
}

/// What the companion does after the phone's notification; returns its ADV secret.
async fn finish(
    client: &mut RawClient,
    keys: &Keys,
    ephemeral: &KeyPair,
    code: &str,
    pairing_ref: &[u8],
) -> zeroize::Zeroizing<[u8; 32]> {
    let note = client
        .recv_until(|n| {
            n.tag == "notification"
                && n.attr_str("type").as_deref() == Some("link_code_companion_reg")
        })
        .await;
    let primary = parse_primary_hello(&note, pairing_ref).expect("primary hello");
    let fin = companion_finish(
        code,
        ephemeral,
        &keys.identity,
        &primary.wrapped_primary_ephemeral,
        &primary.primary_identity_public,
        &FinishRandom::generate(&mut rand::rngs::OsRng),
    )
    .expect("finish");
    let iq = companion_finish_iq(
        "finish-1",
        PHONE,
        &fin,
        keys.identity.public.as_bytes(),
        pairing_ref,
    )
    .expect("valid finish");
    client.send(&iq).await;
    fin.adv_secret
}

#[tokio::test]
async fn a_companion_is_paired_by_phone_number_code() {
    let server = FakeServer::start().await.expect("server");
    let keys = Keys::generate();
    let (mut client, ephemeral, code, pairing_ref) = hello(&server, &keys).await;
    let request = server
        .wait_for_pair_code_request(common::WAIT)
        .await
        .expect("request");
    assert_eq!(request.phone.to_string(), PHONE);
    assert_eq!(request.noise_key, keys.noise.public);
    assert_eq!(request.platform_display, "Chrome (Linux)");
    assert_eq!(request.pairing_ref.as_bytes(), pairing_ref.as_slice());

    let companion = async {
        let adv_secret = finish(&mut client, &keys, &ephemeral, &code, &pairing_ref).await;
        let done = client
            .recv_until(|n| n.attr_str("id").as_deref() == Some("finish-1"))
            .await;
        assert_eq!(done.attr_str("type").as_deref(), Some("result"));
        let iq = client.recv_until(|n| is_iq(n, "set", "pair-success")).await;
        let success = handle_pair_success(&iq, &adv_secret, &keys.identity)
            .expect("the derived ADV secret keys the HMAC");
        client.send(&success.reply()).await;
        success.identity.account_signature_key
    };
    let (paired, phone_key) = tokio::join!(server.enter_pair_code(&code), companion);
    let paired = paired.expect("paired");
    assert_eq!(paired.jid.user, PHONE);
    assert_eq!(paired.jid.device, 1);
    assert_eq!(paired.phone_identity.0, phone_key);
    assert_eq!(paired.companion_platform, "1");
    assert_eq!(server.registered_devices(), vec![paired.jid.clone()]);
    let restart = client.recv_until(|n| n.tag == "stream:error").await;
    assert_eq!(restart.attr_str("code").as_deref(), Some("515"));
}

#[tokio::test]
async fn a_wrong_code_fails_on_the_key_bundle_and_pairs_nothing() {
    let server = FakeServer::start().await.expect("server");
    let keys = Keys::generate();
    let (mut client, ephemeral, code, pairing_ref) = hello(&server, &keys).await;
    // Same code with its first character changed: a typo on the phone.
    let rest = code.get(1..).unwrap_or_default();
    let first = if code.starts_with('A') { 'B' } else { 'A' };
    let typo = format!("{first}{rest}");
    let (paired, _) = tokio::join!(
        server.enter_pair_code(&typo),
        finish(&mut client, &keys, &ephemeral, &code, &pairing_ref)
    );
    assert!(
        matches!(paired, Err(TestkitError::KeyBundle(_))),
        "{paired:?}"
    );
    assert!(server.registered_devices().is_empty());
    // That request is used up.
    assert!(matches!(
        server.enter_pair_code(&code).await,
        Err(TestkitError::NoPairCodeRequest)
    ));
}

#[tokio::test]
async fn codes_without_a_request_or_of_the_wrong_shape_are_typed_errors() {
    let server = FakeServer::start().await.expect("server");
    assert!(matches!(
        server.enter_pair_code("ABCD2345").await,
        Err(TestkitError::NoPairCodeRequest)
    ));
    let keys = Keys::generate();
    let (_client, _, _, _) = hello(&server, &keys).await;
    assert!(matches!(
        server.enter_pair_code("abc").await,
        Err(TestkitError::PairCode(_))
    ));
    // The malformed code did not use the request up.
    assert!(server
        .wait_for_pair_code_request(std::time::Duration::from_millis(100))
        .await
        .is_ok());
}
