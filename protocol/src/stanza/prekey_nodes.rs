//! Prekey material as stanza nodes: `<key>`/`<skey>` elements and whole bundles, shared by the
//! retry receipt (messages.md §4), prekey upload and bundle fetch (signal.md §2). Key ids are
//! 3 bytes big-endian and keys raw 32 bytes (no `0x05`) on stanzas (whatsmeow `preKeyToNode`,
//! `nodeToPreKeyBundle`).

use crate::binary::{AttrValue, Node};
use crate::crypto::PublicKey;
use crate::signal::{PreKey, PreKeyBundle, SignedPreKey, DJB_TYPE};

use super::attrs::{child_bytes, req_child, StanzaError, StanzaNode};

/// `<type>` content announcing Curve25519 keys.
pub fn key_type_node() -> Node {
    Node::build("type").bytes(vec![DJB_TYPE]).finish()
}

/// `<registration>`: the registration id as 4 bytes big-endian.
pub fn registration_node(registration_id: u32) -> Node {
    Node::build("registration")
        .bytes(registration_id.to_be_bytes().to_vec())
        .finish()
}

/// `<identity>`: our identity public key, raw 32 bytes.
pub fn identity_node(identity: &PublicKey) -> Node {
    Node::build("identity")
        .bytes(identity.as_bytes().to_vec())
        .finish()
}

fn id_bytes(id: u32) -> Vec<u8> {
    id.to_be_bytes()[1..].to_vec()
}

/// `<key><id>3B</id><value>32B</value></key>` for a one-time prekey.
pub fn prekey_node(key: &PreKey) -> Node {
    public_prekey_node(key.id, &key.key_pair.public)
}

/// [`prekey_node`] from the public half only (what the server holds and hands out).
pub fn public_prekey_node(id: u32, public: &PublicKey) -> Node {
    Node::build("key")
        .child(Node::build("id").bytes(id_bytes(id)))
        .child(Node::build("value").bytes(public.as_bytes().to_vec()))
        .finish()
}

/// `<skey><id/><value/><signature>64B</signature></skey>` for the signed prekey.
pub fn signed_prekey_node(key: &SignedPreKey) -> Node {
    public_signed_prekey_node(key.id, &key.key_pair.public, &key.signature)
}

/// [`signed_prekey_node`] from the public half and signature only.
pub fn public_signed_prekey_node(id: u32, public: &PublicKey, signature: &[u8; 64]) -> Node {
    Node::build("skey")
        .child(Node::build("id").bytes(id_bytes(id)))
        .child(Node::build("value").bytes(public.as_bytes().to_vec()))
        .child(Node::build("signature").bytes(signature.to_vec()))
        .finish()
}

/// The `<user>` of a key-fetch reply carrying `bundle` (signal.md §2.4): `<registration>`,
/// `<type>`, `<identity>`, `<skey>` and the optional `<key>`, flat, as [`parse_bundle`] reads
/// them.
pub fn bundle_user_node(jid: impl Into<AttrValue>, bundle: &PreKeyBundle) -> Node {
    let mut children = vec![
        registration_node(bundle.registration_id),
        key_type_node(),
        identity_node(&bundle.identity_key),
        public_signed_prekey_node(
            bundle.signed_prekey_id,
            &bundle.signed_prekey,
            &bundle.signed_prekey_signature,
        ),
    ];
    if let Some((id, key)) = &bundle.prekey {
        children.push(public_prekey_node(*id, key));
    }
    Node::build("user")
        .attr("jid", jid)
        .children(children)
        .finish()
}

fn parse_id<'n, N: StanzaNode<'n>>(node: N, tag: &'static str) -> Result<u32, StanzaError> {
    let b = child_bytes(node, tag, "id")?;
    // whatsmeow writes 3 bytes; accept up to 4 in case a peer sends the full u32.
    if b.is_empty() || b.len() > 4 {
        return Err(StanzaError::BadContent {
            tag: "id",
            reason: "key id must be 1 to 4 bytes",
        });
    }
    Ok(b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
}

/// Reads the raw 32-byte `<identity>` child of `node`.
pub fn parse_identity<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
) -> Result<PublicKey, StanzaError> {
    parse_key32(node, tag, "identity")
}

/// Checks the `<type>` child of `node` announces Curve25519 keys ([`DJB_TYPE`]).
pub fn check_key_type<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
) -> Result<(), StanzaError> {
    if *child_bytes(node, tag, "type")? == [DJB_TYPE] {
        Ok(())
    } else {
        Err(StanzaError::BadContent {
            tag: "type",
            reason: "key type is not 0x05",
        })
    }
}

fn parse_key32<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    child: &'static str,
) -> Result<PublicKey, StanzaError> {
    let key =
        PublicKey::from_slice(&child_bytes(node, tag, child)?).ok_or(StanzaError::BadContent {
            tag: child,
            reason: "expected a 32-byte key",
        })?;
    // One spelling per key, as for keys inside Signal messages (`signal::is_canonical`).
    if crate::signal::is_canonical(&key) {
        Ok(key)
    } else {
        Err(StanzaError::BadContent {
            tag: child,
            reason: "non-canonical key",
        })
    }
}

/// Reads a `<key>` (or the id and value of a `<skey>`).
pub fn parse_prekey_node<'n, N: StanzaNode<'n>>(node: N) -> Result<(u32, PublicKey), StanzaError> {
    Ok((parse_id(node, "key")?, parse_key32(node, "key", "value")?))
}

/// Reads an `<skey>`: id, public key and 64-byte signature.
pub fn parse_signed_prekey_node<'n, N: StanzaNode<'n>>(
    node: N,
) -> Result<(u32, PublicKey, [u8; 64]), StanzaError> {
    let id = parse_id(node, "skey")?;
    let key = parse_key32(node, "skey", "value")?;
    let signature =
        <[u8; 64]>::try_from(&*child_bytes(node, "skey", "signature")?).map_err(|_| {
            StanzaError::BadContent {
                tag: "signature",
                reason: "expected 64 bytes",
            }
        })?;
    Ok((id, key, signature))
}

/// Reads a 4-byte `<registration>` child of `node`.
pub fn parse_registration<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
) -> Result<u32, StanzaError> {
    let b = <[u8; 4]>::try_from(&*child_bytes(node, tag, "registration")?).map_err(|_| {
        StanzaError::BadContent {
            tag: "registration",
            reason: "expected 4 bytes",
        }
    })?;
    Ok(u32::from_be_bytes(b))
}

/// Reads a prekey bundle: `<registration>` on `node`, and `<identity>`, optional `<key>` and
/// `<skey>` either on `node` or inside its `<keys>` child. The signed-prekey signature is not
/// checked here; [`PreKeyBundle::verify`] does that before the bundle is used.
pub fn parse_bundle<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
) -> Result<PreKeyBundle, StanzaError> {
    let registration_id = parse_registration(node, tag)?;
    let keys = node.child("keys").unwrap_or(node);
    let identity_key = parse_identity(keys, tag)?;
    let prekey = keys.child("key").map(parse_prekey_node).transpose()?;
    let (signed_prekey_id, signed_prekey, signed_prekey_signature) =
        parse_signed_prekey_node(req_child(keys, tag, "skey")?)?;
    Ok(PreKeyBundle {
        registration_id,
        identity_key,
        signed_prekey_id,
        signed_prekey,
        signed_prekey_signature,
        prekey,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::signal::LocalIdentity;

    #[test]
    fn bundle_round_trips_through_nodes_flat_and_nested() {
        let identity = LocalIdentity {
            key_pair: KeyPair::from_private_bytes([1; 32]),
            registration_id: 0x0102_0304,
        };
        let signed = SignedPreKey::new(
            &identity.key_pair,
            0x00ab_cdef,
            KeyPair::from_private_bytes([2; 32]),
        );
        let one = PreKey {
            id: 0x0001_0203,
            key_pair: KeyPair::from_private_bytes([3; 32]),
        };
        let expected = PreKeyBundle::for_local(&identity, &signed, Some(&one));
        let keys = vec![
            key_type_node(),
            identity_node(&identity.key_pair.public),
            prekey_node(&one),
            signed_prekey_node(&signed),
        ];
        assert_eq!(
            prekey_node(&one).child("id").and_then(Node::bytes),
            Some(&[1u8, 2, 3][..])
        );
        let mut flat_children = vec![registration_node(identity.registration_id)];
        flat_children.extend(keys.clone());
        let flat = Node::build("user").children(flat_children).finish();
        assert_eq!(parse_bundle(&flat, "user"), Ok(expected.clone()));
        let nested = Node::build("user")
            .child(registration_node(identity.registration_id))
            .child(Node::build("keys").children(keys))
            .finish();
        let got = parse_bundle(&nested, "user").unwrap();
        assert_eq!(got, expected);
        assert!(got.verify().is_ok());

        let short = Node::build("user")
            .child(Node::build("registration").bytes(vec![1, 2]))
            .finish();
        assert!(matches!(
            parse_bundle(&short, "user"),
            Err(StanzaError::BadContent {
                tag: "registration",
                ..
            })
        ));
    }
}
