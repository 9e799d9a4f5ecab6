//! `signal-1to1.json`: replays each scenario's transcript with both parties built from their
//! private keys, the recorded key pairs injected through the random source, and checks every
//! ciphertext byte for byte and every plaintext. One case per scenario.

use std::collections::HashMap;

use serde_json::Value;
use wa_actors::protocol::crypto::{KeyPair, PublicKey};
use wa_actors::protocol::signal::{
    parse_public, serialize_public, unpad, Incoming, LocalIdentity, PreKey, PreKeyBundle,
    PreKeySet, SessionRecord, SignedPreKey,
};

use super::json::{arr, eq_bytes, hex, hex_n, str, u64};
use super::scripted_rng::ScriptedRng;
use super::Report;

/// Checks every scenario of the file.
pub fn check(file: &Value, report: &mut Report) -> Result<(), String> {
    for scenario in arr(file, "scenarios")? {
        let name = str(scenario, "name").unwrap_or("?");
        report.case(name, replay(scenario));
    }
    Ok(())
}

struct Party {
    identity: LocalIdentity,
    prekeys: PreKeySet,
    sessions: HashMap<String, SessionRecord>,
}

fn u32_of(v: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(u64(v, key)?).map_err(|_| format!("`{key}` does not fit u32"))
}

fn public(v: &Value, key: &str) -> Result<PublicKey, String> {
    parse_public(&hex(v, key)?, "vector").map_err(|e| format!("`{key}`: {e}"))
}

fn build_party(v: &Value) -> Result<Party, String> {
    let key_pair = KeyPair::from_private_bytes(hex_n::<32>(v, "identity_private")?);
    eq_bytes(
        "identity_public",
        &serialize_public(&key_pair.public),
        &hex(v, "identity_public")?,
    )?;
    let identity = LocalIdentity {
        key_pair,
        registration_id: u32_of(v, "registration_id")?,
    };
    let spk_json = v.get("signed_prekey").ok_or("missing signed_prekey")?;
    let spk = SignedPreKey::new(
        &identity.key_pair,
        u32_of(spk_json, "key_id")?,
        KeyPair::from_private_bytes(hex_n::<32>(spk_json, "private")?),
    );
    eq_bytes(
        "signed_prekey.public",
        &serialize_public(&spk.key_pair.public),
        &hex(spk_json, "public")?,
    )?;
    eq_bytes(
        "signed_prekey.signature",
        &spk.signature,
        &hex(spk_json, "signature")?,
    )?;
    let mut one_time = Vec::new();
    for pk in arr(v, "prekeys")? {
        let prekey = PreKey {
            id: u32_of(pk, "key_id")?,
            key_pair: KeyPair::from_private_bytes(hex_n::<32>(pk, "private")?),
        };
        eq_bytes(
            "prekey.public",
            &serialize_public(&prekey.key_pair.public),
            &hex(pk, "public")?,
        )?;
        one_time.push(prekey);
    }
    Ok(Party {
        identity,
        prekeys: PreKeySet {
            signed: vec![spk],
            one_time,
        },
        sessions: HashMap::new(),
    })
}

fn rng_for(event: &Value) -> Result<ScriptedRng, String> {
    let mut bytes = Vec::new();
    for kp in arr(event, "generated_keypairs")? {
        let private = hex_n::<32>(kp, "priv")?;
        let pair = KeyPair::from_private_bytes(private);
        eq_bytes(
            "generated keypair pub",
            &serialize_public(&pair.public),
            &hex(kp, "pub")?,
        )?;
        bytes.extend_from_slice(&private);
    }
    Ok(ScriptedRng::new(bytes))
}

fn bundle_of(v: &Value) -> Result<PreKeyBundle, String> {
    let spk = v.get("signed_prekey").ok_or("bundle lacks signed_prekey")?;
    let prekey = match v.get("prekey") {
        None | Some(Value::Null) => None,
        Some(p) => Some((u32_of(p, "key_id")?, public(p, "public")?)),
    };
    Ok(PreKeyBundle {
        registration_id: u32_of(v, "registration_id")?,
        identity_key: public(v, "identity_key")?,
        signed_prekey_id: u32_of(spk, "key_id")?,
        signed_prekey: public(spk, "public")?,
        signed_prekey_signature: hex_n::<64>(spk, "signature")?,
        prekey,
    })
}

/// The `conversation` (field 1) of a `Message` protobuf, read by hand so the runner does not
/// depend on the WhatsApp message types.
fn conversation(proto: &[u8]) -> Result<String, String> {
    if proto.is_empty() {
        return Ok(String::new());
    }
    let (&tag, rest) = proto.split_first().ok_or("empty")?;
    if tag != 0x0a {
        return Err(format!(
            "message starts with tag byte {tag:#04x}, not conversation"
        ));
    }
    let mut len = 0usize;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let b = *rest.get(i).ok_or("truncated length")?;
        len |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 {
            return Err("length varint too long".into());
        }
    }
    let body = rest.get(i..i + len).ok_or("truncated conversation")?;
    if i + len != rest.len() {
        return Err("trailing fields after conversation".into());
    }
    String::from_utf8(body.to_vec()).map_err(|_| "conversation is not UTF-8".into())
}

fn replay(scenario: &Value) -> Result<(), String> {
    let mut alice = build_party(scenario.get("alice").ok_or("missing alice")?)?;
    let mut bob = build_party(scenario.get("bob").ok_or("missing bob")?)?;
    let mut events: Vec<&Value> = arr(scenario, "events")?.iter().collect();
    events.sort_by_key(|e| e.get("seq").and_then(Value::as_u64).unwrap_or(u64::MAX));
    for event in events {
        let seq = u64(event, "seq")?;
        let op = str(event, "op")?;
        let party = match str(event, "actor")? {
            "alice" => &mut alice,
            "bob" => &mut bob,
            other => return Err(format!("seq {seq}: unknown actor `{other}`")),
        };
        step(party, event, op).map_err(|e| format!("seq {seq} ({op}): {e}"))?;
    }
    let mut remaining: Vec<u64> = bob
        .prekeys
        .one_time
        .iter()
        .map(|p| u64::from(p.id))
        .collect();
    remaining.sort_unstable();
    let mut want: Vec<u64> = arr(scenario, "bob_prekeys_remaining_after")?
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    want.sort_unstable();
    if remaining != want {
        return Err(format!(
            "bob's remaining prekeys {remaining:?}, want {want:?}"
        ));
    }
    Ok(())
}

fn step(party: &mut Party, event: &Value, op: &str) -> Result<(), String> {
    let remote = str(event, "remote_address")?.to_string();
    let mut rng = rng_for(event)?;
    let record = party.sessions.get(&remote).cloned().unwrap_or_default();
    match op {
        "init_outgoing" => {
            let bundle = bundle_of(event.get("bundle").ok_or("missing bundle")?)?;
            let record = record
                .initiate(&party.identity, &bundle, &mut rng)
                .map_err(|e| format!("initiate: {e}"))?;
            party.sessions.insert(remote, record);
        }
        "encrypt" => {
            let (ciphertext, record) = record
                .encrypt(&hex(event, "plaintext")?)
                .map_err(|e| format!("encrypt: {e}"))?;
            let want_type = str(event, "type")?;
            if ciphertext.enc_type() != want_type {
                return Err(format!(
                    "produced {}, want {want_type}",
                    ciphertext.enc_type()
                ));
            }
            eq_bytes(
                "ciphertext",
                ciphertext.serialized(),
                &hex(event, "ciphertext")?,
            )?;
            let padded = hex(event, "plaintext")?;
            let body = unpad(&padded).map_err(|e| format!("plaintext padding: {e}"))?;
            eq_bytes("message_proto", body, &hex(event, "message_proto")?)?;
            party.sessions.insert(remote, record);
        }
        "decrypt" => {
            let bytes = hex(event, "ciphertext")?;
            let incoming = match str(event, "type")? {
                "pkmsg" => Incoming::PreKey(&bytes),
                "msg" => Incoming::Whisper(&bytes),
                other => return Err(format!("unknown type `{other}`")),
            };
            let before = record.to_bytes();
            let decrypted = record
                .decrypt(&party.identity, &party.prekeys, incoming, &mut rng)
                .map_err(|e| format!("decrypt: {e}"))?;
            // Borrowed, not changed: the caller's record is the same bytes after the call.
            eq_bytes("record untouched by decrypt", &record.to_bytes(), &before)?;
            eq_bytes(
                "plaintext",
                &decrypted.plaintext,
                &hex(event, "expected_plaintext")?,
            )?;
            let body = unpad(&decrypted.plaintext).map_err(|e| format!("unpad: {e}"))?;
            let text = conversation(body)?;
            let want = str(event, "expected_text")?;
            if text != want {
                return Err(format!("text {text:?}, want {want:?}"));
            }
            if let Some(id) = decrypted.consumed_prekey {
                party.prekeys.remove_prekey(id);
            }
            // The stored form must round-trip.
            let stored = decrypted.record.to_bytes();
            let reloaded =
                SessionRecord::from_bytes(&stored).map_err(|e| format!("reload: {e}"))?;
            if reloaded != decrypted.record {
                return Err("session record does not round-trip through its bytes".into());
            }
            party.sessions.insert(remote, reloaded);
        }
        other => return Err(format!("unknown op `{other}`")),
    }
    rng.check_consumed("generated_keypairs")
}
