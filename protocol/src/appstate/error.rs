//! Why app-state input was refused. Every integrity check has its own variant so recovery can
//! tell a missing key (wait for a share) from a forged or corrupted patch (refetch).

/// A patch, snapshot, record or sync reply that failed a check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppStateError {
    /// The protobuf bytes did not decode.
    #[error("{what} is not a valid protobuf")]
    Protobuf {
        /// Which message failed.
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: prost::DecodeError,
    },
    /// A required field is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// No key with this id is held; the caller should request it from its own devices.
    #[error("app-state key {} is not held", hex_id(.0))]
    MissingKey(Vec<u8>),
    /// The value blob is too short for IV, one block and the MAC, or too long.
    #[error("value blob of {len} bytes has a bad length")]
    BadValueLength {
        /// Blob length.
        len: usize,
    },
    /// The index MAC in a record is not 32 bytes.
    #[error("index MAC of {len} bytes (want 32)")]
    BadIndexMacLength {
        /// Length received.
        len: usize,
    },
    /// The value MAC at the end of a value blob does not match its content.
    #[error("value MAC mismatch")]
    ValueMacMismatch,
    /// The decrypted value has no valid PKCS#7 padding or is not block aligned.
    #[error("value does not decrypt (bad padding or length)")]
    ValueDecrypt,
    /// The index MAC does not match the decrypted index.
    #[error("index MAC mismatch")]
    IndexMacMismatch,
    /// The decrypted index is not a JSON array of strings.
    #[error("index is not a JSON array of strings")]
    BadIndexJson,
    /// The patch MAC over the value MACs does not match.
    #[error("patch MAC mismatch for version {version}")]
    PatchMacMismatch {
        /// The patch's version.
        version: u64,
    },
    /// The snapshot MAC (of a snapshot, or the one a patch carries) does not match the LTHash.
    #[error("snapshot MAC mismatch at version {version}")]
    SnapshotMacMismatch {
        /// The version whose MAC failed.
        version: u64,
    },
    /// A REMOVE names an index the collection does not hold.
    #[error("REMOVE of an index that is not present")]
    RemoveOfMissingIndex,
    /// A patch does not move the collection forward.
    #[error("patch version {got} does not follow state version {current}")]
    StaleVersion {
        /// The collection's version.
        current: u64,
        /// The patch's version.
        got: u64,
    },
    /// More mutations or records than [`MAX_MUTATIONS`](super::MAX_MUTATIONS).
    #[error("more than {limit} mutations")]
    TooManyMutations {
        /// The limit.
        limit: usize,
    },
    /// The mutation's operation is neither SET nor REMOVE.
    #[error("unknown operation {0}")]
    UnknownOperation(i32),
    /// The patch references external mutations that were not supplied.
    #[error("patch needs its external mutations blob")]
    ExternalMutationsMissing,
    /// A sync reply or request node has the wrong shape.
    #[error("malformed sync node: {0}")]
    MalformedNode(&'static str),
    /// The collection name is not one of the five.
    #[error("unknown collection `{0}`")]
    UnknownCollection(String),
}

fn hex_id(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}
