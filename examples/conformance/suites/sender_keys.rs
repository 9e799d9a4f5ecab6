//! `sender-keys.json`: a sender started from the recorded initial state must reproduce every
//! SKDM and `skmsg` byte for byte; a receiver of the first SKDM decrypts every message in the
//! recorded order; the late joiner decrypts and rejects what the file says. One case per sender
//! message, per receiver decrypt, and per late-joiner decrypt or reject.

use serde_json::Value;
use wa_actors::protocol::crypto::KeyPair;
use wa_actors::protocol::signal::{
    serialize_public, unpad, SenderKeyDistributionMessage, SenderKeyMessage, SenderKeyRecord,
    VERSION_BYTE,
};

use super::json::{arr, eq_bytes, hex, hex_n, u64};
use super::Report;

/// Checks the whole file.
pub fn check(file: &Value, report: &mut Report) -> Result<(), String> {
    let messages = arr(file, "messages")?;
    check_sender(file, messages, report)?;
    check_receiver(file, messages, report)?;
    check_late_joiner(file, messages, report)?;
    Ok(())
}

fn u32_of(v: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(u64(v, key)?).map_err(|_| format!("`{key}` does not fit u32"))
}

fn message(messages: &[Value], index: u64) -> Result<&Value, String> {
    messages
        .iter()
        .find(|m| m.get("index").and_then(Value::as_u64) == Some(index))
        .ok_or_else(|| format!("no message with index {index}"))
}

fn check_skdm_parsed(skdm: &SenderKeyDistributionMessage, want: &Value) -> Result<(), String> {
    if u64(want, "version_byte")? != u64::from(VERSION_BYTE) {
        return Err("skdm_parsed.version_byte is not 0x33".into());
    }
    if skdm.key_id != u32_of(want, "key_id")? || skdm.iteration != u32_of(want, "iteration")? {
        return Err(format!(
            "skdm id/iteration {}/{}, want {want}",
            skdm.key_id, skdm.iteration
        ));
    }
    eq_bytes("skdm chain_key", &skdm.chain_key, &hex(want, "chain_key")?)?;
    eq_bytes(
        "skdm signing_key",
        &serialize_public(&skdm.signing_key),
        &hex(want, "signing_key")?,
    )
}

fn check_parsed(bytes: &[u8], want: &Value) -> Result<(), String> {
    let parsed = SenderKeyMessage::parse(bytes).map_err(|e| format!("parse skmsg: {e}"))?;
    if bytes.first().copied().map(u64::from) != Some(u64(want, "version_byte")?) {
        return Err("version byte differs".into());
    }
    if parsed.key_id != u32_of(want, "key_id")? || parsed.iteration != u32_of(want, "iteration")? {
        return Err(format!(
            "skmsg id/iteration {}/{}, want {want}",
            parsed.key_id, parsed.iteration
        ));
    }
    eq_bytes(
        "skmsg ciphertext",
        parsed.ciphertext(),
        &hex(want, "ciphertext")?,
    )?;
    let signature = bytes
        .get(bytes.len().saturating_sub(64)..)
        .unwrap_or_default();
    eq_bytes("skmsg signature", signature, &hex(want, "signature")?)
}

fn check_sender(file: &Value, messages: &[Value], report: &mut Report) -> Result<(), String> {
    let init = file
        .get("sender_key_state_initial")
        .ok_or("missing sender_key_state_initial")?;
    let signing = KeyPair::from_private_bytes(hex_n::<32>(init, "signing_private")?);
    eq_bytes(
        "signing_public",
        &serialize_public(&signing.public),
        &hex(init, "signing_public")?,
    )?;
    if u64(init, "iteration")? != 0 {
        return Err("initial iteration is not 0".into());
    }
    let mut record = SenderKeyRecord::from_own_parts(
        u32_of(init, "key_id")?,
        hex_n::<32>(init, "chain_key_seed")?,
        signing,
    );
    let first_skdm = record
        .distribution_message()
        .map_err(|e| format!("skdm: {e}"))?;
    report.case(
        "sender skdm",
        eq_bytes(
            "top-level skdm",
            &first_skdm.serialize(),
            &hex(file, "skdm")?,
        ),
    );
    let mut ordered: Vec<&Value> = messages.iter().collect();
    ordered.sort_by_key(|m| m.get("index").and_then(Value::as_u64).unwrap_or(u64::MAX));
    for m in ordered {
        let index = u64(m, "index")?;
        let result = (|| -> Result<SenderKeyRecord, String> {
            // The SKDM shows the state before this message; then Baileys' sender skips one
            // iteration before every message after the first.
            let skdm = record
                .distribution_message()
                .map_err(|e| format!("skdm: {e}"))?;
            let skdm_bytes = skdm.serialize();
            eq_bytes(
                "skdm_returned_with_this_message",
                &skdm_bytes,
                &hex(m, "skdm_returned_with_this_message")?,
            )?;
            check_skdm_parsed(
                &SenderKeyDistributionMessage::parse(&skdm_bytes)
                    .map_err(|e| format!("parse skdm: {e}"))?,
                m.get("skdm_parsed").ok_or("missing skdm_parsed")?,
            )?;
            let plaintext = hex(m, "plaintext")?;
            eq_bytes(
                "plaintext padding",
                unpad(&plaintext).map_err(|e| format!("unpad: {e}"))?,
                &hex(m, "message_proto")?,
            )?;
            let current = if index > 0 {
                record.advance(1).map_err(|e| format!("advance: {e}"))?
            } else {
                record.clone()
            };
            let (skmsg, next) = current
                .encrypt(&plaintext)
                .map_err(|e| format!("encrypt: {e}"))?;
            eq_bytes("ciphertext", skmsg.serialized(), &hex(m, "ciphertext")?)?;
            check_parsed(skmsg.serialized(), m.get("parsed").ok_or("missing parsed")?)?;
            Ok(next)
        })();
        let name = format!("sender message {index}");
        match result {
            Ok(next) => {
                record = next;
                report.case(&name, Ok(()));
            }
            Err(e) => {
                report.case(&name, Err(e));
                return Ok(());
            }
        }
    }
    Ok(())
}

fn decrypt_into(record: &SenderKeyRecord, m: &Value) -> Result<SenderKeyRecord, String> {
    let before = record.to_bytes();
    let (plaintext, next) = record
        .decrypt(&hex(m, "ciphertext")?)
        .map_err(|e| format!("decrypt: {e}"))?;
    eq_bytes("record untouched by decrypt", &record.to_bytes(), &before)?;
    eq_bytes("plaintext", &plaintext, &hex(m, "plaintext")?)?;
    let reloaded =
        SenderKeyRecord::from_bytes(&next.to_bytes()).map_err(|e| format!("reload: {e}"))?;
    if reloaded != next {
        return Err("sender key record does not round-trip through its bytes".into());
    }
    Ok(reloaded)
}

fn check_receiver(file: &Value, messages: &[Value], report: &mut Report) -> Result<(), String> {
    let skdm = SenderKeyDistributionMessage::parse(&hex(file, "skdm")?)
        .map_err(|e| format!("parse skdm: {e}"))?;
    let mut record = SenderKeyRecord::new().process_distribution(&skdm);
    for index in arr(file, "receiver_order")? {
        let index = index.as_u64().ok_or("receiver_order holds a non-integer")?;
        let result = message(messages, index).and_then(|m| decrypt_into(&record, m));
        let name = format!("receiver message {index}");
        match result {
            Ok(next) => {
                record = next;
                report.case(&name, Ok(()));
            }
            Err(e) => report.case(&name, Err(e)),
        }
    }
    Ok(())
}

fn check_late_joiner(file: &Value, messages: &[Value], report: &mut Report) -> Result<(), String> {
    let late = file.get("late_joiner").ok_or("missing late_joiner")?;
    let skdm_bytes = hex(late, "skdm")?;
    let source = message(messages, u64(late, "skdm_from_message")?)?;
    let same = eq_bytes(
        "late joiner skdm",
        &skdm_bytes,
        &hex(source, "skdm_returned_with_this_message")?,
    );
    let skdm = SenderKeyDistributionMessage::parse(&skdm_bytes)
        .map_err(|e| format!("parse late skdm: {e}"))?;
    let mut record = SenderKeyRecord::new().process_distribution(&skdm);
    report.case("late joiner skdm", same);
    for index in arr(late, "decrypts")? {
        let index = index.as_u64().ok_or("decrypts holds a non-integer")?;
        let name = format!("late joiner decrypts {index}");
        match message(messages, index).and_then(|m| decrypt_into(&record, m)) {
            Ok(next) => {
                record = next;
                report.case(&name, Ok(()));
            }
            Err(e) => report.case(&name, Err(e)),
        }
    }
    for index in arr(late, "rejects")? {
        let index = index.as_u64().ok_or("rejects holds a non-integer")?;
        let name = format!("late joiner rejects {index}");
        let result = message(messages, index).and_then(|m| {
            let before = record.to_bytes();
            match record.decrypt(&hex(m, "ciphertext")?) {
                Ok(_) => Err("decrypted a message it must reject".to_string()),
                Err(_) if record.to_bytes() == before => Ok(()),
                Err(_) => Err("rejecting changed the record".to_string()),
            }
        });
        report.case(&name, result);
    }
    Ok(())
}
