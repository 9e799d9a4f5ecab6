//! Subscribers grouped by event kind, built when the subscriber list changes, so publishing
//! resolves the kind half of every filter with one lookup instead of one check per subscriber.

use super::target::Subscriber;
use crate::events::EventKind;

/// One subscriber of a kind: where it sits in the subscriber list, and whether its filter
/// still has a chat set to check per event.
#[derive(Clone, Copy)]
pub(super) struct Entry {
    pub(super) at: u32,
    pub(super) check_chat: bool,
}

/// The subscribers that accept one kind, in subscription order (publish order per subscriber
/// depends on it).
#[derive(Default)]
pub(super) struct KindList {
    pub(super) entries: Vec<Entry>,
    /// True when one of them takes events as a shared `Arc`, so the event is wrapped once
    /// for them all instead of being cloned per subscriber.
    pub(super) shared: bool,
}

/// A [`KindList`] per [`EventKind`], indexed by discriminant.
pub(super) struct KindIndex {
    lists: Vec<KindList>,
}

impl KindIndex {
    /// An index of no subscribers.
    pub(super) fn new() -> Self {
        Self {
            lists: EventKind::ALL.iter().map(|_| KindList::default()).collect(),
        }
    }

    /// Rebuilds every list from `subscribers` (subscribe, unsubscribe and prune are rare next
    /// to publishing; this is kinds × subscribers bit tests).
    pub(super) fn rebuild(&mut self, subscribers: &[Subscriber]) {
        for (list, &kind) in self.lists.iter_mut().zip(EventKind::ALL) {
            list.entries.clear();
            list.shared = false;
            for (at, sub) in subscribers.iter().enumerate() {
                if !sub.filter.kind_set().contains(kind) {
                    continue;
                }
                list.entries.push(Entry {
                    // The list is far below 4 G entries: each one is a live subscriber.
                    at: at as u32,
                    check_chat: !sub.filter.is_kind_only(),
                });
                list.shared |= sub.target.wants_shared();
            }
        }
    }

    /// The subscribers that accept `kind`.
    pub(super) fn get(&self, kind: EventKind) -> &KindList {
        // `EventKind` is `repr(u8)` with one list per variant, built in `new`.
        &self.lists[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcaster::stream;
    use crate::broadcaster::target::Target;
    use crate::broadcaster::SubscriptionId;
    use crate::events::EventFilter;
    use crate::wire::Jid;

    fn sub(id: u64, filter: EventFilter) -> Subscriber {
        let (sink, stream) = stream::channel(1);
        // The stream end is dropped: the index only looks at filters and target kinds.
        drop(stream);
        Subscriber {
            id: SubscriptionId(id),
            filter,
            target: Target::Stream(sink),
        }
    }

    #[test]
    fn lists_follow_kind_sets_in_subscription_order() {
        let chat: Jid = "15550001111@s.whatsapp.net".parse().expect("jid");
        let subs = vec![
            sub(1, EventFilter::kinds([EventKind::Message])),
            sub(2, EventFilter::all()),
            sub(
                3,
                EventFilter::kinds([EventKind::Receipt, EventKind::Message]),
            ),
            sub(4, EventFilter::chats([chat])),
        ];
        let mut index = KindIndex::new();
        index.rebuild(&subs);
        let at = |index: &KindIndex, k| -> Vec<u32> {
            index.get(k).entries.iter().map(|e| e.at).collect()
        };
        assert_eq!(at(&index, EventKind::Message), vec![0, 1, 2, 3]);
        assert_eq!(at(&index, EventKind::Receipt), vec![1, 2, 3]);
        assert_eq!(at(&index, EventKind::Connected), vec![1, 3]);
        let checks: Vec<bool> = index
            .get(EventKind::Message)
            .entries
            .iter()
            .map(|e| e.check_chat)
            .collect();
        assert_eq!(checks, vec![false, false, false, true]);
        // Streams take shared events.
        assert!(index.get(EventKind::Message).shared);

        index.rebuild(&subs[..1]);
        assert_eq!(at(&index, EventKind::Receipt), Vec::<u32>::new());
        assert!(!index.get(EventKind::Receipt).shared);
        assert_eq!(at(&index, EventKind::Message), vec![0]);
    }
}
