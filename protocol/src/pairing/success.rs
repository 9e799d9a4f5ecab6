//! The `pair-success` iq: the checks of `shared/vectors/README.md` §7 in their order, the
//! values to store, and the `pair-device-sign` reply.

use wa_protobuf::wa::AdvSignedDeviceIdentity;

use super::adv::{verify_device_identity, VerifiedIdentity};
use super::error::PairError;
use crate::binary::{Jid, Node};
use crate::crypto::KeyPair;
use crate::stanza::iq::client_error_reply;

/// A verified `pair-success`: who we now are and what to store.
#[derive(Clone, Debug, PartialEq)]
pub struct PairSuccess {
    /// `id` of the iq; the reply reuses it.
    pub iq_id: String,
    /// Our device JID (`<device jid>`), e.g. `15550000001:3@s.whatsapp.net`.
    pub id: Jid,
    /// Our LID device JID (`<device lid>`), when the server sent one.
    pub lid: Option<Jid>,
    /// Business name (`<biz name>`), for business accounts.
    pub business_name: Option<String>,
    /// The phone's platform (`<platform name>`), e.g. `android`, `smbi`.
    pub platform: Option<String>,
    /// The verified and countersigned device identity.
    pub identity: VerifiedIdentity,
}

/// The phone's identity key, to be trusted for its primary device (device 0) before any
/// Signal session with it exists (whatsmeow `PutIdentity(mainDeviceLID)`, Baileys
/// `createSignalIdentity(lid, accountSignatureKey)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryIdentity {
    /// The address it is stored under: our LID as the server sent it (`None` without a LID).
    pub name: Option<Jid>,
    /// Always 0: the primary device.
    pub device_id: u16,
    /// `05` ‖ `accountSignatureKey`.
    pub identity_key: [u8; 33],
}

impl PairSuccess {
    /// The `ADVSignedDeviceIdentity` to store as our account (with `accountSignatureKey` and
    /// our device signature).
    pub fn account(&self) -> &AdvSignedDeviceIdentity {
        &self.identity.account
    }

    /// The phone's identity to trust.
    pub fn primary_identity(&self) -> PrimaryIdentity {
        PrimaryIdentity {
            name: self.lid.clone(),
            device_id: 0,
            identity_key: self.identity.primary_identity_key(),
        }
    }

    /// `<iq to="@s.whatsapp.net" type="result" id=…><pair-device-sign><device-identity
    /// key-index=…>…</device-identity></pair-device-sign></iq>`.
    pub fn reply(&self) -> Node {
        let device_identity = Node::build("device-identity")
            .attr("key-index", self.identity.key_index().to_string())
            .bytes(self.identity.reply_device_identity());
        Node::build("iq")
            .attr("to", Jid::server_jid())
            .attr("type", "result")
            .attr("id", self.iq_id.clone())
            .child(Node::build("pair-device-sign").child(device_identity))
            .finish()
    }
}

/// Processes a `pair-success` iq with our identity key and ADV secret.
///
/// Order (all must pass): `<device-identity>` and `<device>` exist, else
/// [`PairError::MissingNode`]; the HMAC, else [`PairError::HmacMismatch`]; the account
/// signature, else [`PairError::AccountSignatureInvalid`]. Only then are the JIDs read.
pub fn handle_pair_success(
    iq: &Node,
    adv_secret: &[u8; 32],
    identity: &KeyPair,
) -> Result<PairSuccess, PairError> {
    let success = iq
        .child("pair-success")
        .ok_or(PairError::MissingNode("pair-success"))?;
    let device_identity = success
        .child("device-identity")
        .ok_or(PairError::MissingNode("device-identity"))?;
    let device = success
        .child("device")
        .ok_or(PairError::MissingNode("device"))?;
    let bytes = device_identity
        .bytes()
        .ok_or(PairError::MissingContent("device-identity"))?;

    let verified = verify_device_identity(bytes, adv_secret, identity)?;

    let iq_id = iq
        .attr_str("id")
        .ok_or(PairError::BadAttribute {
            tag: "iq",
            attr: "id",
        })?
        .into_owned();
    let id = device.attr_jid("jid").ok_or(PairError::BadAttribute {
        tag: "device",
        attr: "jid",
    })?;
    let lid = match device.attr("lid") {
        None => None,
        Some(v) => Some(v.to_jid().ok_or(PairError::BadAttribute {
            tag: "device",
            attr: "lid",
        })?),
    };
    let attr_of = |tag: &str| {
        success
            .child(tag)
            .and_then(|n| n.attr_str("name"))
            .map(|s| s.into_owned())
    };
    Ok(PairSuccess {
        iq_id,
        id,
        lid,
        business_name: attr_of("biz"),
        platform: attr_of("platform"),
        identity: verified,
    })
}

/// The error reply whatsmeow sends when pairing fails (`sendPairError`):
/// `<iq to="@s.whatsapp.net" type="error" id=…><error code=… text=…/></iq>`.
pub fn pair_error_reply(iq_id: &str, error: &PairError) -> Node {
    let (code, text) = error.reply_code();
    pair_error_reply_with(iq_id, code, text)
}

/// The same error reply with an explicit code and text, for failures that are not a
/// [`PairError`] (whatsmeow answers a pairing it cannot store with 500 `internal-error`).
pub fn pair_error_reply_with(iq_id: &str, code: u16, text: &str) -> Node {
    client_error_reply(iq_id, code, text)
}
