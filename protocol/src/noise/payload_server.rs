//! The server's reading of a registration `ClientPayload` (transport.md §4.3), beside
//! [`super::payload::registration_payload`] which builds it: the same fields, the same `0x05`
//! key type, and the signed prekey checked by [`PreKeyBundle::verify`].

use wa_protobuf::wa::ClientPayload;

use super::payload::RegistrationData;
use crate::crypto::PublicKey;
use crate::signal::{PreKeyBundle, SignalError, DJB_TYPE};

/// Why a registration payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The payload has no `devicePairingData` (a login payload, or neither).
    #[error("no devicePairingData")]
    MissingPairingData,
    /// A field of `devicePairingData` is absent or has the wrong length (or, for `eKeytype`,
    /// is not `0x05`).
    #[error("devicePairingData.{0} is missing or malformed")]
    BadField(&'static str),
    /// The signed prekey's signature does not verify with the identity key.
    #[error(transparent)]
    SignedPreKey(#[from] SignalError),
}

fn fixed<const N: usize>(
    field: Option<&Vec<u8>>,
    name: &'static str,
) -> Result<[u8; N], RegistrationError> {
    field
        .and_then(|v| <[u8; N]>::try_from(v.as_slice()).ok())
        .ok_or(RegistrationError::BadField(name))
}

/// Reads and checks the `devicePairingData` of a registration payload.
pub fn parse_registration_payload(
    payload: &ClientPayload,
) -> Result<RegistrationData, RegistrationError> {
    let data = payload
        .device_pairing_data
        .as_ref()
        .ok_or(RegistrationError::MissingPairingData)?;
    let registration_id = u32::from_be_bytes(fixed::<4>(data.e_regid.as_ref(), "eRegid")?);
    if fixed::<1>(data.e_keytype.as_ref(), "eKeytype")? != [DJB_TYPE] {
        return Err(RegistrationError::BadField("eKeytype"));
    }
    let identity = PublicKey(fixed::<32>(data.e_ident.as_ref(), "eIdent")?);
    let [a, b, c] = fixed::<3>(data.e_skey_id.as_ref(), "eSkeyId")?;
    let registration = RegistrationData {
        registration_id,
        identity,
        signed_prekey_id: u32::from_be_bytes([0, a, b, c]),
        signed_prekey: PublicKey(fixed::<32>(data.e_skey_val.as_ref(), "eSkeyVal")?),
        signed_prekey_signature: fixed::<64>(data.e_skey_sig.as_ref(), "eSkeySig")?,
    };
    PreKeyBundle {
        registration_id,
        identity_key: identity,
        signed_prekey_id: registration.signed_prekey_id,
        signed_prekey: registration.signed_prekey,
        signed_prekey_signature: registration.signed_prekey_signature,
        prekey: None,
    }
    .verify()?;
    Ok(registration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::noise::{registration_payload, PayloadConfig};
    use crate::signal::SignedPreKey;

    #[test]
    fn what_the_client_registers_with_is_read_back_and_its_signed_prekey_checked() {
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
        let got = parse_registration_payload(&payload).expect("valid");
        assert_eq!(got.registration_id, 0xdead_beef);
        assert_eq!(got.identity, identity.public);
        assert_eq!(got.signed_prekey_id, 0x01_02_03);
        assert_eq!(got.signed_prekey, spk.key_pair.public);
        assert_eq!(got.signed_prekey_signature, spk.signature);

        data.signed_prekey_signature[3] ^= 1;
        let payload = registration_payload(&PayloadConfig::default(), &data);
        assert_eq!(
            parse_registration_payload(&payload),
            Err(RegistrationError::SignedPreKey(SignalError::BadSignature(
                "signed prekey"
            )))
        );
        assert_eq!(
            parse_registration_payload(&ClientPayload::default()),
            Err(RegistrationError::MissingPairingData)
        );
        let mut payload = registration_payload(&PayloadConfig::default(), &data);
        if let Some(d) = payload.device_pairing_data.as_mut() {
            d.e_keytype = Some(vec![6]);
        }
        assert_eq!(
            parse_registration_payload(&payload),
            Err(RegistrationError::BadField("eKeytype"))
        );
    }
}
