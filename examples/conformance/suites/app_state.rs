//! `app-state.json`: key expansion, LTHash cases, every patch decoded (all four MACs checked)
//! from its `state_before` to its `state_after` and re-encoded byte for byte from its
//! `sync_action` input, and the snapshot decoded and continued with its later patches. One
//! case per key expansion, LTHash case, patch decode, patch encode and snapshot.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use wa_actors::proto::wa;
use wa_actors::proto::ProstMessage;
use wa_actors::protocol::appstate::decode::{parse_patch, parse_snapshot};
use wa_actors::protocol::appstate::encode::index_json;
use wa_actors::protocol::appstate::{
    decode_patch, decode_snapshot, encode_patch, lthash, macs, value, CollectionState,
    ExpandedKeys, LtHash, Operation, OutgoingMutation,
};

use super::json::{arr, eq_bytes, hex, hex_n, str, u64};
use super::Report;

/// Checks the whole file.
pub fn check(file: &Value, report: &mut Report) -> Result<(), String> {
    for (i, case) in arr(file, "key_expansion")?.iter().enumerate() {
        report.case(&format!("key_expansion[{i}]"), check_expansion(case));
    }
    let lt = file.get("lt_hash").ok_or("missing lt_hash")?;
    report.case("lt_hash item0_expanded_128", {
        let items = arr(lt, "items")?;
        let item0 = ::hex::decode(items[0].as_str().ok_or("item not a string")?)
            .map_err(|e| e.to_string())?;
        eq_bytes(
            "item0",
            &lthash::expand_item(&item0),
            &hex(lt, "item0_expanded_128")?,
        )
    });
    for (i, case) in arr(lt, "cases")?.iter().enumerate() {
        report.case(&format!("lt_hash case[{i}]"), check_lthash(case));
    }
    let sk = file
        .get("app_state_sync_key")
        .ok_or("missing app_state_sync_key")?;
    let key_id = hex(sk, "key_id")?;
    let keys = HashMap::from([(key_id.clone(), ExpandedKeys::expand(&hex(sk, "key_data")?))]);
    let patches = arr(file, "patches")?;
    let mut chain: HashMap<String, CollectionState> = HashMap::new();
    for (i, p) in patches.iter().enumerate() {
        let name = format!("patch[{i}] {}", str(p, "label")?);
        report.case(
            &format!("{name} decode"),
            check_decode(p, &keys, &key_id, &mut chain),
        );
        report.case(
            &format!("{name} encode"),
            check_encode(p, &keys[&key_id], &key_id),
        );
    }
    let snap = file.get("snapshot").ok_or("missing snapshot")?;
    report.case("snapshot", check_snapshot(snap, patches, &keys));
    Ok(())
}

fn check_expansion(case: &Value) -> Result<(), String> {
    let k = ExpandedKeys::expand(&hex(case, "key_data")?);
    let all = [
        k.index,
        k.value_encryption,
        k.value_mac,
        k.snapshot_mac,
        k.patch_mac,
    ]
    .concat();
    eq_bytes("expanded_160", &all, &hex(case, "expanded_160")?)?;
    eq_bytes("index_key", &k.index, &hex(case, "index_key")?)?;
    eq_bytes(
        "value_encryption_key",
        &k.value_encryption,
        &hex(case, "value_encryption_key")?,
    )?;
    eq_bytes("value_mac_key", &k.value_mac, &hex(case, "value_mac_key")?)?;
    eq_bytes(
        "snapshot_mac_key",
        &k.snapshot_mac,
        &hex(case, "snapshot_mac_key")?,
    )?;
    eq_bytes("patch_mac_key", &k.patch_mac, &hex(case, "patch_mac_key")?)
}

fn hex_list(v: &Value, key: &str) -> Result<Vec<Vec<u8>>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                ::hex::decode(x.as_str().ok_or("item not a string")?).map_err(|e| e.to_string())
            })
            .collect(),
        _ => Err(format!("`{key}` is not a list")),
    }
}

fn check_lthash(case: &Value) -> Result<(), String> {
    let mut h = LtHash(hex_n::<128>(case, "base")?);
    let add = hex_list(case, "add")?;
    let sub = hex_list(case, "subtract")?;
    match str(case, "op")? {
        "add" => add.iter().for_each(|a| h.add(a)),
        "subtract" => sub.iter().for_each(|s| h.subtract(s)),
        "subtract_then_add" => {
            h.subtract_then_add(sub.iter().map(Vec::as_slice), add.iter().map(Vec::as_slice))
        }
        other => return Err(format!("unknown op `{other}`")),
    }
    eq_bytes("result", h.as_bytes(), &hex(case, "result")?)
}

fn state_of(v: &Value) -> Result<CollectionState, String> {
    let mut index_values = BTreeMap::new();
    let map = v
        .get("index_value_map")
        .and_then(Value::as_object)
        .ok_or("missing index_value_map")?;
    for (i, val) in map {
        let i: [u8; 32] = ::hex::decode(i)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("bad index")?;
        let val: [u8; 32] = val
            .as_str()
            .and_then(|s| ::hex::decode(s).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or("bad value MAC")?;
        index_values.insert(i, val);
    }
    Ok(CollectionState {
        version: u64(v, "version")?,
        hash: LtHash(hex_n::<128>(v, "hash")?),
        index_values,
    })
}

fn same_state(what: &str, got: &CollectionState, want: &CollectionState) -> Result<(), String> {
    if got.version != want.version {
        return Err(format!(
            "{what} version {} want {}",
            got.version, want.version
        ));
    }
    eq_bytes(
        &format!("{what} hash"),
        got.hash.as_bytes(),
        want.hash.as_bytes(),
    )?;
    if got.index_values != want.index_values {
        return Err(format!("{what} index_value_map differs"));
    }
    Ok(())
}

fn num(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn field_i64(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(num)
}

fn field_bool(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

fn field_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn message_range(v: Option<&Value>) -> Option<wa::SyncActionMessageRange> {
    let v = v?;
    let messages = v
        .get("messages")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| wa::SyncActionMessage {
                    key: m.get("key").map(|k| wa::MessageKey {
                        remote_jid: field_str(k, "remoteJid"),
                        from_me: field_bool(k, "fromMe"),
                        id: field_str(k, "id"),
                        participant: field_str(k, "participant"),
                    }),
                    timestamp: field_i64(m, "timestamp"),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(wa::SyncActionMessageRange {
        last_message_timestamp: field_i64(v, "lastMessageTimestamp"),
        last_system_message_timestamp: field_i64(v, "lastSystemMessageTimestamp"),
        messages,
    })
}

/// The protobuf-JSON `sync_action` as a `SyncActionValue`, for the fields the file uses; an
/// unknown field is an error so a vector we cannot represent fails instead of passing.
fn action_of(v: &Value) -> Result<wa::SyncActionValue, String> {
    let obj = v.as_object().ok_or("sync_action is not an object")?;
    let mut out = wa::SyncActionValue::default();
    for (k, f) in obj {
        match k.as_str() {
            "timestamp" => out.timestamp = num(f),
            "pinAction" => {
                out.pin_action = Some(wa::PinAction {
                    pinned: field_bool(f, "pinned"),
                })
            }
            "muteAction" => {
                out.mute_action = Some(wa::MuteAction {
                    muted: field_bool(f, "muted"),
                    mute_end_timestamp: field_i64(f, "muteEndTimestamp"),
                    auto_muted: field_bool(f, "autoMuted"),
                    ..Default::default()
                })
            }
            "archiveChatAction" => {
                out.archive_chat_action = Some(wa::ArchiveChatAction {
                    archived: field_bool(f, "archived"),
                    message_range: message_range(f.get("messageRange")),
                })
            }
            "markChatAsReadAction" => {
                out.mark_chat_as_read_action = Some(wa::MarkChatAsReadAction {
                    read: field_bool(f, "read"),
                    message_range: message_range(f.get("messageRange")),
                })
            }
            "contactAction" => {
                out.contact_action = Some(wa::ContactAction {
                    full_name: field_str(f, "fullName"),
                    first_name: field_str(f, "firstName"),
                    lid_jid: field_str(f, "lidJid"),
                    ..Default::default()
                })
            }
            "pushNameSetting" => {
                out.push_name_setting = Some(wa::PushNameSetting {
                    name: field_str(f, "name"),
                })
            }
            other => return Err(format!("sync_action field `{other}` not mapped")),
        }
    }
    Ok(out)
}

fn operation(p: &Value) -> Result<Operation, String> {
    match str(p, "operation")? {
        "SET" => Ok(Operation::Set),
        "REMOVE" => Ok(Operation::Remove),
        other => Err(format!("unknown operation `{other}`")),
    }
}

fn check_decode(
    p: &Value,
    keys: &HashMap<Vec<u8>, ExpandedKeys>,
    key_id: &[u8],
    chain: &mut HashMap<String, CollectionState>,
) -> Result<(), String> {
    let collection = str(p, "collection")?;
    let before = state_of(p.get("state_before").ok_or("missing state_before")?)?;
    let chained = chain.entry(collection.to_owned()).or_default();
    same_state("state_before vs our previous state_after", chained, &before)?;
    let patch = parse_patch(&hex(p, "patch_with_version")?).map_err(|e| e.to_string())?;
    let (after, decoded) = decode_patch(collection, &before, &patch, None, keys)
        .map_err(|e| format!("decode: {e}"))?;
    same_state(
        "state_after",
        &after,
        &state_of(p.get("state_after").ok_or("no state_after")?)?,
    )?;
    *chained = after.clone();
    let [m] = decoded.as_slice() else {
        return Err(format!("{} mutations, want 1", decoded.len()));
    };
    let want = &arr(p, "expected_decoded")?[0];
    let want_index: Vec<String> =
        serde_json::from_value(want["index"].clone()).map_err(|e| e.to_string())?;
    if m.index != want_index || i64::from(m.version) != u64(want, "version")? as i64 {
        return Err(format!("decoded {:?} v{}, want {want}", m.index, m.version));
    }
    if m.value != action_of(&want["value"])? {
        return Err(format!(
            "decoded value {:?} differs from {}",
            m.value, want["value"]
        ));
    }
    if m.operation != operation(p)? {
        return Err("operation differs".into());
    }
    eq_bytes("index_mac", &m.index_mac, &hex(p, "index_mac")?)?;
    eq_bytes("value_mac", &m.value_mac, &hex(p, "value_mac")?)?;
    let k = &keys[key_id];
    let plain = value::decrypt(&k.value_encryption, &hex(p, "value_ciphertext")?)
        .map_err(|e| e.to_string())?;
    eq_bytes("sync_action_data", &plain, &hex(p, "sync_action_data")?)?;
    let snap = macs::snapshot_mac(&k.snapshot_mac, &after.hash, after.version, collection);
    eq_bytes("snapshot_mac", &snap, &hex(p, "snapshot_mac")?)?;
    let pm = macs::patch_mac(
        &k.patch_mac,
        &snap,
        [m.value_mac.as_slice()],
        after.version,
        collection,
    );
    eq_bytes("patch_mac", &pm, &hex(p, "patch_mac")?)
}

fn check_encode(p: &Value, keys: &ExpandedKeys, key_id: &[u8]) -> Result<(), String> {
    let collection = str(p, "collection")?;
    let before = state_of(p.get("state_before").ok_or("missing state_before")?)?;
    let index: Vec<String> =
        serde_json::from_value(p["index"].clone()).map_err(|e| e.to_string())?;
    eq_bytes(
        "index_json",
        &index_json(&index),
        str(p, "index_json")?.as_bytes(),
    )?;
    let m = OutgoingMutation {
        operation: operation(p)?,
        index,
        value: action_of(p.get("sync_action").ok_or("missing sync_action")?)?,
        version: i32::try_from(u64(p, "api_version")?).map_err(|e| e.to_string())?,
        iv: hex_n::<16>(p, "iv")?,
    };
    let data = wa::SyncActionData {
        index: Some(index_json(&m.index)),
        value: Some(m.value.clone()),
        padding: None,
        version: Some(m.version),
    };
    eq_bytes(
        "sync_action_data",
        &data.encode_to_vec(),
        &hex(p, "sync_action_data")?,
    )?;
    let (patch, after) = encode_patch(collection, &before, key_id, keys, &[m])
        .map_err(|e| format!("encode: {e}"))?;
    eq_bytes(
        "patch_as_sent",
        &patch.encode_to_vec(),
        &hex(p, "patch_as_sent")?,
    )?;
    same_state("encoder state", &after, &state_of(&p["state_after"])?)
}

fn check_snapshot(
    s: &Value,
    patches: &[Value],
    keys: &HashMap<Vec<u8>, ExpandedKeys>,
) -> Result<(), String> {
    let collection = str(s, "collection")?;
    let snapshot = parse_snapshot(&hex(s, "bytes")?).map_err(|e| e.to_string())?;
    eq_bytes(
        "mac",
        snapshot.mac.as_deref().unwrap_or_default(),
        &hex(s, "mac")?,
    )?;
    let (mut state, decoded) =
        decode_snapshot(collection, &snapshot, keys).map_err(|e| format!("decode: {e}"))?;
    if state.version != u64(s, "version")? {
        return Err("version differs".into());
    }
    same_state("expected_state", &state, &state_of(&s["expected_state"])?)?;
    let taken = usize::try_from(u64(s, "taken_after_patch")?).map_err(|e| e.to_string())?;
    same_state(
        "state after taken_after_patch",
        &state,
        &state_of(&patches[taken]["state_after"])?,
    )?;
    // A snapshot's records form a set; the file lists them sorted.
    let mut got: Vec<String> = decoded
        .iter()
        .map(|d| String::from_utf8(index_json(&d.index)).unwrap_or_default())
        .collect();
    let mut want: Vec<String> =
        serde_json::from_value(s["expected_indexes"].clone()).map_err(|e| e.to_string())?;
    got.sort();
    want.sort();
    if got != want {
        return Err(format!("indexes {got:?}, want {want:?}"));
    }
    for i in arr(s, "patches_after")? {
        let p = &patches[i.as_u64().ok_or("bad index")? as usize];
        let patch = parse_patch(&hex(p, "patch_with_version")?).map_err(|e| e.to_string())?;
        let (next, _) = decode_patch(collection, &state, &patch, None, keys)
            .map_err(|e| format!("patch after: {e}"))?;
        same_state(
            "state after later patch",
            &next,
            &state_of(&p["state_after"])?,
        )?;
        state = next;
    }
    Ok(())
}
