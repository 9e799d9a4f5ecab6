//! The incoming `<message>` stanza as a typed value (messages.md §1; whatsmeow
//! `parseMessageInfo`), with its `<enc>` payloads (signal.md §8).

use std::borrow::Cow;

use crate::binary::{AttrKeys, Jid};
use crate::stanza::attrs::{
    expect_tag, int_of, jid_of, need, opt_str, str_of, StanzaError, StanzaNode,
};

use super::source::{parse_source_from, source_keys, OwnJids, Source, SourceAttrs};

/// The kind of an `<enc>` payload (`type` attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncType {
    /// `pkmsg`: PreKeyWhisperMessage, sets up a 1:1 session.
    PreKey,
    /// `msg`: WhisperMessage on an existing 1:1 session.
    Whisper,
    /// `skmsg`: SenderKeyMessage of a group or status broadcast.
    SenderKey,
    /// `msmsg`: bot MessageSecretMessage (decrypted with a stored message secret).
    MessageSecret,
    /// Any other type, kept verbatim.
    Other(String),
}

impl EncType {
    /// Parses the `type` attribute.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "pkmsg" => Self::PreKey,
            "msg" => Self::Whisper,
            "skmsg" => Self::SenderKey,
            "msmsg" => Self::MessageSecret,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The `type` attribute value.
    pub fn as_wire(&self) -> &str {
        match self {
            Self::PreKey => "pkmsg",
            Self::Whisper => "msg",
            Self::SenderKey => "skmsg",
            Self::MessageSecret => "msmsg",
            Self::Other(s) => s,
        }
    }

    /// True for the 1:1 kinds (`pkmsg`, `msg`).
    pub fn is_direct(&self) -> bool {
        matches!(self, Self::PreKey | Self::Whisper)
    }
}

/// One `<enc>` child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncNode {
    /// Payload kind.
    pub enc_type: EncType,
    /// `v`: 2 for a padded `Message` protobuf, 3 for an unpadded Armadillo payload.
    pub version: u32,
    /// `mediatype`, when the message carries media.
    pub media_type: Option<String>,
    /// `decrypt-fail`: `hide` asks not to show a placeholder on failure.
    pub decrypt_fail: Option<String>,
    /// `count`: how many times the sender has re-sent this after retry receipts.
    pub retry_count: Option<u32>,
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
}

impl EncNode {
    /// Reads an `<enc>` node (owned or viewed). Content that arrived as a string is taken as
    /// its bytes.
    pub fn parse<'n, N: StanzaNode<'n>>(node: N) -> Result<Self, StanzaError> {
        expect_tag(node, "enc")?;
        const KEYS: AttrKeys<5> =
            AttrKeys::new(["type", "v", "mediatype", "decrypt-fail", "count"]);
        let [ty, v, media_type, decrypt_fail, count] = node.attrs_by_key(&KEYS);
        let enc_type = EncType::from_wire(&need(ty, "enc", "type")?.text());
        // whatsmeow reads `v` as an int and only decodes 2 and 3; we default a missing `v` to
        // 2 since every peer sends it and older stanzas omitted it.
        let version = int_of(v, "enc", "v")?.unwrap_or(2);
        let ciphertext = node
            .content_bytes()
            .ok_or(StanzaError::BadContent {
                tag: "enc",
                reason: "no ciphertext",
            })?
            .into_owned();
        Ok(Self {
            enc_type,
            version,
            media_type: str_of(media_type),
            decrypt_fail: str_of(decrypt_fail),
            retry_count: int_of(count, "enc", "count")?,
            ciphertext,
        })
    }

    /// True when `decrypt-fail="hide"`.
    pub fn hide_on_failure(&self) -> bool {
        self.decrypt_fail.as_deref() == Some("hide")
    }
}

/// The `edit` attribute (whatsmeow `types.EditAttribute`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EditAttribute {
    /// Absent or empty: a normal message.
    #[default]
    None,
    /// `1`: an edit of an earlier message.
    MessageEdit,
    /// `2`: pin in chat.
    PinInChat,
    /// `3`: an admin edit (newsletters).
    AdminEdit,
    /// `7`: the sender revoked a message.
    SenderRevoke,
    /// `8`: a group admin revoked a message.
    AdminRevoke,
    /// Another value, verbatim.
    Other(String),
}

impl EditAttribute {
    /// Parses the attribute value.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "" => Self::None,
            "1" => Self::MessageEdit,
            "2" => Self::PinInChat,
            "3" => Self::AdminEdit,
            "7" => Self::SenderRevoke,
            "8" => Self::AdminRevoke,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The attribute value; empty for `None`.
    pub fn as_wire(&self) -> &str {
        match self {
            Self::None => "",
            Self::MessageEdit => "1",
            Self::PinInChat => "2",
            Self::AdminEdit => "3",
            Self::SenderRevoke => "7",
            Self::AdminRevoke => "8",
            Self::Other(s) => s,
        }
    }
}

/// An incoming `<message>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStanza {
    /// Message id.
    pub id: String,
    /// The raw `from` attribute (the stanza's acks and receipts go back to it).
    pub from: Jid,
    /// Sender and chat.
    pub source: Source,
    /// The `participant` attribute as sent (groups and broadcasts).
    pub participant: Option<Jid>,
    /// The `recipient` attribute as sent (our own DMs from another device).
    pub recipient: Option<Jid>,
    /// Server time, unix seconds (`t`).
    pub timestamp: i64,
    /// Sender push name (`notify`).
    pub push_name: Option<String>,
    /// `category`, e.g. `peer` for own-device protocol messages.
    pub category: Option<String>,
    /// `type`: `text`, `media`, `reaction`, `poll`, `peer_msg`, ...
    pub message_type: Option<String>,
    /// `edit`.
    pub edit: EditAttribute,
    /// `offline`: present when the message was replayed from the offline queue (value kept
    /// verbatim; its exact semantics are unverified, see messages.md §1).
    pub offline: Option<String>,
    /// `server_id` (newsletters).
    pub server_id: Option<i64>,
    /// `<multicast/>` child present.
    pub multicast: bool,
    /// `<verified_name>` content: a serialized `VerifiedNameCertificate` of a business sender.
    pub verified_name: Option<Vec<u8>>,
    /// `<unavailable type>`: the server withheld the content (e.g. `view_once`).
    pub unavailable: Option<String>,
    /// The `<enc>` payloads in stanza order.
    pub encs: Vec<EncNode>,
    /// `<plaintext>` content (newsletters: an unencrypted `Message`).
    pub plaintext: Option<Vec<u8>>,
    /// `<device-identity>`: the sender's `ADVSignedDeviceIdentity` (sent with `pkmsg`s).
    pub device_identity: Option<Vec<u8>>,
}

impl MessageStanza {
    /// Parses a `<message>` stanza. `own` tells our own devices' messages apart.
    ///
    /// `node` is an owned `&Node` or a [`NodeRef`](crate::binary::NodeRef) of a borrowed
    /// view (same result, without building the owned tree).
    pub fn parse<'n, N: StanzaNode<'n>>(node: N, own: &OwnJids) -> Result<Self, StanzaError> {
        expect_tag(node, "message")?;
        const KEYS: AttrKeys<18> = source_keys!(
            "from",
            "id",
            "t",
            "notify",
            "category",
            "type",
            "edit",
            "offline",
            "server_id"
        );
        let slots = node.attrs_by_key(&KEYS);
        let [from, id, t, notify, category, message_type, edit, offline, server_id, ..] = slots;
        let src = SourceAttrs::from_slots(&slots);
        let from = need(jid_of(from, "message", "from")?, "message", "from")?;
        let source = parse_source_from(node, "message", own, from.clone(), None, &src)?;
        let id = need(str_of(id), "message", "id")?;
        let timestamp = need(int_of(t, "message", "t")?, "message", "t")?;
        let mut out = Self {
            id,
            from,
            source,
            participant: jid_of(src.participant, "message", "participant")?,
            recipient: jid_of(src.recipient, "message", "recipient")?,
            timestamp,
            push_name: str_of(notify),
            category: str_of(category),
            message_type: str_of(message_type),
            edit: edit
                .map(|e| EditAttribute::from_wire(&e.text()))
                .unwrap_or_default(),
            offline: str_of(offline),
            server_id: int_of(server_id, "message", "server_id")?,
            multicast: false,
            verified_name: None,
            unavailable: None,
            encs: Vec::new(),
            plaintext: None,
            device_identity: None,
        };
        for child in node.children() {
            match &*child.tag_text() {
                "enc" => out.encs.push(EncNode::parse(child)?),
                "multicast" => out.multicast = true,
                "verified_name" => out.verified_name = child.content_bytes().map(Cow::into_owned),
                // `type` may be absent; an empty string still marks the content as withheld.
                "unavailable" => out.unavailable = Some(opt_str(child, "type").unwrap_or_default()),
                "plaintext" => out.plaintext = child.content_bytes().map(Cow::into_owned),
                "device-identity" => {
                    out.device_identity = child.content_bytes().map(Cow::into_owned)
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// True when the server withheld the content: `<unavailable>` and no `<enc>`
    /// (the message must be requested from the phone; whatsmeow `decryptMessages`).
    pub fn is_unavailable(&self) -> bool {
        self.unavailable.is_some() && self.encs.is_empty()
    }

    /// The highest `count` among the `<enc>`s: how often the sender already re-sent this.
    pub fn retry_count(&self) -> Option<u32> {
        self.encs.iter().filter_map(|e| e.retry_count).max()
    }

    /// True for own-device protocol messages (`category="peer"` or `type="peer_msg"`).
    pub fn is_peer(&self) -> bool {
        self.category.as_deref() == Some("peer") || self.message_type.as_deref() == Some("peer_msg")
    }
}
