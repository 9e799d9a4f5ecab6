//! [`EventKind`]: the variants of [`Event`](super::Event) without payloads, and sets of them.

use serde::Serialize;

macro_rules! kinds {
    ($($name:ident),* $(,)?) => {
        /// Which variant an [`Event`](super::Event) is, without its payload.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[repr(u8)]
        pub enum EventKind {
            $(
                #[doc = concat!("[`Event::", stringify!($name), "`](super::Event::", stringify!($name), ").")]
                $name,
            )*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$name),*];

            /// The variant name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(EventKind::$name => stringify!($name),)*
                }
            }
        }
    };
}

kinds!(
    Connected,
    Disconnected,
    StreamReplaced,
    StreamError,
    ConnectFailure,
    TemporaryBan,
    PairingQrCode,
    PairingCode,
    PairSuccess,
    PairError,
    QrScannedWithoutMultidevice,
    ClientOutdated,
    LoggedOut,
    Message,
    Receipt,
    UndecryptableMessage,
    UnknownMessage,
    Notification,
    ChatPresence,
    Presence,
    PictureUpdate,
    UserAboutUpdate,
    PushNameUpdate,
    SelfPushNameUpdated,
    JoinedGroup,
    GroupInfoUpdate,
    ContactUpdate,
    PinUpdate,
    MuteUpdate,
    ArchiveUpdate,
    MarkChatAsReadUpdate,
    HistorySync,
    OfflineSyncPreview,
    OfflineSyncCompleted,
    DeviceListUpdate,
    BusinessStatusUpdate,
    // New kinds go last: the discriminants index `EventKindSet`'s bits.
    IdentityChange,
    AppStateUpdate,
    HistorySyncFailed,
);

// The set is a u64 bitmask.
const _: () = assert!(EventKind::ALL.len() <= 64);

impl EventKind {
    fn bit(self) -> u64 {
        1u64 << (self as u8)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`EventKind`]s as a bitmask: membership is one AND.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKindSet(u64);

impl EventKindSet {
    /// No kinds.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Every kind.
    pub fn all() -> Self {
        EventKind::ALL.iter().copied().collect()
    }

    /// Adds `kind`.
    #[must_use]
    pub fn with(self, kind: EventKind) -> Self {
        Self(self.0 | kind.bit())
    }

    /// Removes `kind`.
    #[must_use]
    pub fn without(self, kind: EventKind) -> Self {
        Self(self.0 & !kind.bit())
    }

    /// True when `kind` is in the set.
    pub fn contains(&self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// True when no kind is in the set.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = EventKind> + '_ {
        EventKind::ALL.iter().copied().filter(|k| self.contains(*k))
    }
}

impl Default for EventKindSet {
    fn default() -> Self {
        Self::all()
    }
}

impl FromIterator<EventKind> for EventKindSet {
    fn from_iter<I: IntoIterator<Item = EventKind>>(iter: I) -> Self {
        iter.into_iter().fold(Self::empty(), Self::with)
    }
}

impl From<EventKind> for EventKindSet {
    fn from(kind: EventKind) -> Self {
        Self::empty().with(kind)
    }
}

impl std::fmt::Debug for EventKindSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
