//! The phone's reading of the QR text a companion shows (pairing.md §1), the inverse of
//! [`super::qr::qr_url`] with the same prefix and field order.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::qr::QR_URL_PREFIX;
use crate::crypto::PublicKey;

/// Why QR text is not `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed QR text: {0}")]
pub struct QrParseError(pub &'static str);

/// The fields of a companion's QR code.
pub struct ScannedQr {
    /// The `pair-device` ref the code was made from.
    pub reference: String,
    /// The companion's Noise static key.
    pub noise_key: PublicKey,
    /// The companion's identity key.
    pub identity: PublicKey,
    /// The secret the phone keys the device-identity HMAC with.
    pub adv_secret: Zeroizing<[u8; 32]>,
    /// The companion web client type (`"1"` Chrome, ...).
    pub platform: String,
}

impl std::fmt::Debug for ScannedQr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScannedQr")
            .field("reference", &self.reference)
            .field("noise_key", &self.noise_key)
            .field("identity", &self.identity)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

fn key(field: &str, what: &'static str) -> Result<[u8; 32], QrParseError> {
    let bytes = STANDARD.decode(field).map_err(|_| QrParseError(what))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| QrParseError(what))
}

/// Parses what [`super::qr::qr_url`] renders.
pub fn parse_qr(qr: &str) -> Result<ScannedQr, QrParseError> {
    let fields = qr
        .trim()
        .strip_prefix(QR_URL_PREFIX)
        .ok_or(QrParseError("missing the linked-devices URL prefix"))?;
    // The last four fields are base64 and a short id; a ref could in principle hold a comma.
    let mut parts = fields.rsplitn(5, ',');
    let mut next = |what| parts.next().ok_or(QrParseError(what));
    let platform = next("platform")?.to_owned();
    let adv = next("adv secret")?;
    let identity = next("identity key")?;
    let noise = next("noise key")?;
    let reference = next("ref")?.to_owned();
    if reference.is_empty() {
        return Err(QrParseError("ref"));
    }
    Ok(ScannedQr {
        reference,
        noise_key: PublicKey(key(noise, "noise key")?),
        identity: PublicKey(key(identity, "identity key")?),
        adv_secret: Zeroizing::new(key(adv, "adv secret")?),
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::{qr_url, QrKeys};

    #[test]
    fn reads_what_the_client_renders() {
        let keys = QrKeys {
            noise_public: &[1; 32],
            identity_public: &[2; 32],
            adv_secret: &[3; 32],
        };
        let qr = qr_url("2@abc+/=", &keys, "1");
        let data = parse_qr(&qr).expect("parses");
        assert_eq!(data.reference, "2@abc+/=");
        assert_eq!(data.noise_key, PublicKey([1; 32]));
        assert_eq!(data.identity, PublicKey([2; 32]));
        assert_eq!(*data.adv_secret, [3; 32]);
        assert_eq!(data.platform, "1");
        assert!(!format!("{data:?}").contains("[3, 3"));
    }

    #[test]
    fn malformed_text_is_a_typed_error() {
        for bad in [
            "",
            "2@abc,AA==,AA==,AA==,1",
            "https://wa.me/settings/linked_devices#AAAA,1",
            "https://wa.me/settings/linked_devices#r,AA==,AA==,AA==,1",
            "https://wa.me/settings/linked_devices#,AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=,1",
        ] {
            assert!(parse_qr(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,300}") {
            let _ = parse_qr(&text);
            let _ = parse_qr(&format!("{QR_URL_PREFIX}{text}"));
        }
    }
}
