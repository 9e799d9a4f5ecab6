//! `<presence>` and `<chatstate>`: parsing a contact's online state and typing indicators, and
//! building our own presence, presence subscriptions and typing state (events.md Presence /
//! ChatPresence; whatsmeow `presence.go` `handlePresence`, `handleChatState`, `SendPresence`,
//! `SubscribePresence`, `SendChatPresence`).

use crate::binary::{Jid, Node};
use crate::message::source::{parse_source, OwnJids, Source};

use super::attrs::{expect_tag, opt_str, req_jid, StanzaError};

/// A contact's availability from `<presence from [type] [last]>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPresence {
    /// Whose presence.
    pub from: Jid,
    /// `type="unavailable"`: offline.
    pub unavailable: bool,
    /// `last`: last seen, unix seconds; `None` when absent, `deny` (hidden) or not a number.
    pub last_seen: Option<i64>,
}

impl IncomingPresence {
    /// Parses `<presence>`. Unknown `type`s count as available, as whatsmeow does.
    pub fn parse(node: &Node) -> Result<Self, StanzaError> {
        expect_tag(node, "presence")?;
        let from = req_jid(node, "presence", "from")?;
        let unavailable = node.attr_str("type").as_deref() == Some("unavailable");
        // `last` is a number or "deny" (the contact hides it); anything else is dropped too.
        let last_seen = node
            .attr_str("last")
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|&t| t > 0);
        Ok(Self {
            from,
            unavailable,
            last_seen,
        })
    }
}

/// Typing state in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatState {
    /// `<composing/>`: typing or recording.
    Composing,
    /// `<paused/>`: stopped.
    Paused,
}

impl ChatState {
    /// The child tag.
    pub fn as_tag(self) -> &'static str {
        match self {
            Self::Composing => "composing",
            Self::Paused => "paused",
        }
    }
}

/// A typing indicator from `<chatstate from [participant]><composing [media]/></chatstate>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingChatState {
    /// Who, and in which chat.
    pub source: Source,
    /// Composing or paused.
    pub state: ChatState,
    /// `media="audio"`: recording a voice note rather than typing.
    pub audio: bool,
}

impl IncomingChatState {
    /// Parses `<chatstate>`: exactly one `<composing>` or `<paused>` child.
    pub fn parse(node: &Node, own: &OwnJids) -> Result<Self, StanzaError> {
        expect_tag(node, "chatstate")?;
        let source = parse_source(node, "chatstate", own)?;
        let [child] = node.children() else {
            return Err(StanzaError::BadContent {
                tag: "chatstate",
                reason: "expected exactly one child",
            });
        };
        let state = match child.tag.as_ref() {
            "composing" => ChatState::Composing,
            "paused" => ChatState::Paused,
            _ => {
                return Err(StanzaError::BadContent {
                    tag: "chatstate",
                    reason: "child is neither composing nor paused",
                })
            }
        };
        Ok(Self {
            source,
            state,
            audio: opt_str(child, "media").as_deref() == Some("audio"),
        })
    }
}

/// Our own availability: `<presence type="available|unavailable" name=push_name/>`. Marking
/// ourselves available also makes delivery receipts non-`inactive` (whatsmeow `SendPresence`).
pub fn own_presence(available: bool, push_name: Option<&str>) -> Node {
    Node::build("presence")
        .attr(
            "type",
            if available {
                "available"
            } else {
                "unavailable"
            },
        )
        .attr_opt("name", push_name.map(str::to_owned))
        .finish()
}

/// Asks for `jid`'s presence updates: `<presence type="subscribe" to=jid>` with the privacy
/// token (`<tctoken>`) when we hold one for that contact.
pub fn subscribe_presence(jid: &Jid, tc_token: Option<&[u8]>) -> Node {
    let b = Node::build("presence")
        .attr("type", "subscribe")
        .attr("to", jid.clone());
    match tc_token {
        Some(t) => b.child(Node::build("tctoken").bytes(t.to_vec())).finish(),
        None => b.finish(),
    }
}

/// The JID a client's `<presence type="subscribe" to=…>` asks about (the server's reading of
/// [`subscribe_presence`]); `None` for any other stanza.
pub fn parse_subscribe(node: &Node) -> Option<Jid> {
    if node.tag != "presence" || !node.attr("type").is_some_and(|t| t.eq_str("subscribe")) {
        return None;
    }
    node.attr_jid("to")
}

/// Our typing state in `chat`: `<chatstate to=chat><composing [media="audio"]/></chatstate>`
/// (`media` only goes with `composing`).
pub fn chat_state(chat: &Jid, state: ChatState, audio: bool) -> Node {
    let child = Node::build(state.as_tag())
        .attr_opt(
            "media",
            (audio && state == ChatState::Composing).then_some("audio"),
        )
        .finish();
    Node::build("chatstate")
        .attr("to", chat.clone())
        .child(child)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn own() -> OwnJids {
        OwnJids {
            pn: Jid::pn("15550001111"),
            lid: None,
        }
    }

    #[test]
    fn presence_online_offline_and_last_seen() {
        let p =
            IncomingPresence::parse(&Node::build("presence").attr("from", Jid::pn("2")).finish())
                .unwrap();
        assert_eq!(
            p,
            IncomingPresence {
                from: Jid::pn("2"),
                unavailable: false,
                last_seen: None
            }
        );
        let p = IncomingPresence::parse(
            &Node::build("presence")
                .attr("from", Jid::pn("2"))
                .attr("type", "unavailable")
                .attr("last", "1700000000")
                .finish(),
        )
        .unwrap();
        assert!(p.unavailable);
        assert_eq!(p.last_seen, Some(1_700_000_000));
        let hidden = Node::build("presence")
            .attr("from", Jid::pn("2"))
            .attr("type", "unavailable")
            .attr("last", "deny")
            .finish();
        assert_eq!(IncomingPresence::parse(&hidden).unwrap().last_seen, None);
        assert!(matches!(
            IncomingPresence::parse(&Node::new("presence")),
            Err(StanzaError::MissingAttr { attr: "from", .. })
        ));
    }

    #[test]
    fn the_server_reads_a_subscribe() {
        let sub = subscribe_presence(&Jid::pn("7"), Some(b"tok"));
        assert_eq!(parse_subscribe(&sub), Some(Jid::pn("7")));
        assert_eq!(parse_subscribe(&own_presence(true, None)), None);
        assert_eq!(
            parse_subscribe(&Node::build("presence").attr("type", "subscribe").finish()),
            None
        );
    }

    #[test]
    fn chatstate_in_dm_and_group() {
        let dm = Node::build("chatstate")
            .attr("from", Jid::pn("2"))
            .child(Node::build("composing").attr("media", "audio"))
            .finish();
        let c = IncomingChatState::parse(&dm, &own()).unwrap();
        assert_eq!(c.state, ChatState::Composing);
        assert!(c.audio);
        assert_eq!(c.source.chat, Jid::pn("2"));
        let grp = Node::build("chatstate")
            .attr("from", Jid::group("1"))
            .attr("participant", Jid::lid("9"))
            .child(Node::new("paused"))
            .finish();
        let c = IncomingChatState::parse(&grp, &own()).unwrap();
        assert_eq!(c.state, ChatState::Paused);
        assert!(!c.audio);
        assert_eq!(c.source.sender, Jid::lid("9"));
        assert!(c.source.is_group);
        let two = Node::build("chatstate")
            .attr("from", Jid::pn("2"))
            .children([Node::new("paused"), Node::new("paused")])
            .finish();
        assert!(IncomingChatState::parse(&two, &own()).is_err());
        let odd = Node::build("chatstate")
            .attr("from", Jid::pn("2"))
            .child(Node::new("dancing"))
            .finish();
        assert!(IncomingChatState::parse(&odd, &own()).is_err());
    }

    #[test]
    fn outgoing_presence_shapes() {
        let p = own_presence(true, Some("Me"));
        assert_eq!(p.attr_str("type").as_deref(), Some("available"));
        assert_eq!(p.attr_str("name").as_deref(), Some("Me"));
        assert_eq!(
            own_presence(false, None).attr_str("type").as_deref(),
            Some("unavailable")
        );
        let s = subscribe_presence(&Jid::pn("2"), Some(b"tok"));
        assert_eq!(s.attr_str("type").as_deref(), Some("subscribe"));
        assert_eq!(s.attr_jid("to"), Some(Jid::pn("2")));
        assert_eq!(s.child("tctoken").and_then(Node::bytes), Some(&b"tok"[..]));
        assert!(subscribe_presence(&Jid::pn("2"), None)
            .children()
            .is_empty());
        let c = chat_state(&Jid::pn("2"), ChatState::Composing, true);
        assert_eq!(c.attr_jid("to"), Some(Jid::pn("2")));
        assert_eq!(
            c.child("composing")
                .and_then(|n| n.attr_str("media"))
                .as_deref(),
            Some("audio")
        );
        let c = chat_state(&Jid::pn("2"), ChatState::Paused, true);
        assert!(c.child("paused").unwrap().attr("media").is_none());
        // What we send parses back as what the peer sees.
        let mut seen = chat_state(&Jid::pn("2"), ChatState::Composing, false);
        seen.attrs.remove("to");
        seen.set_attr("from", Jid::pn("3"));
        let parsed = IncomingChatState::parse(&seen, &own()).unwrap();
        assert_eq!((parsed.state, parsed.audio), (ChatState::Composing, false));
    }

    proptest! {
        #[test]
        fn random_presence_attrs_never_panic(
            from in "[0-9a-z@.:_-]{0,24}",
            ty in "[a-z]{0,12}",
            last in "[0-9a-z-]{0,22}",
            child in "[a-z]{0,10}",
        ) {
            let p = Node::build("presence").attr("from", from.clone()).attr("type", ty).attr("last", last).finish();
            let _ = IncomingPresence::parse(&p);
            let c = Node::build("chatstate").attr("from", from).child(Node::build(child).attr("media", "audio")).finish();
            let _ = IncomingChatState::parse(&c, &own());
        }
    }
}
