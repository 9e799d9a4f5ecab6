//! The prekey digest (`<iq xmlns="encrypt" type="get"><digest/></iq>`, server.md §1.3), both
//! roles: the server sums up the keys it holds for the device, the client checks the sum
//! against its own keys (whatsapp-rust `validate_digest_key`; Baileys `digestKeyBundle` only
//! checks that `<digest>` is there).

use sha1::{Digest as _, Sha1};

use crate::binary::Node;
use crate::crypto::PublicKey;

use super::attrs::{child_bytes, expect_tag, req_child, StanzaError};
use super::iq::{request, IqType, SERVER};
use super::prekey_nodes::{
    identity_node, key_type_node, parse_identity, parse_registration, parse_signed_prekey_node,
    public_signed_prekey_node, registration_node,
};
use super::prekeys::ENCRYPT_XMLNS;

/// Most one-time prekey ids read from one digest (a device uploads a few hundred at most).
pub const MAX_DIGEST_PREKEYS: usize = 2048;

/// What the server holds for a device, as its digest reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDigest {
    /// The registration id.
    pub registration_id: u32,
    /// The identity key.
    pub identity: PublicKey,
    /// The signed prekey id.
    pub signed_prekey_id: u32,
    /// The signed prekey.
    pub signed_prekey: PublicKey,
    /// Its signature.
    pub signed_prekey_signature: [u8; 64],
    /// Ids of the one-time prekeys still held, in the server's order.
    pub prekey_ids: Vec<u32>,
    /// SHA-1 over identity ‖ signed prekey ‖ signature ‖ each one-time prekey, in list order.
    pub hash: [u8; 20],
}

/// SHA-1 over identity ‖ signed prekey ‖ its signature ‖ each one-time prekey (raw 32-byte
/// keys, no type byte), the digest's `<hash>`.
pub fn digest_hash<'a>(
    identity: &PublicKey,
    signed_prekey: &PublicKey,
    signature: &[u8; 64],
    prekeys: impl IntoIterator<Item = &'a PublicKey>,
) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(identity.as_bytes());
    h.update(signed_prekey.as_bytes());
    h.update(signature);
    for k in prekeys {
        h.update(k.as_bytes());
    }
    h.finalize().into()
}

/// The client's request (no `id`: the stanza machine assigns one).
pub fn digest_iq() -> Node {
    request(
        IqType::Get,
        ENCRYPT_XMLNS,
        SERVER,
        vec![Node::new("digest")],
    )
}

/// The server's `<digest>` for the keys it holds (`prekeys` in the order it will hand them
/// out).
pub fn digest_node(
    registration_id: u32,
    identity: &PublicKey,
    signed: (u32, &PublicKey, &[u8; 64]),
    prekeys: &[(u32, PublicKey)],
) -> Node {
    let (sid, spk, sig) = signed;
    let hash = digest_hash(identity, spk, sig, prekeys.iter().map(|(_, k)| k));
    let ids = prekeys.iter().map(|(id, _)| {
        Node::build("id")
            .bytes(id.to_be_bytes()[1..].to_vec())
            .finish()
    });
    Node::build("digest")
        .child(registration_node(registration_id))
        .child(key_type_node())
        .child(identity_node(identity))
        .child(public_signed_prekey_node(sid, spk, sig))
        .child(Node::build("list").children(ids))
        .child(Node::build("hash").bytes(hash.to_vec()))
        .finish()
}

/// Reads the `<digest>` of the server's answer (`<iq type="result"><digest>…`).
pub fn parse_digest(iq: &Node) -> Result<KeyDigest, StanzaError> {
    expect_tag(iq, "iq")?;
    let d = req_child(iq, "iq", "digest")?;
    let (signed_prekey_id, signed_prekey, signed_prekey_signature) =
        parse_signed_prekey_node(req_child(d, "digest", "skey")?)?;
    let list = req_child(d, "digest", "list")?;
    if list.children().len() > MAX_DIGEST_PREKEYS {
        return Err(StanzaError::BadContent {
            tag: "list",
            reason: "too many prekey ids",
        });
    }
    let prekey_ids = list
        .children_by_tag("id")
        .map(|n| match n.bytes() {
            Some(b) if (1..=4).contains(&b.len()) => {
                Ok(b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
            }
            _ => Err(StanzaError::BadContent {
                tag: "id",
                reason: "key id must be 1 to 4 bytes",
            }),
        })
        .collect::<Result<_, _>>()?;
    let hash = <[u8; 20]>::try_from(&*child_bytes(d, "digest", "hash")?).map_err(|_| {
        StanzaError::BadContent {
            tag: "hash",
            reason: "expected 20 bytes",
        }
    })?;
    Ok(KeyDigest {
        registration_id: parse_registration(d, "digest")?,
        identity: parse_identity(d, "digest")?,
        signed_prekey_id,
        signed_prekey,
        signed_prekey_signature,
        prekey_ids,
        hash,
    })
}

impl KeyDigest {
    /// Whether the server holds exactly these keys: `prekey` looks up the public one-time
    /// prekey of an id (`None` when the client no longer has it, which fails the check).
    pub fn matches(&self, prekey: impl Fn(u32) -> Option<PublicKey>) -> bool {
        let keys: Option<Vec<PublicKey>> = self.prekey_ids.iter().map(|&id| prekey(id)).collect();
        keys.is_some_and(|keys| {
            digest_hash(
                &self.identity,
                &self.signed_prekey,
                &self.signed_prekey_signature,
                &keys,
            ) == self.hash
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::{decode, encode};
    use crate::stanza::iq::result_for;

    fn key(b: u8) -> PublicKey {
        PublicKey([b; 32])
    }

    #[test]
    fn digest_round_trips_and_its_hash_checks_the_keys() {
        let iq = digest_iq();
        assert_eq!(iq.attr_str("xmlns").as_deref(), Some("encrypt"));
        assert!(iq.child("digest").is_some() && iq.attr("id").is_none());
        let prekeys = [(1, key(1)), (0x01_02_03, key(2))];
        let sig = [9u8; 64];
        let node = digest_node(4242, &key(7), (5, &key(8), &sig), &prekeys);
        let mut reply = result_for(&Node::build("iq").attr("id", "d").finish()).unwrap();
        reply.push_child(node);
        let reply = decode(&encode(&reply).unwrap()).unwrap();
        let d = parse_digest(&reply).unwrap();
        assert_eq!(d.registration_id, 4242);
        assert_eq!(d.identity, key(7));
        assert_eq!((d.signed_prekey_id, d.signed_prekey), (5, key(8)));
        assert_eq!(d.prekey_ids, vec![1, 0x01_02_03]);
        let ours = |id| prekeys.iter().find(|(i, _)| *i == id).map(|(_, k)| *k);
        assert!(d.matches(ours));
        assert!(!d.matches(|id| ours(id).map(|_| key(3))), "other keys");
        assert!(!d.matches(|id| (id == 1).then(|| key(1))), "a key we lost");
    }

    #[test]
    fn bad_digests_are_errors() {
        let no_digest = Node::build("iq").finish();
        assert!(matches!(
            parse_digest(&no_digest),
            Err(StanzaError::MissingChild {
                child: "digest",
                ..
            })
        ));
        let mut d = digest_node(1, &key(1), (1, &key(2), &[0; 64]), &[]);
        if let crate::binary::Content::Nodes(children) = &mut d.content {
            children.retain(|c| c.tag != "hash");
            children.push(Node::build("hash").bytes(vec![1, 2]).finish());
        }
        let iq = Node::build("iq").child(d).finish();
        assert!(matches!(
            parse_digest(&iq),
            Err(StanzaError::BadContent { tag: "hash", .. })
        ));
    }
}
