//! Pure mappings from the typed incoming stanzas of `wa_protocol` (`message`,
//! `stanza::{receipt, presence, notification}`) to the public [`Event`](crate::events::Event)
//! payloads. No actor state: the Signal and router actors call these after decrypting and
//! persisting, so what users see is decided in one auditable place (events.md, spec/events.md).
//!
//! Times arrive as unix seconds; a stanza without one takes the caller's `now`.

pub(crate) mod connection;
pub(crate) mod group_changes;
pub(crate) mod message;
pub(crate) mod notification;
pub(crate) mod presence;
pub(crate) mod receipt;
pub(crate) mod route;

use chrono::{DateTime, TimeZone, Utc};

/// Unix seconds as a UTC time; `fallback` when absent or out of range.
pub(crate) fn unix_time(secs: Option<i64>, fallback: DateTime<Utc>) -> DateTime<Utc> {
    secs.and_then(|s| Utc.timestamp_opt(s, 0).single())
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests;
