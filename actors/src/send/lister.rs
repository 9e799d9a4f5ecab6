//! Who a message goes to: the devices of a set of users.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use futures::future::BoxFuture;
use wa_protocol::binary::Jid;

/// Why a device list could not be had (the lister's own error, kept as its source).
pub type DeviceListerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Lists the devices (JIDs with device ids) of users. The send path asks it for the
/// recipient and for our own account on every send; a lister caches as it sees fit.
pub trait DeviceLister: Send + Sync + 'static {
    /// Every device of each of `users` (non-AD JIDs), ours included; users it knows nothing
    /// of are left out.
    fn devices<'a>(
        &'a self,
        users: &'a [Jid],
    ) -> BoxFuture<'a, Result<Vec<Jid>, DeviceListerError>>;
}

/// The client's directory lists devices from usync, through its cache.
impl DeviceLister for crate::directory::Directory {
    fn devices<'a>(
        &'a self,
        users: &'a [Jid],
    ) -> BoxFuture<'a, Result<Vec<Jid>, DeviceListerError>> {
        Box::pin(async move {
            let lists = self.user_devices(users).await?;
            Ok(lists
                .iter()
                .flat_map(|u| {
                    u.devices
                        .iter()
                        // Hosted (Cloud API) devices are not sent to (messages.md §5.4).
                        .filter(|d| !d.hosted)
                        .map(|d| u.user.to_non_ad().with_device(d.id))
                })
                .collect())
        })
    }
}

/// A lister with fixed answers, set by the application (or a test): for accounts whose
/// devices are known out of band.
#[derive(Debug, Clone, Default)]
pub struct StaticDevices(Arc<RwLock<HashMap<Jid, Vec<Jid>>>>);

impl StaticDevices {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the devices of `user`.
    pub fn set(&self, user: &Jid, devices: Vec<Jid>) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user.to_non_ad(), devices);
    }
}

impl DeviceLister for StaticDevices {
    fn devices<'a>(
        &'a self,
        users: &'a [Jid],
    ) -> BoxFuture<'a, Result<Vec<Jid>, DeviceListerError>> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        let out = users
            .iter()
            .filter_map(|u| map.get(&u.to_non_ad()))
            .flatten()
            .cloned()
            .collect();
        Box::pin(async move { Ok(out) })
    }
}
