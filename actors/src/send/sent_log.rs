//! The last sent messages, kept in the store so a retry receipt for one of them can be
//! answered after a restart (messages.md §4.2). Entries are keyed by a big-endian sequence
//! number, so the oldest is the first key; the log holds at most
//! [`SendConfig::keep_sent`](super::SendConfig) and each send that would pass it deletes the
//! oldest in the same batch as the send's ratchets.

use std::collections::VecDeque;

use crate::store::{AccountId, Batch, Namespace, Store, StoreResult};

/// One sent message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRecord {
    /// Its id.
    pub id: String,
    /// The chat it went to.
    pub chat: String,
    /// The encoded `Message` protobuf (unpadded).
    pub message: Vec<u8>,
}

impl SentRecord {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.id.len() + self.chat.len() + self.message.len());
        for field in [self.id.as_bytes(), self.chat.as_bytes()] {
            // Ids and JIDs are short; the length is checked when building the record.
            out.extend_from_slice(&(field.len() as u16).to_be_bytes());
            out.extend_from_slice(field);
        }
        out.extend_from_slice(&self.message);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (id, rest) = take_field(bytes)?;
        let (chat, rest) = take_field(rest)?;
        Some(Self {
            id: String::from_utf8(id.to_vec()).ok()?,
            chat: String::from_utf8(chat.to_vec()).ok()?,
            message: rest.to_vec(),
        })
    }
}

fn take_field(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]) as usize;
    let rest = bytes.get(2..)?;
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// Which sequence numbers are stored, oldest first; owned by the Signal actor.
#[derive(Debug)]
pub(crate) struct SentLog {
    stored: VecDeque<u64>,
    next: u64,
    cap: usize,
}

impl SentLog {
    /// Reads what is stored (at most a few hundred keys).
    pub(crate) async fn load(
        store: &dyn Store,
        account: &AccountId,
        cap: usize,
    ) -> StoreResult<Self> {
        let mut seqs: Vec<u64> = store
            .scan_prefix(account, Namespace::SENT_MESSAGES, b"")
            .await?
            .into_iter()
            .filter_map(|(k, _)| {
                <[u8; 8]>::try_from(k.as_slice())
                    .ok()
                    .map(u64::from_be_bytes)
            })
            .collect();
        seqs.sort_unstable();
        let next = seqs.last().map_or(0, |s| s + 1);
        Ok(Self {
            stored: seqs.into(),
            next,
            cap,
        })
    }

    /// Adds `record` to `batch`, dropping the oldest entries beyond the cap. Call
    /// [`SentLog::committed`] once the batch is stored.
    pub(crate) fn add(&self, batch: Batch, record: &SentRecord) -> Batch {
        if self.cap == 0
            || record.id.len() > usize::from(u16::MAX)
            || record.chat.len() > usize::from(u16::MAX)
        {
            return batch;
        }
        let mut batch = batch.put(
            Namespace::SENT_MESSAGES,
            self.next.to_be_bytes().to_vec(),
            record.encode(),
        );
        let excess = (self.stored.len() + 1).saturating_sub(self.cap);
        for seq in self.stored.iter().take(excess) {
            batch = batch.delete(Namespace::SENT_MESSAGES, seq.to_be_bytes().to_vec());
        }
        batch
    }

    /// The batch of the last [`SentLog::add`] is stored.
    pub(crate) fn committed(&mut self) {
        if self.cap == 0 {
            return;
        }
        self.stored.push_back(self.next);
        self.next += 1;
        while self.stored.len() > self.cap {
            self.stored.pop_front();
        }
    }
}

/// The stored record of sent message `id`, if it is among the last ones kept.
pub async fn find_sent(
    store: &dyn Store,
    account: &AccountId,
    id: &str,
) -> StoreResult<Option<SentRecord>> {
    Ok(store
        .scan_prefix(account, Namespace::SENT_MESSAGES, b"")
        .await?
        .into_iter()
        .filter_map(|(_, v)| SentRecord::decode(&v))
        .find(|r| r.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn record(i: usize) -> SentRecord {
        SentRecord {
            id: format!("3EB0{i}"),
            chat: "1@s.whatsapp.net".into(),
            message: vec![i as u8; 3],
        }
    }

    #[tokio::test]
    async fn keeps_the_last_n_across_a_reload() {
        let store = MemoryStore::new();
        let account = AccountId::new("a");
        let mut log = SentLog::load(&store, &account, 3).await.unwrap();
        for i in 0..5 {
            let batch = log.add(Batch::new(), &record(i));
            store.apply(&account, batch).await.unwrap();
            log.committed();
        }
        assert_eq!(find_sent(&store, &account, "3EB01").await.unwrap(), None);
        assert_eq!(
            find_sent(&store, &account, "3EB04").await.unwrap(),
            Some(record(4))
        );
        let mut reloaded = SentLog::load(&store, &account, 3).await.unwrap();
        let batch = reloaded.add(Batch::new(), &record(5));
        store.apply(&account, batch).await.unwrap();
        reloaded.committed();
        assert_eq!(find_sent(&store, &account, "3EB02").await.unwrap(), None);
        for i in 3..6 {
            assert_eq!(
                find_sent(&store, &account, &format!("3EB0{i}"))
                    .await
                    .unwrap(),
                Some(record(i))
            );
        }
        assert_eq!(SentRecord::decode(&[0, 9, 1]), None);
    }
}
