//! The `pair-device` iq: the refs to turn into QR codes, and the immediate acknowledgement.

use super::error::PairError;
use crate::binary::{Jid, Node};

/// A parsed `pair-device` iq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairDevice {
    /// `id` of the iq; the acknowledgement reuses it.
    pub iq_id: String,
    /// The refs, in order: one QR code each.
    pub refs: Vec<String>,
}

impl PairDevice {
    /// `<iq to="@s.whatsapp.net" type="result" id=…/>`, sent before showing any code.
    pub fn ack(&self) -> Node {
        Node::build("iq")
            .attr("to", Jid::server_jid())
            .attr("type", "result")
            .attr("id", self.iq_id.clone())
            .finish()
    }
}

/// Reads the refs of `<iq><pair-device><ref>…</ref>…</pair-device></iq>`. A ref may arrive as
/// bytes or as a string; either must be UTF-8 text.
pub fn parse_pair_device(iq: &Node) -> Result<PairDevice, PairError> {
    let pair_device = iq
        .child("pair-device")
        .ok_or(PairError::MissingNode("pair-device"))?;
    let iq_id = iq
        .attr_str("id")
        .ok_or(PairError::BadAttribute {
            tag: "iq",
            attr: "id",
        })?
        .into_owned();
    let refs = pair_device
        .children_by_tag("ref")
        .map(|r| {
            let bytes = r.content_bytes().ok_or(PairError::MissingContent("ref"))?;
            std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|_| PairError::InvalidRef)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PairDevice { iq_id, refs })
}
