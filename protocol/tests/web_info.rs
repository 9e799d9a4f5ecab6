//! The ClientPayload's `webInfo` for every browser and history-sync combination in
//! `tests/vectors/web_info.json`, which follows Baileys 7's `getWebInfo` (source in the file).
//! Each case is checked in both payloads the client sends, login and registration.

use prost::Message;
use serde_json::Value;
use wa_protocol::crypto::KeyPair;
use wa_protocol::noise::{login_payload, registration_payload, PayloadConfig, RegistrationData};

fn cases() -> Vec<Value> {
    let text = include_str!("vectors/web_info.json");
    let doc: Value = serde_json::from_str(text).expect("the vector file is JSON");
    doc["cases"].as_array().expect("a list of cases").clone()
}

fn config(case: &Value) -> PayloadConfig {
    let browser: Vec<String> = case["browser"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    PayloadConfig {
        browser: browser.try_into().expect("three browser fields"),
        sync_full_history: case["sync_full_history"].as_bool().unwrap(),
        ..PayloadConfig::default()
    }
}

#[test]
fn web_info_follows_baileys_for_every_combination() {
    let cases = cases();
    assert_eq!(cases.len(), 40);
    let desktop = cases
        .iter()
        .filter(|c| c["web_sub_platform"] != "WEB_BROWSER")
        .count();
    assert_eq!(
        desktop, 2,
        "only Mac OS and Windows as Desktop with full history"
    );
    let key = KeyPair::from_private_bytes([5; 32]).public;
    let registration = RegistrationData {
        registration_id: 7,
        identity: key,
        signed_prekey_id: 1,
        signed_prekey: key,
        signed_prekey_signature: [0; 64],
    };
    for case in &cases {
        let config = config(case);
        let expected = hex::decode(case["web_info_hex"].as_str().unwrap()).unwrap();
        for payload in [
            login_payload(&config, 15550000001, 3),
            registration_payload(&config, &registration),
        ] {
            let web_info = payload.web_info.expect("webInfo is always sent");
            assert_eq!(web_info.encode_to_vec(), expected, "{case}");
        }
    }
}
