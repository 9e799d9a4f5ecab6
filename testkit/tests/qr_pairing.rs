//! The fake phone pairs a bare companion by QR code; the companion side is the protocol crate's
//! (`parse_pair_device`, `qr_url`, `handle_pair_success`).

mod common;

use common::{is_iq, Keys, RawClient};
use wa_protocol::binary::Node;
use wa_protocol::noise::{login_payload, PayloadConfig};
use wa_protocol::pairing::{
    handle_pair_success, pair_error_reply, parse_pair_device, qr_url, QrKeys,
};
use wa_testkit::{FakeServer, PairForgery, PairOptions, Paired, TestkitError};

/// Connects `keys` as a new device and returns the connection with its QR texts.
async fn register(server: &FakeServer, keys: &Keys) -> (RawClient, Vec<String>) {
    let mut client = RawClient::register(server, keys).await;
    let iq = client.recv_until(|n| is_iq(n, "set", "pair-device")).await;
    let pair_device = parse_pair_device(&iq).expect("pair-device parses");
    client.send(&pair_device.ack()).await;
    let qr_keys = QrKeys {
        noise_public: keys.noise.public.as_bytes(),
        identity_public: keys.identity.public.as_bytes(),
        adv_secret: &keys.adv_secret,
    };
    let qrs = pair_device
        .refs
        .iter()
        .map(|r| qr_url(r, &qr_keys, "1"))
        .collect();
    (client, qrs)
}

/// Answers `pair-success` the way a real companion does: verify, then countersign or refuse.
async fn answer_pair_success(client: &mut RawClient, keys: &Keys) -> Result<(), String> {
    let iq = client.recv_until(|n| is_iq(n, "set", "pair-success")).await;
    match handle_pair_success(&iq, &keys.adv_secret, &keys.identity) {
        Ok(success) => {
            client.send(&success.reply()).await;
            Ok(())
        }
        Err(e) => {
            let id = iq
                .attr_str("id")
                .map(|s| s.into_owned())
                .unwrap_or_default();
            client.send(&pair_error_reply(&id, &e)).await;
            Err(e.to_string())
        }
    }
}

async fn scan(
    server: &FakeServer,
    client: &mut RawClient,
    keys: &Keys,
    qr: &str,
    options: PairOptions,
) -> (Result<Paired, TestkitError>, Result<(), String>) {
    tokio::join!(
        server.scan_qr_with(qr, options),
        answer_pair_success(client, keys)
    )
}

#[tokio::test]
async fn a_scanned_companion_is_paired_restarted_and_logs_in() {
    let server = FakeServer::start().await.expect("server");
    let keys = Keys::generate();
    let (mut client, qrs) = register(&server, &keys).await;
    assert_eq!(qrs.len(), 6, "six refs by default");
    let reg = &server.registrations()[0];
    assert_eq!(reg.identity, keys.identity.public);
    assert_eq!(reg.registration_id, keys.registration_id);
    assert_eq!(reg.signed_prekey, keys.signed_prekey.key_pair.public);

    let options = PairOptions {
        business_name: Some("Shop".into()),
        ..PairOptions::default()
    };
    let (paired, answered) = scan(&server, &mut client, &keys, &qrs[2], options).await;
    answered.expect("the client accepts the phone's pair-success");
    let paired = paired.expect("paired");
    assert_eq!(paired.jid.device, 1);
    assert_eq!(paired.lid.device, 1);
    assert_eq!(paired.business_name.as_deref(), Some("Shop"));
    assert_eq!(paired.platform, "android");
    assert_eq!(paired.companion_platform, "1");
    assert_eq!(server.registered_devices(), vec![paired.jid.clone()]);

    // The forced restart.
    let restart = client.recv_until(|n| n.tag == "stream:error").await;
    assert_eq!(restart.attr_str("code").as_deref(), Some("515"));
    assert!(client.closed().await);

    // The paired device logs in with its Noise key; a stranger with the same JID does not.
    let user: u64 = paired.jid.user.parse().expect("numeric");
    let login = login_payload(&PayloadConfig::default(), user, 1);
    let mut again = RawClient::connect(&server, &keys.noise, &login).await;
    let success = again.recv().await.expect("success");
    assert_eq!(success.tag, "success");
    assert_eq!(success.attr_jid("lid"), Some(paired.lid.clone()));
    let stranger = Keys::generate();
    let mut other = RawClient::connect(&server, &stranger.noise, &login).await;
    assert_eq!(other.recv().await.map(|n| n.tag), Some("failure".into()));
}

#[tokio::test]
async fn a_second_pairing_is_device_two_of_the_same_phone() {
    let server = FakeServer::start().await.expect("server");
    let mut phone_keys = Vec::new();
    for expected_device in [1u16, 2] {
        let keys = Keys::generate();
        let (mut client, qrs) = register(&server, &keys).await;
        let options = PairOptions {
            hosted: expected_device == 2,
            ..PairOptions::default()
        };
        let (paired, answered) = scan(&server, &mut client, &keys, &qrs[0], options).await;
        answered.expect("accepted");
        let paired = paired.expect("paired");
        assert_eq!(paired.jid.device, expected_device);
        phone_keys.push((paired.jid.user.clone(), paired.phone_identity));
    }
    assert_eq!(
        phone_keys[0], phone_keys[1],
        "one phone number keeps one identity"
    );
    assert_eq!(server.registered_devices().len(), 2);
}

#[tokio::test]
async fn every_forgery_is_rejected_by_the_client_and_nothing_is_registered() {
    let server = FakeServer::start().await.expect("server");
    let cases = [
        (PairForgery::BadHmac, "hmac-mismatch"),
        (PairForgery::WrongAdvSecret, "hmac-mismatch"),
        (PairForgery::BadAccountSignature, "signature-mismatch"),
        (PairForgery::TamperedDetails, "signature-mismatch"),
    ];
    for (forgery, text) in cases {
        let keys = Keys::generate();
        let (mut client, qrs) = register(&server, &keys).await;
        let options = PairOptions {
            forgery: Some(forgery),
            ..PairOptions::default()
        };
        let (paired, answered) = scan(&server, &mut client, &keys, &qrs[0], options).await;
        assert!(
            answered.is_err(),
            "{forgery:?} must fail the client's checks"
        );
        match paired {
            Err(TestkitError::PairingRejected { code, text: got }) => {
                assert_eq!((code, got.as_str()), (401, text), "{forgery:?}");
            }
            other => panic!("{forgery:?}: {other:?}"),
        }
    }
    assert!(server.registered_devices().is_empty());
}

#[tokio::test]
async fn a_client_that_accepts_a_forgery_is_reported() {
    let server = FakeServer::start().await.expect("server");
    let keys = Keys::generate();
    let (mut client, qrs) = register(&server, &keys).await;
    let options = PairOptions {
        forgery: Some(PairForgery::BadHmac),
        ..PairOptions::default()
    };
    let careless = async {
        let iq = client.recv_until(|n| is_iq(n, "set", "pair-success")).await;
        let id = iq
            .attr_str("id")
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let ok = Node::build("iq")
            .attr("type", "result")
            .attr("id", id)
            .finish();
        client.send(&ok).await;
    };
    let (paired, ()) = tokio::join!(server.scan_qr_with(&qrs[0], options), careless);
    assert!(matches!(paired, Err(TestkitError::ForgeryAccepted)));
    assert!(server.registered_devices().is_empty());
}

#[tokio::test]
async fn qr_texts_that_do_not_match_a_registration_are_typed_errors() {
    let server = FakeServer::start().await.expect("server");
    let keys = Keys::generate();
    let (_client, qrs) = register(&server, &keys).await;
    let other = Keys::generate();
    let forged = |noise: &Keys, identity: &Keys| {
        let r = qrs[0]
            .trim_start_matches("https://wa.me/settings/linked_devices#")
            .split(',')
            .next()
            .unwrap_or_default()
            .to_owned();
        qr_url(
            &r,
            &QrKeys {
                noise_public: noise.noise.public.as_bytes(),
                identity_public: identity.identity.public.as_bytes(),
                adv_secret: &keys.adv_secret,
            },
            "1",
        )
    };
    assert!(matches!(
        server.scan_qr(&forged(&other, &keys)).await,
        Err(TestkitError::KeyMismatch("noise key"))
    ));
    assert!(matches!(
        server.scan_qr(&forged(&keys, &other)).await,
        Err(TestkitError::KeyMismatch("identity key"))
    ));
    let unknown = qrs[0].replacen("2@", "2@x", 1);
    assert!(matches!(
        server.scan_qr(&unknown).await,
        Err(TestkitError::UnknownQrRef)
    ));
    assert!(matches!(
        server.scan_qr("hello").await,
        Err(TestkitError::InvalidQr(_))
    ));
}

#[tokio::test]
async fn the_number_of_refs_is_settable_and_zero_sends_none() {
    let server = FakeServer::start().await.expect("server");
    server.set_qr_refs(2);
    let (_client, qrs) = register(&server, &Keys::generate()).await;
    assert_eq!(qrs.len(), 2);

    server.set_qr_refs(0);
    let keys = Keys::generate();
    let mut client = RawClient::register(&server, &keys).await;
    assert!(client
        .recv_within(std::time::Duration::from_millis(300))
        .await
        .is_none());
    assert_eq!(server.registrations().len(), 2);
    // The registration connection is served like a logged-in one.
    let ping = Node::build("iq")
        .attr("type", "get")
        .attr("id", "p1")
        .attr("xmlns", "w:p")
        .finish();
    client.send(&ping).await;
    let reply = client.recv().await.expect("reply");
    assert_eq!(reply.attr_str("type").as_deref(), Some("result"));
    assert_eq!(reply.attr_str("id").as_deref(), Some("p1"));
}

#[tokio::test]
async fn a_registration_with_a_bad_signed_prekey_is_refused() {
    let server = FakeServer::start().await.expect("server");
    let mut keys = Keys::generate();
    keys.signed_prekey.signature[0] ^= 1;
    let mut client = RawClient::register(&server, &keys).await;
    let failure = client.recv().await.expect("failure");
    assert_eq!(failure.tag, "failure");
    assert!(client.closed().await);
    assert!(server.registrations().is_empty());
}
