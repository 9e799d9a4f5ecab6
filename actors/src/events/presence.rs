//! Typing indicators and online presence.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::serde_wire;
use super::MessageSource;
use crate::wire::Jid;

/// Typing state in a chat (`<composing/>` or `<paused/>` inside `<chatstate>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ChatPresence {
    /// Typing or recording.
    Composing,
    /// Stopped.
    Paused,
}

impl ChatPresence {
    /// Parses the child tag of `<chatstate>`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "composing" => Some(Self::Composing),
            "paused" => Some(Self::Paused),
            _ => None,
        }
    }
}

/// What is being composed (`media` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum ChatPresenceMedia {
    /// Text (no `media` attribute).
    #[default]
    Text,
    /// A voice note (`media="audio"`).
    Audio,
}

impl ChatPresenceMedia {
    /// Parses the `media` attribute; anything but `audio` is text.
    pub fn from_wire(value: &str) -> Self {
        match value {
            "audio" => Self::Audio,
            _ => Self::Text,
        }
    }
}

/// Someone is typing or recording in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatPresenceUpdate {
    /// Who, and in which chat.
    pub source: MessageSource,
    /// Composing or paused.
    pub state: ChatPresence,
    /// Text or audio.
    pub media: ChatPresenceMedia,
}

/// A contact went online or offline (after subscribing to their presence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceUpdate {
    /// Whose presence.
    #[serde(serialize_with = "serde_wire::jid")]
    pub from: Jid,
    /// True when offline.
    pub unavailable: bool,
    /// Last seen, when shared.
    pub last_seen: Option<DateTime<Utc>>,
}
