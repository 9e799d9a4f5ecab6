//! The directory: who has which devices, which LID is which phone number, and what a group
//! looks like — the lookups the send path and the public queries need.
//!
//! # Ownership
//! [`Directory`] is a store-backed shared handle, not an actor: its caches are concurrent
//! maps (`dashmap`) read in place by whoever needs them (the `Client`, the connection's
//! `Routes`, the send path), so a lookup never waits in an actor's mailbox. It has one writer
//! to the store (a task, `persist.rs`) so writes land in the order they were made. It is made
//! once per client by `ClientBuilder::build`, which loads the LID map and the device lists
//! from the store; every connection shares it.
//!
//! * **Device lists** come from usync, are kept in memory and in `Namespace::DEVICE_LISTS`,
//!   expire after [`DirectoryConfig::device_ttl`], and are dropped when a `devices`
//!   notification names the user (`Routes` calls [`Directory::observe_events`] before it
//!   publishes).
//! * **LID ↔ PN pairs** are learned from usync replies, group metadata, `devices`
//!   notifications and the `sender_lid`/`participant_pn`… attributes of incoming messages
//!   ([`Directory::observe_stanza`]); kept in `Namespace::LID_MAP`.
//! * **The send path** holds a [`DeviceLists`] (a `Directory`) and turns the lists into the
//!   devices to encrypt for with [`fanout`] (hosted devices and the sending device left out).
//! * **Group metadata** is kept in memory for [`DirectoryConfig::group_ttl`] and dropped on
//!   any `w:gp2` change of the group.

mod devices;
mod error;
mod fanout;
mod groups;
mod lids;
mod observe;
mod persist;
mod users;

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;
use wa_protocol::binary::Jid;
use wa_protocol::stanza::notification::GroupInfo;

pub use error::QueryError;
pub use fanout::{fanout, DeviceLists};
pub use lids::MAX_LID_PAIRS;
pub use users::OnWhatsApp;
pub use wa_protocol::usync::{DeviceEntry, UserDevices};

use self::devices::CachedDevices;
use self::lids::LidMap;
use self::persist::Persist;
use crate::link::LiveConn;
use crate::store::{AccountId, SharedStore, StoreError};

/// How long the directory trusts what it learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectoryConfig {
    /// A cached device list older than this is fetched again. `devices` notifications keep
    /// lists current, so this only bounds how long a missed notification matters.
    pub device_ttl: Duration,
    /// Cached group metadata older than this is fetched again; `w:gp2` changes drop it at once.
    pub group_ttl: Duration,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        Self {
            device_ttl: Duration::from_secs(24 * 3600),
            group_ttl: Duration::from_secs(3600),
        }
    }
}

/// The shared directory handle (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct Directory(Arc<Inner>);

struct Inner {
    live: LiveConn,
    iq_timeout: Duration,
    config: DirectoryConfig,
    lids: LidMap,
    devices: DashMap<Jid, CachedDevices>,
    groups: DashMap<Jid, (i64, GroupInfo)>,
    persist: Persist,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("lid_pairs", &self.0.lids.len())
            .field("device_lists", &self.0.devices.len())
            .field("groups", &self.0.groups.len())
            .finish()
    }
}

/// Seconds since the epoch: cache ages survive restarts, so they are wall-clock times.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn fresh(fetched_at: i64, ttl: Duration, now: i64) -> bool {
    let age = now.saturating_sub(fetched_at);
    age >= 0 && (age as u64) < ttl.as_secs()
}

/// A concurrent map with two shards. dashmap's default is four per core, each padded to a
/// cache line, which every idle session would pay for maps that hold a handful of entries and
/// see a few readers.
pub(super) fn small_map<K: Eq + std::hash::Hash, V>() -> DashMap<K, V> {
    DashMap::with_shard_amount(2)
}

impl Directory {
    /// Loads the LID map and the device lists of `account` and starts the store writer.
    pub(crate) async fn load(
        store: SharedStore,
        account: AccountId,
        live: LiveConn,
        iq_timeout: Duration,
        config: DirectoryConfig,
    ) -> Result<Self, StoreError> {
        use crate::store::Namespace;
        let lids =
            LidMap::from_entries(store.scan_prefix(&account, Namespace::LID_MAP, b"").await?);
        let devices = small_map();
        for (k, v) in store
            .scan_prefix(&account, Namespace::DEVICE_LISTS, b"")
            .await?
        {
            let user = std::str::from_utf8(&k)
                .ok()
                .and_then(|s| s.parse::<Jid>().ok());
            if let Some(cached) = user.and_then(|u| devices::decode(&u, &v)) {
                devices.insert(cached.devices.user.clone(), cached);
            }
        }
        Ok(Self(Arc::new(Inner {
            live,
            iq_timeout,
            config,
            lids,
            devices,
            groups: small_map(),
            persist: Persist::new(store, account),
        })))
    }

    /// The LID of phone-number user `pn`, when known.
    pub fn lid_for_pn(&self, pn: &Jid) -> Option<Jid> {
        self.0.lids.lid_for(&pn.to_non_ad())
    }

    /// The phone number of LID user `lid`, when known.
    pub fn pn_for_lid(&self, lid: &Jid) -> Option<Jid> {
        self.0.lids.pn_for(&lid.to_non_ad())
    }

    /// The other address of `user` (the LID of a phone number, the phone number of a LID).
    pub fn alternate(&self, user: &Jid) -> Option<Jid> {
        if user.is_lid() {
            self.pn_for_lid(user)
        } else {
            self.lid_for_pn(user)
        }
    }

    /// Records that `pn` and `lid` are one user (both without devices); persisted.
    pub fn learn_lid(&self, pn: &Jid, lid: &Jid) {
        if let Some(batch) = self.0.lids.learn(&pn.to_non_ad(), &lid.to_non_ad()) {
            tracing::debug!(%pn, %lid, "learned a LID");
            self.0.persist.write(batch);
        }
    }

    /// Waits until everything learned so far is in the store.
    pub async fn flush(&self) {
        self.0.persist.flush().await;
    }

    /// Forgets `user`'s cached device list (and its alternate address's): the next lookup asks
    /// the server.
    pub fn invalidate_devices(&self, user: &Jid) {
        let user = user.to_non_ad();
        let alt = self.alternate(&user);
        for u in std::iter::once(user).chain(alt) {
            if self.0.devices.remove(&u).is_some() {
                tracing::debug!(user = %u, "device list invalidated");
            }
            self.0.persist.write(crate::store::Batch::new().delete(
                crate::store::Namespace::DEVICE_LISTS,
                u.to_string().into_bytes(),
            ));
        }
    }

    /// Forgets the cached metadata of `group`.
    pub fn invalidate_group(&self, group: &Jid) {
        if self.0.groups.remove(&group.to_non_ad()).is_some() {
            tracing::debug!(%group, "group metadata invalidated");
        }
    }

    /// Forgets everything (the account was logged out): queued store writes land first, so
    /// the wipe that follows is not undone by them.
    pub(crate) async fn forget_all(&self) {
        self.flush().await;
        self.0.lids.clear();
        self.0.devices.clear();
        self.0.groups.clear();
    }

    /// `user`'s cached device list, if fresh.
    pub fn cached_devices(&self, user: &Jid) -> Option<UserDevices> {
        let c = self.0.devices.get(&user.to_non_ad())?;
        fresh(c.fetched_at, self.0.config.device_ttl, unix_now()).then(|| c.devices.clone())
    }

    /// `group`'s cached metadata, if fresh.
    pub fn cached_group(&self, group: &Jid) -> Option<GroupInfo> {
        let g = self.0.groups.get(&group.to_non_ad())?;
        fresh(g.0, self.0.config.group_ttl, unix_now()).then(|| g.1.clone())
    }
}

#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;
