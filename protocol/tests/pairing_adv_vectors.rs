//! `verify_device_identity` on the `<device-identity>` bytes of `shared/vectors/pairing.json`,
//! without the node layer: accepted cases must give every `expected` byte string, rejected ones
//! the listed failure (the `missing_node` case is a node-level failure and is skipped here).

use std::path::PathBuf;

use serde_json::Value;
use wa_protocol::crypto::KeyPair;
use wa_protocol::pairing::{verify_device_identity, PairError};

fn load() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/pairing.json");
    let text = std::fs::read_to_string(&path).expect("pairing.json readable");
    serde_json::from_str(&text).expect("JSON")
}

fn hex_field(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))).expect("hex")
}

#[test]
fn device_identity_cases() {
    let v = load();
    let mut checked = 0;
    for case in v["pair_success"].as_array().expect("pair_success") {
        let name = case["name"].as_str().expect("name");
        if case["failure"].as_str() == Some("missing_node") {
            continue;
        }
        let inputs = &case["inputs"];
        let private: [u8; 32] = hex_field(&inputs["companion_identity"], "private")
            .try_into()
            .expect("32 bytes");
        let identity = KeyPair::from_private_bytes(private);
        let adv_secret: [u8; 32] = hex_field(inputs, "adv_secret").try_into().expect("32");
        let bytes = hex_field(&case["adv"], "signed_device_identity_hmac");
        let result = verify_device_identity(&bytes, &adv_secret, &identity);
        if case["accepted"].as_bool() == Some(true) {
            let got = result.unwrap_or_else(|e| panic!("{name}: rejected: {e}"));
            let exp = &case["expected"];
            let acc = &exp["account"];
            assert_eq!(
                got.account.details,
                Some(hex_field(acc, "details")),
                "{name}"
            );
            assert_eq!(
                got.account.account_signature_key,
                Some(hex_field(acc, "account_signature_key")),
                "{name}"
            );
            assert_eq!(
                got.account.account_signature,
                Some(hex_field(acc, "account_signature")),
                "{name}"
            );
            assert_eq!(
                got.account.device_signature,
                Some(hex_field(acc, "device_signature")),
                "{name}"
            );
            assert_eq!(
                got.device_signature_message,
                hex_field(exp, "device_signature_message"),
                "{name}"
            );
            assert_eq!(
                got.device_signature.to_vec(),
                hex_field(exp, "device_signature"),
                "{name}"
            );
            assert_eq!(
                got.reply_device_identity(),
                hex_field(exp, "reply_device_identity"),
                "{name}"
            );
            let trusted = &exp["signal_identities"][0];
            assert_eq!(
                got.primary_identity_key().to_vec(),
                hex_field(trusted, "identifier_key"),
                "{name}"
            );
        } else {
            let want = match case["failure"].as_str() {
                Some("hmac_mismatch") => PairError::HmacMismatch,
                Some("account_signature_invalid") => PairError::AccountSignatureInvalid,
                other => panic!("{name}: unknown failure {other:?}"),
            };
            assert_eq!(result, Err(want), "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "every non-node case checked");
}
