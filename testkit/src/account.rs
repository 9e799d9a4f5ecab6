//! Answers about the account and its contacts that real clients ask for after login: the
//! prekey digest, the privacy settings, and a presence subscription (answered with the
//! contact's presence at once, as the real server does).

use std::collections::HashMap;

use wa_protocol::binary::Node;
use wa_protocol::stanza::digest::digest_node;
use wa_protocol::stanza::iq::server_error_reply;
use wa_protocol::stanza::presence::parse_subscribe;
use wa_protocol::stanza::privacy::{privacy_node, DEFAULT_SETTINGS};

use crate::contact::Contact;
use crate::handlers::result;
use crate::server::FakeServer;
use crate::stanzas;
use crate::state::{DeviceKey, Shared};

/// Contacts' presence as a subscription reports it, by phone number: (available, last seen).
#[derive(Debug, Default)]
pub(crate) struct PresenceBook {
    pub by_phone: HashMap<u64, (bool, Option<u64>)>,
}

impl Contact {
    /// Sets what a presence subscription to this contact answers (unavailable, last seen
    /// unknown, until set).
    pub fn set_presence(&self, server: &FakeServer, available: bool, last_seen: Option<u64>) {
        server
            .shared
            .state()
            .presence
            .by_phone
            .insert(self.phone(), (available, last_seen));
    }
}

/// The `<digest>` of what the server holds for `device`; 404 when it holds nothing (a client
/// then uploads its prekeys again, whatsapp-rust `validate_digest_key`).
pub(crate) fn digest(shared: &Shared, device: DeviceKey, id: &str) -> Node {
    let st = shared.state();
    match st.prekeys.get(&device) {
        Some(k) => result(
            id,
            vec![digest_node(
                k.registration_id,
                &k.identity,
                (
                    k.signed_prekey_id,
                    &k.signed_prekey,
                    &k.signed_prekey_signature,
                ),
                &k.prekeys,
            )],
        ),
        None => server_error_reply(id, 404, "item-not-found"),
    }
}

/// The account's privacy settings (every account here has the defaults).
pub(crate) fn privacy(id: &str) -> Node {
    result(id, vec![privacy_node(DEFAULT_SETTINGS)])
}

/// The answer to a `<presence type="subscribe" to=contact>`: the contact's presence;
/// `None` for other stanzas and for JIDs that are not contacts.
pub(crate) fn presence_subscribe(shared: &Shared, node: &Node) -> Option<Node> {
    let to = parse_subscribe(node)?;
    let phone = to.user.parse::<u64>().ok().filter(|_| to.is_pn())?;
    let st = shared.state();
    st.contacts.get(&phone)?;
    let (available, last) = st
        .presence
        .by_phone
        .get(&phone)
        .copied()
        .unwrap_or((false, None));
    Some(stanzas::presence(&to.to_non_ad(), available, last))
}
