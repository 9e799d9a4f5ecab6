//! Reading the Signal records a stanza needs from the store, and the keys they live under.

use wa_protocol::binary::Jid;
use wa_protocol::message::{EncType, MessageStanza, Moved, RecvKeys};
use wa_protocol::signal::{
    signal_address, PreKeySet, PreKeyWhisperMessage, SenderKeyRecord, SessionRecord, SignedPreKey,
};

use super::decoded::DecodedRecords;
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store, StoreResult};

/// Key of a sender-key record: the group and the sender device's Signal address.
pub(crate) fn sender_key_key(group: &Jid, sender: &Jid) -> Vec<u8> {
    format!("{}/{}", group.to_non_ad(), signal_address(sender)).into_bytes()
}

/// Key of a processed message id: chat, sender and id, so two chats can reuse an id.
pub(crate) fn processed_key(stanza: &MessageStanza) -> Vec<u8> {
    format!(
        "{}/{}/{}",
        stanza.source.chat,
        stanza.source.sender.to_non_ad(),
        stanza.id
    )
    .into_bytes()
}

/// The device's current signed prekey.
pub(crate) fn signed_prekey(device: &DeviceData) -> SignedPreKey {
    device.signed_pre_key.clone()
}

/// The stored sessions with the device at Signal `address`. A record that no longer parses is
/// logged and replaced by an empty one: the peer's next `pkmsg` (after our retry receipt), or
/// our next send from a fresh bundle, starts over.
pub(crate) async fn load_session(
    store: &dyn Store,
    account: &AccountId,
    address: &str,
) -> StoreResult<SessionRecord> {
    Ok(
        match store
            .get(account, Namespace::SESSIONS, address.as_bytes())
            .await?
        {
            Some(bytes) => SessionRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                tracing::warn!(%address, error = %e, "stored session unreadable; starting fresh");
                SessionRecord::new()
            }),
            None => SessionRecord::new(),
        },
    )
}

/// The records a stanza's decryption reads, where they are stored, and the stored bytes of
/// those taken out of the decoded cache (to go back if the stanza does not move them).
pub(crate) struct Loaded {
    pub keys: RecvKeys,
    address: String,
    sender_key_key: Option<Vec<u8>>,
    session_hit: Option<Vec<u8>>,
    sender_key_hit: Option<Vec<u8>>,
}

/// Loads the session with the sender device and, for groups, the sender key, taking them out
/// of `decoded` (no copy) when the stored bytes are the ones it remembers. A stored record
/// that no longer parses is logged and replaced by an empty one: the sender's next `pkmsg`
/// (after our retry receipt) starts over.
pub(crate) async fn load_recv_keys(
    store: &dyn Store,
    account: &AccountId,
    stanza: &MessageStanza,
    decoded: &mut DecodedRecords,
) -> StoreResult<Loaded> {
    let identity = stanza.source.encryption_identity();
    let address = signal_address(identity);
    let mut session_hit = None;
    let session = match store
        .get(account, Namespace::SESSIONS, address.as_bytes())
        .await?
    {
        Some(bytes) => match decoded.sessions.take(address.as_bytes(), &bytes) {
            Some(record) => {
                session_hit = Some(bytes);
                record
            }
            None => SessionRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                tracing::warn!(%address, error = %e, "stored session unreadable; starting fresh");
                SessionRecord::new()
            }),
        },
        None => SessionRecord::new(),
    };
    let mut sender_key_hit = None;
    let mut sender_key_key = None;
    let sender_key = if stanza.source.is_group {
        let key = sender_key_key_of(stanza);
        let record = match store.get(account, Namespace::SENDER_KEYS, &key).await? {
            Some(bytes) => match decoded.sender_keys.take(&key, &bytes) {
                Some(record) => {
                    sender_key_hit = Some(bytes);
                    record
                }
                None => SenderKeyRecord::from_bytes(&bytes).unwrap_or_else(|e| {
                    tracing::warn!(%address, error = %e, "stored sender key unreadable");
                    SenderKeyRecord::new()
                }),
            },
            None => SenderKeyRecord::new(),
        };
        sender_key_key = Some(key);
        record
    } else {
        SenderKeyRecord::new()
    };
    Ok(Loaded {
        keys: RecvKeys {
            session,
            sender_key,
        },
        address,
        sender_key_key,
        session_hit,
        sender_key_hit,
    })
}

fn sender_key_key_of(stanza: &MessageStanza) -> Vec<u8> {
    sender_key_key(&stanza.source.chat, stanza.source.encryption_identity())
}

/// Puts the records a stanza moved into `batch` and remembers them decoded under the bytes
/// written: what the sender's next stanza reads. A record taken from the cache that did not
/// move goes back under its stored bytes (it is still what they decode to).
pub(crate) fn store_moved(
    decoded: &mut DecodedRecords,
    loaded: Loaded,
    moved: Moved,
    mut batch: Batch,
) -> Batch {
    let RecvKeys {
        session,
        sender_key,
    } = loaded.keys;
    let address = loaded.address.as_bytes();
    if moved.session {
        let bytes = session.to_bytes();
        decoded.sessions.remember(address, &bytes, session);
        batch = batch.put(Namespace::SESSIONS, address.to_vec(), bytes);
    } else if let Some(bytes) = loaded.session_hit {
        decoded.sessions.remember(address, &bytes, session);
    }
    if let Some(key) = loaded.sender_key_key {
        if moved.sender_key {
            let bytes = sender_key.to_bytes();
            decoded.sender_keys.remember(&key, &bytes, sender_key);
            batch = batch.put(Namespace::SENDER_KEYS, key, bytes);
        } else if let Some(bytes) = loaded.sender_key_hit {
            decoded.sender_keys.remember(&key, &bytes, sender_key);
        }
    }
    batch
}

/// The prekeys the stanza's `pkmsg`s name: our signed prekey and the one-time prekeys they
/// used, read from the store. Unparseable payloads name nothing (they fail to decrypt later
/// with their own error).
pub(crate) async fn load_prekeys(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    stanza: &MessageStanza,
) -> StoreResult<PreKeySet> {
    let mut set = PreKeySet {
        signed: vec![signed_prekey(device)],
        one_time: Vec::new(),
    };
    for enc in stanza.encs.iter().filter(|e| e.enc_type == EncType::PreKey) {
        let Ok(pkmsg) = PreKeyWhisperMessage::parse(&enc.ciphertext) else {
            continue;
        };
        if pkmsg.signed_prekey_id != device.signed_pre_key.id {
            if let Some(bytes) = store
                .get(
                    account,
                    Namespace::SIGNED_PRE_KEYS,
                    &pkmsg.signed_prekey_id.to_be_bytes(),
                )
                .await?
            {
                if let Ok(k) = SignedPreKey::from_bytes(&bytes) {
                    set.signed.push(k);
                }
            }
        }
        if let Some(id) = pkmsg.prekey_id {
            if let Some(bytes) = store
                .get(account, Namespace::PRE_KEYS, &id.to_be_bytes())
                .await?
            {
                match crate::prekeys::stored::decode(id, &bytes) {
                    Ok(k) => set.one_time.push(k),
                    Err(e) => tracing::warn!(id, error = %e, "stored prekey unreadable"),
                }
            }
        }
    }
    Ok(set)
}
