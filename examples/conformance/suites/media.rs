//! `media.json`: for every `media[]` case the keys derive from the media key under the type's
//! app info string, encryption reproduces `enc` byte for byte (whole and streamed), and
//! decryption (whole and streamed, with both hashes held) gives the plaintext back. The
//! `history` case decrypts the blob's media layer, inflates it to `history_proto`, decodes the
//! `HistorySync` and checks it against `expected_processed`, and reads the notification that
//! points at it.

use std::io::Read;

use serde_json::Value;
use wa_actors::proto::wa;
use wa_actors::proto::ProstMessage;
use wa_actors::protocol::media::{
    decrypt, encrypt, Decryptor, Encryptor, Expected, MediaKey, MediaKeys, MediaType,
};

use super::json::{arr, eq_bytes, hex, hex_n, str};
use super::Report;

/// Checks the whole file.
pub fn check(file: &Value, report: &mut Report) -> Result<(), String> {
    for (i, case) in arr(file, "media")?.iter().enumerate() {
        let name = format!(
            "media[{i}] {} {}B",
            case.get("media_type")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            case.get("plaintext_length")
                .and_then(Value::as_str)
                .unwrap_or("?")
        );
        report.case(&name, check_case(case));
    }
    let history = file.get("history").ok_or("missing `history`")?;
    report.case("history", check_history(history));
    Ok(())
}

fn num(v: &Value, key: &str) -> Result<u64, String> {
    match v.get(key) {
        Some(Value::String(s)) => s.parse().map_err(|_| format!("`{key}` is not a number")),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| format!("`{key}` is not a u64")),
        _ => Err(format!("missing `{key}`")),
    }
}

fn media_type(v: &Value) -> Result<MediaType, String> {
    let name = str(v, "media_type")?;
    MediaType::from_name(name).ok_or_else(|| format!("unknown media type `{name}`"))
}

/// Keys, encryption and decryption of one blob whose plaintext is `plain`; returns nothing
/// but every check.
fn check_blob(v: &Value, ty: MediaType, plain: &[u8]) -> Result<(), String> {
    if ty.app_info() != str(v, "hkdf_info")? {
        return Err(format!(
            "app info `{}`, want `{}`",
            ty.app_info(),
            str(v, "hkdf_info")?
        ));
    }
    let key = MediaKey(hex_n::<32>(v, "media_key")?);
    let keys = MediaKeys::expand(&key, ty);
    eq_bytes("iv", &keys.iv, &hex(v, "iv")?)?;
    eq_bytes("cipher_key", &keys.cipher_key, &hex(v, "cipher_key")?)?;
    eq_bytes("mac_key", &keys.mac_key, &hex(v, "mac_key")?)?;

    let want_enc = hex(v, "enc")?;
    let (enc, info) = encrypt(key.clone(), ty, plain);
    eq_bytes("enc", &enc, &want_enc)?;
    eq_bytes("file_sha256", &info.file_sha256, &hex(v, "file_sha256")?)?;
    eq_bytes(
        "file_enc_sha256",
        &info.file_enc_sha256,
        &hex(v, "file_enc_sha256")?,
    )?;
    if info.file_length != num(v, "file_length")? {
        return Err(format!(
            "file_length {}, want {}",
            info.file_length,
            num(v, "file_length")?
        ));
    }
    if let Some(mac) = v.get("mac") {
        let mac = hex::decode(mac.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
        eq_bytes("mac", &enc[enc.len() - 10..], &mac)?;
    }
    if v.get("ciphertext_length").is_some()
        && (enc.len() - 10) as u64 != num(v, "ciphertext_length")?
    {
        return Err("ciphertext_length differs".into());
    }

    // Streamed in 7-byte pieces, so every block boundary case is crossed.
    let mut enc_streamed = Vec::new();
    let mut e = Encryptor::new(key.clone(), ty);
    for piece in plain.chunks(7) {
        e.update(piece, &mut enc_streamed);
    }
    e.finish(&mut enc_streamed);
    eq_bytes("streamed enc", &enc_streamed, &want_enc)?;

    let expected = Expected {
        file_enc_sha256: Some(hex_n::<32>(v, "file_enc_sha256")?),
        file_sha256: Some(hex_n::<32>(v, "file_sha256")?),
    };
    let whole = decrypt(&key, ty, &want_enc, &expected).map_err(|e| format!("decrypt: {e}"))?;
    eq_bytes("decrypted", &whole, plain)?;
    let mut d = Decryptor::new(&key, ty, expected);
    let mut streamed = Vec::new();
    for piece in want_enc.chunks(11) {
        d.update(piece, &mut streamed)
            .map_err(|e| format!("streamed decrypt: {e}"))?;
    }
    d.finish(&mut streamed)
        .map_err(|e| format!("streamed decrypt: {e}"))?;
    eq_bytes("streamed decrypted", &streamed, plain)
}

fn check_case(case: &Value) -> Result<(), String> {
    let plain = hex(case, "plaintext")?;
    if plain.len() as u64 != num(case, "plaintext_length")? {
        return Err("plaintext_length differs from the plaintext".into());
    }
    check_blob(case, media_type(case)?, &plain)
}

fn check_history(h: &Value) -> Result<(), String> {
    let ty = media_type(h)?;
    if ty != MediaType::History {
        return Err(format!("history media type is {ty:?}"));
    }
    let compressed = hex(h, "compressed")?;
    check_blob(h, ty, &compressed)?;

    // The media layer gives the zlib stream back; inflate it (bounded) and decode.
    let key = MediaKey(hex_n::<32>(h, "media_key")?);
    let plain =
        decrypt(&key, ty, &hex(h, "enc")?, &Expected::default()).map_err(|e| e.to_string())?;
    let mut proto = Vec::new();
    flate2::read::ZlibDecoder::new(plain.as_slice())
        .take(16 << 20)
        .read_to_end(&mut proto)
        .map_err(|e| format!("inflate: {e}"))?;
    eq_bytes("history_proto", &proto, &hex(h, "history_proto")?)?;
    let sync =
        wa::HistorySync::decode(proto.as_slice()).map_err(|e| format!("HistorySync: {e}"))?;
    check_processed(
        &sync,
        h.get("expected_processed")
            .ok_or("missing expected_processed")?,
    )?;

    let note = wa::Message::decode(hex(h, "notification_message")?.as_slice())
        .map_err(|e| format!("notification_message: {e}"))?;
    let n = note
        .protocol_message
        .and_then(|p| p.history_sync_notification)
        .ok_or("notification_message has no historySyncNotification")?;
    eq_bytes("notification mediaKey", n.media_key(), key.as_bytes())?;
    eq_bytes(
        "notification fileSHA256",
        n.file_sha256(),
        &hex(h, "file_sha256")?,
    )?;
    eq_bytes(
        "notification fileEncSHA256",
        n.file_enc_sha256(),
        &hex(h, "file_enc_sha256")?,
    )?;
    if n.file_length() != num(h, "file_length")? {
        return Err("notification fileLength differs".into());
    }
    Ok(())
}

fn check_processed(sync: &wa::HistorySync, want: &Value) -> Result<(), String> {
    let sync_type = sync.sync_type.unwrap_or_default().to_string();
    if sync_type != str(want, "sync_type")? {
        return Err(format!(
            "sync_type {sync_type}, want {}",
            str(want, "sync_type")?
        ));
    }
    for chat in arr(want, "chats")? {
        let id = str(chat, "id")?;
        let conv = sync
            .conversations
            .iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| format!("no conversation {id}"))?;
        let unread = chat.get("unreadCount").and_then(Value::as_u64).unwrap_or(0);
        if conv.name() != str(chat, "name")? || u64::from(conv.unread_count()) != unread {
            return Err(format!("conversation {id}: name or unread count differs"));
        }
    }
    let ids: Vec<&str> = sync
        .conversations
        .iter()
        .flat_map(|c| c.messages.iter())
        .filter_map(|m| m.message.as_ref()?.key.as_ref().map(|k| k.id()))
        .collect();
    let want_ids: Vec<&str> = arr(want, "message_ids")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if ids != want_ids {
        return Err(format!("message ids {ids:?}, want {want_ids:?}"));
    }
    Ok(())
}
