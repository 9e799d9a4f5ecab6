//! Builds a signed certificate chain (root → intermediate → leaf), for the server role of the
//! fake server and for tests. Signatures use deterministic XEdDSA, so a chain is reproducible.

use prost::Message;
use wa_protobuf::wa::cert_chain::noise_certificate::Details;
use wa_protobuf::wa::cert_chain::NoiseCertificate;
use wa_protobuf::wa::CertChain;

use crate::crypto::{KeyPair, PrivateKey, PublicKey};

/// Serials and validity window of one certificate to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertSpec {
    /// This certificate's serial.
    pub serial: u32,
    /// Serial of the certificate that signs it (0 for the root).
    pub issuer_serial: u32,
    /// Start of validity, unix seconds.
    pub not_before: u64,
    /// End of validity, unix seconds.
    pub not_after: u64,
}

fn certificate(spec: &CertSpec, key: &PublicKey, signer: &PrivateKey) -> NoiseCertificate {
    let details = Details {
        serial: Some(spec.serial),
        issuer_serial: Some(spec.issuer_serial),
        key: Some(key.as_bytes().to_vec()),
        not_before: Some(spec.not_before),
        not_after: Some(spec.not_after),
    }
    .encode_to_vec();
    let signature = signer.sign(&details).to_vec();
    NoiseCertificate {
        details: Some(details),
        signature: Some(signature),
    }
}

/// Builds a `CertChain` whose intermediate (key `intermediate.public`) is signed by `root` and
/// whose leaf (certifying `leaf_key`, the server static key) is signed by `intermediate`.
pub fn build_cert_chain(
    root: &PrivateKey,
    intermediate: &KeyPair,
    intermediate_spec: CertSpec,
    leaf_key: &PublicKey,
    leaf_spec: CertSpec,
) -> CertChain {
    CertChain {
        leaf: Some(certificate(&leaf_spec, leaf_key, &intermediate.private)),
        intermediate: Some(certificate(&intermediate_spec, &intermediate.public, root)),
    }
}
