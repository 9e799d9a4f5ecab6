//! Inbound backpressure. Every WebSocket message the socket reads takes a [`FlowTicket`]
//! first; the ticket travels with what the message carries (through Noise and the Router to
//! the stanza's owner) and is given back when the owner is done. The reader waits while
//! `high_water` tickets are out, so a slow owner slows the socket, and from there the server,
//! instead of filling unbounded mailboxes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// The inbound queue of one client: tickets out, the mark, and the deepest it has been.
#[derive(Debug)]
pub(crate) struct Flow {
    high_water: usize,
    out: AtomicUsize,
    peak: AtomicUsize,
    freed: Notify,
}

impl Flow {
    /// A queue that holds at most `high_water` inbound messages (at least one).
    pub(crate) fn new(high_water: usize) -> Arc<Self> {
        Arc::new(Self {
            high_water: high_water.max(1),
            out: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            freed: Notify::new(),
        })
    }

    /// Inbound messages read but not yet finished by their owners (a gauge).
    pub(crate) fn depth(&self) -> usize {
        self.out.load(Ordering::Acquire)
    }

    /// The deepest the queue has been.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }

    /// Waits until fewer than the mark are out, then takes a ticket.
    pub(crate) async fn acquire(self: &Arc<Self>) -> FlowTicket {
        loop {
            let freed = self.freed.notified();
            let now = self.out.load(Ordering::Acquire);
            if now < self.high_water
                && self
                    .out
                    .compare_exchange(now, now + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                self.peak.fetch_max(now + 1, Ordering::AcqRel);
                return FlowTicket(Some(Arc::new(Place(Arc::clone(self)))));
            }
            if now >= self.high_water {
                freed.await;
            }
        }
    }
}

/// One inbound message's place in the queue; dropping it gives the place back. Clones
/// (one per stanza of a message that carried several) share the place: it is given back when
/// the last of them is dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowTicket(#[allow(dead_code)] Option<Arc<Place>>);

impl FlowTicket {
    /// A ticket that holds no place (for stanzas made locally, and tests).
    pub(crate) fn none() -> Self {
        Self(None)
    }
}

#[derive(Debug)]
struct Place(Arc<Flow>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.out.fetch_sub(1, Ordering::AcqRel);
        self.0.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_reader_waits_at_the_mark() {
        let flow = Flow::new(2);
        let a = flow.acquire().await;
        let _b = flow.acquire().await;
        assert_eq!(flow.depth(), 2);
        let waiter = tokio::spawn({
            let flow = Arc::clone(&flow);
            async move { flow.acquire().await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "a third ticket must wait");
        let a2 = a.clone();
        drop(a);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(
            !waiter.is_finished(),
            "a shared place is held until its last clone"
        );
        drop(a2);
        let _c = waiter.await.unwrap();
        assert_eq!(flow.depth(), 2);
        assert_eq!(flow.peak(), 2);
    }
}
