//! Unit tests of the Noise layer: both roles against each other, every certificate failure
//! with its own variant, transport tag and counter failures, and the frame codec's cuts.

use prost::Message;
use wa_protobuf::wa::cert_chain::noise_certificate::Details;
use wa_protobuf::wa::CertChain;

use super::*;
use crate::crypto::{KeyPair, PublicKey};

const NOW: u64 = 1_700_000_000;

fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

fn spec(serial: u32, issuer_serial: u32) -> CertSpec {
    CertSpec {
        serial,
        issuer_serial,
        not_before: NOW - 1000,
        not_after: NOW + 1000,
    }
}

/// Keys and chain of a test server; `root` is the trust root the client should use.
struct Fixture {
    root: KeyPair,
    intermediate: KeyPair,
    server_static: KeyPair,
}

impl Fixture {
    fn new() -> Self {
        Self {
            root: kp(1),
            intermediate: kp(2),
            server_static: kp(3),
        }
    }

    fn chain_with(&self, inter: CertSpec, leaf: CertSpec) -> CertChain {
        build_cert_chain(
            &self.root.private,
            &self.intermediate,
            inter,
            &self.server_static.public,
            leaf,
        )
    }

    fn chain(&self) -> CertChain {
        self.chain_with(spec(1, 0), spec(2, 1))
    }

    fn verify(&self, chain: &CertChain) -> Result<VerifiedChain, CertError> {
        verify_cert_chain(
            &chain.encode_to_vec(),
            &self.root.public,
            &self.server_static.public,
            NOW,
        )
    }
}

fn payload() -> Vec<u8> {
    login_payload(&PayloadConfig::default(), 15550000001, 3).encode_to_vec()
}

/// Runs a full handshake between the two roles; returns both sides' results.
fn handshake(
    fixture: &Fixture,
    chain: Vec<u8>,
    trust_root: PublicKey,
    now: u64,
) -> Result<(ClientFinished, ServerFinished), HandshakeError> {
    let client = ClientHandshake::new(&NoiseConfig { trust_root }, kp(10), kp(11), payload());
    let server = ServerHandshake::new(kp(20), fixture.server_static.clone(), chain);
    let (server_hello, awaiting) = server.read_client_hello(&client.client_hello())?;
    let client_done = client.read_server_hello(&server_hello, now)?;
    let server_done = awaiting.read_client_finish(&client_done.client_finish)?;
    Ok((client_done, server_done))
}

#[test]
fn roles_complete_and_exchange_frames_both_ways() {
    let f = Fixture::new();
    let (mut client, mut server) =
        handshake(&f, f.chain().encode_to_vec(), f.root.public, NOW).expect("handshake");
    assert_eq!(client.keys, server.keys);
    assert_ne!(client.keys.client_to_server, client.keys.server_to_client);
    assert_eq!(client.server_static, f.server_static.public);
    assert_eq!(server.client_static, kp(11).public);
    assert_eq!(server.payload.encode_to_vec(), payload());
    assert_eq!(client.chain.intermediate_key, f.intermediate.public);

    // Frames through encoder, decoder and ciphers, both directions, several messages each.
    let (mut c_tx, mut c_rx) = client.take_cipher().expect("first take").split();
    let mut s = server.take_cipher().expect("first take");
    assert!(
        client.take_cipher().is_none(),
        "a second cipher would reuse nonces"
    );
    assert!(
        server.take_cipher().is_none(),
        "a second cipher would reuse nonces"
    );
    let mut c_enc = FrameEncoder::without_intro();
    let mut s_dec = FrameDecoder::new();
    let mut s_enc = FrameEncoder::without_intro();
    let mut c_dec = FrameDecoder::new();
    for i in 0..5u8 {
        let up = vec![i; 10 + usize::from(i)];
        let wire = c_enc.encode(&c_tx.encrypt(&up).unwrap()).unwrap();
        let frames = s_dec.decode(&wire).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(s.decrypt(&frames[0]).unwrap(), up);

        let down = vec![0x80 | i; 3 * usize::from(i)];
        let wire = s_enc.encode(&s.encrypt(&down).unwrap()).unwrap();
        let frames = c_dec.decode(&wire).unwrap();
        assert_eq!(c_rx.decrypt(&frames[0]).unwrap(), down);
    }
    assert_eq!(c_tx.counter(), Some(5));
    assert_eq!(c_rx.counter(), Some(5));
}

#[test]
fn valid_chain_verifies() {
    let f = Fixture::new();
    let verified = f.verify(&f.chain()).unwrap();
    assert_eq!(verified.intermediate_serial, 1);
    assert_eq!(verified.leaf_serial, 2);
}

#[test]
fn wrong_trust_root_fails_intermediate_signature() {
    let f = Fixture::new();
    let err = handshake(&f, f.chain().encode_to_vec(), WA_CERT_ROOT, NOW).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Cert(CertError::IntermediateSignatureInvalid)
    );
}

#[test]
fn tampered_leaf_fails_leaf_signature() {
    let f = Fixture::new();
    let mut chain = f.chain();
    let leaf = chain.leaf.as_mut().unwrap();
    let mut details = Details::decode(leaf.details.as_deref().unwrap()).unwrap();
    details.not_after = Some(NOW + 999_999);
    leaf.details = Some(details.encode_to_vec());
    assert_eq!(f.verify(&chain), Err(CertError::LeafSignatureInvalid));
    let err = handshake(&f, chain.encode_to_vec(), f.root.public, NOW).unwrap_err();
    assert_eq!(err, HandshakeError::Cert(CertError::LeafSignatureInvalid));
}

#[test]
fn tampered_intermediate_fails_intermediate_signature() {
    let f = Fixture::new();
    let mut chain = f.chain();
    let inter = chain.intermediate.as_mut().unwrap();
    let mut sig = inter.signature.clone().unwrap();
    sig[5] ^= 1;
    inter.signature = Some(sig);
    assert_eq!(
        f.verify(&chain),
        Err(CertError::IntermediateSignatureInvalid)
    );
}

#[test]
fn validity_windows_are_checked_in_order() {
    let f = Fixture::new();
    let expired = CertSpec {
        not_after: NOW - 1,
        ..spec(1, 0)
    };
    assert_eq!(
        f.verify(&f.chain_with(expired, spec(2, 1))),
        Err(CertError::IntermediateExpired {
            not_after: NOW - 1,
            now: NOW
        })
    );
    // The expired intermediate also fails a whole handshake with the same variant.
    let err = handshake(
        &f,
        f.chain_with(expired, spec(2, 1)).encode_to_vec(),
        f.root.public,
        NOW,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        HandshakeError::Cert(CertError::IntermediateExpired { .. })
    ));
    let future = CertSpec {
        not_before: NOW + 1,
        ..spec(1, 0)
    };
    assert!(matches!(
        f.verify(&f.chain_with(future, spec(2, 1))),
        Err(CertError::IntermediateNotYetValid { .. })
    ));
    let leaf_expired = CertSpec {
        not_after: NOW - 1,
        ..spec(2, 1)
    };
    assert!(matches!(
        f.verify(&f.chain_with(spec(1, 0), leaf_expired)),
        Err(CertError::LeafExpired { .. })
    ));
    let leaf_future = CertSpec {
        not_before: NOW + 1,
        ..spec(2, 1)
    };
    assert!(matches!(
        f.verify(&f.chain_with(spec(1, 0), leaf_future)),
        Err(CertError::LeafNotYetValid { .. })
    ));
    // Exactly at the window edges is valid.
    let edge = CertSpec {
        not_before: NOW,
        not_after: NOW,
        ..spec(1, 0)
    };
    assert!(f.verify(&f.chain_with(edge, spec(2, 1))).is_ok());
}

#[test]
fn serials_and_leaf_key_are_checked() {
    let f = Fixture::new();
    assert_eq!(
        f.verify(&f.chain_with(spec(1, 7), spec(2, 1))),
        Err(CertError::IntermediateIssuerSerial(7))
    );
    assert_eq!(
        f.verify(&f.chain_with(spec(1, 0), spec(2, 9))),
        Err(CertError::LeafIssuerSerialMismatch {
            leaf_issuer: 9,
            intermediate: 1
        })
    );
    // A chain certifying another key than the one the server proves.
    let other = build_cert_chain(
        &f.root.private,
        &f.intermediate,
        spec(1, 0),
        &kp(99).public,
        spec(2, 1),
    );
    assert_eq!(f.verify(&other), Err(CertError::LeafKeyMismatch));
    let err = handshake(&f, other.encode_to_vec(), f.root.public, NOW).unwrap_err();
    assert_eq!(err, HandshakeError::Cert(CertError::LeafKeyMismatch));
}

#[test]
fn malformed_chains_are_typed_errors() {
    let f = Fixture::new();
    let mut chain = f.chain();
    chain.leaf = None;
    assert_eq!(f.verify(&chain), Err(CertError::Missing("leaf")));
    let mut chain = f.chain();
    chain.intermediate.as_mut().unwrap().signature = Some(vec![0; 63]);
    assert_eq!(
        f.verify(&chain),
        Err(CertError::SignatureLength("intermediate"))
    );
    assert!(matches!(
        verify_cert_chain(&[0xff, 0xff], &f.root.public, &f.server_static.public, NOW),
        Err(CertError::Malformed(_))
    ));
    // An intermediate whose key is not 32 bytes, correctly signed.
    let details = Details {
        serial: Some(1),
        issuer_serial: Some(0),
        key: Some(vec![1; 31]),
        not_before: Some(0),
        not_after: Some(u64::MAX),
    }
    .encode_to_vec();
    let mut chain = f.chain();
    let inter = chain.intermediate.as_mut().unwrap();
    inter.signature = Some(f.root.private.sign(&details).to_vec());
    inter.details = Some(details);
    assert_eq!(f.verify(&chain), Err(CertError::IntermediateKeyLength(31)));
}

#[test]
fn bad_tag_and_counter_exhaustion_are_typed() {
    let keys = TransportKeys {
        client_to_server: [7; 32],
        server_to_client: [8; 32],
    };
    let mut client = TransportCipher::client(&keys);
    let mut server = TransportCipher::server(&keys);
    let mut sealed = client.encrypt(b"hello").unwrap();
    let last = sealed.len() - 1;
    sealed[last] ^= 0x01;
    assert_eq!(
        server.decrypt(&sealed),
        Err(TransportError::BadTag { counter: 0 })
    );
    // Too short to hold a tag.
    assert_eq!(
        server.decrypt(&[1, 2, 3]),
        Err(TransportError::BadTag { counter: 1 })
    );
    // A frame replayed out of order fails too.
    let first = client.encrypt(b"a").unwrap();
    let mut fresh = TransportCipher::server(&keys);
    assert_eq!(
        fresh.decrypt(&first),
        Err(TransportError::BadTag { counter: 0 })
    );

    let mut tx = Encryptor::starting_at(&[1; 32], u32::MAX);
    let mut rx = Decryptor::starting_at(&[1; 32], u32::MAX);
    let last_frame = tx.encrypt(b"last").unwrap();
    assert_eq!(rx.decrypt(&last_frame).unwrap(), b"last");
    assert_eq!(tx.encrypt(b"x"), Err(TransportError::CounterExhausted));
    assert_eq!(
        rx.decrypt(&last_frame),
        Err(TransportError::CounterExhausted)
    );
}

#[test]
fn handshake_rejects_tampered_server_hello_and_client_finish() {
    let f = Fixture::new();
    let client = ClientHandshake::new(
        &NoiseConfig {
            trust_root: f.root.public,
        },
        kp(10),
        kp(11),
        payload(),
    );
    let server = ServerHandshake::new(kp(20), f.server_static.clone(), f.chain().encode_to_vec());
    let (hello, awaiting) = server.read_client_hello(&client.client_hello()).unwrap();
    let mut decoded = wa_protobuf::wa::HandshakeMessage::decode(hello.as_slice()).unwrap();
    let sh = decoded.server_hello.as_mut().unwrap();
    sh.r#static.as_mut().unwrap()[0] ^= 1;
    let tampered = decoded.encode_to_vec();
    let err = ClientHandshake::new(
        &NoiseConfig {
            trust_root: f.root.public,
        },
        kp(10),
        kp(11),
        payload(),
    )
    .read_server_hello(&tampered, NOW)
    .unwrap_err();
    assert_eq!(err, HandshakeError::Decrypt("serverHello.static"));
    assert!(matches!(
        ClientHandshake::new(&NoiseConfig::default(), kp(10), kp(11), payload())
            .read_server_hello(&[0x1a, 0x03, 0x0a, 0x01, 0x00], NOW),
        Err(HandshakeError::KeyLength { len: 1, .. })
    ));

    let done = client.read_server_hello(&hello, NOW).unwrap();
    let mut finish = done.client_finish.clone();
    let last = finish.len() - 1;
    finish[last] ^= 1;
    assert_eq!(
        awaiting.read_client_finish(&finish).unwrap_err(),
        HandshakeError::Decrypt("clientFinish.payload")
    );
}

#[test]
fn frame_encoder_intro_and_limits() {
    let mut enc = FrameEncoder::new();
    assert_eq!(
        enc.encode(b"ab").unwrap(),
        [0x57, 0x41, 6, 3, 0, 0, 2, b'a', b'b']
    );
    assert_eq!(enc.encode(b"c").unwrap(), [0, 0, 1, b'c']);

    let mut routed = FrameEncoder::with_routing_info(&[9, 8]).unwrap();
    assert_eq!(
        routed.encode(b"").unwrap(),
        [0x45, 0x44, 0, 1, 0, 0, 2, 9, 8, 0x57, 0x41, 6, 3, 0, 0, 0]
    );

    let mut enc = FrameEncoder::new();
    let big = vec![0u8; MAX_FRAME_LEN + 1];
    assert_eq!(
        enc.encode(&big),
        Err(FrameError::TooLarge {
            len: MAX_FRAME_LEN + 1,
            max: MAX_FRAME_LEN
        })
    );
    // The failed frame did not consume the intro.
    assert_eq!(&enc.encode(b"").unwrap()[..4], &WA_HEADER);
    let max = vec![0u8; MAX_FRAME_LEN];
    assert_eq!(enc.encode(&max).unwrap()[..3], [0xff, 0xff, 0xff]);
}

#[test]
fn frame_decoder_reassembles_any_cut() {
    let payloads: Vec<Vec<u8>> = vec![vec![1; 5], vec![], vec![2; 300], vec![3; 1]];
    let mut enc = FrameEncoder::without_intro();
    let stream: Vec<u8> = payloads
        .iter()
        .flat_map(|p| enc.encode(p).unwrap())
        .collect();
    // Every pair of cut points, including cuts inside a 3-byte length.
    for a in 0..stream.len() {
        for b in [a, a + 1, a + 2, (a + 7).min(stream.len()), stream.len()] {
            let b = b.min(stream.len());
            let mut dec = FrameDecoder::new();
            let mut got = dec.decode(&stream[..a]).unwrap();
            got.extend(dec.decode(&stream[a..b]).unwrap());
            got.extend(dec.decode(&stream[b..]).unwrap());
            assert_eq!(got, payloads, "cuts at {a}, {b}");
            assert_eq!(dec.buffered(), 0);
        }
    }
}

#[test]
fn frame_decoder_errors_are_typed_and_sticky() {
    let mut dec = FrameDecoder::new().with_max_frame_len(4);
    assert_eq!(
        dec.decode(&[0, 0, 5, 1, 2, 3, 4, 5]),
        Err(FrameError::TooLarge { len: 5, max: 4 })
    );
    assert!(dec.decode(&[0, 0, 1, 1]).is_err());

    let mut server = FrameDecoder::expecting_intro();
    assert_eq!(server.decode(&[0x57, 0x41]).unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(server.decode(&[6, 3, 0, 0, 1, 7]).unwrap(), vec![vec![7]]);

    let mut routed = FrameDecoder::expecting_intro();
    let mut enc = FrameEncoder::with_routing_info(b"edge").unwrap();
    let wire = enc.encode(b"hi").unwrap();
    for byte in &wire[..wire.len() - 1] {
        assert!(routed.decode(&[*byte]).unwrap().is_empty());
    }
    assert_eq!(
        routed.decode(&wire[wire.len() - 1..]).unwrap(),
        vec![b"hi".to_vec()]
    );
    assert_eq!(routed.routing_info(), Some(&b"edge"[..]));

    let mut garbage = FrameDecoder::expecting_intro();
    assert_eq!(garbage.decode(b"GET / HTTP"), Err(FrameError::BadIntro));
}

#[test]
fn registration_payload_layout() {
    let config = PayloadConfig {
        browser: ["Mac OS".into(), "Safari".into(), "14".into()],
        sync_full_history: true,
        push_name: Some("Bot".into()),
        ..PayloadConfig::default()
    };
    let reg = RegistrationData {
        registration_id: 0x01020304,
        identity: kp(1).public,
        signed_prekey_id: 0x00abcdef,
        signed_prekey: kp(2).public,
        signed_prekey_signature: [9; 64],
    };
    let p = registration_payload(&config, &reg);
    let data = p.device_pairing_data.as_ref().unwrap();
    assert_eq!(data.e_regid.as_deref(), Some(&[1, 2, 3, 4][..]));
    assert_eq!(data.e_skey_id.as_deref(), Some(&[0xab, 0xcd, 0xef][..]));
    assert_eq!(data.e_keytype.as_deref(), Some(&[5][..]));
    assert_eq!(p.push_name.as_deref(), Some("Bot"));
    // Safari is not the desktop app, so full history still announces a web browser.
    assert_eq!(
        p.web_info.unwrap().web_sub_platform,
        Some(wa_protobuf::wa::client_payload::web_info::WebSubPlatform::WebBrowser as i32)
    );
    let props =
        wa_protobuf::wa::DeviceProps::decode(data.device_props.as_deref().unwrap()).unwrap();
    assert_eq!(props.os.as_deref(), Some("Mac OS"));
    assert_eq!(props.require_full_sync, Some(true));
    assert_eq!(
        props.platform_type,
        Some(wa_protobuf::wa::device_props::PlatformType::Safari as i32)
    );
    // MD5("2.3000.1019707846") as in the vectors' registration scenario.
    assert_eq!(
        payload::build_hash([2, 3000, 1019707846]).to_vec(),
        hex::decode("1c24b32925da6df1b1d672b61de4f238").unwrap()
    );
}
