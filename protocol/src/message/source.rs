//! Who sent a stanza and in which chat, from the `from`/`participant`/`recipient` attributes
//! and our own JIDs (whatsmeow `parseMessageSource`). Shared by `<message>`, `<receipt>` and
//! `<chatstate>`.

use crate::binary::{AttrKeys, Jid, Server};
use crate::stanza::attrs::{jid_of, need, opt_jid, AttrRef, StanzaError, StanzaNode};

/// This account's own addresses, needed to tell our own devices' stanzas apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnJids {
    /// Our phone-number JID (any device; only the user part is compared).
    pub pn: Jid,
    /// Our LID, once known (from `<success lid=..>` or pairing).
    pub lid: Option<Jid>,
}

impl OwnJids {
    /// True when `jid` names this account (phone number or LID, any device).
    pub fn is_me(&self, jid: &Jid) -> bool {
        let jid = normalize_hosted(jid.clone());
        jid.same_user(&self.pn) || self.lid.as_ref().is_some_and(|l| jid.same_user(l))
    }
}

/// How a group or chat addresses its members (`addressing_mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressingMode {
    /// Phone-number JIDs (`pn`).
    Pn,
    /// LIDs (`lid`).
    Lid,
    /// A value we do not know, kept verbatim.
    Other(String),
}

impl AddressingMode {
    fn from_wire(s: &str) -> Self {
        match s {
            "pn" => Self::Pn,
            "lid" => Self::Lid,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Sender and chat of an incoming stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The chat: the group, broadcast list, newsletter, or the other party of a DM (non-AD).
    pub chat: Jid,
    /// The sending device (`participant` in groups, `from` otherwise).
    pub sender: Jid,
    /// The sender's other identity (LID for a PN sender and vice versa), with the sender's
    /// device when the attribute had none.
    pub sender_alt: Option<Jid>,
    /// For our own DMs: the other identity of the chat partner (`peer_recipient_pn`/`_lid`).
    pub recipient_alt: Option<Jid>,
    /// Sent by this account (from any of its devices).
    pub is_from_me: bool,
    /// A group or broadcast chat (the sender is in `participant`).
    pub is_group: bool,
    /// The `addressing_mode` attribute.
    pub addressing_mode: Option<AddressingMode>,
    /// For broadcast lists: the list owner (`recipient`).
    pub broadcast_list_owner: Option<Jid>,
}

/// `hosted`/`hosted.lid` devices belong to the same user as their plain counterparts; whatsmeow
/// folds them so sessions and chats are keyed one way.
fn normalize_hosted(mut jid: Jid) -> Jid {
    jid.server = match jid.server {
        Server::Hosted => Server::DefaultUser,
        Server::HostedLid => Server::Lid,
        other => other,
    };
    jid
}

/// The attributes a [`Source`] is read from, taken from a stanza's one pass over its
/// attributes ([`StanzaNode::attrs_by_key`]) so that each is found once.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SourceAttrs<'n> {
    pub(crate) participant: Option<AttrRef<'n>>,
    pub(crate) recipient: Option<AttrRef<'n>>,
    pub(crate) addressing_mode: Option<AttrRef<'n>>,
    pub(crate) participant_pn: Option<AttrRef<'n>>,
    pub(crate) participant_lid: Option<AttrRef<'n>>,
    pub(crate) peer_recipient_pn: Option<AttrRef<'n>>,
    pub(crate) peer_recipient_lid: Option<AttrRef<'n>>,
    pub(crate) sender_pn: Option<AttrRef<'n>>,
    pub(crate) sender_lid: Option<AttrRef<'n>>,
}

/// The names [`SourceAttrs::from_slots`] expects, in order, after a parser's own names.
macro_rules! source_keys {
    ($($own:literal),* $(,)?) => {
        $crate::binary::AttrKeys::new([
            $($own,)*
            "participant",
            "recipient",
            "addressing_mode",
            "participant_pn",
            "participant_lid",
            "peer_recipient_pn",
            "peer_recipient_lid",
            "sender_pn",
            "sender_lid",
        ])
    };
}
pub(crate) use source_keys;

impl<'n> SourceAttrs<'n> {
    /// The source slots: the last nine of an array read with [`source_keys!`] names.
    pub(crate) fn from_slots(slots: &[Option<AttrRef<'n>>]) -> Self {
        let s = &slots[slots.len() - 9..];
        Self {
            participant: s[0],
            recipient: s[1],
            addressing_mode: s[2],
            participant_pn: s[3],
            participant_lid: s[4],
            peer_recipient_pn: s[5],
            peer_recipient_lid: s[6],
            sender_pn: s[7],
            sender_lid: s[8],
        }
    }
}

/// Reads the source attributes of `node` (tag `tag`, for error messages). A group stanza
/// without `participant` is an error.
pub fn parse_source<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    own: &OwnJids,
) -> Result<Source, StanzaError> {
    const KEYS: AttrKeys<10> = source_keys!("from");
    let slots = node.attrs_by_key(&KEYS);
    let from = need(jid_of(slots[0], tag, "from")?, tag, "from")?;
    parse_source_from(node, tag, own, from, None, &SourceAttrs::from_slots(&slots))
}

/// As [`parse_source`], with `from` and the other attributes already read (parsing a JID
/// twice was a tenth of a `<message>` parse). A group stanza without `participant` takes
/// `participant` instead: grouped receipts list their senders in `<participants><user jid>`
/// children.
pub(crate) fn parse_source_from<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    own: &OwnJids,
    from: Jid,
    participant: Option<Jid>,
    a: &SourceAttrs<'n>,
) -> Result<Source, StanzaError> {
    let addressing_mode = a
        .addressing_mode
        .map(|s| AddressingMode::from_wire(&s.text()));
    let mut src = Source {
        chat: from.clone(),
        sender: from.clone(),
        sender_alt: None,
        recipient_alt: None,
        is_from_me: false,
        is_group: false,
        addressing_mode,
        broadcast_list_owner: None,
    };
    if from.is_group() || from.is_broadcast() {
        src.is_group = true;
        src.sender = match (jid_of(a.participant, tag, "participant")?, participant) {
            (Some(p), _) | (None, Some(p)) => p,
            (None, None) => {
                return Err(StanzaError::MissingAttr {
                    tag,
                    attr: "participant",
                })
            }
        };
        src.sender_alt = if src.addressing_mode == Some(AddressingMode::Lid) {
            jid_of(a.participant_pn, tag, "participant_pn")?
        } else {
            jid_of(a.participant_lid, tag, "participant_lid")?
        };
        src.is_from_me = own.is_me(&src.sender);
        if from.is_broadcast() {
            src.broadcast_list_owner = jid_of(a.recipient, tag, "recipient")?;
        }
    } else if from.is_newsletter() {
        // chat and sender are both the newsletter, as initialised.
    } else if own.is_me(&from) {
        let from = normalize_hosted(from);
        src.is_from_me = true;
        src.chat = match jid_of(a.recipient, tag, "recipient")? {
            Some(r) => r,
            None => from.to_non_ad(),
        };
        src.recipient_alt = if src.chat.is_lid() {
            jid_of(a.peer_recipient_pn, tag, "peer_recipient_pn")?
        } else {
            jid_of(a.peer_recipient_lid, tag, "peer_recipient_lid")?
        };
        src.sender = from;
    } else if from.is_bot() {
        // Bot replies name the chat they belong to in `<meta target_chat_jid>`.
        src.chat = match node.child("meta") {
            Some(meta) => opt_jid(meta, "meta", "target_chat_jid")?
                .map(|j| j.to_non_ad())
                .unwrap_or_else(|| from.clone()),
            None => from.clone(),
        };
    } else {
        let from = normalize_hosted(from);
        src.chat = from.to_non_ad();
        src.sender_alt = if from.is_lid() {
            jid_of(a.sender_pn, tag, "sender_pn")?
        } else {
            jid_of(a.sender_lid, tag, "sender_lid")?
        };
        src.sender = from;
    }
    if let Some(alt) = src.sender_alt.as_mut() {
        if alt.device == 0 {
            alt.device = src.sender.device;
        }
    }
    Ok(src)
}

impl Source {
    /// The (phone number, LID) pair this stanza reveals, users without devices: the sender
    /// and its alternate, or for our own DMs the chat and its alternate. `None` when the
    /// stanza names no such pair (no alternate, or two addresses of one kind).
    pub fn lid_pair(&self) -> Option<(Jid, Jid)> {
        let pair = |a: &Jid, b: &Jid| {
            if a.is_pn() && b.is_lid() {
                Some((a.to_non_ad(), b.to_non_ad()))
            } else if a.is_lid() && b.is_pn() {
                Some((b.to_non_ad(), a.to_non_ad()))
            } else {
                None
            }
        };
        let sender = self
            .sender_alt
            .as_ref()
            .and_then(|alt| pair(&self.sender, alt));
        let chat = || {
            self.recipient_alt
                .as_ref()
                .and_then(|alt| pair(&self.chat, alt))
        };
        sender.or_else(chat)
    }

    /// The identity whose Signal session or sender key decrypts this sender's messages: the
    /// LID when the sender is a phone number and its LID is known, as WhatsApp now keys
    /// sessions by LID (signal.md §9). The caller may substitute a stored PN→LID mapping.
    pub fn encryption_identity(&self) -> &Jid {
        match &self.sender_alt {
            Some(alt) if self.sender.is_pn() && alt.is_lid() && !self.sender.is_bot() => alt,
            _ => &self.sender,
        }
    }
}
