//! The one-time prekey a retry receipt carries, bounded so junk cannot grow the store.
//!
//! Every retry receipt from the second one on carries a prekey, and a sender controls how many
//! undecryptable messages it sends. So (1) a sender device is given the same key again while
//! it is still stored, and (2) at most `cap` retry-minted keys are stored: minting one more
//! evicts the oldest (lowest id; ids only wrap after 2^24 keys). Prekeys uploaded to the
//! server are not counted or evicted: the server may hand them out at any time.

use wa_protocol::signal::PreKey;

use super::retries::RetryBook;
use crate::prekeys::plan::mint_one;
use crate::store::{AccountId, Batch, Namespace, Store, StoreResult};

/// The prekey to send `sender` (a Signal address) and the writes that store it; the writes
/// belong in the stanza's batch so the key is durable before the receipt goes out.
pub(crate) async fn retry_prekey(
    store: &dyn Store,
    account: &AccountId,
    book: &mut RetryBook,
    sender: &str,
    cap: usize,
) -> StoreResult<(PreKey, Batch)> {
    if let Some(&id) = book.prekey_for.get(&sender.to_owned()) {
        if let Some(bytes) = store
            .get(account, Namespace::PRE_KEYS, &id.to_be_bytes())
            .await?
        {
            match crate::prekeys::stored::decode(id, &bytes) {
                Ok(key) => return Ok((key, Batch::new())),
                Err(e) => tracing::warn!(id, error = %e, "stored retry prekey unreadable"),
            }
        }
    }
    let (key, mut batch) = mint_one(store, account, &mut rand::rngs::OsRng).await?;
    let id = key.id.to_be_bytes().to_vec();
    batch = batch.put(Namespace::RETRY_PRE_KEYS, id, Vec::new());
    // Only keys and empty values: this stays small because it is bounded by `cap`.
    let markers = store
        .scan_prefix(account, Namespace::RETRY_PRE_KEYS, &[])
        .await?;
    let cap = cap.max(1);
    let excess = (markers.len() + 1).saturating_sub(cap);
    for (old, _) in markers.into_iter().take(excess) {
        batch = batch
            .delete(Namespace::PRE_KEYS, old.clone())
            .delete(Namespace::RETRY_PRE_KEYS, old);
    }
    if excess > 0 {
        tracing::debug!(
            evicted = excess,
            "retry prekeys at their cap; oldest evicted"
        );
    }
    book.prekey_for.insert(sender.to_owned(), key.id);
    Ok((key, batch))
}

#[cfg(test)]
mod tests {
    use wa_protocol::binary::Node;

    use super::*;
    use crate::state::inbound::{handle_message, Ctx, OutcomeKind};
    use crate::store::{DeviceData, MemoryStore};
    use wa_protocol::signal::{FailureLimit, FailureLimiter};

    /// A message no session can open, already re-sent once (`count="1"`), so our answer is a
    /// retry receipt that must carry keys.
    fn junk(sender: u64, id: &str) -> Node {
        Node::build("message")
            .attr("from", format!("{sender}@s.whatsapp.net"))
            .attr("id", id.to_owned())
            .attr("t", "1700000000")
            .attr("type", "text")
            .child(
                Node::build("enc")
                    .attr("type", "msg")
                    .attr("v", "2")
                    .attr("count", "1")
                    .bytes(vec![0x33; 40])
                    .finish(),
            )
            .finish()
    }

    async fn send_junk(store: &MemoryStore, book: &mut RetryBook, cap: usize, from: u64, n: u32) {
        let mut device = DeviceData::generate(&mut rand::rngs::OsRng);
        device.jid = Some("15550009999:3@s.whatsapp.net".parse().unwrap());
        let account = AccountId::from("a");
        // Every junk message is tried here: this is about the retry keys, not the limiter.
        let mut failures = FailureLimiter::new(FailureLimit {
            burst: u32::MAX,
            ..FailureLimit::default()
        });
        for i in 0..n {
            let mut ctx = Ctx {
                store,
                account: &account,
                device: &device,
                retries: book,
                max_retry_prekeys: cap,
                failures: &mut failures,
                clock: std::time::Duration::ZERO,
                decoded: &mut Default::default(),
            };
            let out = handle_message(&mut ctx, &junk(from, &format!("{from}-{i}")))
                .await
                .unwrap();
            assert_eq!(out.kind, OutcomeKind::Undecryptable);
            let receipt = out
                .replies
                .iter()
                .find(|r| r.tag == "receipt")
                .expect("a retry receipt");
            assert!(
                receipt.child("keys").is_some(),
                "retry receipt without keys"
            );
            store.apply(&account, out.batch).await.unwrap();
        }
    }

    async fn count(store: &MemoryStore, ns: Namespace) -> usize {
        store
            .scan_prefix(&AccountId::from("a"), ns, &[])
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn a_sender_over_its_failure_limit_is_not_tried_and_gets_no_retry() {
        let store = MemoryStore::new();
        let mut book = RetryBook::new(64, 8);
        let mut device = DeviceData::generate(&mut rand::rngs::OsRng);
        device.jid = Some("15550009999:3@s.whatsapp.net".parse().unwrap());
        let account = AccountId::from("a");
        let limit = FailureLimit {
            burst: 3,
            ..FailureLimit::default()
        };
        let mut failures = FailureLimiter::new(limit);
        let mut outcomes = Vec::new();
        for i in 0..5 {
            let mut ctx = Ctx {
                store: &store,
                account: &account,
                device: &device,
                retries: &mut book,
                max_retry_prekeys: 8,
                failures: &mut failures,
                clock: std::time::Duration::from_millis(i),
                decoded: &mut Default::default(),
            };
            let out = handle_message(&mut ctx, &junk(15551110009, &format!("L-{i}")))
                .await
                .unwrap();
            outcomes.push(out);
        }
        for (i, out) in outcomes.iter().enumerate() {
            assert_eq!(out.kind, OutcomeKind::Undecryptable, "message {i}");
            assert!(
                out.replies.iter().any(|r| r.tag == "ack"),
                "message {i} acked"
            );
            assert!(
                out.events
                    .iter()
                    .any(|e| matches!(e, crate::events::Event::UndecryptableMessage(_))),
                "message {i} is published as undecryptable"
            );
            let retry = out.replies.iter().any(|r| r.tag == "receipt");
            assert_eq!(
                retry,
                i < 3,
                "message {i}: retry receipts only within the burst"
            );
        }
    }

    #[tokio::test]
    async fn junk_from_one_sender_mints_one_key() {
        let store = MemoryStore::new();
        let mut book = RetryBook::new(64, 8);
        send_junk(&store, &mut book, 8, 15551110001, 30).await;
        assert_eq!(count(&store, Namespace::PRE_KEYS).await, 1);
        assert_eq!(count(&store, Namespace::RETRY_PRE_KEYS).await, 1);
    }

    #[tokio::test]
    async fn retry_keys_stay_under_the_cap_and_uploaded_keys_are_untouched() {
        let store = MemoryStore::new();
        let a = AccountId::from("a");
        let (uploaded, batch) = crate::prekeys::plan::mint(&store, &a, 5, &mut rand::rngs::OsRng)
            .await
            .unwrap();
        store.apply(&a, batch).await.unwrap();
        let mut book = RetryBook::new(64, 4);
        for sender in 0..12 {
            send_junk(&store, &mut book, 4, 15552220000 + sender, 2).await;
        }
        assert_eq!(count(&store, Namespace::RETRY_PRE_KEYS).await, 4);
        assert_eq!(count(&store, Namespace::PRE_KEYS).await, 5 + 4);
        for key in uploaded {
            assert!(store
                .get(&a, Namespace::PRE_KEYS, &key.id.to_be_bytes())
                .await
                .unwrap()
                .is_some());
        }
        // The newest senders' keys are the ones kept.
        let kept = store
            .scan_prefix(&a, Namespace::RETRY_PRE_KEYS, &[])
            .await
            .unwrap();
        let ids: Vec<u32> = kept
            .iter()
            .map(|(k, _)| u32::from_be_bytes(k.as_slice().try_into().unwrap()))
            .collect();
        assert_eq!(ids, (14..=17).collect::<Vec<_>>());
    }
}
