//! What a test chooses about a pairing ([`PairOptions`], a [`PairForgery`]) and what it gets
//! back ([`Paired`]).

use wa_protocol::binary::Jid;
use wa_protocol::crypto::PublicKey;

/// A deliberate defect in `pair-success`, for tests that the client rejects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairForgery {
    /// The HMAC is flipped: the client must answer `401 hmac-mismatch`.
    BadHmac,
    /// The phone's account signature is flipped (HMAC recomputed): `401 signature-mismatch`.
    BadAccountSignature,
    /// The device details are changed after signing and the HMAC recomputed, so only the
    /// account signature check catches it.
    TamperedDetails,
    /// The HMAC is keyed with another secret than the companion's ADV secret.
    WrongAdvSecret,
}

/// How the phone pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairOptions {
    /// `<platform name>` of `pair-success`, the primary's platform. Default `"android"`.
    pub platform: String,
    /// `<biz name>`: pairing to a business account. Default `None`.
    pub business_name: Option<String>,
    /// A hosted account: `06 05` prefixes and HOSTED account and device types. Default false.
    pub hosted: bool,
    /// Damage `pair-success` on purpose. Default `None`.
    pub forgery: Option<PairForgery>,
    /// Which phone number scans a QR code; default the server's one default phone (created on
    /// first use), so repeated pairings get devices 1, 2, … of one account. The code flow
    /// always uses the number the companion named.
    pub phone: Option<u64>,
}

impl Default for PairOptions {
    fn default() -> Self {
        Self {
            platform: "android".into(),
            business_name: None,
            hosted: false,
            forgery: None,
            phone: None,
        }
    }
}

/// A companion the phone paired (and the server now accepts logins from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    /// The companion's phone-number JID, `PHONE:DEVICE@s.whatsapp.net`.
    pub jid: Jid,
    /// The companion's LID, `LIDUSER:DEVICE@lid`.
    pub lid: Jid,
    /// The phone's identity key (the `accountSignatureKey`).
    pub phone_identity: PublicKey,
    /// The platform the phone announced.
    pub platform: String,
    /// The business name the phone announced, if any.
    pub business_name: Option<String>,
    /// The companion's web client type, from its QR code or `companion_hello` (`"1"` Chrome…).
    pub companion_platform: String,
}
