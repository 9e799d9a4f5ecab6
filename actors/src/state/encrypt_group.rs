//! Encrypting one group message (messages.md §5.4, signal.md §5): the Signal actor's side of
//! a group send. Our own sender key for the group is loaded (or created), the padded message
//! is encrypted once as a `skmsg`, and every member device that has not had our key gets the
//! distribution message over its 1:1 session in the same stanza. The new sender-key state,
//! the ratchets and the sent message are one batch; the stanza is written in its commit hook.
//!
//! Which devices have our key (`Namespace::SENDER_KEY_SHARED`) is written only once the
//! server acked the message ([`mark_shared`], asked for by the `Outbox`), never in the send's
//! own batch: a crash between commit and write, or a write the server never took, then
//! leaves those devices unmarked and the next send hands them the key again (a repeat is
//! harmless: the receiver keeps the state it already has). The other order could mark a
//! device that never got the key, and it would not read our messages until it asked for a
//! retry.
//!
//! A device that had our key and is no longer among the targets (a member left or was
//! removed, a device was unlinked) makes us start a new sender key, handed to everyone
//! again: the one who left cannot read what follows even with a copy of the stanzas.
//! (Baileys only forgets who had the key; whatsmeow hands it to everyone on every send.)
//! A peer whose identity changed is forgotten as a holder in every group ([`forget_holder`]):
//! its new install has none of our keys.

use std::collections::BTreeSet;

use prost::Message as _;
use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::send::{
    edit_attribute, hides_on_failure, media_type, message_type, participant_hash,
    sender_key_distribution, DeviceEnc, GroupMessage,
};
use wa_protocol::signal::{pad, signal_address, LocalIdentity, PreKeyBundle, SenderKeyRecord};

use super::encrypt::{start_session, Encrypted};
use super::keys::{load_session, sender_key_key};
use crate::send::sent_log::SentLog;
use crate::send::{SendError, SentRecord};
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store};

/// What the send path asks the Signal actor to do for a group.
pub(crate) struct GroupJob {
    /// The message id.
    pub id: String,
    /// The group.
    pub group: Jid,
    /// The content.
    pub message: wa::Message,
    /// Every device the message is for: members' and our own others (never this device).
    pub devices: Vec<Jid>,
    /// Checked bundles of devices that had no session when the send path looked.
    pub bundles: Vec<(Jid, PreKeyBundle)>,
    /// This device under the name the group uses (LID in a LID group): our sender key's name.
    pub own_address: Jid,
    /// The group's `addressing_mode`, when known.
    pub addressing_mode: Option<String>,
    /// Answered once the stanza is written (or why it was not).
    pub reply: oneshot::Sender<Result<GroupWritten, SendError>>,
}

/// What a written group send leaves for its ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupWritten {
    /// The participant hash the stanza carried.
    pub phash: String,
    /// Who got our sender key in it: marked as having it once the server acks.
    pub shared: SharedKey,
}

/// Devices (by Signal address) that were handed sender key `key_id` of `group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedKey {
    pub group: Jid,
    pub key_id: u32,
    pub addresses: BTreeSet<String>,
}

fn shared_key(group: &Jid) -> Vec<u8> {
    group.to_non_ad().to_string().into_bytes()
}

/// Stored as `key_id` (big-endian u32) then the addresses, one per line.
fn encode_shared(key_id: u32, addresses: &BTreeSet<String>) -> Vec<u8> {
    let mut out = key_id.to_be_bytes().to_vec();
    for a in addresses {
        out.extend_from_slice(a.as_bytes());
        out.push(b'\n');
    }
    out
}

fn decode_shared(bytes: &[u8]) -> Option<(u32, BTreeSet<String>)> {
    let (id, rest) = bytes.split_first_chunk::<4>()?;
    let text = std::str::from_utf8(rest).ok()?;
    let addresses = text.lines().map(str::to_owned).collect();
    Some((u32::from_be_bytes(*id), addresses))
}

async fn load_shared(
    store: &dyn Store,
    account: &AccountId,
    group: &Jid,
) -> Result<Option<(u32, BTreeSet<String>)>, SendError> {
    let bytes = store
        .get(account, Namespace::SENDER_KEY_SHARED, &shared_key(group))
        .await?;
    Ok(bytes.as_deref().and_then(decode_shared))
}

/// Marks the devices of `shared` as having our key, unless the key changed meanwhile.
pub(crate) async fn mark_shared(
    store: &dyn Store,
    account: &AccountId,
    shared: &SharedKey,
) -> Result<(), SendError> {
    if shared.addresses.is_empty() {
        return Ok(());
    }
    let mut addresses = match load_shared(store, account, &shared.group).await? {
        Some((id, held)) if id == shared.key_id => held,
        // A newer key was made after this send was written: its holders are not ours to
        // touch (a new key always stores its own, empty, list first).
        Some(_) => return Ok(()),
        None => BTreeSet::new(),
    };
    addresses.extend(shared.addresses.iter().cloned());
    let batch = Batch::new().put(
        Namespace::SENDER_KEY_SHARED,
        shared_key(&shared.group),
        encode_shared(shared.key_id, &addresses),
    );
    store.apply(account, batch).await?;
    Ok(())
}

/// The holder lists (of every group) that name a device of `user` (the Signal address user
/// part), rewritten without them: a peer whose identity changed lost our sender keys with
/// its old install, so the next send hands them over again.
pub(crate) async fn forget_holder(
    store: &dyn Store,
    account: &AccountId,
    user: &str,
) -> Result<Batch, SendError> {
    let prefix = format!("{user}.");
    let mut batch = Batch::new();
    for (key, value) in store
        .scan_prefix(account, Namespace::SENDER_KEY_SHARED, b"")
        .await?
    {
        let Some((id, mut held)) = decode_shared(&value) else {
            continue;
        };
        let before = held.len();
        held.retain(|a| !a.starts_with(&prefix));
        if held.len() != before {
            batch = batch.put(Namespace::SENDER_KEY_SHARED, key, encode_shared(id, &held));
        }
    }
    Ok(batch)
}

/// Our sender key for the group, the devices known to hold it, and whether it is new; a new
/// key (nobody holds it) when there is none, it is unreadable, or a holder is no longer a
/// target.
async fn own_sender_key(
    store: &dyn Store,
    account: &AccountId,
    job: &GroupJob,
    targets: &BTreeSet<String>,
) -> Result<(SenderKeyRecord, BTreeSet<String>, bool), SendError> {
    let key = sender_key_key(&job.group, &job.own_address);
    let stored = store
        .get(account, Namespace::SENDER_KEYS, &key)
        .await?
        .and_then(|b| SenderKeyRecord::from_bytes(&b).ok())
        .filter(|r| r.distribution_message().is_ok());
    let Some(record) = stored else {
        return Ok((fresh_key(), BTreeSet::new(), true));
    };
    let key_id = record.current().map(|s| s.key_id());
    let holders = match load_shared(store, account, &job.group).await? {
        Some((id, held)) if Some(id) == key_id => held,
        _ => BTreeSet::new(),
    };
    if let Some(gone) = holders.iter().find(|a| !targets.contains(*a)) {
        tracing::info!(group = %job.group, %gone, "a holder of our sender key left; new key");
        return Ok((fresh_key(), BTreeSet::new(), true));
    }
    Ok((record, holders, false))
}

fn fresh_key() -> SenderKeyRecord {
    SenderKeyRecord::generate_own(&mut rand::rngs::OsRng)
}

/// Encrypts `job`; devices without our key and with neither a session nor a bundle are left
/// out (logged). Fails with [`SendError::NoDevices`] when there is no device at all.
pub(crate) async fn encrypt_group(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    sent_log: &SentLog,
    job: &GroupJob,
) -> Result<(Encrypted, GroupWritten), SendError> {
    if job.devices.is_empty() {
        return Err(SendError::NoDevices);
    }
    let local = LocalIdentity {
        key_pair: device.identity_key.clone(),
        registration_id: device.registration_id,
    };
    let targets: BTreeSet<String> = job.devices.iter().map(signal_address).collect();
    let (mut record, holders, new_key) = own_sender_key(store, account, job, &targets).await?;
    // The distribution names the iteration the skmsg below is sent at.
    let skdm = record.distribution_message().map_err(SendError::Encrypt)?;
    let key_id = skdm.key_id;
    let rng = &mut rand::rngs::OsRng;
    let skdm_plain = pad(
        &sender_key_distribution(&job.group, &skdm).encode_to_vec(),
        rng,
    );
    let mut batch = Batch::new();
    if new_key {
        // The old key's holders go with it, before anything is written under the new one.
        batch = batch.put(
            Namespace::SENDER_KEY_SHARED,
            shared_key(&job.group),
            encode_shared(key_id, &BTreeSet::new()),
        );
    }
    let mut participants = Vec::new();
    let mut shared = BTreeSet::new();
    for target in &job.devices {
        let address = signal_address(target);
        if holders.contains(&address) {
            continue;
        }
        let mut session = load_session(store, account, &address).await?;
        if !session.has_session() {
            let Some((_, bundle)) = job.bundles.iter().find(|(j, _)| j == target) else {
                tracing::debug!(%target, "no session and no bundle; device left out");
                continue;
            };
            (session, batch) = start_session(&session, &local, bundle, &address, batch)?;
        }
        let ciphertext = session
            .encrypt_in_place(&skdm_plain)
            .map_err(SendError::Encrypt)?;
        batch = batch.put(Namespace::SESSIONS, address.clone(), session.to_bytes());
        participants.push(DeviceEnc::new(target.clone(), &ciphertext));
        shared.insert(address);
    }
    let skmsg = record
        .encrypt_in_place(&pad(&job.message.encode_to_vec(), rng))
        .map_err(SendError::Encrypt)?;
    batch = batch.put(
        Namespace::SENDER_KEYS,
        sender_key_key(&job.group, &job.own_address),
        record.to_bytes(),
    );
    let phash = participant_hash(&job.devices);
    let out = GroupMessage {
        id: job.id.clone(),
        to: job.group.to_non_ad(),
        message_type: message_type(&job.message).to_owned(),
        edit: edit_attribute(&job.message),
        media_type: media_type(&job.message).map(str::to_owned),
        hide_on_failure: hides_on_failure(&job.message),
        addressing_mode: job.addressing_mode.clone(),
        phash: phash.clone(),
        skmsg: skmsg.serialized().to_vec(),
        device_identity: device.adv_signed_identity.clone(),
        participants,
    };
    let sent = SentRecord {
        id: job.id.clone(),
        chat: job.group.to_non_ad().to_string(),
        message: job.message.encode_to_vec(),
    };
    let batch = sent_log.add(batch, &sent);
    let written = GroupWritten {
        phash,
        shared: SharedKey {
            group: job.group.to_non_ad(),
            key_id,
            addresses: shared,
        },
    };
    Ok((
        Encrypted {
            devices: job.devices.len(),
            stanza: out.to_node(),
            batch,
        },
        written,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_list_round_trips_and_rejects_short_values() {
        let set: BTreeSet<String> = ["1.0".to_owned(), "2.3".to_owned()].into();
        let bytes = encode_shared(77, &set);
        assert_eq!(decode_shared(&bytes), Some((77, set)));
        assert_eq!(decode_shared(&[1, 2]), None);
        assert_eq!(
            decode_shared(&77u32.to_be_bytes()),
            Some((77, BTreeSet::new()))
        );
    }

    fn shared(key_id: u32, addresses: &[&str]) -> SharedKey {
        SharedKey {
            group: Jid::group("120363000000000001"),
            key_id,
            addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[tokio::test]
    async fn holders_merge_per_key_and_a_late_ack_of_an_old_key_changes_nothing() {
        let store = crate::store::MemoryStore::new();
        let account = AccountId::new("me");
        let group = Jid::group("120363000000000001");
        mark_shared(&store, &account, &shared(1, &["a.0"]))
            .await
            .unwrap();
        mark_shared(&store, &account, &shared(1, &["b.1"]))
            .await
            .unwrap();
        let held = load_shared(&store, &account, &group).await.unwrap();
        assert_eq!(held, Some((1, ["a.0".to_owned(), "b.1".to_owned()].into())));
        // A new key stores its empty list first (encrypt_group); then an ack for the old
        // key arrives and must not mark anyone as holding the new one.
        let batch = Batch::new().put(
            Namespace::SENDER_KEY_SHARED,
            shared_key(&group),
            encode_shared(2, &BTreeSet::new()),
        );
        store.apply(&account, batch).await.unwrap();
        mark_shared(&store, &account, &shared(1, &["c.0"]))
            .await
            .unwrap();
        let held = load_shared(&store, &account, &group).await.unwrap();
        assert_eq!(held, Some((2, BTreeSet::new())));
        mark_shared(&store, &account, &shared(2, &["c.0"]))
            .await
            .unwrap();
        let held = load_shared(&store, &account, &group).await.unwrap();
        assert_eq!(held, Some((2, ["c.0".to_owned()].into())));
    }

    #[tokio::test]
    async fn an_identity_change_forgets_that_users_devices_only() {
        let store = crate::store::MemoryStore::new();
        let account = AccountId::new("me");
        let group = Jid::group("120363000000000001");
        let holders = &["15550001.0", "15550001.3", "155500011.0", "15550002.0"];
        mark_shared(&store, &account, &shared(4, holders))
            .await
            .unwrap();
        let batch = forget_holder(&store, &account, "15550001").await.unwrap();
        store.apply(&account, batch).await.unwrap();
        let held = load_shared(&store, &account, &group).await.unwrap();
        // "155500011" only shares a prefix of digits, not the user.
        let left = ["155500011.0".to_owned(), "15550002.0".to_owned()].into();
        assert_eq!(held, Some((4, left)));
        let nothing = forget_holder(&store, &account, "15559999").await.unwrap();
        assert!(nothing.is_empty());
    }
}
