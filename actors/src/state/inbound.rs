//! One inbound `<message>`: decrypt, persist, then say what to publish and send.

use chrono::Utc;
use wa_protocol::binary::Node;
use wa_protocol::message::{DecryptError, DecryptFailure, Decryption, EncType, MessageStanza};
use wa_protocol::signal::{signal_address, FailureLimiter, LocalIdentity};
use wa_protocol::stanza::ack::{ack_for, nack_for, NACK_PARSING_ERROR};
use wa_protocol::stanza::receipt::{
    delivery_receipt, next_retry_count, retry_needs_keys, retry_receipt, RetryKeys,
};

use super::decoded::DecodedRecords;
use super::keys::{
    load_prekeys, load_recv_keys, processed_key, sender_key_key, signed_prekey, store_moved,
};
use super::retries::RetryBook;
use super::retry_prekey::retry_prekey;
use super::trust::{check_trust, Trust};
use crate::events::Event;
use crate::recv::message::{message_info, plan_message, push_name_update};
use crate::recv::route::own_jids;
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store, StoreError};

/// What handling one stanza produced, in the order it must happen: `batch` is stored, then
/// `events` are published and `replies` sent (the caller makes those one step with
/// [`Store::apply_then`]).
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub batch: Batch,
    pub events: Vec<Event>,
    pub replies: Vec<Node>,
    /// How the stanza ended, for counters and logs.
    pub kind: OutcomeKind,
    /// A companion's new session came without a verifiable tie to its primary identity.
    pub unverified_identity: bool,
    /// App-state keys from our own phone stored in `batch`: tell the app-state actor once
    /// they are committed.
    pub app_state_keys: usize,
    /// `batch` holds pending history chunks: wake the history actor once it commits.
    pub history: bool,
}

/// How a stanza ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutcomeKind {
    /// Decrypted (or withheld by the server) and published.
    #[default]
    Delivered,
    /// Seen before: acked again, nothing published.
    Duplicate,
    /// Could not be decrypted: `UndecryptableMessage` and a retry receipt.
    Undecryptable,
    /// Not a message at all for this device (before pairing): acked and dropped.
    Dropped,
    /// A stanza that lacks what the protocol requires: refused with an error ack.
    Malformed,
}

/// Everything the handler needs besides the stanza.
pub(crate) struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub account: &'a AccountId,
    pub device: &'a DeviceData,
    /// Retry receipts sent and retry prekeys handed out, in this process.
    pub retries: &'a mut RetryBook,
    /// At most this many retry-minted prekeys stay stored.
    pub max_retry_prekeys: usize,
    /// Recent decrypt failures per sender address.
    pub failures: &'a mut FailureLimiter,
    /// Monotonic time for the failure limiter (since the actor started).
    pub clock: std::time::Duration,
    /// Records decoded lately, by the bytes they were stored as.
    pub decoded: &'a mut DecodedRecords,
}

/// Works out one `<message>`: reads the state it needs, decrypts, and returns what to store
/// and then publish and send. Errors are store failures: nothing was acked, so the server
/// redelivers the stanza on the next connection.
pub(crate) async fn handle_message(ctx: &mut Ctx<'_>, node: &Node) -> Result<Outcome, StoreError> {
    let ack: Vec<Node> = ack_for(node).into_iter().collect();
    let Some(own) = own_jids(ctx.device) else {
        tracing::warn!("message before pairing; acked and dropped");
        return Ok(dropped(ack));
    };
    let stanza = match MessageStanza::parse(node, &own) {
        Ok(s) => s,
        Err(e) => {
            // Refused with the protocol's parsing error, so the server neither redelivers it
            // forever nor takes it for delivered.
            tracing::warn!(error = %e, "malformed message stanza; refused");
            let mut outcome = dropped(nack_for(node, NACK_PARSING_ERROR).into_iter().collect());
            outcome.kind = OutcomeKind::Malformed;
            return Ok(outcome);
        }
    };
    let processed = processed_key(&stanza);
    if prefetch(ctx, &stanza, processed.clone()).await?.is_some() {
        tracing::debug!(id = %stanza.id, "redelivered message; acked again");
        let mut replies = vec![delivery_receipt(&stanza, true)];
        replies.extend(ack);
        return Ok(Outcome {
            batch: Batch::new(),
            events: Vec::new(),
            replies,
            kind: OutcomeKind::Duplicate,
            unverified_identity: false,
            app_state_keys: 0,
            history: false,
        });
    }
    let now = Utc::now();

    if stanza.encs.is_empty() {
        // Content withheld by the server (view-once on a companion) or a plaintext stanza we do
        // not model: say so once, then never again for this id.
        let events = plan_message(&stanza, Decryption::default(), true, now).events;
        let batch = Batch::new().put(
            Namespace::PROCESSED_MESSAGES,
            processed,
            stanza.timestamp.to_be_bytes().to_vec(),
        );
        return Ok(Outcome {
            batch,
            events,
            replies: ack,
            kind: OutcomeKind::Delivered,
            unverified_identity: false,
            app_state_keys: 0,
            history: false,
        });
    }

    let identity = stanza.source.encryption_identity();
    let address = signal_address(identity);
    // A sender whose messages keep failing is not tried for a while: forged messages cost
    // decrypt work and retry prekeys, and a genuine broken session recovers once it is let in.
    let limited = !ctx.failures.check(ctx.clock, &address);
    // The loaded records, moved in place by the decrypt (and which moved); none when the
    // sender is limited.
    let mut loaded = None;
    let mut decryption = if limited {
        tracing::warn!(id = %stanza.id, %address, "sender over its decrypt-failure limit");
        Decryption {
            failure: Some(DecryptFailure {
                enc_type: stanza.encs[0].enc_type.clone(),
                error: DecryptError::RateLimited,
                is_unavailable: false,
                hide: false,
            }),
            ..Decryption::default()
        }
    } else {
        let mut keys = load_recv_keys(ctx.store, ctx.account, &stanza, ctx.decoded).await?;
        let prekeys = load_prekeys(ctx.store, ctx.account, ctx.device, &stanza).await?;
        let local = LocalIdentity {
            key_pair: ctx.device.identity_key.clone(),
            registration_id: ctx.device.registration_id,
        };
        let (decryption, moved) = wa_protocol::message::decrypt_stanza_in_place(
            &stanza,
            &mut keys.keys,
            &local,
            &prekeys,
            &mut rand::rngs::OsRng,
        );
        loaded = Some((keys, moved));
        decryption
    };
    let mut trust = Trust::default();
    if let (None, Some(remote)) = (&decryption.failure, decryption.changes.remote_identity) {
        trust = check_trust(ctx.store, ctx.account, &stanza, &address, &remote, now).await?;
        if let Some(error) = trust.refused.take() {
            // Nothing of the stanza is kept: not the session, not the payloads (and the moved
            // records are not remembered either).
            loaded = None;
            decryption = Decryption {
                failure: Some(DecryptFailure {
                    enc_type: stanza.encs[0].enc_type.clone(),
                    error: DecryptError::DeviceIdentity(error),
                    is_unavailable: false,
                    hide: false,
                }),
                ..Decryption::default()
            };
        }
    }
    match (&decryption.failure, limited) {
        (Some(_), false) => ctx.failures.record_failure(ctx.clock, &address),
        (None, _) => ctx.failures.forget(&address),
        (Some(_), true) => {}
    }
    let changes = &decryption.changes;
    let mut batch = Batch::new();
    if let Some((loaded, moved)) = loaded {
        batch = store_moved(ctx.decoded, loaded, moved, batch);
    }
    if let Some(id) = changes.consumed_prekey {
        batch = batch
            .delete(Namespace::PRE_KEYS, id.to_be_bytes().to_vec())
            .delete(Namespace::RETRY_PRE_KEYS, id.to_be_bytes().to_vec());
    }
    if let Some(remote) = &changes.remote_identity {
        // Trust on first use, and follow a change (whatsmeow's store does the same); the
        // session itself already proved the key.
        batch = batch.put(
            Namespace::IDENTITIES,
            address.clone(),
            remote.as_bytes().to_vec(),
        );
    }

    for ignored in &decryption.ignored {
        tracing::debug!(id = %stanza.id, reason = %ignored.reason, "payload skipped");
    }
    let failure = decryption.failure.clone();
    // Key shares are trusted only from our own devices; they go into this batch so they are
    // durable before the message is acked.
    let from_own = stanza.source.sender.same_user(&own.pn)
        || own
            .lid
            .as_ref()
            .is_some_and(|l| stanza.source.sender.same_user(l));
    let app_state_keys = if failure.is_none() && from_own {
        crate::appstate::keyshare::store_key_shares(&decryption.contents, &mut batch)
    } else {
        0
    };
    // History notifications from our phone are recorded in this batch, so the ack below
    // never goes out for a chunk that is not durably queued for the history actor.
    let pending = match &failure {
        None => crate::history::pending_rows(&stanza, &decryption.contents),
        Some(_) => Vec::new(),
    };
    let history = !pending.is_empty();
    for (ns, key, value) in pending {
        batch = batch.put(ns, key, value);
    }
    // What to publish and whether to receipt or retry: the pure decision of `recv`.
    let mut plan = plan_message(&stanza, decryption, true, now);
    if limited {
        // No retry receipt (it would mint a prekey and invite a resend); the ack still goes.
        plan.retry = None;
    }
    let mut events = Vec::new();
    let mut replies: Vec<Node> = plan.receipt.into_iter().collect();
    let kind = match &failure {
        None => {
            // Only a fully handled stanza is marked: a failed one must be processed again
            // when the sender re-sends it under the same id.
            batch = batch.put(
                Namespace::PROCESSED_MESSAGES,
                processed,
                stanza.timestamp.to_be_bytes().to_vec(),
            );
            let info = message_info(&stanza, now);
            let contact = stanza.source.sender.to_non_ad().to_string();
            let previous = ctx
                .store
                .get(ctx.account, Namespace::CONTACTS, contact.as_bytes())
                .await?
                .and_then(|b| String::from_utf8(b).ok());
            if let Some(update) = push_name_update(&info, previous.as_deref()) {
                batch = batch.put(
                    Namespace::CONTACTS,
                    contact.into_bytes(),
                    info.push_name.clone().into_bytes(),
                );
                events.push(update);
            }
            ctx.retries.sent.remove(&stanza.id);
            OutcomeKind::Delivered
        }
        Some(failure) => {
            tracing::warn!(id = %stanza.id, error = %failure.error, "message undecryptable");
            OutcomeKind::Undecryptable
        }
    };
    events.append(&mut trust.events);
    events.extend(plan.events);
    if let Some(need) = plan.retry {
        let sent = ctx.retries.sent.get(&stanza.id).copied().unwrap_or(0);
        if let Some(count) = next_retry_count(sent, stanza.retry_count()) {
            ctx.retries.sent.insert(stanza.id.clone(), count);
            let keys = if retry_needs_keys(count, need.force_keys) {
                let (prekey, writes) = retry_prekey(
                    ctx.store,
                    ctx.account,
                    ctx.retries,
                    &address,
                    ctx.max_retry_prekeys,
                )
                .await?;
                batch.ops.extend(writes.ops);
                Some(prekey)
            } else {
                None
            };
            let signed = signed_prekey(ctx.device);
            let device_identity = ctx.device.adv_signed_identity.clone().unwrap_or_default();
            let retry_keys = keys.as_ref().map(|prekey| RetryKeys {
                identity: &ctx.device.identity_key.public,
                prekey,
                signed_prekey: &signed,
                device_identity: &device_identity,
            });
            replies.push(retry_receipt(
                &stanza,
                count,
                ctx.device.registration_id,
                retry_keys,
            ));
        }
    }
    replies.extend(ack);
    Ok(Outcome {
        batch,
        events,
        replies,
        kind,
        unverified_identity: trust.unverified,
        app_state_keys,
        history,
    })
}

/// Reads, in one store round trip, whether `processed` is marked and the rows the stanza
/// will likely read next (the sender's session, identity and contact row, the sender key),
/// and returns the mark. The staged view remembers the other answers for its batch, so the
/// reads below find them without another trip to the store's thread.
async fn prefetch(
    ctx: &Ctx<'_>,
    stanza: &MessageStanza,
    processed: Vec<u8>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let identity = stanza.source.encryption_identity();
    let address = signal_address(identity);
    let mut keys = vec![
        (Namespace::PROCESSED_MESSAGES, processed),
        (Namespace::SESSIONS, address.clone().into_bytes()),
        (
            Namespace::CONTACTS,
            stanza.source.sender.to_non_ad().to_string().into_bytes(),
        ),
    ];
    if stanza.encs.iter().any(|e| e.enc_type == EncType::PreKey) {
        keys.push((Namespace::IDENTITIES, address.into_bytes()));
    }
    if stanza.source.is_group {
        keys.push((
            Namespace::SENDER_KEYS,
            sender_key_key(&stanza.source.chat, identity),
        ));
    }
    let answers = ctx.store.get_many(ctx.account, &keys).await?;
    Ok(answers.into_iter().next().flatten())
}

fn dropped(ack: Vec<Node>) -> Outcome {
    Outcome {
        batch: Batch::new(),
        events: Vec::new(),
        replies: ack,
        kind: OutcomeKind::Dropped,
        unverified_identity: false,
        app_state_keys: 0,
        history: false,
    }
}
