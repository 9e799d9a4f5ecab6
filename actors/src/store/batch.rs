//! Atomic groups of writes.

use super::{DeviceData, Namespace};

/// One write inside a [`Batch`].
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Insert or replace a value.
    Put {
        /// Table.
        ns: Namespace,
        /// Key.
        key: Vec<u8>,
        /// Value.
        value: Vec<u8>,
    },
    /// Delete a key (no error if absent).
    Delete {
        /// Table.
        ns: Namespace,
        /// Key.
        key: Vec<u8>,
    },
    /// Delete every key of a table.
    Clear {
        /// Table.
        ns: Namespace,
    },
    /// Save the device identity.
    SaveDevice(Box<DeviceData>),
}

/// Writes applied all together or not at all (e.g. a new ratchet state and the removal of a
/// used prekey).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The writes, applied in order.
    pub ops: Vec<WriteOp>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an insert-or-replace.
    pub fn put(
        mut self,
        ns: Namespace,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        self.ops.push(WriteOp::Put {
            ns,
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a delete.
    pub fn delete(mut self, ns: Namespace, key: impl Into<Vec<u8>>) -> Self {
        self.ops.push(WriteOp::Delete {
            ns,
            key: key.into(),
        });
        self
    }

    /// Adds a whole-table delete.
    pub fn clear(mut self, ns: Namespace) -> Self {
        self.ops.push(WriteOp::Clear { ns });
        self
    }

    /// Adds a device save.
    pub fn save_device(mut self, device: DeviceData) -> Self {
        self.ops.push(WriteOp::SaveDevice(Box::new(device)));
        self
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}
