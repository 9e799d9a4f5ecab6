//! What the server answers to each node a client sends: replies to its own iqs go to the
//! waiting test, prekey and pair-code iqs are served, every other iq gets an empty result.

use wa_protocol::binary::Node;
use wa_protocol::media::conn::{is_media_conn_request, media_conn_reply};
use wa_protocol::pairing::link_code::LINK_CODE_REG;
use wa_protocol::pairing::link_code_server::hello_response_node;
use wa_protocol::stanza::iq::{server_error_reply, SERVER};
use wa_protocol::stanza::prekeys_server::{count_node, parse_upload_iq};
use wa_protocol::stanza::privacy::is_privacy_get;

use crate::registration::parse_companion_hello;
use crate::server::random_id;
use crate::state::{DeviceKey, Shared};
use crate::{outgoing, prekeys};

/// `<iq type="result" id from>children</iq>`.
pub(crate) fn result(id: &str, children: Vec<Node>) -> Node {
    let b = Node::build("iq")
        .attr("id", id.to_owned())
        .attr("type", "result")
        .attr("from", SERVER);
    if children.is_empty() {
        b.finish()
    } else {
        b.children(children).finish()
    }
}

fn is(node: &Node, attr: &str, value: &str) -> bool {
    node.attr(attr).is_some_and(|v| v.eq_str(value))
}

/// Handles one node from connection `conn` (logged in as `device`, if it is); returns the
/// reply to send, if any.
pub(crate) fn handle(
    shared: &Shared,
    conn: u64,
    device: Option<DeviceKey>,
    node: &Node,
) -> Option<Node> {
    if node.tag == "message" {
        return device.map(|d| outgoing::on_client_message(shared, d, node));
    }
    if node.tag == "presence" {
        return crate::account::presence_subscribe(shared, node);
    }
    if node.tag != "iq" {
        return None;
    }
    let id = node.attr_str("id")?.into_owned();
    if is(node, "type", "result") || is(node, "type", "error") {
        // The answer to one of the server's own iqs (pair-device, pair-success, ...).
        let waiter = shared.state().pending.remove(&(conn, id));
        if let Some(waiter) = waiter {
            let _ = waiter.send(node.clone());
        }
        return None;
    }
    if !(is(node, "type", "get") || is(node, "type", "set")) {
        return None;
    }
    if is_media_conn_request(node) {
        let host = shared.state().media.clone();
        return match host {
            Some(host) => media_conn_reply(node, &host.media_conn()),
            None => Some(server_error_reply(&id, 404, "item-not-found")),
        };
    }
    if is(node, "xmlns", "encrypt") {
        return Some(encrypt(shared, device, &id, node));
    }
    if is_privacy_get(node) {
        return Some(crate::account::privacy(&id));
    }
    if is(node, "xmlns", wa_protocol::appstate::SYNC_XMLNS) {
        return Some(crate::app_state::sync_iq(shared, device, &id, node));
    }
    if is(node, "xmlns", "usync") {
        return Some(crate::directory::usync(shared, &id, node));
    }
    if is(node, "xmlns", "w:g2") {
        if let Some(reply) = crate::directory::groups(shared, device, &id, node) {
            return Some(reply);
        }
    }
    if is(node, "xmlns", "md") {
        if let Some(reg) = node.child(LINK_CODE_REG) {
            return Some(link_code(shared, conn, &id, node, reg));
        }
    }
    Some(result(&id, Vec::new()))
}

fn encrypt(shared: &Shared, device: Option<DeviceKey>, id: &str, node: &Node) -> Node {
    let Some(device) = device else {
        return server_error_reply(id, 401, "not-authorized");
    };
    if is(node, "type", "get") && node.child("count").is_some() {
        let n = prekeys::count(&shared.state(), device);
        return result(id, vec![count_node(n as u64)]);
    }
    if is(node, "type", "get") && node.child("digest").is_some() {
        return crate::account::digest(shared, device, id);
    }
    if is(node, "type", "get") && node.child("key").is_some() {
        let list = prekeys::fetch_bundles(&mut shared.state(), node);
        shared.notify();
        return result(id, vec![list]);
    }
    if is(node, "type", "set") && node.child("registration").is_some() {
        return match parse_upload_iq(node) {
            Ok(upload) => {
                {
                    let mut st = shared.state();
                    prekeys::apply_upload(&mut st, device, upload);
                    crate::app_state::after_prekey_upload(&mut st, device);
                    crate::history::after_first_upload(&mut st, device);
                }
                shared.notify();
                result(id, Vec::new())
            }
            Err(e) => {
                tracing::debug!(error = %e, "refused prekey upload");
                server_error_reply(id, 400, "bad-request")
            }
        };
    }
    result(id, Vec::new())
}

fn link_code(shared: &Shared, conn: u64, id: &str, iq: &Node, reg: &Node) -> Node {
    if is(reg, "stage", "companion_hello") {
        let pairing_ref = random_id();
        return match parse_companion_hello(conn, iq, pairing_ref.clone()) {
            Ok(request) => {
                shared.state().code_requests.push((request, false));
                shared.notify();
                result(id, vec![hello_response_node(pairing_ref.as_bytes())])
            }
            Err(e) => {
                tracing::debug!(error = %e, "refused companion_hello");
                server_error_reply(id, 400, "bad-request")
            }
        };
    }
    if is(reg, "stage", "companion_finish") {
        shared.state().code_finishes.insert(conn, iq.clone());
        shared.notify();
    }
    result(id, Vec::new())
}
