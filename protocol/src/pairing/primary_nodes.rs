//! The server's and phone's pairing stanzas, beside the companion's readers and replies in
//! [`super::pair_device`] and [`super::success`]: the `pair-device` refs, the `pair-success`
//! iq, and reading the companion's `pair-device-sign` reply.

use super::error::PairError;
use crate::binary::{Jid, Node};
use crate::stanza::iq::SERVER;

/// `<iq type="set" from id><pair-device><ref>…</ref>…</pair-device></iq>` (read by
/// [`super::pair_device::parse_pair_device`]).
pub fn pair_device_iq(id: String, refs: &[String]) -> Node {
    Node::build("iq")
        .attr("type", "set")
        .attr("from", SERVER)
        .attr("id", id)
        .child(
            Node::build("pair-device")
                .children(
                    refs.iter()
                        .map(|r| Node::build("ref").bytes(r.as_bytes().to_vec()).finish()),
                )
                .finish(),
        )
        .finish()
}

/// What the phone tells a companion it paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairSuccessSpec {
    /// The iq id; the companion's reply reuses it.
    pub iq_id: String,
    /// The `t` attribute, unix seconds.
    pub t: u64,
    /// The encoded `ADVSignedDeviceIdentityHMAC`
    /// ([`super::adv_primary::SignedIdentity::wrapper`]).
    pub device_identity: Vec<u8>,
    /// The companion's phone-number JID with its device number.
    pub jid: Jid,
    /// The companion's LID with its device number.
    pub lid: Jid,
    /// `<biz name>`, for a business account.
    pub business_name: Option<String>,
    /// `<platform name>`, the phone's platform.
    pub platform: String,
}

/// `<iq type="set" from id t><pair-success><device-identity/><device jid lid/>[<biz name/>]
/// <platform name/></pair-success></iq>` (read by [`super::success::handle_pair_success`]).
pub fn pair_success_iq(spec: &PairSuccessSpec) -> Node {
    let mut success = Node::build("pair-success")
        .child(
            Node::build("device-identity")
                .bytes(spec.device_identity.clone())
                .finish(),
        )
        .child(
            Node::build("device")
                .attr("jid", spec.jid.clone())
                .attr("lid", spec.lid.clone())
                .finish(),
        );
    if let Some(name) = &spec.business_name {
        success = success.child(Node::build("biz").attr("name", name.clone()).finish());
    }
    let success = success
        .child(
            Node::build("platform")
                .attr("name", spec.platform.clone())
                .finish(),
        )
        .finish();
    Node::build("iq")
        .attr("type", "set")
        .attr("from", SERVER)
        .attr("id", spec.iq_id.clone())
        .attr("t", spec.t.to_string())
        .child(success)
        .finish()
}

/// The `key-index` and content of the companion's
/// `<pair-device-sign><device-identity key-index>` (built by
/// [`super::success::PairSuccess::reply`]).
pub fn parse_pair_device_sign(reply: &Node) -> Result<(u32, &[u8]), PairError> {
    let identity = reply
        .child_path(&["pair-device-sign", "device-identity"])
        .ok_or(PairError::MissingNode("pair-device-sign"))?;
    let key_index = identity
        .attr_u64("key-index")
        .and_then(|k| u32::try_from(k).ok())
        .ok_or(PairError::BadAttribute {
            tag: "device-identity",
            attr: "key-index",
        })?;
    let bytes = identity
        .bytes()
        .ok_or(PairError::MissingContent("device-identity"))?;
    Ok((key_index, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::pairing::adv_primary::{sign_device_identity, IdentityParams};
    use crate::pairing::{handle_pair_success, parse_pair_device};

    #[test]
    fn the_companion_reads_what_the_phone_sends_and_the_phone_its_reply() {
        let refs = vec!["2@a".to_string(), "2@b".to_string()];
        let got = parse_pair_device(&pair_device_iq("p1".into(), &refs)).expect("parses");
        assert_eq!((got.iq_id.as_str(), got.refs), ("p1", refs));

        let phone = KeyPair::from_private_bytes([1; 32]);
        let companion = KeyPair::from_private_bytes([2; 32]);
        let params = IdentityParams {
            raw_id: 5,
            timestamp: 1_700_000_000,
            key_index: 3,
            hosted: false,
        };
        let signed =
            sign_device_identity(&phone, &companion.public, &[7; 32], &params).expect("signs");
        let spec = PairSuccessSpec {
            iq_id: "s1".into(),
            t: 1_700_000_000,
            device_identity: signed.wrapper.clone(),
            jid: Jid::pn("15550001").with_device(3),
            lid: Jid::lid("99").with_device(3),
            business_name: Some("Shop".into()),
            platform: "android".into(),
        };
        let success =
            handle_pair_success(&pair_success_iq(&spec), &[7; 32], &companion).expect("valid");
        assert_eq!(success.id, spec.jid);
        assert_eq!(success.lid, Some(spec.lid.clone()));
        assert_eq!(success.business_name.as_deref(), Some("Shop"));
        assert_eq!(success.platform.as_deref(), Some("android"));
        let reply = success.reply();
        let (key_index, bytes) = parse_pair_device_sign(&reply).expect("reply parses");
        assert_eq!(key_index, 3);
        assert_eq!(bytes, success.identity.reply_device_identity());
        assert_eq!(
            parse_pair_device_sign(&Node::new("iq")),
            Err(PairError::MissingNode("pair-device-sign"))
        );
    }
}
