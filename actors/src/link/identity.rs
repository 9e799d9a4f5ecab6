//! The device identity, one owner and many readers. `ClientSup` loads it, replaces it after
//! pairing or a push-name change, and clears it on logout; every other actor reads the
//! current snapshot here instead of keeping a copy in step by messages.

use std::sync::{Arc, RwLock};

use crate::store::DeviceData;

/// The shared identity snapshot.
#[derive(Clone, Default)]
pub(crate) struct IdentityCell(Arc<RwLock<Option<Arc<DeviceData>>>>);

impl std::fmt::Debug for IdentityCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // DeviceData holds private keys; print only whether there is one.
        f.debug_tuple("IdentityCell")
            .field(&self.get().map(|d| d.is_paired()))
            .finish()
    }
}

impl IdentityCell {
    /// The current identity.
    pub(crate) fn get(&self) -> Option<Arc<DeviceData>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the identity (only its owner, `ClientSup`, calls this).
    pub(crate) fn set(&self, device: Option<DeviceData>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = device.map(Arc::new);
    }
}
