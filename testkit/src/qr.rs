//! Reading the QR text a companion shows (pairing.md §1), as the phone's camera would.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use wa_protocol::crypto::PublicKey;
use zeroize::Zeroizing;

use crate::error::TestkitError;

/// What precedes the comma-separated fields.
const PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// The fields of a companion's QR code.
#[derive(Debug)]
pub(crate) struct QrData {
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

fn key(field: &str, what: &'static str) -> Result<[u8; 32], TestkitError> {
    let bytes = STANDARD
        .decode(field)
        .map_err(|_| TestkitError::InvalidQr(what))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| TestkitError::InvalidQr(what))
}

/// Parses `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`.
pub(crate) fn parse_qr(qr: &str) -> Result<QrData, TestkitError> {
    let fields = qr
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(TestkitError::InvalidQr(
            "missing the linked-devices URL prefix",
        ))?;
    // The last four fields are base64 and a short id; a ref could in principle hold a comma.
    let mut parts = fields.rsplitn(5, ',');
    let mut next = |what| parts.next().ok_or(TestkitError::InvalidQr(what));
    let platform = next("platform")?.to_owned();
    let adv = next("adv secret")?;
    let identity = next("identity key")?;
    let noise = next("noise key")?;
    let reference = next("ref")?.to_owned();
    if reference.is_empty() {
        return Err(TestkitError::InvalidQr("ref"));
    }
    Ok(QrData {
        reference,
        noise_key: PublicKey(key(noise, "noise key")?),
        identity: PublicKey(key(identity, "identity key")?),
        adv_secret: Zeroizing::new(key(adv, "adv secret")?),
        platform,
    })
}

#[cfg(test)]
mod tests {
    use wa_protocol::pairing::{qr_url, QrKeys};

    use super::*;

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
            assert!(matches!(parse_qr(bad), Err(TestkitError::InvalidQr(_))), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,300}") {
            let _ = parse_qr(&text);
            let _ = parse_qr(&format!("{PREFIX}{text}"));
        }
    }
}
