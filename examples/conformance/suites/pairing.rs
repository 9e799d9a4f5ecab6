//! Suite `pairing` (`pairing.json`): QR pairing, companion side. One case per `pair_success`
//! entry (decode the iq, process it with our identity and ADV secret, compare every `expected`
//! value and the encoded reply, or check the rejection reason) and one per `qr` entry (decode
//! the `pair-device` iq, the ack, and both QR string forms for every ref).

use serde_json::Value;
use wa_actors::protocol::binary::{pack, unpack, Node};
use wa_actors::protocol::crypto::KeyPair;
use wa_actors::protocol::pairing::{
    companion_platform_id, handle_pair_success, parse_pair_device, qr_4field, qr_url, PairError,
    QrKeys,
};

use super::json;
use super::node_json::{node_from_json, node_to_json, nodes_equal};
use super::Report;

/// Checks every `pair_success` and `qr` entry of a `pairing.json` document.
pub fn check(doc: &Value, report: &mut Report) -> Result<(), String> {
    for (i, case) in json::arr(doc, "pair_success")?.iter().enumerate() {
        let name = case_name(case, "pair_success", i);
        report.case(&name, check_pair_success(case));
    }
    for (i, case) in json::arr(doc, "qr")?.iter().enumerate() {
        let name = case_name(case, "qr", i);
        report.case(&name, check_qr(case));
    }
    Ok(())
}

fn case_name(case: &Value, kind: &str, i: usize) -> String {
    let name = case.get("name").and_then(Value::as_str).unwrap_or("?");
    format!("{kind}[{i}] {name}")
}

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("missing `{key}`"))
}

/// Decodes `node_encoded` and checks it equals `node`.
fn decode_input(case: &Value) -> Result<Node, String> {
    let want = node_from_json(field(case, "node")?)?;
    let got = unpack(&json::hex(case, "node_encoded")?)
        .map_err(|e| format!("decode(node_encoded): {e}"))?;
    nodes_equal(&got, &want).map_err(|e| format!("decode(node_encoded) vs node: {e}"))?;
    Ok(got)
}

/// `got` must equal the JSON node `want_key` and encode to `encoded_key`, which must decode
/// back to the same node.
fn check_output(case: &Value, got: &Node, want_key: &str, encoded_key: &str) -> Result<(), String> {
    let want = node_from_json(field(case, want_key)?)?;
    nodes_equal(got, &want).map_err(|e| format!("{want_key}: {e}"))?;
    let encoded = json::hex(case, encoded_key)?;
    json::eq_bytes(&format!("encode({want_key})"), &pack(got), &encoded)?;
    json::eq_bytes(&format!("encode(json {want_key})"), &pack(&want), &encoded)?;
    Ok(())
}

fn key_pair(v: &Value) -> Result<KeyPair, String> {
    let pair = KeyPair::from_private_bytes(json::hex_n::<32>(v, "private")?);
    json::eq_bytes(
        "public key",
        pair.public.as_bytes(),
        &json::hex(v, "public")?,
    )?;
    Ok(pair)
}

fn opt_str<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("`{key}` is neither string nor null: {other}")),
    }
}

fn check_pair_success(case: &Value) -> Result<(), String> {
    let inputs = field(case, "inputs")?;
    let identity = key_pair(field(inputs, "companion_identity")?)?;
    let adv_secret = json::hex_n::<32>(inputs, "adv_secret")?;
    let iq = decode_input(case)?;
    let result = handle_pair_success(&iq, &adv_secret, &identity);

    let accepted = field(case, "accepted")?
        .as_bool()
        .ok_or("`accepted` is not a bool")?;
    if !accepted {
        let failure = json::str(case, "failure")?;
        return match (failure, result) {
            (_, Ok(_)) => Err(format!("accepted a case that must fail with {failure}")),
            ("missing_node", Err(PairError::MissingNode(_)))
            | ("hmac_mismatch", Err(PairError::HmacMismatch))
            | ("account_signature_invalid", Err(PairError::AccountSignatureInvalid)) => Ok(()),
            (_, Err(e)) => Err(format!(
                "rejected for the wrong reason: want {failure}, got {e}"
            )),
        };
    }

    let got = result.map_err(|e| format!("rejected a valid pair-success: {e}"))?;
    let exp = field(case, "expected")?;
    let me = field(exp, "me")?;
    let id = got.id.to_string();
    if id != json::str(me, "id")? {
        return Err(format!("me.id: got {id}"));
    }
    let lid = got.lid.as_ref().map(ToString::to_string);
    if lid.as_deref() != opt_str(me, "lid")? {
        return Err(format!("me.lid: got {lid:?}"));
    }
    if got.business_name.as_deref() != opt_str(me, "name")? {
        return Err(format!("me.name: got {:?}", got.business_name));
    }
    if got.platform.as_deref() != opt_str(exp, "platform")? {
        return Err(format!("platform: got {:?}", got.platform));
    }

    let acc = field(exp, "account")?;
    let account = got.account();
    let bytes = |v: &Option<Vec<u8>>| v.clone().unwrap_or_default();
    json::eq_bytes(
        "account.details",
        &bytes(&account.details),
        &json::hex(acc, "details")?,
    )?;
    json::eq_bytes(
        "account.account_signature_key",
        &bytes(&account.account_signature_key),
        &json::hex(acc, "account_signature_key")?,
    )?;
    json::eq_bytes(
        "account.account_signature",
        &bytes(&account.account_signature),
        &json::hex(acc, "account_signature")?,
    )?;
    json::eq_bytes(
        "account.device_signature",
        &bytes(&account.device_signature),
        &json::hex(acc, "device_signature")?,
    )?;
    json::eq_bytes(
        "device_signature_message",
        &got.identity.device_signature_message,
        &json::hex(exp, "device_signature_message")?,
    )?;
    json::eq_bytes(
        "device_signature",
        &got.identity.device_signature,
        &json::hex(exp, "device_signature")?,
    )?;

    let identities = json::arr(exp, "signal_identities")?;
    let [want_identity] = identities.as_slice() else {
        return Err(format!(
            "want one signal identity, vector has {}",
            identities.len()
        ));
    };
    let primary = got.primary_identity();
    let name = primary.name.as_ref().map(ToString::to_string);
    if name.as_deref() != opt_str(want_identity, "name")? {
        return Err(format!("signal_identities.name: got {name:?}"));
    }
    if u64::from(primary.device_id) != json::u64(want_identity, "device_id")? {
        return Err(format!(
            "signal_identities.device_id: got {}",
            primary.device_id
        ));
    }
    json::eq_bytes(
        "signal_identities.identifier_key",
        &primary.identity_key,
        &json::hex(want_identity, "identifier_key")?,
    )?;

    let reply = got.reply();
    check_output(exp, &reply, "reply_node", "reply_encoded")?;
    json::eq_bytes(
        "reply_device_identity",
        &got.identity.reply_device_identity(),
        &json::hex(exp, "reply_device_identity")?,
    )?;
    let decoded = unpack(&json::hex(exp, "reply_encoded")?)
        .map_err(|e| format!("decode(reply_encoded): {e}"))?;
    if node_to_json(&decoded) != *field(exp, "reply_decoded")? {
        return Err("decode(reply_encoded) differs from reply_decoded".into());
    }
    Ok(())
}

fn check_qr(case: &Value) -> Result<(), String> {
    let browser = json::arr(case, "browser")?;
    let part = |i: usize| {
        browser
            .get(i)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("browser[{i}] is not a string"))
    };
    let platform_id = companion_platform_id(part(0)?, part(1)?);
    if platform_id != json::str(case, "companion_platform_id")? {
        return Err(format!("companion_platform_id: got {platform_id}"));
    }
    let noise = key_pair(field(case, "noise_key")?)?;
    let identity = key_pair(field(case, "identity_key")?)?;
    let adv_secret = json::hex_n::<32>(case, "adv_secret")?;
    let keys = QrKeys {
        noise_public: noise.public.as_bytes(),
        identity_public: identity.public.as_bytes(),
        adv_secret: &adv_secret,
    };

    let iq = decode_input(case)?;
    let pair_device = parse_pair_device(&iq).map_err(|e| format!("pair-device: {e}"))?;
    check_output(case, &pair_device.ack(), "ack_node", "ack_encoded")?;

    let want = json::arr(case, "qr")?;
    if want.len() != pair_device.refs.len() {
        return Err(format!(
            "{} refs decoded, {} QR codes expected",
            pair_device.refs.len(),
            want.len()
        ));
    }
    for (reference, w) in pair_device.refs.iter().zip(want) {
        if reference != json::str(w, "ref")? {
            return Err(format!("ref: got {reference}"));
        }
        let url = qr_url(reference, &keys, platform_id);
        if url != json::str(w, "qr")? {
            return Err(format!("qr: got {url}"));
        }
        let four = qr_4field(reference, &keys);
        if four != json::str(w, "qr_4field")? {
            return Err(format!("qr_4field: got {four}"));
        }
    }
    Ok(())
}
