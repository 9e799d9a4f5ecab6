//! Noise transport and handshake throughput: frame encrypt/decrypt at 64 B, 1 KiB and 64 KiB,
//! and a full client+server XX handshake (including certificate verification).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use prost::Message;
use wa_actors::protocol::crypto::KeyPair;
use wa_actors::protocol::noise::{
    build_cert_chain, login_payload, CertSpec, ClientHandshake, Decryptor, Encryptor, FrameDecoder,
    FrameEncoder, NoiseConfig, PayloadConfig, ServerHandshake,
};

fn kp(seed: u8) -> KeyPair {
    KeyPair::from_private_bytes([seed; 32])
}

fn transport(c: &mut Criterion) {
    let key = [7u8; 32];
    let mut group = c.benchmark_group("noise_transport");
    for size in [64usize, 1024, 64 * 1024] {
        let plain = vec![0xa5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("encrypt_frame", size),
            &plain,
            |b, plain| {
                let mut enc = Encryptor::new(&key);
                let mut framer = FrameEncoder::without_intro();
                b.iter(|| framer.encode(&enc.encrypt(plain).unwrap()).unwrap());
            },
        );
        // Pre-encrypt enough frames for the measured iterations: each decrypt consumes a counter.
        group.bench_with_input(
            BenchmarkId::new("decrypt_frame", size),
            &plain,
            |b, plain| {
                b.iter_batched(
                    || {
                        let mut enc = Encryptor::new(&key);
                        let wire = FrameEncoder::without_intro()
                            .encode(&enc.encrypt(plain).unwrap())
                            .unwrap();
                        (wire, Decryptor::new(&key), FrameDecoder::new())
                    },
                    |(wire, mut dec, mut deframer)| {
                        let frames = deframer.decode(&wire).unwrap();
                        dec.decrypt(&frames[0]).unwrap()
                    },
                    criterion::BatchSize::SmallInput,
                );
            },
        );
    }
    group.finish();
}

fn handshake(c: &mut Criterion) {
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
    )
    .encode_to_vec();
    let config = NoiseConfig {
        trust_root: kp(1).public,
    };
    let payload = login_payload(&PayloadConfig::default(), 15550000001, 3).encode_to_vec();
    c.bench_function("noise_handshake/client+server", |b| {
        b.iter(|| {
            let client = ClientHandshake::new(&config, kp(10), kp(11), payload.clone());
            let server = ServerHandshake::new(kp(20), kp(3), chain.clone());
            let (hello, awaiting) = server.read_client_hello(&client.client_hello()).unwrap();
            let done = client.read_server_hello(&hello, 1_700_000_000).unwrap();
            awaiting.read_client_finish(&done.client_finish).unwrap()
        })
    });
}

criterion_group!(benches, transport, handshake);
criterion_main!(benches);
