//! The fake server's keys: a root (what clients are told to trust), an intermediate, and the
//! Noise static key certified by the leaf.

use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::noise::{build_cert_chain, CertSpec};

/// Serial of the test intermediate certificate.
const INTERMEDIATE_SERIAL: u32 = 1;
/// Serial of the test leaf certificate.
const LEAF_SERIAL: u32 = 2;
/// Validity of the test certificates around the server's start time.
const VALIDITY_SECS: u64 = 30 * 24 * 3600;

/// The server's long-term keys and its serialized certificate chain.
#[derive(Debug, Clone)]
pub struct ServerIdentity {
    root: KeyPair,
    /// The Noise static key of the server.
    pub static_key: KeyPair,
    /// The serialized `CertChain` sent in the ServerHello.
    pub cert_chain: Vec<u8>,
}

impl ServerIdentity {
    /// Fresh random keys and a chain valid for 30 days either side of now.
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        let root = KeyPair::generate(&mut rng);
        let intermediate = KeyPair::generate(&mut rng);
        let static_key = KeyPair::generate(&mut rng);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let window = |serial, issuer_serial| CertSpec {
            serial,
            issuer_serial,
            not_before: now.saturating_sub(VALIDITY_SECS),
            not_after: now + VALIDITY_SECS,
        };
        let chain = build_cert_chain(
            &root.private,
            &intermediate,
            window(INTERMEDIATE_SERIAL, wa_protocol::noise::ROOT_ISSUER_SERIAL),
            &static_key.public,
            window(LEAF_SERIAL, INTERMEDIATE_SERIAL),
        );
        Self {
            root,
            static_key,
            cert_chain: chain.encode_to_vec(),
        }
    }

    /// The root public key clients must trust to accept this server.
    pub fn trust_root(&self) -> PublicKey {
        self.root.public
    }
}
