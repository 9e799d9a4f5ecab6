//! The nodes of phone-number pairing (`shared/protocol/pairing.md` §3): the companion hello,
//! the server's answer, the primary's notification and the companion finish.
//! The crypto lives in [`super::code`].

use super::code::{CompanionFinish, WRAPPED_KEY_LEN};
use super::error::PairCodeError;
use crate::binary::{Jid, Node};

/// The `<link_code_companion_reg>` element of every phone-number pairing stanza, and the
/// `type` of the primary's notification.
pub const LINK_CODE_REG: &str = "link_code_companion_reg";
const REG: &str = LINK_CODE_REG;

/// What the companion announces in `companion_hello`.
#[derive(Clone, Debug)]
pub struct CompanionHello<'a> {
    /// The account's phone number: international digits, no `+`.
    pub phone: &'a str,
    /// [`super::code::wrap_ephemeral`] of our ephemeral public key.
    pub wrapped_ephemeral: [u8; WRAPPED_KEY_LEN],
    /// Our Noise static public key.
    pub noise_public: &'a [u8; 32],
    /// Companion platform id ([`super::qr::companion_platform_id`]).
    pub platform_id: &'a str,
    /// Shown on the phone, e.g. `Chrome (Linux)`.
    pub platform_display: &'a str,
    /// Whether the phone should get a push notification.
    pub show_push_notification: bool,
}

/// Checks the phone number the way whatsmeow does: digits only, more than 6, no leading 0.
pub fn validate_phone(phone: &str) -> Result<(), PairCodeError> {
    if phone.len() > 6 && phone.bytes().all(|b| b.is_ascii_digit()) && !phone.starts_with('0') {
        Ok(())
    } else {
        Err(PairCodeError::InvalidPhone)
    }
}

pub(super) fn bytes_child(tag: &'static str, bytes: impl Into<Vec<u8>>) -> Node {
    Node::build(tag).bytes(bytes).finish()
}

fn md_iq(id: &str, reg: Node) -> Node {
    Node::build("iq")
        .attr("to", Jid::server_jid())
        .attr("type", "set")
        .attr("id", id.to_owned())
        .attr("xmlns", "md")
        .child(reg)
        .finish()
}

/// `<iq type="set" xmlns="md"><link_code_companion_reg stage="companion_hello" …>`.
pub fn companion_hello_iq(id: &str, hello: &CompanionHello<'_>) -> Result<Node, PairCodeError> {
    validate_phone(hello.phone)?;
    let reg = Node::build(REG)
        .attr("jid", Jid::pn(hello.phone))
        .attr("stage", "companion_hello")
        .attr(
            "should_show_push_notification",
            if hello.show_push_notification {
                "true"
            } else {
                "false"
            },
        )
        .children([
            bytes_child(
                "link_code_pairing_wrapped_companion_ephemeral_pub",
                hello.wrapped_ephemeral.to_vec(),
            ),
            bytes_child("companion_server_auth_key_pub", hello.noise_public.to_vec()),
            bytes_child("companion_platform_id", hello.platform_id.as_bytes()),
            bytes_child(
                "companion_platform_display",
                hello.platform_display.as_bytes(),
            ),
            // Baileys and whatsapp-rust send ASCII "0" here; whatsmeow a single zero byte.
            bytes_child("link_code_pairing_nonce", b"0".to_vec()),
        ])
        .finish();
    Ok(md_iq(id, reg))
}

pub(super) fn child_bytes<'a>(reg: &'a Node, tag: &'static str) -> Result<&'a [u8], PairCodeError> {
    reg.child(tag)
        .and_then(Node::content_bytes)
        .ok_or(PairCodeError::MissingNode(tag))
}

/// The pairing ref from the server's answer to the companion hello.
pub fn parse_hello_response(iq: &Node) -> Result<Vec<u8>, PairCodeError> {
    let reg = iq.child(REG).ok_or(PairCodeError::MissingNode(REG))?;
    Ok(child_bytes(reg, "link_code_pairing_ref")?.to_vec())
}

/// What the primary sends once the user typed the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimaryHello {
    /// The primary's wrapped ephemeral public key (≥ 80 bytes).
    pub wrapped_primary_ephemeral: Vec<u8>,
    /// The primary's identity public key.
    pub primary_identity_public: [u8; 32],
}

/// Reads `<notification type="link_code_companion_reg">` and checks its ref against ours.
pub fn parse_primary_hello(
    notification: &Node,
    expected_ref: &[u8],
) -> Result<PrimaryHello, PairCodeError> {
    let reg = notification
        .child(REG)
        .ok_or(PairCodeError::MissingNode(REG))?;
    if child_bytes(reg, "link_code_pairing_ref")? != expected_ref {
        return Err(PairCodeError::RefMismatch);
    }
    let wrapped = child_bytes(reg, "link_code_pairing_wrapped_primary_ephemeral_pub")?;
    if wrapped.len() < WRAPPED_KEY_LEN {
        return Err(PairCodeError::WrappedKeyTooShort(wrapped.len()));
    }
    let identity = child_bytes(reg, "primary_identity_pub")?;
    let primary_identity_public = <[u8; 32]>::try_from(identity)
        .map_err(|_| PairCodeError::BadPrimaryIdentity(identity.len()))?;
    Ok(PrimaryHello {
        wrapped_primary_ephemeral: wrapped.to_vec(),
        primary_identity_public,
    })
}

/// `<iq type="set" xmlns="md"><link_code_companion_reg stage="companion_finish" …>`.
pub fn companion_finish_iq(
    id: &str,
    phone: &str,
    finish: &CompanionFinish,
    identity_public: &[u8; 32],
    pairing_ref: &[u8],
) -> Result<Node, PairCodeError> {
    validate_phone(phone)?;
    let reg = Node::build(REG)
        .attr("jid", Jid::pn(phone))
        .attr("stage", "companion_finish")
        .children([
            bytes_child(
                "link_code_pairing_wrapped_key_bundle",
                finish.wrapped_key_bundle.clone(),
            ),
            bytes_child("companion_identity_public", identity_public.to_vec()),
            bytes_child("link_code_pairing_ref", pairing_ref.to_vec()),
        ])
        .finish();
    Ok(md_iq(id, reg))
}
