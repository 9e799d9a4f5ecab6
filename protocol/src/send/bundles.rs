//! Fetching the prekey bundles of every device we have no session with, in one iq
//! (signal.md §2.4, server.md §7), and checking each before use.

use crate::binary::{Jid, Node};
use crate::signal::{PreKeyBundle, SignalError};
use crate::stanza::attrs::StanzaError;
use crate::stanza::iq::{build_iq, parse_error, IqType, SERVER};
use crate::stanza::prekey_nodes::parse_bundle;
use crate::stanza::prekeys::ENCRYPT_XMLNS;

/// Why one device's bundle cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The server answered this device with an `<error code>`.
    #[error("the server has no bundle ({code})")]
    Server {
        /// The server's code (404: the device never uploaded keys; 406: stale device list).
        code: u16,
    },
    /// The bundle is malformed.
    #[error(transparent)]
    Stanza(#[from] StanzaError),
    /// The signed prekey's signature does not verify with the bundle's identity key.
    #[error(transparent)]
    Signature(#[from] SignalError),
    /// The reply does not name this device.
    #[error("the reply has no entry for this device")]
    Missing,
}

/// One requested device and its checked bundle (or why there is none).
pub type FetchedBundle = (Jid, Result<PreKeyBundle, BundleError>);

/// `<iq xmlns="encrypt" type="get" to="s.whatsapp.net"><key><user jid reason="identity"/>…`
/// for `devices` (the router fills in the id).
pub fn key_fetch_iq(devices: &[Jid]) -> Node {
    let users = devices.iter().map(|d| {
        Node::build("user")
            .attr("jid", d.clone())
            .attr("reason", "identity")
            .finish()
    });
    build_iq(
        String::new(),
        IqType::Get,
        ENCRYPT_XMLNS,
        SERVER,
        vec![Node::build("key").children(users).finish()],
    )
}

/// The bundle of each of `requested`, in order, from the reply's `<list><user jid>…`; every
/// bundle's signed prekey is verified here, so no caller can forget to. Users the reply names
/// but we did not ask for are ignored.
pub fn parse_key_fetch_reply(reply: &Node, requested: &[Jid]) -> Vec<FetchedBundle> {
    let users: Vec<&Node> = reply
        .child("list")
        .map(|l| l.children_by_tag("user").collect())
        .unwrap_or_default();
    requested
        .iter()
        .map(|device| {
            let entry = users
                .iter()
                .find(|u| u.attr_jid("jid").as_ref() == Some(device));
            let result = match entry {
                None => Err(BundleError::Missing),
                Some(u) if u.child("error").is_some() => Err(BundleError::Server {
                    code: parse_error(u).code,
                }),
                Some(u) => parse_bundle(*u, "user")
                    .map_err(BundleError::from)
                    .and_then(|b| b.verify().map(|()| b).map_err(BundleError::from)),
            };
            (device.clone(), result)
        })
        .collect()
}
