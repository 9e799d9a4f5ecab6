//! The bounded-channel subscriber: a `Stream` for code that is not an actor.
//!
//! Policy for a slow consumer: the broadcaster never waits. When the channel is full the event
//! is dropped for this subscriber and counted; the consumer then receives one
//! [`StreamItem::Lagged`] with the exact number it missed, placed where the gap is (before the
//! first event sent after the drops, or at the end of what is queued if nothing came since).

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use super::target::unshare;
use crate::events::Event;

/// Default channel capacity of [`BroadcasterHandle::events`](super::BroadcasterHandle::events).
pub const DEFAULT_STREAM_CAPACITY: usize = 1024;

/// An item of an [`EventStream`].
// Nearly every item is an event; boxing it to shrink the rare `Lagged` would add an
// allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum StreamItem {
    /// The next event.
    Event(Event),
    /// The consumer fell behind and `missed` events were dropped here.
    Lagged {
        /// How many.
        missed: u64,
    },
}

/// An event plus the subscriber's cumulative drop count when it was sent. Shared, so the
/// publisher pays a count and the consumer makes the copy (if any is still needed).
type Envelope = (u64, Arc<Event>);

/// The broadcaster's end of a stream subscriber.
pub(super) struct StreamSink {
    tx: mpsc::Sender<Envelope>,
    dropped_local: u64,
    dropped_shared: Arc<AtomicU64>,
}

/// What happened to one delivery attempt.
pub(super) enum Delivery {
    Delivered,
    Dropped,
    Gone,
}

impl StreamSink {
    pub(super) fn deliver(&mut self, event: Arc<Event>) -> Delivery {
        match self.tx.try_send((self.dropped_local, event)) {
            Ok(()) => Delivery::Delivered,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.dropped_local += 1;
                self.dropped_shared
                    .store(self.dropped_local, Ordering::Release);
                Delivery::Dropped
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Delivery::Gone,
        }
    }

    pub(super) fn is_gone(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Events from the broadcaster, with [`StreamItem::Lagged`] notices when this consumer was
/// too slow. Ends when the broadcaster stops; dropping it unsubscribes.
pub struct EventStream {
    rx: mpsc::Receiver<Envelope>,
    dropped: Arc<AtomicU64>,
    reported: u64,
    pending: Option<Event>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("queued", &self.rx.len())
            .field("reported_missed", &self.reported)
            .finish()
    }
}

/// Creates a connected sink and stream with room for `capacity` events (at least 1).
pub(super) fn channel(capacity: usize) -> (StreamSink, EventStream) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    (
        StreamSink {
            tx,
            dropped_local: 0,
            dropped_shared: Arc::clone(&dropped),
        },
        EventStream {
            rx,
            dropped,
            reported: 0,
            pending: None,
        },
    )
}

impl EventStream {
    /// The next item; `None` once the broadcaster has stopped and everything was read.
    pub async fn recv(&mut self) -> Option<StreamItem> {
        futures::StreamExt::next(self).await
    }

    /// The next event, skipping lag notices (their counts are still in the metrics).
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            match self.recv().await? {
                StreamItem::Event(e) => return Some(e),
                StreamItem::Lagged { missed } => {
                    tracing::debug!(missed, "event stream lagged");
                }
            }
        }
    }

    fn lagged_to(&mut self, total: u64) -> Option<StreamItem> {
        (total > self.reported).then(|| {
            let missed = total - self.reported;
            self.reported = total;
            StreamItem::Lagged { missed }
        })
    }

    fn on_item(&mut self, (dropped_before, event): Envelope) -> StreamItem {
        let event = unshare(event);
        match self.lagged_to(dropped_before) {
            Some(lag) => {
                self.pending = Some(event);
                lag
            }
            None => StreamItem::Event(event),
        }
    }
}

impl futures::Stream for EventStream {
    type Item = StreamItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamItem>> {
        let this = &mut *self;
        if let Some(event) = this.pending.take() {
            return Poll::Ready(Some(StreamItem::Event(event)));
        }
        match this.rx.poll_recv(cx) {
            Poll::Ready(Some(envelope)) => Poll::Ready(Some(this.on_item(envelope))),
            Poll::Ready(None) => {
                let total = this.dropped.load(Ordering::Acquire);
                Poll::Ready(this.lagged_to(total))
            }
            Poll::Pending => {
                let total = this.dropped.load(Ordering::Acquire);
                if total <= this.reported {
                    return Poll::Pending;
                }
                // Events sent before those drops may have arrived since the first poll; they
                // come first. If the channel is still empty, every event sent before the drops
                // has been consumed, so the notice belongs here.
                match this.rx.poll_recv(cx) {
                    Poll::Ready(Some(envelope)) => Poll::Ready(Some(this.on_item(envelope))),
                    Poll::Ready(None) | Poll::Pending => Poll::Ready(this.lagged_to(total)),
                }
            }
        }
    }
}
