//! What an unpaired companion tells the server: its registration payload (Noise handshake) and
//! its phone-number pairing request (`companion_hello`).

use wa_protobuf::wa::ClientPayload;
use wa_protocol::binary::Node;
use wa_protocol::crypto::PublicKey;
use wa_protocol::noise::{parse_registration_payload, RegistrationError};
use wa_protocol::pairing::link_code_server::parse_companion_hello as parse_hello;
use wa_protocol::pairing::PairCodeError;

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

/// Reads and checks the registration data of `payload` (the rules are the protocol
/// crate's, beside the client's `registration_payload`).
pub(crate) fn parse_registration(
    connection: u64,
    noise_key: PublicKey,
    payload: &ClientPayload,
) -> Result<Registration, RegistrationError> {
    let data = parse_registration_payload(payload)?;
    Ok(Registration {
        connection,
        noise_key,
        identity: data.identity,
        registration_id: data.registration_id,
        signed_prekey_id: data.signed_prekey_id,
        signed_prekey: data.signed_prekey,
        signed_prekey_signature: data.signed_prekey_signature,
        refs: Vec::new(),
    })
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

/// Reads a `companion_hello` iq and remembers the pairing ref the server answers with.
pub(crate) fn parse_companion_hello(
    connection: u64,
    iq: &Node,
    pairing_ref: String,
) -> Result<PairCodeRequest, PairCodeError> {
    let hello = parse_hello(iq)?;
    let phone = hello
        .phone
        .parse::<u64>()
        .map_err(|_| PairCodeError::InvalidPhone)?;
    Ok(PairCodeRequest {
        connection,
        phone,
        wrapped_ephemeral: hello.wrapped_ephemeral.to_vec(),
        noise_key: hello.noise_key,
        platform_id: hello.platform_id,
        platform_display: hello.platform_display,
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
    fn the_connection_and_noise_key_are_kept_with_the_parsed_registration() {
        let identity = KeyPair::from_private_bytes([5; 32]);
        let spk = SignedPreKey::new(&identity, 9, KeyPair::from_private_bytes([6; 32]));
        let data = RegistrationData {
            registration_id: 77,
            identity: identity.public,
            signed_prekey_id: spk.id,
            signed_prekey: spk.key_pair.public,
            signed_prekey_signature: spk.signature,
        };
        let payload = registration_payload(&PayloadConfig::default(), &data);
        let noise = PublicKey([8; 32]);
        let reg = parse_registration(3, noise, &payload).expect("valid");
        assert_eq!((reg.connection, reg.noise_key), (3, noise));
        assert_eq!(reg.registration_id, 77);
        assert!(reg.refs.is_empty());
        assert_eq!(
            parse_registration(3, noise, &ClientPayload::default()).map(|_| ()),
            Err(RegistrationError::MissingPairingData)
        );
    }

    #[test]
    fn a_hello_keeps_its_connection_and_ref() {
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
        assert_eq!((req.connection, req.phone), (2, 15_551_234_567));
        assert_eq!(req.pairing_ref, "REF");
        assert_eq!(req.wrapped_ephemeral, wrapped.to_vec());
    }
}
