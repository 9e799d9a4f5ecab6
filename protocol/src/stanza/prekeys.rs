//! The prekey iqs of signal.md §2: asking how many one-time prekeys the server still holds,
//! uploading more, and the server's low-count notification.

use crate::binary::Node;
use crate::crypto::PublicKey;
use crate::signal::{PreKey, SignedPreKey};

use super::iq::{build_iq, IqType, SERVER};
use super::notification::{Notification, NotificationKind};
use super::prekey_nodes::{
    identity_node, key_type_node, prekey_node, registration_node, signed_prekey_node,
};

/// Namespace of the prekey iqs.
pub const ENCRYPT_XMLNS: &str = "encrypt";
/// Below this many keys on the server we upload more (whatsmeow `MinPreKeyCount`).
pub const MIN_PREKEY_COUNT: u32 = 5;
/// How many keys a refill uploads (whatsmeow `WantedPreKeyCount`).
pub const WANTED_PREKEY_COUNT: u32 = 50;
/// How many keys the very first upload carries, when neither side has any (whatsmeow and
/// Baileys `INITIAL_PREKEY_COUNT`).
pub const INITIAL_PREKEY_COUNT: u32 = 812;
/// Prekey ids are sent as 3 bytes, so they wrap below 2^24 (whatsmeow skips 0).
pub const MAX_PREKEY_ID: u32 = 0x00ff_ffff;

/// Why a prekey stanza could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreKeyStanzaError {
    /// `<count>` is missing.
    #[error("no <count> in the prekey count reply")]
    MissingCount,
    /// `value` of `<count>` is missing or not a number.
    #[error("`value` of <count> is missing or not a number")]
    BadCount,
}

/// `<iq xmlns="encrypt" type="get" to="s.whatsapp.net"><count/></iq>` (id filled in by the
/// router).
pub fn count_iq() -> Node {
    build_iq(
        String::new(),
        IqType::Get,
        ENCRYPT_XMLNS,
        SERVER,
        vec![Node::new("count")],
    )
}

fn count_value(parent: &Node) -> Result<u32, PreKeyStanzaError> {
    let count = parent
        .child("count")
        .ok_or(PreKeyStanzaError::MissingCount)?;
    count
        .attr_u64("value")
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(PreKeyStanzaError::BadCount)
}

/// The number in the reply to [`count_iq`].
pub fn parse_count_reply(reply: &Node) -> Result<u32, PreKeyStanzaError> {
    count_value(reply)
}

/// The count of a server `<notification type="encrypt"><count value=N/></notification>`;
/// `None` for any other stanza (an `encrypt` notification about a user's identity has no
/// `<count>`). The notification parser does the reading.
pub fn low_count_notification(node: &Node) -> Option<u32> {
    match Notification::parse(node).ok()?.kind {
        NotificationKind::PreKeyCount(n) => Some(n),
        _ => None,
    }
}

/// The upload iq: registration id, identity, the one-time `prekeys` and the signed prekey
/// (the key nodes are the ones retry receipts carry too, see [`super::prekey_nodes`]).
pub fn upload_iq(
    registration_id: u32,
    identity_public: &PublicKey,
    prekeys: &[PreKey],
    signed: &SignedPreKey,
) -> Node {
    build_iq(
        String::new(),
        IqType::Set,
        ENCRYPT_XMLNS,
        SERVER,
        vec![
            registration_node(registration_id),
            key_type_node(),
            identity_node(identity_public),
            Node::build("list")
                .children(prekeys.iter().map(prekey_node))
                .finish(),
            signed_prekey_node(signed),
        ],
    )
}

/// The id after `id`, wrapping within 1..=[`MAX_PREKEY_ID`].
pub fn next_prekey_id(id: u32) -> u32 {
    if id >= MAX_PREKEY_ID {
        1
    } else {
        id + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::Jid;
    use crate::crypto::KeyPair;

    #[test]
    fn count_reply_and_notification() {
        let reply = Node::build("iq")
            .attr("type", "result")
            .child(Node::build("count").attr("value", "3").finish())
            .finish();
        assert_eq!(parse_count_reply(&reply), Ok(3));
        assert_eq!(
            parse_count_reply(&Node::new("iq")),
            Err(PreKeyStanzaError::MissingCount)
        );
        let bad = Node::build("iq")
            .child(Node::build("count").attr("value", "x").finish())
            .finish();
        assert_eq!(parse_count_reply(&bad), Err(PreKeyStanzaError::BadCount));

        let n = Node::build("notification")
            .attr("type", "encrypt")
            .attr("from", Jid::server_jid())
            .child(Node::build("count").attr("value", "2").finish())
            .finish();
        assert_eq!(low_count_notification(&n), Some(2));
        let from_user = Node::build("notification")
            .attr("type", "encrypt")
            .attr("from", Jid::pn("1555"))
            .child(Node::build("count").attr("value", "2").finish())
            .finish();
        assert_eq!(low_count_notification(&from_user), None);
    }

    #[test]
    fn upload_has_the_documented_shape() {
        let mut rng = rand::rngs::OsRng;
        let identity = KeyPair::generate(&mut rng);
        let signed = SignedPreKey::generate(&identity, 1, &mut rng);
        let keys = [PreKey::generate(0x010203, &mut rng)];
        let iq = upload_iq(0x0102, &identity.public, &keys, &signed);
        assert_eq!(iq.attr_str("xmlns").as_deref(), Some("encrypt"));
        assert_eq!(
            iq.child("registration").and_then(Node::content_bytes),
            Some(&[0, 0, 1, 2][..])
        );
        assert_eq!(
            iq.child("type").and_then(Node::content_bytes),
            Some(&[5][..])
        );
        let key = iq.child("list").and_then(|l| l.child("key")).expect("key");
        assert_eq!(
            key.child("id").and_then(Node::content_bytes),
            Some(&[1, 2, 3][..])
        );
        let skey = iq.child("skey").expect("skey");
        assert_eq!(
            skey.child("signature")
                .and_then(Node::content_bytes)
                .map(<[u8]>::len),
            Some(64)
        );
        assert_eq!(next_prekey_id(MAX_PREKEY_ID), 1);
        assert_eq!(next_prekey_id(7), 8);
    }
}
