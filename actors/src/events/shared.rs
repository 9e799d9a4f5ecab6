//! Cheap-to-clone containers for large event payloads.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use prost::Message as _;
use serde::{Serialize, Serializer};
use wa_protobuf::wa;

/// A large payload shared between subscribers: cloning copies a pointer, not the data.
pub struct SharedData<T>(pub Arc<T>);

impl<T> SharedData<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }
}

impl<T> Clone for SharedData<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for SharedData<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> AsRef<T> for SharedData<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for SharedData<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T> From<Box<T>> for SharedData<T> {
    fn from(value: Box<T>) -> Self {
        Self(Arc::from(value))
    }
}

impl<T: fmt::Debug> fmt::Debug for SharedData<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for SharedData<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// A history-sync `Conversation` kept as raw protobuf bytes and decoded once, on the first
/// [`get`](Self::get); events that nobody inspects never pay for parsing.
#[derive(Clone)]
pub struct LazyConversation {
    raw: Bytes,
    parsed: Arc<OnceLock<Option<wa::Conversation>>>,
}

impl LazyConversation {
    /// Wraps the encoded `Conversation`.
    pub fn new(raw: impl Into<Bytes>) -> Self {
        Self {
            raw: raw.into(),
            parsed: Arc::new(OnceLock::new()),
        }
    }

    /// Wraps an already decoded conversation (it is encoded once for [`raw`](Self::raw)).
    pub fn from_conversation(conversation: wa::Conversation) -> Self {
        let raw = Bytes::from(conversation.encode_to_vec());
        let parsed = OnceLock::new();
        let _ = parsed.set(Some(conversation).filter(has_id));
        Self {
            raw,
            parsed: Arc::new(parsed),
        }
    }

    /// The decoded conversation; `None` when the bytes do not decode or its id is empty. The
    /// bytes are parsed on the first call only; clones share the result.
    pub fn get(&self) -> Option<&wa::Conversation> {
        self.parsed
            .get_or_init(|| {
                wa::Conversation::decode(self.raw.as_ref())
                    .ok()
                    .filter(has_id)
            })
            .as_ref()
    }

    /// True once some clone has parsed the bytes.
    pub fn is_parsed(&self) -> bool {
        self.parsed.get().is_some()
    }

    /// The encoded conversation.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

fn has_id(c: &wa::Conversation) -> bool {
    c.id.as_deref().is_some_and(|id| !id.is_empty())
}

impl fmt::Debug for LazyConversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyConversation")
            .field("raw_len", &self.raw.len())
            .field("parsed", &self.is_parsed())
            .finish()
    }
}

impl Serialize for LazyConversation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::serde_wire::bytes(&self.raw, s)
    }
}
