//! Property tests: hostile bytes never panic the frame decoder, either handshake role or the
//! transport cipher, and framing is independent of how the stream is cut.

use std::sync::OnceLock;

use proptest::prelude::*;
use prost::Message;
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{
    build_cert_chain, CertSpec, ClientHandshake, FrameDecoder, FrameEncoder, NoiseConfig,
    ServerHandshake, TransportCipher, TransportKeys,
};

const NOW: u64 = 1_700_000_000;

fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

fn chain() -> Vec<u8> {
    let spec = |serial, issuer_serial| CertSpec {
        serial,
        issuer_serial,
        not_before: 0,
        not_after: u64::MAX,
    };
    build_cert_chain(
        &kp(1).private,
        &kp(2),
        spec(1, 0),
        &kp(3).public,
        spec(2, 1),
    )
    .encode_to_vec()
}

fn client() -> ClientHandshake {
    ClientHandshake::new(
        &NoiseConfig {
            trust_root: kp(1).public,
        },
        kp(10),
        kp(11),
        b"payload".to_vec(),
    )
}

/// A genuine (ClientHello, ServerHello, ClientFinish) transcript to mutate, computed once.
fn transcript() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    static CACHE: OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = OnceLock::new();
    CACHE.get_or_init(genuine_transcript).clone()
}

fn genuine_transcript() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let c = client();
    let hello = c.client_hello();
    let (server_hello, _) = ServerHandshake::new(kp(20), kp(3), chain())
        .read_client_hello(&hello)
        .expect("genuine hello");
    let done = c
        .read_server_hello(&server_hello, NOW)
        .expect("genuine server hello");
    (hello, server_hello, done.client_finish)
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    if !bytes.is_empty() {
        for &(at, x) in edits {
            let i = at % bytes.len();
            bytes[i] ^= x;
        }
    }
    bytes.truncate(cut.min(bytes.len()));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoder_never_panics_on_random_bytes(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8), server in any::<bool>()) {
        let mut dec = if server { FrameDecoder::expecting_intro() } else { FrameDecoder::new() };
        for chunk in &chunks {
            if dec.decode(chunk).is_err() {
                break;
            }
        }
    }

    #[test]
    fn decoder_reassembles_any_cuts(payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..6), cuts in prop::collection::vec(any::<usize>(), 0..10)) {
        let mut enc = FrameEncoder::new();
        let stream: Vec<u8> = payloads.iter().flat_map(|p| enc.encode(p).unwrap()).collect();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.push(0);
        points.push(stream.len());
        points.sort_unstable();
        let mut dec = FrameDecoder::expecting_intro();
        let mut got = Vec::new();
        for w in points.windows(2) {
            got.extend(dec.decode(&stream[w[0]..w[1]]).unwrap());
        }
        prop_assert_eq!(got, payloads);
        prop_assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn decoder_never_panics_on_mutated_frames(payload in prop::collection::vec(any::<u8>(), 0..100), edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4), cut in any::<usize>()) {
        let wire = FrameEncoder::new().encode(&payload).unwrap();
        let wire = mutate(wire, &edits, cut);
        let _ = FrameDecoder::expecting_intro().decode(&wire);
        let _ = FrameDecoder::new().decode(&wire);
    }

    #[test]
    fn client_never_panics_on_hostile_server_hello(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4), cut in any::<usize>(), random in prop::collection::vec(any::<u8>(), 0..128)) {
        let (_, server_hello, _) = transcript();
        let mutated = mutate(server_hello.clone(), &edits, cut);
        let accepted = client().read_server_hello(&mutated, NOW).is_ok();
        // Only an unchanged message may be accepted.
        if accepted {
            prop_assert_eq!(&mutated, &server_hello);
        }
        let _ = client().read_server_hello(&random, NOW);
    }

    #[test]
    fn server_never_panics_on_hostile_client_messages(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4), cut in any::<usize>(), random in prop::collection::vec(any::<u8>(), 0..128)) {
        let (hello, _, finish) = transcript();
        let server = || ServerHandshake::new(kp(20), kp(3), chain());
        let _ = server().read_client_hello(&mutate(hello.clone(), &edits, cut));
        let _ = server().read_client_hello(&random);
        let (_, awaiting) = server().read_client_hello(&hello).unwrap();
        let _ = awaiting.read_client_finish(&mutate(finish, &edits, cut));
        let (_, awaiting) = server().read_client_hello(&hello).unwrap();
        let _ = awaiting.read_client_finish(&random);
    }

    #[test]
    fn transport_rejects_any_mutation(plain in prop::collection::vec(any::<u8>(), 0..100), at in any::<usize>(), x in 1u8..) {
        let keys = TransportKeys { client_to_server: [4; 32], server_to_client: [5; 32] };
        let mut sealed = TransportCipher::client(&keys).encrypt(&plain).unwrap();
        let i = at % sealed.len();
        sealed[i] ^= x;
        prop_assert!(TransportCipher::server(&keys).decrypt(&sealed).is_err());
    }
}
