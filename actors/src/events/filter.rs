//! [`EventFilter`]: which events a subscriber wants, checked in the broadcaster before any
//! clone or send.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Event, EventKind, EventKindSet};
use crate::wire::Jid;

/// Selects events by kind and, optionally, by chat.
///
/// With a chat set, only events whose [`Event::chat`] is in the set pass; account-wide events
/// (those without a chat, such as `Connected`) are then excluded too. Chats are compared as
/// users: a device JID (`user:3@s.whatsapp.net`) in the set or in an event matches its user.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    kinds: EventKindSet,
    chats: Option<Arc<HashSet<Jid>>>,
}

impl EventFilter {
    /// Everything.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only the given kinds, any chat.
    pub fn kinds(kinds: impl IntoIterator<Item = EventKind>) -> Self {
        Self {
            kinds: kinds.into_iter().collect(),
            chats: None,
        }
    }

    /// Only events about the given chats (any kind unless narrowed with [`Self::kinds`]).
    pub fn chats(chats: impl IntoIterator<Item = Jid>) -> Self {
        Self::all().with_chats(chats)
    }

    /// Narrows this filter to the given chats.
    #[must_use]
    pub fn with_chats(mut self, chats: impl IntoIterator<Item = Jid>) -> Self {
        self.chats = Some(Arc::new(
            chats.into_iter().map(|c| non_ad(&c).unwrap_or(c)).collect(),
        ));
        self
    }

    /// Narrows this filter to the given kinds.
    #[must_use]
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = EventKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// The accepted kinds.
    pub fn kind_set(&self) -> EventKindSet {
        self.kinds
    }

    /// True when `event` passes.
    pub fn matches(&self, event: &Event) -> bool {
        self.kinds.contains(event.kind()) && self.matches_chat(event)
    }

    /// True when no chat set narrows this filter, so its kinds alone decide.
    pub(crate) fn is_kind_only(&self) -> bool {
        self.chats.is_none()
    }

    /// The chat half of [`Self::matches`]: the broadcaster has already selected subscribers
    /// by kind once per event.
    pub(crate) fn matches_chat(&self, event: &Event) -> bool {
        match &self.chats {
            None => true,
            Some(chats) => event.chat().is_some_and(|c| match non_ad(c) {
                None => chats.contains(c),
                Some(user) => chats.contains(&user),
            }),
        }
    }
}

/// The user JID of a device JID; `None` when `jid` already is one (the common, free case).
fn non_ad(jid: &Jid) -> Option<Jid> {
    (jid.device != 0 || jid.agent != 0).then(|| jid.to_non_ad())
}
