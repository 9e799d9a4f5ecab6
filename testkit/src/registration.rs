//! What an unpaired companion tells the server: its registration payload (Noise handshake) and
//! its phone-number pairing request (`companion_hello`).

use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::Node;
use wa_protocol::crypto::PublicKey;

/// Signal key type byte of Curve25519 keys.
const KEY_TYPE_DJB: u8 = 0x05;
/// The `<link_code_companion_reg>` child of pair-code iqs and notifications.
pub(crate) const LINK_CODE_REG: &str = "link_code_companion_reg";

/// A connection that registered a new device (a `ClientPayload` without username).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The connection it arrived on.
    pub connection: u64,
    /// The Noise static key the client proved it holds.
    pub noise_key: PublicKey,
    /// The device's Signal identity key.
    pub identity: PublicKey,
    /// The device's Signal registration id.
    pub registration_id: u32,
    /// Id of the signed prekey.
    pub signed_prekey_id: u32,
    /// The signed prekey.
    pub signed_prekey: PublicKey,
    /// The identity key's signature over `0x05 ‖ signed prekey` (verified).
    pub signed_prekey_signature: [u8; 64],
    /// The QR refs the server sent it in `pair-device` (empty if none were sent).
    pub refs: Vec<String>,
}

/// Why a registration payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RegistrationError {
    /// The payload has neither a username nor `devicePairingData`.
    #[error("no devicePairingData")]
    MissingPairingData,
    /// A field of `devicePairingData` is absent or has the wrong length.
    #[error("devicePairingData.{0} is missing or malformed")]
    BadField(&'static str),
    /// The signed prekey's signature does not verify with the identity key.
    #[error("signed prekey signature does not verify")]
    SignedPreKeySignature,
}

fn fixed<const N: usize>(
    field: Option<&Vec<u8>>,
    name: &'static str,
) -> Result<[u8; N], RegistrationError> {
    field
        .and_then(|v| <[u8; N]>::try_from(v.as_slice()).ok())
        .ok_or(RegistrationError::BadField(name))
}

/// Reads and checks the registration data of `payload`.
pub(crate) fn parse_registration(
    connection: u64,
    noise_key: PublicKey,
    payload: &ClientPayload,
) -> Result<Registration, RegistrationError> {
    let data = payload
        .device_pairing_data
        .as_ref()
        .ok_or(RegistrationError::MissingPairingData)?;
    let registration_id = u32::from_be_bytes(fixed::<4>(data.e_regid.as_ref(), "eRegid")?);
    if fixed::<1>(data.e_keytype.as_ref(), "eKeytype")? != [KEY_TYPE_DJB] {
        return Err(RegistrationError::BadField("eKeytype"));
    }
    let identity = PublicKey(fixed::<32>(data.e_ident.as_ref(), "eIdent")?);
    let [a, b, c] = fixed::<3>(data.e_skey_id.as_ref(), "eSkeyId")?;
    let signed_prekey = PublicKey(fixed::<32>(data.e_skey_val.as_ref(), "eSkeyVal")?);
    let signed_prekey_signature = fixed::<64>(data.e_skey_sig.as_ref(), "eSkeySig")?;
    if !verify_signed_prekey(&identity, &signed_prekey, &signed_prekey_signature) {
        return Err(RegistrationError::SignedPreKeySignature);
    }
    Ok(Registration {
        connection,
        noise_key,
        identity,
        registration_id,
        signed_prekey_id: u32::from_be_bytes([0, a, b, c]),
        signed_prekey,
        signed_prekey_signature,
        refs: Vec::new(),
    })
}

/// Whether `signature` is `identity`'s XEdDSA signature over `0x05 ‖ signed_prekey`.
pub(crate) fn verify_signed_prekey(
    identity: &PublicKey,
    signed_prekey: &PublicKey,
    signature: &[u8],
) -> bool {
    let mut message = [0u8; 33];
    message[0] = KEY_TYPE_DJB;
    message[1..].copy_from_slice(signed_prekey.as_bytes());
    identity.verify(&message, signature)
}

/// A companion's request to pair by phone-number code (`stage="companion_hello"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCodeRequest {
    /// The connection it arrived on.
    pub connection: u64,
    /// The phone number the companion wants to be linked to.
    pub phone: u64,
    /// `salt ‖ iv ‖ AES-CTR(code key, companion ephemeral)` (80 bytes).
    pub wrapped_ephemeral: Vec<u8>,
    /// The companion's Noise static key (`companion_server_auth_key_pub`).
    pub noise_key: PublicKey,
    /// `companion_platform_id`.
    pub platform_id: String,
    /// `companion_platform_display`.
    pub platform_display: String,
    /// The pairing ref the server answered with.
    pub pairing_ref: String,
}

fn child_bytes<'a>(reg: &'a Node, tag: &'static str) -> Result<&'a [u8], &'static str> {
    reg.child(tag).and_then(Node::content_bytes).ok_or(tag)
}

fn child_text(reg: &Node, tag: &'static str) -> Result<String, &'static str> {
    std::str::from_utf8(child_bytes(reg, tag)?)
        .map(str::to_owned)
        .map_err(|_| tag)
}

/// Reads a `companion_hello` iq; the error names the missing or malformed part.
pub(crate) fn parse_companion_hello(
    connection: u64,
    iq: &Node,
    pairing_ref: String,
) -> Result<PairCodeRequest, &'static str> {
    let reg = iq.child(LINK_CODE_REG).ok_or(LINK_CODE_REG)?;
    let phone = reg
        .attr_jid("jid")
        .and_then(|j| j.user.parse::<u64>().ok())
        .ok_or("jid")?;
    let wrapped = child_bytes(reg, "link_code_pairing_wrapped_companion_ephemeral_pub")?;
    if wrapped.len() != 80 {
        return Err("link_code_pairing_wrapped_companion_ephemeral_pub");
    }
    let noise_key = PublicKey::from_slice(child_bytes(reg, "companion_server_auth_key_pub")?)
        .ok_or("companion_server_auth_key_pub")?;
    Ok(PairCodeRequest {
        connection,
        phone,
        wrapped_ephemeral: wrapped.to_vec(),
        noise_key,
        platform_id: child_text(reg, "companion_platform_id")?,
        platform_display: child_text(reg, "companion_platform_display")?,
        pairing_ref,
    })
}

#[cfg(test)]
mod tests {
    use wa_protocol::crypto::KeyPair;
    use wa_protocol::noise::{registration_payload, PayloadConfig, RegistrationData};
    use wa_protocol::pairing::code::wrap_ephemeral;
    use wa_protocol::pairing::link_code::{companion_hello_iq, CompanionHello};
    use wa_protocol::signal::keys::SignedPreKey;

    use super::*;

    #[test]
    fn a_client_registration_payload_is_read_and_its_signed_prekey_checked() {
        let identity = KeyPair::from_private_bytes([5; 32]);
        let spk = SignedPreKey::new(&identity, 0x01_02_03, KeyPair::from_private_bytes([6; 32]));
        let mut data = RegistrationData {
            registration_id: 0xdead_beef,
            identity: identity.public,
            signed_prekey_id: spk.id,
            signed_prekey: spk.key_pair.public,
            signed_prekey_signature: spk.signature,
        };
        let payload = registration_payload(&PayloadConfig::default(), &data);
        let noise = PublicKey([8; 32]);
        let reg = parse_registration(3, noise, &payload).expect("valid");
        assert_eq!(reg.connection, 3);
        assert_eq!(reg.noise_key, noise);
        assert_eq!(reg.identity, identity.public);
        assert_eq!(reg.registration_id, 0xdead_beef);
        assert_eq!(reg.signed_prekey_id, 0x01_02_03);
        assert_eq!(reg.signed_prekey, spk.key_pair.public);

        data.signed_prekey_signature[3] ^= 1;
        let payload = registration_payload(&PayloadConfig::default(), &data);
        assert_eq!(
            parse_registration(3, noise, &payload),
            Err(RegistrationError::SignedPreKeySignature)
        );
        assert_eq!(
            parse_registration(3, noise, &ClientPayload::default()),
            Err(RegistrationError::MissingPairingData)
        );
    }

    #[test]
    fn a_client_companion_hello_is_read() {
        let noise = [4u8; 32];
        let wrapped = wrap_ephemeral("ABCD2345", &[7; 32], &[1; 32], &[2; 16]).expect("wrap");
        let hello = CompanionHello {
            phone: "15551234567",
            wrapped_ephemeral: wrapped,
            noise_public: &noise,
            platform_id: "1",
            platform_display: "Chrome (Linux)",
            show_push_notification: true,
        };
        let iq = companion_hello_iq("x1", &hello).expect("valid");
        let req = parse_companion_hello(2, &iq, "REF".into()).expect("parses");
        assert_eq!(req.phone, 15_551_234_567);
        assert_eq!(req.wrapped_ephemeral, wrapped.to_vec());
        assert_eq!(req.noise_key, PublicKey(noise));
        assert_eq!(req.platform_id, "1");
        assert_eq!(req.platform_display, "Chrome (Linux)");
        assert_eq!(
            parse_companion_hello(2, &Node::build("iq").finish(), "REF".into()),
            Err(LINK_CODE_REG)
        );
    }
}
