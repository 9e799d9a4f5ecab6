//! The server's and primary phone's side of the phone-number pairing nodes
//! (`shared/protocol/pairing.md` §3), beside the companion's in [`super::link_code`]: reading
//! the companion hello and finish, answering the hello with a pairing ref, and the primary's
//! notification. The crypto of the primary lives in [`super::code_primary`].

use super::code::WRAPPED_KEY_LEN;
use super::error::PairCodeError;
use super::link_code::{bytes_child, child_bytes, LINK_CODE_REG};
use crate::binary::Node;
use crate::crypto::PublicKey;
use crate::stanza::iq::SERVER;

/// A companion's `stage="companion_hello"`, as the server reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloRequest {
    /// The phone number the companion wants to be linked to (digits of the `jid` user).
    pub phone: String,
    /// `salt ‖ iv ‖ AES-CTR(code key, companion ephemeral)`.
    pub wrapped_ephemeral: [u8; WRAPPED_KEY_LEN],
    /// The companion's Noise static key (`companion_server_auth_key_pub`).
    pub noise_key: PublicKey,
    /// `companion_platform_id`.
    pub platform_id: String,
    /// `companion_platform_display`.
    pub platform_display: String,
}

fn reg_of(iq: &Node) -> Result<&Node, PairCodeError> {
    iq.child(LINK_CODE_REG)
        .ok_or(PairCodeError::MissingNode(LINK_CODE_REG))
}

fn text(reg: &Node, tag: &'static str) -> Result<String, PairCodeError> {
    std::str::from_utf8(child_bytes(reg, tag)?)
        .map(str::to_owned)
        .map_err(|_| PairCodeError::MissingNode(tag))
}

fn key(reg: &Node, tag: &'static str) -> Result<PublicKey, PairCodeError> {
    PublicKey::from_slice(child_bytes(reg, tag)?).ok_or(PairCodeError::BadLength(tag))
}

/// Reads what [`super::link_code::companion_hello_iq`] builds. The phone number is checked
/// as the companion checks it ([`super::link_code::validate_phone`]).
pub fn parse_companion_hello(iq: &Node) -> Result<HelloRequest, PairCodeError> {
    let reg = reg_of(iq)?;
    let phone = reg
        .attr_jid("jid")
        .map(|j| j.user)
        .ok_or(PairCodeError::InvalidPhone)?;
    super::link_code::validate_phone(&phone)?;
    const WRAPPED: &str = "link_code_pairing_wrapped_companion_ephemeral_pub";
    let wrapped_ephemeral = <[u8; WRAPPED_KEY_LEN]>::try_from(child_bytes(reg, WRAPPED)?)
        .map_err(|_| PairCodeError::BadLength(WRAPPED))?;
    Ok(HelloRequest {
        phone,
        wrapped_ephemeral,
        noise_key: key(reg, "companion_server_auth_key_pub")?,
        platform_id: text(reg, "companion_platform_id")?,
        platform_display: text(reg, "companion_platform_display")?,
    })
}

/// The `<link_code_companion_reg><link_code_pairing_ref/>` the server answers a hello with
/// (read by [`super::link_code::parse_hello_response`]).
pub fn hello_response_node(pairing_ref: &[u8]) -> Node {
    Node::build(LINK_CODE_REG)
        .child(bytes_child("link_code_pairing_ref", pairing_ref.to_vec()))
        .finish()
}

/// The primary's `<notification type="link_code_companion_reg">` with its wrapped ephemeral
/// key and identity (read by [`super::link_code::parse_primary_hello`]).
pub fn primary_hello_notification(
    id: String,
    t: u64,
    pairing_ref: &[u8],
    wrapped_primary_ephemeral: &[u8; WRAPPED_KEY_LEN],
    primary_identity: &PublicKey,
) -> Node {
    Node::build("notification")
        .attr("type", LINK_CODE_REG)
        .attr("from", SERVER)
        .attr("id", id)
        .attr("t", t.to_string())
        .child(
            Node::build(LINK_CODE_REG)
                .attr("stage", "primary_hello")
                .children([
                    bytes_child("link_code_pairing_ref", pairing_ref.to_vec()),
                    bytes_child(
                        "link_code_pairing_wrapped_primary_ephemeral_pub",
                        wrapped_primary_ephemeral.to_vec(),
                    ),
                    bytes_child("primary_identity_pub", primary_identity.as_bytes().to_vec()),
                ]),
        )
        .finish()
}

/// A companion's `stage="companion_finish"`, as the primary reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinishRequest {
    /// `bundleSalt ‖ nonce ‖ AES-GCM(...)`, for [`super::code_primary::open_key_bundle`].
    pub wrapped_key_bundle: Vec<u8>,
    /// The identity key the companion names.
    pub companion_identity: PublicKey,
}

/// Reads what [`super::link_code::companion_finish_iq`] builds and checks its pairing ref.
pub fn parse_companion_finish(
    iq: &Node,
    expected_ref: &[u8],
) -> Result<FinishRequest, PairCodeError> {
    let reg = reg_of(iq)?;
    if child_bytes(reg, "link_code_pairing_ref")? != expected_ref {
        return Err(PairCodeError::RefMismatch);
    }
    Ok(FinishRequest {
        wrapped_key_bundle: child_bytes(reg, "link_code_pairing_wrapped_key_bundle")?.to_vec(),
        companion_identity: key(reg, "companion_identity_public")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::pairing::code::{companion_finish, wrap_ephemeral, FinishRandom};
    use crate::pairing::link_code::{
        companion_finish_iq, companion_hello_iq, parse_hello_response, parse_primary_hello,
        CompanionHello,
    };

    const CODE: &str = "ABCD2345";

    #[test]
    fn each_node_reads_back_on_the_other_side() {
        let noise = [4u8; 32];
        let wrapped = wrap_ephemeral(CODE, &[7; 32], &[1; 32], &[2; 16]).expect("wrap");
        let hello = CompanionHello {
            phone: "15551234567",
            wrapped_ephemeral: wrapped,
            noise_public: &noise,
            platform_id: "1",
            platform_display: "Chrome (Linux)",
            show_push_notification: true,
        };
        let iq = companion_hello_iq("x1", &hello).expect("valid");
        let req = parse_companion_hello(&iq).expect("parses");
        assert_eq!(req.phone, "15551234567");
        assert_eq!(req.wrapped_ephemeral, wrapped);
        assert_eq!(req.noise_key, PublicKey(noise));
        assert_eq!(req.platform_id, "1");
        assert_eq!(req.platform_display, "Chrome (Linux)");
        assert_eq!(
            parse_companion_hello(&Node::new("iq")),
            Err(PairCodeError::MissingNode(LINK_CODE_REG))
        );

        let answer = Node::build("iq")
            .child(hello_response_node(b"REF"))
            .finish();
        assert_eq!(parse_hello_response(&answer), Ok(b"REF".to_vec()));

        let phone = KeyPair::from_private_bytes([9; 32]);
        let note = primary_hello_notification("n".into(), 1, b"REF", &wrapped, &phone.public);
        let primary = parse_primary_hello(&note, b"REF").expect("parses");
        assert_eq!(primary.wrapped_primary_ephemeral, wrapped.to_vec());
        assert_eq!(primary.primary_identity_public, phone.public.0);
        assert_eq!(
            parse_primary_hello(&note, b"OTHER"),
            Err(PairCodeError::RefMismatch)
        );

        let eph = KeyPair::from_private_bytes([10; 32]);
        let id = KeyPair::from_private_bytes([11; 32]);
        let random = FinishRandom {
            bundle_salt: [1; 32],
            nonce: [2; 12],
            adv_random: [3; 32],
        };
        let fin = companion_finish(CODE, &eph, &id, &wrapped, phone.public.as_bytes(), &random)
            .expect("finishes");
        let iq = companion_finish_iq("x2", "15551234567", &fin, id.public.as_bytes(), b"REF")
            .expect("valid");
        let got = parse_companion_finish(&iq, b"REF").expect("parses");
        assert_eq!(got.wrapped_key_bundle, fin.wrapped_key_bundle);
        assert_eq!(got.companion_identity, id.public);
        assert_eq!(
            parse_companion_finish(&iq, b"OTHER"),
            Err(PairCodeError::RefMismatch)
        );
    }
}
