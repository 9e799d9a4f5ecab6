//! Giving a large frame's read buffer back.
//!
//! tungstenite reads into one `BytesMut` and hands each message out as a slice of it. For a
//! frame larger than the buffer it reserves exactly that much; once the frame is split off,
//! the codec keeps reading into the rest of that allocation and, when it runs out and finds
//! itself the sole owner, reuses the whole large allocation for good. If the allocation is
//! still shared at that moment it starts a fresh buffer of the configured size instead. So the
//! reader keeps a reference to the last large message until a message arrives that is not in
//! the tail of its allocation: the codec has moved off it, and dropping the reference (and the
//! consumer's) frees it.

use bytes::Bytes;

/// Messages of at least this size pin their allocation until the codec moves off it.
pub(super) const LARGE: usize = 16 * 1024;

/// The large message whose allocation the codec may still be reading into.
#[derive(Default)]
pub(super) struct Release {
    held: Option<Bytes>,
}

impl Release {
    /// Sees every message the reader returns, in order.
    pub(super) fn observe(&mut self, msg: &Bytes) {
        if self
            .held
            .as_ref()
            .is_some_and(|held| !in_tail_of(held, msg))
        {
            self.held = None;
        }
        if msg.len() >= LARGE {
            self.held = Some(msg.clone());
        }
    }

    /// Whether a large message's allocation is held.
    #[cfg(test)]
    fn holds(&self) -> bool {
        self.held.is_some()
    }
}

/// Whether `msg` starts in the part of `held`'s allocation after `held`. The codec sizes a
/// large allocation at most twice what it reserved, so that tail is no longer than `held`.
/// Addresses only: a new buffer the allocator happens to place right after the old
/// allocation also passes, which keeps the old one a message longer, never frees it early.
fn in_tail_of(held: &Bytes, msg: &Bytes) -> bool {
    let end = held.as_ptr() as usize + held.len();
    let at = msg.as_ptr() as usize;
    at >= end && at - end <= held.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_a_large_message_until_one_arrives_from_elsewhere() {
        let big = Bytes::from(vec![1u8; LARGE + 300]);
        let mut release = Release::default();
        release.observe(&Bytes::from(vec![0u8; 10]));
        assert!(!release.holds(), "small messages pin nothing");
        release.observe(&big.slice(..LARGE));
        assert!(release.holds());
        // Later frames read into the same allocation keep it pinned...
        release.observe(&big.slice(LARGE..LARGE + 100));
        release.observe(&big.slice(LARGE + 100..LARGE + 300));
        assert!(release.holds());
        // ...until a message starts outside that tail: the codec has moved to a fresh
        // buffer. (Here the message lies before the held one, so the check does not depend on
        // where the allocator puts a new buffer: one placed right after the old allocation
        // looks like its tail, which only delays the release to a later message.)
        release.observe(&big.slice(..10));
        assert!(!release.holds());
    }

    #[test]
    fn a_message_before_the_held_one_is_not_its_tail() {
        let big = Bytes::from(vec![1u8; 2 * LARGE]);
        let (first, second) = (big.slice(..LARGE), big.slice(LARGE..));
        assert!(in_tail_of(&first, &second));
        assert!(!in_tail_of(&second, &first));
    }
}
