//! The phone's `pair-success` signing with deliberate defects: the honest steps are the
//! protocol crate's (`wa_protocol::pairing::adv_primary`), and a [`PairForgery`] damages the
//! one step it targets, so each client check can be shown to fire.

use prost::Message as _;
use wa_protobuf::wa::{AdvDeviceIdentity, AdvSignedDeviceIdentity};
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::pairing::adv_primary::{
    account_signature, hmac_wrapper, sign_device_identity, IdentityParams, SignedIdentity,
};
use wa_protocol::pairing::PairError;

use crate::pair_options::PairForgery;

/// Signs `companion_identity` as a device of `phone`'s account and wraps it with the HMAC
/// keyed by the companion's ADV secret, damaged on purpose when `forgery` says so.
pub(crate) fn sign_forged(
    phone: &KeyPair,
    companion_identity: &PublicKey,
    adv_secret: &[u8; 32],
    params: &IdentityParams,
    forgery: Option<PairForgery>,
) -> Result<SignedIdentity, PairError> {
    let Some(forgery) = forgery else {
        return sign_device_identity(phone, companion_identity, adv_secret, params);
    };
    let details_msg = params.details();
    let details = details_msg.encode_to_vec();
    let mut signature = account_signature(phone, &details, companion_identity, params.hosted);
    if forgery == PairForgery::BadAccountSignature {
        signature[10] ^= 0x40;
    }
    let sent_details = if forgery == PairForgery::TamperedDetails {
        AdvDeviceIdentity {
            key_index: Some(params.key_index.wrapping_add(1)),
            ..details_msg
        }
        .encode_to_vec()
    } else {
        details.clone()
    };
    let signed = AdvSignedDeviceIdentity {
        details: Some(sent_details),
        account_signature_key: Some(phone.public.as_bytes().to_vec()),
        account_signature: Some(signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();
    let hmac_key = if forgery == PairForgery::WrongAdvSecret {
        adv_secret.map(|b| !b)
    } else {
        *adv_secret
    };
    let mut wrapper = hmac_wrapper(signed, &hmac_key, params.hosted)?;
    if forgery == PairForgery::BadHmac {
        if let Some(b) = wrapper.hmac.as_mut().and_then(|h| h.first_mut()) {
            *b ^= 1;
        }
    }
    Ok(SignedIdentity {
        wrapper: wrapper.encode_to_vec(),
        details,
        account_signature: signature,
    })
}

#[cfg(test)]
mod tests {
    use wa_protocol::pairing::adv::verify_device_identity;

    use super::*;

    #[test]
    fn each_forgery_fails_the_check_it_targets() {
        let phone = KeyPair::from_private_bytes([1; 32]);
        let companion = KeyPair::from_private_bytes([2; 32]);
        let secret = [3; 32];
        let cases = [
            (PairForgery::BadHmac, PairError::HmacMismatch),
            (PairForgery::WrongAdvSecret, PairError::HmacMismatch),
            (
                PairForgery::BadAccountSignature,
                PairError::AccountSignatureInvalid,
            ),
            (
                PairForgery::TamperedDetails,
                PairError::AccountSignatureInvalid,
            ),
        ];
        for hosted in [false, true] {
            let params = IdentityParams {
                raw_id: 77,
                timestamp: 1_700_000_000,
                key_index: 4,
                hosted,
            };
            let honest =
                sign_forged(&phone, &companion.public, &secret, &params, None).expect("signs");
            assert!(verify_device_identity(&honest.wrapper, &secret, &companion).is_ok());
            for (forgery, expected) in cases.clone() {
                let sent = sign_forged(&phone, &companion.public, &secret, &params, Some(forgery))
                    .expect("signs");
                assert_eq!(
                    verify_device_identity(&sent.wrapper, &secret, &companion).map(|_| ()),
                    Err(expected),
                    "{forgery:?} hosted={hosted}"
                );
            }
        }
    }
}
