//! Both handshake roles on hostile messages: the input is fed as a ServerHello to a client, as
//! a ClientHello to a server, and as a ClientFinish to a server that has read a genuine hello.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{build_cert_chain, CertSpec, ClientHandshake, NoiseConfig, ServerHandshake};

fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

fn server() -> ServerHandshake {
    let spec = |serial, issuer_serial| CertSpec {
        serial,
        issuer_serial,
        not_before: 0,
        not_after: u64::MAX,
    };
    let chain = build_cert_chain(&kp(1).private, &kp(2), spec(1, 0), &kp(3).public, spec(2, 1));
    ServerHandshake::new(kp(20), kp(3), chain.encode_to_vec())
}

fuzz_target!(|data: &[u8]| {
    let config = NoiseConfig {
        trust_root: kp(1).public,
    };
    let client = ClientHandshake::new(&config, kp(10), kp(11), b"payload".to_vec());
    let hello = client.client_hello();
    let _ = client.read_server_hello(data, 1_700_000_000);
    let _ = server().read_client_hello(data);
    if let Ok((_, awaiting)) = server().read_client_hello(&hello) {
        let _ = awaiting.read_client_finish(data);
    }
});
