//! Limits and deadlines of the send path.

use std::time::Duration;

/// How sends behave while disconnected, how long they wait for the server, how many may be
/// in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendConfig {
    /// A send made while disconnected waits this long for a connection, then fails with
    /// [`SendError::NotConnected`](super::SendError::NotConnected). Default: 10 s.
    pub connect_wait: Duration,
    /// How long a written message waits for the server's ack (whatsmeow: 75 s), then fails
    /// with [`SendError::Timeout`](super::SendError::Timeout). Default: 75 s.
    pub ack_timeout: Duration,
    /// Most sends in flight at once; one more fails with
    /// [`SendError::TooManyPending`](super::SendError::TooManyPending). Default: 256.
    pub max_pending: usize,
    /// How many sent messages are kept in the store so a retry receipt can be answered after
    /// a restart (whatsmeow keeps 256 in memory); the oldest goes when one more is sent.
    /// Default: 256.
    pub keep_sent: usize,
    /// A written message whose connection ended before the server's ack is written again,
    /// with the same id, on the next connection, at most this many times: the server may
    /// have lost it, and a recipient keeps one message per id, so a copy that did arrive is
    /// not shown twice. Then it fails with
    /// [`SendError::ConnectionLost`](super::SendError::ConnectionLost). Default: 3.
    pub max_resends: u32,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            connect_wait: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(75),
            max_pending: 256,
            keep_sent: 256,
            max_resends: 3,
        }
    }
}
