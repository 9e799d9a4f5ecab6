//! The `media_conn` cache: one fetch serves every transfer until its TTL runs out, an upload
//! is refused for auth, or a caller forces a refresh.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use wa_protocol::media::{media_conn_iq, parse_media_conn_reply, MediaConn};

use super::error::MediaError;
use crate::link::LiveConn;

/// Refresh this long before the server's TTL, so a transfer does not start on auth that
/// expires mid-flight.
const EARLY: Duration = Duration::from_secs(10);

/// Owner of the cached `media_conn`. The lock is held across the iq so concurrent transfers
/// share one fetch instead of each sending their own.
#[derive(Debug, Default)]
pub(crate) struct MediaConnCache {
    slot: Mutex<Option<(MediaConn, Instant)>>,
}

impl MediaConnCache {
    /// The cached hosts and auth, fetched again when absent, expired or `force`d.
    pub(crate) async fn get(
        &self,
        live: &LiveConn,
        iq_timeout: Duration,
        force: bool,
    ) -> Result<MediaConn, MediaError> {
        let mut slot = self.slot.lock().await;
        if let Some((conn, until)) = slot.as_ref() {
            if !force && Instant::now() < *until {
                return Ok(conn.clone());
            }
        }
        let reply = live.iq(media_conn_iq(), iq_timeout).await?;
        let conn = parse_media_conn_reply(&reply)?;
        let valid = Duration::from_secs(conn.valid_for()).saturating_sub(EARLY);
        tracing::debug!(
            hosts = conn.hosts.len(),
            ttl = conn.ttl,
            "media_conn fetched"
        );
        *slot = Some((conn.clone(), Instant::now() + valid));
        Ok(conn)
    }

    /// Forgets the cache (an upload was refused for auth).
    pub(crate) async fn invalidate(&self) {
        *self.slot.lock().await = None;
    }
}
