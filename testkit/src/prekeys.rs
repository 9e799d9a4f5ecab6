//! The server's prekey store (signal.md §2): uploads from logged-in devices, the count query,
//! the low-count notification, and handing out bundles.

use std::time::Duration;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::PublicKey;
use wa_protocol::signal::keys::PreKeyBundle;
use wa_protocol::stanza::iq::error_node;

use crate::connection::Command;
use crate::error::TestkitError;
use crate::registration::verify_signed_prekey;
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// Signal key type byte of Curve25519 keys.
const KEY_TYPE_DJB: u8 = 0x05;

/// What a device uploaded, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedKeys {
    /// The device's Signal registration id.
    pub registration_id: u32,
    /// The device's identity key.
    pub identity: PublicKey,
    /// Id of the current signed prekey.
    pub signed_prekey_id: u32,
    /// The current signed prekey.
    pub signed_prekey: PublicKey,
    /// The identity key's signature over `0x05 ‖ signed prekey` (verified on upload).
    pub signed_prekey_signature: [u8; 64],
    /// One-time prekeys not handed out yet, oldest first: (id, public key).
    pub prekeys: Vec<(u32, PublicKey)>,
    /// How many uploads were accepted.
    pub uploads: usize,
}

/// Why an upload was refused (answered with an error iq).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UploadError {
    /// A required child is missing or has no byte content.
    #[error("missing <{0}>")]
    Missing(&'static str),
    /// A child has the wrong length.
    #[error("<{0}> has the wrong length")]
    Length(&'static str),
    /// `<type>` is not `0x05`.
    #[error("key type is not 0x05")]
    KeyType,
    /// The signed prekey's signature does not verify with the uploaded identity.
    #[error("signed prekey signature does not verify")]
    Signature,
}

/// A parsed `<iq xmlns="encrypt" type="set">` upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    pub registration_id: u32,
    pub identity: PublicKey,
    pub signed_prekey_id: u32,
    pub signed_prekey: PublicKey,
    pub signed_prekey_signature: [u8; 64],
    pub prekeys: Vec<(u32, PublicKey)>,
}

fn fixed<const N: usize>(node: &Node, tag: &'static str) -> Result<[u8; N], UploadError> {
    let bytes = node
        .child(tag)
        .and_then(Node::content_bytes)
        .ok_or(UploadError::Missing(tag))?;
    <[u8; N]>::try_from(bytes).map_err(|_| UploadError::Length(tag))
}

fn id3(node: &Node) -> Result<u32, UploadError> {
    let [a, b, c] = fixed::<3>(node, "id")?;
    Ok(u32::from_be_bytes([0, a, b, c]))
}

/// Reads an upload iq and checks the signed prekey signature.
pub(crate) fn parse_upload(iq: &Node) -> Result<Upload, UploadError> {
    let registration_id = u32::from_be_bytes(fixed::<4>(iq, "registration")?);
    if fixed::<1>(iq, "type")? != [KEY_TYPE_DJB] {
        return Err(UploadError::KeyType);
    }
    let identity = PublicKey(fixed::<32>(iq, "identity")?);
    let list = iq.child("list").ok_or(UploadError::Missing("list"))?;
    let prekeys = list
        .children_by_tag("key")
        .map(|key| Ok((id3(key)?, PublicKey(fixed::<32>(key, "value")?))))
        .collect::<Result<Vec<_>, UploadError>>()?;
    let skey = iq.child("skey").ok_or(UploadError::Missing("skey"))?;
    let signed_prekey_id = id3(skey)?;
    let signed_prekey = PublicKey(fixed::<32>(skey, "value")?);
    let signed_prekey_signature = fixed::<64>(skey, "signature")?;
    if !verify_signed_prekey(&identity, &signed_prekey, &signed_prekey_signature) {
        return Err(UploadError::Signature);
    }
    Ok(Upload {
        registration_id,
        identity,
        signed_prekey_id,
        signed_prekey,
        signed_prekey_signature,
        prekeys,
    })
}

/// Stores `upload` for `device`: the signed prekey is replaced, one-time prekeys are added (an
/// id uploaded again replaces the old key; a new identity discards the old keys).
pub(crate) fn apply_upload(state: &mut State, device: DeviceKey, upload: Upload) {
    let entry = state.prekeys.entry(device).or_insert_with(|| UploadedKeys {
        registration_id: upload.registration_id,
        identity: upload.identity,
        signed_prekey_id: upload.signed_prekey_id,
        signed_prekey: upload.signed_prekey,
        signed_prekey_signature: upload.signed_prekey_signature,
        prekeys: Vec::new(),
        uploads: 0,
    });
    if entry.identity != upload.identity {
        entry.prekeys.clear();
    }
    entry.registration_id = upload.registration_id;
    entry.identity = upload.identity;
    entry.signed_prekey_id = upload.signed_prekey_id;
    entry.signed_prekey = upload.signed_prekey;
    entry.signed_prekey_signature = upload.signed_prekey_signature;
    for (id, key) in upload.prekeys {
        entry.prekeys.retain(|(old, _)| *old != id);
        entry.prekeys.push((id, key));
    }
    entry.uploads += 1;
}

/// How many one-time prekeys of `device` the server still holds.
pub(crate) fn count(state: &State, device: DeviceKey) -> usize {
    state.prekeys.get(&device).map_or(0, |k| k.prekeys.len())
}

/// The bundle of `device`, consuming its oldest one-time prekey.
pub(crate) fn take_bundle(state: &mut State, device: DeviceKey) -> Option<PreKeyBundle> {
    let keys = state.prekeys.get_mut(&device)?;
    let prekey = (!keys.prekeys.is_empty()).then(|| keys.prekeys.remove(0));
    Some(PreKeyBundle {
        registration_id: keys.registration_id,
        identity_key: keys.identity,
        signed_prekey_id: keys.signed_prekey_id,
        signed_prekey: keys.signed_prekey,
        signed_prekey_signature: keys.signed_prekey_signature,
        prekey,
    })
}

fn bytes_node(tag: &'static str, bytes: &[u8]) -> Node {
    Node::build(tag).bytes(bytes.to_vec()).finish()
}

fn id3_bytes(id: u32) -> [u8; 3] {
    let [_, a, b, c] = id.to_be_bytes();
    [a, b, c]
}

/// The `<list>` answering a bundle fetch (signal.md §2.4): one `<user jid>` per requested
/// device, each consuming a one-time prekey, or carrying `<error code="404">` for a device
/// that never uploaded.
pub(crate) fn fetch_bundles(state: &mut State, request: &Node) -> Node {
    let users = request
        .child("key")
        .map(|k| k.children_by_tag("user").cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let list = users
        .iter()
        .filter_map(|user| user.attr("jid").cloned())
        .map(|jid_attr| {
            let bundle = jid_attr
                .to_jid()
                .and_then(|jid| state.device_key(&jid))
                .and_then(|key| take_bundle(state, key));
            let b = Node::build("user").attr("jid", jid_attr);
            match bundle {
                None => b.child(error_node(404, "item-not-found")).finish(),
                Some(bundle) => {
                    let mut children = vec![
                        bytes_node("registration", &bundle.registration_id.to_be_bytes()),
                        bytes_node("type", &[KEY_TYPE_DJB]),
                        bytes_node("identity", bundle.identity_key.as_bytes()),
                        Node::build("skey")
                            .children([
                                bytes_node("id", &id3_bytes(bundle.signed_prekey_id)),
                                bytes_node("value", bundle.signed_prekey.as_bytes()),
                                bytes_node("signature", &bundle.signed_prekey_signature),
                            ])
                            .finish(),
                    ];
                    if let Some((id, key)) = bundle.prekey {
                        children.push(
                            Node::build("key")
                                .children([
                                    bytes_node("id", &id3_bytes(id)),
                                    bytes_node("value", key.as_bytes()),
                                ])
                                .finish(),
                        );
                    }
                    b.children(children).finish()
                }
            }
        })
        .collect::<Vec<_>>();
    Node::build("list").children(list).finish()
}

impl FakeServer {
    /// What the device `jid` (phone-number or LID JID with device) uploaded, if anything.
    pub fn prekeys(&self, jid: &Jid) -> Option<UploadedKeys> {
        let st = self.shared.state();
        let key = st.device_key(jid)?;
        st.prekeys.get(&key).cloned()
    }

    /// The bundle a contact would fetch for device `jid`, consuming its oldest one-time prekey
    /// (`prekey` is `None` once they are used up, as on the real server). `None` when the
    /// device never uploaded.
    pub fn take_prekey_bundle(&self, jid: &Jid) -> Option<PreKeyBundle> {
        let bundle = {
            let mut st = self.shared.state();
            let key = st.device_key(jid)?;
            take_bundle(&mut st, key)?
        };
        self.shared.notify();
        Some(bundle)
    }

    /// Sends `<notification type="encrypt" from="s.whatsapp.net"><count value=n/>` to every
    /// live logged-in connection (the server's "prekeys are running low"). Returns how many.
    pub fn send_prekey_count_notification(&self, n: u32) -> usize {
        let st = self.shared.state();
        st.live
            .iter()
            .filter(|l| l.device.is_some())
            .filter(|l| {
                let node = Node::build("notification")
                    .attr("type", "encrypt")
                    .attr("from", wa_protocol::stanza::iq::SERVER)
                    .attr("id", crate::server::random_id())
                    .attr("t", crate::server::unix_now().to_string())
                    .child(Node::build("count").attr("value", n.to_string()))
                    .finish();
                l.commands.send(Command::Node(node, false)).is_ok()
            })
            .count()
    }

    /// Waits until device `jid` made at least `n` accepted uploads.
    pub async fn wait_for_prekey_uploads(
        &self,
        jid: &Jid,
        n: usize,
        timeout: Duration,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} prekey uploads from {jid}"), timeout, |st| {
            st.device_key(jid)
                .and_then(|k| st.prekeys.get(&k))
                .is_some_and(|k| k.uploads >= n)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use wa_protocol::crypto::KeyPair;
    use wa_protocol::signal::keys::SignedPreKey;

    use super::*;

    fn upload_iq(signature_ok: bool) -> (Node, KeyPair) {
        let identity = KeyPair::from_private_bytes([1; 32]);
        let mut spk = SignedPreKey::new(&identity, 7, KeyPair::from_private_bytes([2; 32]));
        if !signature_ok {
            spk.signature[0] ^= 1;
        }
        let key = |id: u32, k: u8| {
            Node::build("key")
                .children([
                    Node::build("id")
                        .bytes(id.to_be_bytes()[1..].to_vec())
                        .finish(),
                    Node::build("value").bytes(vec![k; 32]).finish(),
                ])
                .finish()
        };
        let iq = Node::build("iq")
            .attr("xmlns", "encrypt")
            .attr("type", "set")
            .children([
                Node::build("registration")
                    .bytes(0x0102_0304u32.to_be_bytes().to_vec())
                    .finish(),
                Node::build("type").bytes(vec![5]).finish(),
                Node::build("identity")
                    .bytes(identity.public.0.to_vec())
                    .finish(),
                Node::build("list")
                    .children([key(1, 11), key(0x01_0000, 12)])
                    .finish(),
                Node::build("skey")
                    .children([
                        Node::build("id").bytes(vec![0, 0, 7]).finish(),
                        Node::build("value")
                            .bytes(spk.key_pair.public.0.to_vec())
                            .finish(),
                        Node::build("signature")
                            .bytes(spk.signature.to_vec())
                            .finish(),
                    ])
                    .finish(),
            ])
            .finish();
        (iq, identity)
    }

    #[test]
    fn uploads_parse_accumulate_and_count() {
        let (iq, identity) = upload_iq(true);
        let upload = parse_upload(&iq).expect("valid");
        assert_eq!(upload.registration_id, 0x0102_0304);
        assert_eq!(upload.identity, identity.public);
        assert_eq!(upload.signed_prekey_id, 7);
        assert_eq!(
            upload.prekeys,
            vec![(1, PublicKey([11; 32])), (0x01_0000, PublicKey([12; 32]))]
        );
        let mut st = State::new(0);
        apply_upload(&mut st, (1, 1), upload.clone());
        apply_upload(&mut st, (1, 1), upload);
        assert_eq!(count(&st, (1, 1)), 2, "same ids replace, not add");
        assert_eq!(st.prekeys[&(1, 1)].uploads, 2);
        assert_eq!(count(&st, (1, 2)), 0);
    }

    #[test]
    fn bad_uploads_are_refused_with_a_reason() {
        let (iq, _) = upload_iq(false);
        assert_eq!(parse_upload(&iq), Err(UploadError::Signature));
        assert_eq!(
            parse_upload(&Node::build("iq").finish()),
            Err(UploadError::Missing("registration"))
        );
        let (mut iq, _) = upload_iq(true);
        if let wa_protocol::binary::Content::Nodes(children) = &mut iq.content {
            children[1] = Node::build("type").bytes(vec![6]).finish();
        }
        assert_eq!(parse_upload(&iq), Err(UploadError::KeyType));
    }
}
