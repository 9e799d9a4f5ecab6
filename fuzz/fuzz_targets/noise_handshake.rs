//! Both handshake roles on hostile messages: the input is fed as a ServerHello to a client, as
//! a ClientHello to a server, and as a ClientFinish to a server that has read a genuine hello.
//!
//! The keys, the certificate chain and the server that read the genuine hello are made once
//! and cloned for each run (the handshake types are `Clone` under wa-protocol's `fuzzing` feature only), so a
//! run costs the curve operations the hostile message itself triggers and nothing more.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prost::Message;
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{
    build_cert_chain, CertSpec, ClientHandshake, NoiseConfig, ServerAwaitingFinish, ServerHandshake,
};

fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

/// A client that sent its hello, a server waiting for one, and a server that read it.
struct Start {
    client: ClientHandshake,
    server: ServerHandshake,
    awaiting: ServerAwaitingFinish,
}

fn server() -> ServerHandshake {
    let spec = |serial, issuer_serial| CertSpec {
        serial,
        issuer_serial,
        not_before: 0,
        not_after: u64::MAX,
    };
    let chain = build_cert_chain(
        &kp(1).private,
        &kp(2),
        spec(1, 0),
        &kp(3).public,
        spec(2, 1),
    );
    ServerHandshake::new(kp(20), kp(3), chain.encode_to_vec())
}

fn start() -> &'static Start {
    static START: OnceLock<Start> = OnceLock::new();
    START.get_or_init(|| {
        let config = NoiseConfig {
            trust_root: kp(1).public,
        };
        let client = ClientHandshake::new(&config, kp(10), kp(11), b"payload".to_vec());
        let hello = client.client_hello();
        let (_, awaiting) = server()
            .read_client_hello(&hello)
            .expect("a genuine hello is read");
        Start {
            client,
            server: server(),
            awaiting,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let start = start();
    let _ = start.client.clone().read_server_hello(data, 1_700_000_000);
    let _ = start.server.clone().read_client_hello(data);
    let _ = start.awaiting.clone().read_client_finish(data);
});
