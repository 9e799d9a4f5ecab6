//! The sender key distribution message: `0x33 ‖ protobuf`, carrying a chain key (secret).

use prost::Message as _;
use wa_protobuf::signal as pb;

use super::super::error::SignalError;
use super::super::keys::{parse_public, serialize_public};
use super::{required, split_version, VERSION_BYTE};
use crate::crypto::PublicKey;

/// A `SenderKeyDistributionMessage`: hands a sender's chain state to group members.
#[derive(Clone, PartialEq, Eq)]
pub struct SenderKeyDistributionMessage {
    /// Sender key id.
    pub key_id: u32,
    /// Iteration of `chain_key`.
    pub iteration: u32,
    /// Chain key at `iteration` (secret).
    pub chain_key: [u8; 32],
    /// The sender's signing public key.
    pub signing_key: PublicKey,
}

impl std::fmt::Debug for SenderKeyDistributionMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderKeyDistributionMessage")
            .field("key_id", &self.key_id)
            .field("iteration", &self.iteration)
            .field("chain_key", &"<redacted>")
            .field("signing_key", &self.signing_key)
            .finish()
    }
}

impl Drop for SenderKeyDistributionMessage {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.chain_key);
    }
}

impl SenderKeyDistributionMessage {
    /// Parses `0x33 ‖ protobuf`.
    pub fn parse(bytes: &[u8]) -> Result<Self, SignalError> {
        const WHAT: &str = "SenderKeyDistributionMessage";
        let body = split_version(bytes, WHAT)?;
        let msg = pb::SenderKeyDistributionMessage::decode(body)
            .map_err(|_| SignalError::BadProtobuf(WHAT))?;
        let chain = required(msg.chain_key, WHAT, "chainKey")?;
        let chain_key =
            <[u8; 32]>::try_from(chain.as_slice()).map_err(|_| SignalError::BadLength {
                field: "chainKey",
                len: chain.len(),
            })?;
        Ok(Self {
            key_id: required(msg.id, WHAT, "id")?,
            iteration: required(msg.iteration, WHAT, "iteration")?,
            chain_key,
            signing_key: parse_public(
                &required(msg.signing_key, WHAT, "signingKey")?,
                "signingKey",
            )?,
        })
    }

    /// Serializes as `0x33 ‖ protobuf`.
    pub fn serialize(&self) -> Vec<u8> {
        let proto = pb::SenderKeyDistributionMessage {
            id: Some(self.key_id),
            iteration: Some(self.iteration),
            chain_key: Some(self.chain_key.to_vec()),
            signing_key: Some(serialize_public(&self.signing_key).to_vec()),
        }
        .encode_to_vec();
        let mut out = Vec::with_capacity(1 + proto.len());
        out.push(VERSION_BYTE);
        out.extend_from_slice(&proto);
        out
    }
}
