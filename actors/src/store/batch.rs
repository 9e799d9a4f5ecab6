//! Atomic groups of writes.

use super::{DeviceData, Namespace};

/// One write inside a [`Batch`]. `Debug` shows tables and sizes, never keys or values (values
/// are often serialized private keys).
// Not `#[non_exhaustive]`: a `Store` implemented outside this crate must apply every kind of
// write, so a new one should break its build rather than fall into a wildcard arm.
#[derive(Clone)]
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
    /// Insert a value whose key must be absent: if it is stored already, the whole batch
    /// fails with [`StoreError::KeyExists`](super::StoreError::KeyExists) and nothing is
    /// written. Used where overwriting would destroy a secret someone else relies on (a
    /// one-time prekey already handed out).
    InsertNew {
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

impl std::fmt::Debug for WriteOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sized = |f: &mut std::fmt::Formatter<'_>, op, ns: &Namespace, key: &[u8], value| {
            let mut s = f.debug_struct(op);
            s.field("ns", &ns.as_str()).field("key_len", &key.len());
            if let Some(len) = value {
                s.field("value_len", &len);
            }
            s.finish()
        };
        match self {
            Self::Put { ns, key, value } => sized(f, "Put", ns, key, Some(value.len())),
            Self::InsertNew { ns, key, value } => sized(f, "InsertNew", ns, key, Some(value.len())),
            Self::Delete { ns, key } => sized(f, "Delete", ns, key, None),
            Self::Clear { ns } => f.debug_struct("Clear").field("ns", &ns.as_str()).finish(),
            // DeviceData's own Debug prints public halves only.
            Self::SaveDevice(device) => f.debug_tuple("SaveDevice").field(device).finish(),
        }
    }
}

/// Writes applied all together or not at all (e.g. a new ratchet state and the removal of a
/// used prekey). `Debug` prints no keys or values.
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

    /// Adds an insert that fails the batch when the key is already stored.
    pub fn insert_new(
        mut self,
        ns: Namespace,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        self.ops.push(WriteOp::InsertNew {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_keys_or_values() {
        let secret = [0xA7u8; 32];
        let batch = Batch::new()
            .put(Namespace::PRE_KEYS, b"peer-key".to_vec(), secret.to_vec())
            .insert_new(Namespace::PRE_KEYS, vec![0, 0, 0, 9], secret.to_vec())
            .delete(Namespace::SESSIONS, b"peer-key".to_vec())
            .clear(Namespace::CONTACTS);
        let shown = format!("{batch:?}");
        assert!(shown.contains("signal_prekeys") && shown.contains("value_len: 32"));
        assert!(!shown.contains("peer-key"), "{shown}");
        assert!(!shown.contains("167, 167"), "value bytes leaked: {shown}");
        assert!(!shown.to_lowercase().contains("a7a7"), "{shown}");
    }
}
