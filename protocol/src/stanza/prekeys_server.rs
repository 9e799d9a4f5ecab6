//! The server's side of the prekey iqs of signal.md §2, beside the client's in
//! [`super::prekeys`]: reading an upload, answering the count query and a key fetch, and the
//! low-count notification. The key nodes are [`super::prekey_nodes`]'s, so both sides share
//! one encoding; the signed prekey is checked with [`PreKeyBundle::verify`].

use crate::binary::{AttrValue, Node};
use crate::crypto::PublicKey;
use crate::signal::{PreKeyBundle, SignalError};

use super::attrs::{req_child, StanzaError};
use super::iq::{error_node, SERVER};
use super::prekey_nodes::{
    bundle_user_node, check_key_type, parse_identity, parse_prekey_node, parse_registration,
    parse_signed_prekey_node,
};
use super::prekeys::ENCRYPT_XMLNS;

/// Why an upload iq was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreKeyUploadError {
    /// A child is missing or malformed (the `<type>` byte included).
    #[error(transparent)]
    Stanza(#[from] StanzaError),
    /// The signed prekey's signature does not verify with the uploaded identity.
    #[error(transparent)]
    Signature(#[from] SignalError),
}

/// A parsed `<iq xmlns="encrypt" type="set">` upload whose signed prekey verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyUpload {
    /// The device's registration id.
    pub registration_id: u32,
    /// The device's identity key.
    pub identity: PublicKey,
    /// Id of the signed prekey.
    pub signed_prekey_id: u32,
    /// The signed prekey.
    pub signed_prekey: PublicKey,
    /// The identity key's signature over `0x05 ‖ signed prekey`.
    pub signed_prekey_signature: [u8; 64],
    /// The one-time prekeys, in `<list>` order: (id, public key).
    pub prekeys: Vec<(u32, PublicKey)>,
}

impl PreKeyUpload {
    /// The bundle a contact is handed for this device with one-time prekey `prekey`.
    pub fn bundle(&self, prekey: Option<(u32, PublicKey)>) -> PreKeyBundle {
        PreKeyBundle {
            registration_id: self.registration_id,
            identity_key: self.identity,
            signed_prekey_id: self.signed_prekey_id,
            signed_prekey: self.signed_prekey,
            signed_prekey_signature: self.signed_prekey_signature,
            prekey,
        }
    }
}

/// Reads what [`super::prekeys::upload_iq`] builds and checks the signed prekey signature.
/// The number of `<key>`s is bounded by the frame the node came in.
pub fn parse_upload_iq(iq: &Node) -> Result<PreKeyUpload, PreKeyUploadError> {
    let registration_id = parse_registration(iq, "iq")?;
    check_key_type(iq, "iq")?;
    let identity = parse_identity(iq, "iq")?;
    let prekeys = req_child(iq, "iq", "list")?
        .children_by_tag("key")
        .map(parse_prekey_node)
        .collect::<Result<Vec<_>, _>>()?;
    let (signed_prekey_id, signed_prekey, signed_prekey_signature) =
        parse_signed_prekey_node(req_child(iq, "iq", "skey")?)?;
    let upload = PreKeyUpload {
        registration_id,
        identity,
        signed_prekey_id,
        signed_prekey,
        signed_prekey_signature,
        prekeys,
    };
    upload.bundle(None).verify()?;
    Ok(upload)
}

/// `<count value=n/>`, the child of the server's answer to [`super::prekeys::count_iq`].
pub fn count_node(n: u64) -> Node {
    Node::build("count").attr("value", n.to_string()).finish()
}

/// The `jid` attributes of the `<key><user jid/>…</key>` of a key-fetch request, in order
/// (users without one are skipped).
pub fn key_fetch_users(request: &Node) -> Vec<AttrValue> {
    request
        .child("key")
        .map(|key| {
            key.children_by_tag("user")
                .filter_map(|u| u.attr("jid").cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The `<list>` answering a key fetch: one `<user jid>` per requested device, with its bundle
/// or, for a device that never uploaded, `<error code="404" text="item-not-found"/>` (which
/// the client sees per user, signal.md §2.4).
pub fn key_fetch_list(users: Vec<(AttrValue, Option<PreKeyBundle>)>) -> Node {
    let children = users.into_iter().map(|(jid, bundle)| match bundle {
        Some(bundle) => bundle_user_node(jid, &bundle),
        None => Node::build("user")
            .attr("jid", jid)
            .child(error_node(404, "item-not-found"))
            .finish(),
    });
    Node::build("list").children(children).finish()
}

/// The server's "prekeys are running low" notification:
/// `<notification type="encrypt" from="s.whatsapp.net" id t><count value=n/></notification>`,
/// which [`super::prekeys::low_count_notification`] reads.
pub fn low_count_notification_node(id: String, t: u64, n: u32) -> Node {
    Node::build("notification")
        .attr("type", ENCRYPT_XMLNS)
        .attr("from", SERVER)
        .attr("id", id)
        .attr("t", t.to_string())
        .child(count_node(u64::from(n)))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::{Content, Jid};
    use crate::crypto::KeyPair;
    use crate::signal::{PreKey, SignedPreKey};
    use crate::stanza::prekey_nodes::parse_bundle;
    use crate::stanza::prekeys::{low_count_notification, parse_count_reply, upload_iq};

    fn upload(signature_ok: bool) -> (Node, KeyPair, Vec<PreKey>) {
        let identity = KeyPair::from_private_bytes([1; 32]);
        let mut spk = SignedPreKey::new(&identity, 7, KeyPair::from_private_bytes([2; 32]));
        if !signature_ok {
            spk.signature[0] ^= 1;
        }
        let keys = vec![
            PreKey {
                id: 1,
                key_pair: KeyPair::from_private_bytes([11; 32]),
            },
            PreKey {
                id: 0x01_0000,
                key_pair: KeyPair::from_private_bytes([12; 32]),
            },
        ];
        (
            upload_iq(0x0102_0304, &identity.public, &keys, &spk),
            identity,
            keys,
        )
    }

    #[test]
    fn the_client_upload_is_read_back() {
        let (iq, identity, keys) = upload(true);
        let got = parse_upload_iq(&iq).expect("valid");
        assert_eq!(got.registration_id, 0x0102_0304);
        assert_eq!(got.identity, identity.public);
        assert_eq!(got.signed_prekey_id, 7);
        let ids: Vec<(u32, PublicKey)> = keys.iter().map(|k| (k.id, k.key_pair.public)).collect();
        assert_eq!(got.prekeys, ids);
    }

    #[test]
    fn bad_uploads_are_refused_with_a_reason() {
        let (iq, _, _) = upload(false);
        assert_eq!(
            parse_upload_iq(&iq),
            Err(PreKeyUploadError::Signature(SignalError::BadSignature(
                "signed prekey"
            )))
        );
        assert!(matches!(
            parse_upload_iq(&Node::build("iq").finish()),
            Err(PreKeyUploadError::Stanza(StanzaError::MissingChild {
                child: "registration",
                ..
            }))
        ));
        let (mut iq, _, _) = upload(true);
        if let Content::Nodes(children) = &mut iq.content {
            for c in children.iter_mut().filter(|c| c.tag == "type") {
                *c = Node::build("type").bytes(vec![6]).finish();
            }
        }
        assert!(matches!(
            parse_upload_iq(&iq),
            Err(PreKeyUploadError::Stanza(StanzaError::BadContent {
                tag: "type",
                ..
            }))
        ));
    }

    #[test]
    fn a_fetch_reply_is_what_the_client_parses() {
        let (iq, _, keys) = upload(true);
        let up = parse_upload_iq(&iq).expect("valid");
        let bundle = up.bundle(Some((keys[0].id, keys[0].key_pair.public)));
        let request = Node::build("iq")
            .child(
                Node::build("key")
                    .children([
                        Node::build("user")
                            .attr("jid", Jid::pn("1").with_device(2))
                            .finish(),
                        Node::new("user"),
                        Node::build("user").attr("jid", Jid::pn("3")).finish(),
                    ])
                    .finish(),
            )
            .finish();
        let users = key_fetch_users(&request);
        assert_eq!(users.len(), 2);
        let list = key_fetch_list(vec![
            (users[0].clone(), Some(bundle.clone())),
            (users[1].clone(), None),
        ]);
        let replies: Vec<&Node> = list.children_by_tag("user").collect();
        assert_eq!(
            replies[0].attr_jid("jid"),
            Some(Jid::pn("1").with_device(2))
        );
        assert_eq!(parse_bundle(replies[0], "user"), Ok(bundle));
        assert_eq!(crate::stanza::iq::parse_error(replies[1]).code, 404);

        let count = Node::build("iq").child(count_node(29)).finish();
        assert_eq!(parse_count_reply(&count), Ok(29));
        let note = low_count_notification_node("n1".into(), 1_700_000_000, 3);
        assert_eq!(low_count_notification(&note), Some(3));
    }
}
