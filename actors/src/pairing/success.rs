//! What a verified `pair-success` changes: the device identity gains its JIDs and signed
//! account, and the phone's identity key becomes trusted for its device 0. Both go into one
//! batch so a crash never leaves half a pairing behind.

use prost::Message as _;
use wa_protocol::binary::{Jid, Node, Server};
use wa_protocol::pairing::PairSuccess;
use wa_protocol::signal::signal_address;

use crate::events;
use crate::store::{Batch, DeviceData, Namespace};

/// The device identity after pairing.
pub(crate) fn paired_device(device: &DeviceData, success: &PairSuccess) -> DeviceData {
    let mut paired = device.clone();
    paired.jid = Some(success.id.clone());
    paired.lid = success.lid.clone();
    paired.platform = success.platform.clone().unwrap_or_default();
    paired.business_name = success.business_name.clone().unwrap_or_default();
    paired.adv_signed_identity = Some(success.account().encode_to_vec());
    paired
}

/// Every write of a successful pairing, to apply atomically before the reply is sent.
pub(crate) fn pairing_batch(paired: DeviceData, success: &PairSuccess) -> Batch {
    let primary = success.primary_identity();
    // The phone is device 0 of our own account; its identity is trusted under the LID
    // address when there is one (whatsmeow `PutIdentity(mainDeviceLID)`), else the PN one.
    let owner = primary
        .name
        .clone()
        .unwrap_or_else(|| success.id.clone())
        .with_device(primary.device_id);
    Batch::new().save_device(paired).put(
        Namespace::IDENTITIES,
        signal_address(&owner).into_bytes(),
        primary.identity_key[1..].to_vec(),
    )
}

fn empty(server: Server) -> Jid {
    Jid::new("", server)
}

/// The `PairError` event for a `pair-success` that failed a check: the JIDs and names are
/// read best-effort from the (unverified) stanza, for the application's logs.
pub(crate) fn pair_error_event(iq: &Node, error: String) -> events::PairError {
    let success = iq.child("pair-success");
    let device = success.and_then(|s| s.child("device"));
    let name_of = |tag: &str| {
        success
            .and_then(|s| s.child(tag))
            .and_then(|n| n.attr_str("name"))
            .map(|s| s.into_owned())
            .unwrap_or_default()
    };
    events::PairError {
        id: device
            .and_then(|d| d.attr_jid("jid"))
            .unwrap_or_else(|| empty(Server::DefaultUser)),
        lid: device
            .and_then(|d| d.attr_jid("lid"))
            .unwrap_or_else(|| empty(Server::Lid)),
        business_name: name_of("biz"),
        platform: name_of("platform"),
        error,
    }
}

/// The `PairError` event for a phone-number exchange that failed before any `pair-success`:
/// only the number the user gave is known.
pub(crate) fn pair_code_error_event(phone: &str, error: String) -> events::PairError {
    events::PairError {
        id: Jid::pn(phone),
        lid: empty(Server::Lid),
        business_name: String::new(),
        platform: String::new(),
        error,
    }
}

/// The `PairSuccess` event of a verified pairing.
pub(crate) fn pair_success_event(success: &PairSuccess) -> events::PairSuccess {
    events::PairSuccess {
        id: success.id.clone(),
        lid: success.lid.clone().unwrap_or_else(|| empty(Server::Lid)),
        business_name: success.business_name.clone().unwrap_or_default(),
        platform: success.platform.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_event_reads_what_it_can() {
        let iq = Node::build("iq")
            .child(
                Node::build("pair-success")
                    .child(
                        Node::build("device")
                            .attr("jid", Jid::pn("155").with_device(2))
                            .finish(),
                    )
                    .child(Node::build("platform").attr("name", "android").finish())
                    .finish(),
            )
            .finish();
        let e = pair_error_event(&iq, "bad".into());
        assert_eq!(e.id, Jid::pn("155").with_device(2));
        assert_eq!(e.lid, empty(Server::Lid));
        assert_eq!(e.platform, "android");
        assert_eq!(e.error, "bad");
        let e = pair_error_event(&Node::new("iq"), "x".into());
        assert_eq!(e.id, empty(Server::DefaultUser));
    }
}
