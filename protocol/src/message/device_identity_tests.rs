use prost::Message as _;
use wa_protobuf::wa::{AdvDeviceIdentity, AdvSignedDeviceIdentity};

use super::*;
use crate::crypto::KeyPair;

struct Account {
    phone: KeyPair,
    companion: KeyPair,
}

fn account() -> Account {
    Account {
        phone: KeyPair::from_private_bytes([7; 32]),
        companion: KeyPair::from_private_bytes([9; 32]),
    }
}

/// What a companion of `a` attaches to its `pkmsg`s: the phone's statement, countersigned.
fn statement(a: &Account) -> AdvSignedDeviceIdentity {
    let details = AdvDeviceIdentity {
        raw_id: Some(42),
        timestamp: Some(1_700_000_000),
        key_index: Some(3),
        ..Default::default()
    }
    .encode_to_vec();
    let account_message = account_signature_message(&details, &a.companion.public, false);
    let device_message = device_signature_message(
        &details,
        a.companion.public.as_bytes(),
        a.phone.public.as_bytes(),
    );
    AdvSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(a.phone.public.as_bytes().to_vec()),
        account_signature: Some(a.phone.private.sign(&account_message).to_vec()),
        device_signature: Some(a.companion.private.sign(&device_message).to_vec()),
    }
}

fn check(
    s: &AdvSignedDeviceIdentity,
    sender: &PublicKey,
    primary: Option<&PublicKey>,
) -> Result<DeviceIdentityCheck, DeviceIdentityError> {
    check_device_identity(&s.encode_to_vec(), sender, primary)
}

#[test]
fn a_genuine_statement_verifies_against_the_known_primary() {
    let a = account();
    let s = statement(&a);
    assert_eq!(
        check(&s, &a.companion.public, Some(&a.phone.public)),
        Ok(DeviceIdentityCheck::Verified { key_index: 3 })
    );
    assert_eq!(
        check(&s, &a.companion.public, None),
        Ok(DeviceIdentityCheck::PrimaryUnknown {
            key_index: 3,
            account_key: a.phone.public
        })
    );
}

#[test]
fn a_statement_signed_by_another_phone_is_refused_when_the_primary_is_known() {
    let a = account();
    let other = Account {
        phone: KeyPair::from_private_bytes([11; 32]),
        companion: KeyPair::from_private_bytes([9; 32]),
    };
    let forged = statement(&other);
    assert_eq!(
        check(&forged, &a.companion.public, Some(&a.phone.public)),
        Err(DeviceIdentityError::PrimaryMismatch)
    );
}

#[test]
fn every_broken_part_has_its_own_error() {
    let a = account();
    let genuine = statement(&a);
    let primary = Some(&a.phone.public);

    // Another companion's identity: the phone never vouched for it.
    let stranger = KeyPair::from_private_bytes([13; 32]).public;
    assert_eq!(
        check(&genuine, &stranger, primary),
        Err(DeviceIdentityError::AccountSignature)
    );

    let mut details = genuine.details.clone().unwrap();
    *details.last_mut().unwrap() ^= 1;
    let tampered = AdvSignedDeviceIdentity {
        details: Some(details),
        ..genuine.clone()
    };
    assert!(matches!(
        check(&tampered, &a.companion.public, primary),
        Err(DeviceIdentityError::AccountSignature | DeviceIdentityError::Decode { .. })
    ));

    let mut sig = genuine.device_signature.clone().unwrap();
    sig[5] ^= 1;
    let bad_device = AdvSignedDeviceIdentity {
        device_signature: Some(sig),
        ..genuine.clone()
    };
    assert_eq!(
        check(&bad_device, &a.companion.public, primary),
        Err(DeviceIdentityError::DeviceSignature)
    );

    for (field, broken) in [
        (
            "details",
            AdvSignedDeviceIdentity {
                details: None,
                ..genuine.clone()
            },
        ),
        (
            "accountSignatureKey",
            AdvSignedDeviceIdentity {
                account_signature_key: Some(vec![1; 31]),
                ..genuine.clone()
            },
        ),
        (
            "accountSignatureKey",
            AdvSignedDeviceIdentity {
                account_signature_key: Some(vec![0xff; 32]),
                ..genuine.clone()
            },
        ),
        (
            "accountSignature",
            AdvSignedDeviceIdentity {
                account_signature: None,
                ..genuine.clone()
            },
        ),
        (
            "deviceSignature",
            AdvSignedDeviceIdentity {
                device_signature: Some(vec![0; 63]),
                ..genuine.clone()
            },
        ),
    ] {
        assert_eq!(
            check(&broken, &a.companion.public, primary),
            Err(DeviceIdentityError::Missing(field))
        );
    }

    assert!(matches!(
        check_device_identity(&[0xff, 0xff, 0xff], &a.companion.public, primary),
        Err(DeviceIdentityError::Decode { .. })
    ));
}
