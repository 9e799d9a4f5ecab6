//! Server certificate chain verification, in whatsmeow's order (transport.md §3.3).
//!
//! The chain is root → intermediate → leaf; the leaf certifies the server's Noise static key.
//! Every check is made (Baileys skips the leaf key binding and the validity windows; we do not).

use prost::Message;
use subtle::ConstantTimeEq;
use wa_protobuf::wa::cert_chain::noise_certificate::Details;
use wa_protobuf::wa::cert_chain::NoiseCertificate;
use wa_protobuf::wa::CertChain;

use super::error::CertError;
use super::ROOT_ISSUER_SERIAL;
use crate::crypto::xeddsa::SIGNATURE_LEN;
use crate::crypto::PublicKey;

/// What a successful verification learned about the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// Serial of the intermediate certificate.
    pub intermediate_serial: u32,
    /// Key of the intermediate certificate (signs leaves).
    pub intermediate_key: PublicKey,
    /// Serial of the leaf certificate.
    pub leaf_serial: u32,
    /// Validity window of the leaf, unix seconds (`notBefore`, `notAfter`).
    pub leaf_validity: (u64, u64),
}

fn parts<'a>(
    cert: Option<&'a NoiseCertificate>,
    what: &'static str,
    missing_details: &'static str,
    missing_signature: &'static str,
) -> Result<(&'a [u8], &'a [u8]), CertError> {
    let cert = cert.ok_or(CertError::Missing(what))?;
    let details = cert
        .details
        .as_deref()
        .ok_or(CertError::Missing(missing_details))?;
    let signature = cert
        .signature
        .as_deref()
        .ok_or(CertError::Missing(missing_signature))?;
    if signature.len() != SIGNATURE_LEN {
        return Err(CertError::SignatureLength(what));
    }
    Ok((details, signature))
}

/// Verifies the serialized `CertChain` sent in the ServerHello payload against `trust_root`,
/// binding its leaf to `server_static` and checking both validity windows against `now`
/// (unix seconds).
pub fn verify_cert_chain(
    chain_bytes: &[u8],
    trust_root: &PublicKey,
    server_static: &PublicKey,
    now: u64,
) -> Result<VerifiedChain, CertError> {
    let chain = CertChain::decode(chain_bytes)?;
    // 1. Presence of all four parts, 64-byte signatures.
    let (inter_details, inter_sig) = parts(
        chain.intermediate.as_ref(),
        "intermediate",
        "intermediate details",
        "intermediate signature",
    )?;
    let (leaf_details, leaf_sig) = parts(
        chain.leaf.as_ref(),
        "leaf",
        "leaf details",
        "leaf signature",
    )?;

    // 2. The root signed the intermediate.
    if !trust_root.verify(inter_details, inter_sig) {
        return Err(CertError::IntermediateSignatureInvalid);
    }
    // 3. The intermediate was issued by the root and carries a usable key.
    let inter = Details::decode(inter_details)?;
    let inter_issuer = inter.issuer_serial.unwrap_or_default();
    if inter_issuer != ROOT_ISSUER_SERIAL {
        return Err(CertError::IntermediateIssuerSerial(inter_issuer));
    }
    let inter_key_bytes = inter.key.as_deref().unwrap_or_default();
    let inter_key = PublicKey::from_slice(inter_key_bytes)
        .ok_or(CertError::IntermediateKeyLength(inter_key_bytes.len()))?;
    // 4. The intermediate signed the leaf.
    if !inter_key.verify(leaf_details, leaf_sig) {
        return Err(CertError::LeafSignatureInvalid);
    }
    // 5. The intermediate is valid now.
    let (not_before, not_after) = (
        inter.not_before.unwrap_or_default(),
        inter.not_after.unwrap_or_default(),
    );
    if now < not_before {
        return Err(CertError::IntermediateNotYetValid { not_before, now });
    }
    if now > not_after {
        return Err(CertError::IntermediateExpired { not_after, now });
    }
    // 6. The leaf names the intermediate as its issuer.
    let leaf = Details::decode(leaf_details)?;
    let inter_serial = inter.serial.unwrap_or_default();
    let leaf_issuer = leaf.issuer_serial.unwrap_or_default();
    if leaf_issuer != inter_serial {
        return Err(CertError::LeafIssuerSerialMismatch {
            leaf_issuer,
            intermediate: inter_serial,
        });
    }
    // 7. The leaf certifies the static key the server proved possession of.
    let leaf_key = leaf.key.as_deref().unwrap_or_default();
    if leaf_key.len() != server_static.0.len()
        || !bool::from(leaf_key.ct_eq(server_static.as_bytes()))
    {
        return Err(CertError::LeafKeyMismatch);
    }
    // 8. The leaf is valid now.
    let (not_before, not_after) = (
        leaf.not_before.unwrap_or_default(),
        leaf.not_after.unwrap_or_default(),
    );
    if now < not_before {
        return Err(CertError::LeafNotYetValid { not_before, now });
    }
    if now > not_after {
        return Err(CertError::LeafExpired { not_after, now });
    }
    Ok(VerifiedChain {
        intermediate_serial: inter_serial,
        intermediate_key: inter_key,
        leaf_serial: leaf.serial.unwrap_or_default(),
        leaf_validity: (not_before, not_after),
    })
}
