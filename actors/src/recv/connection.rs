//! Which events a connection's end and connection-level stanzas produce. One place, so the
//! mapping from protocol outcomes to the public event model is easy to audit.

use wa_protocol::binary::Node;
use wa_protocol::stanza::stream_error::ConnectionOutcome;

use wa_protocol::connection::EndReason;

use crate::conn::ConnDown;
use crate::events::{self, Event};

/// Events for a connection that ended.
pub(crate) fn events_for_down(down: &ConnDown) -> Vec<Event> {
    match down {
        ConnDown::Ended(EndReason::Server { outcome, node }) => match outcome {
            // An expected restart: the client is back in a moment, nothing to tell.
            ConnectionOutcome::RestartRequired => Vec::new(),
            ConnectionOutcome::Reconnect { .. } => vec![Event::Disconnected(events::Disconnected)],
            ConnectionOutcome::StreamError { code } => vec![
                Event::StreamError(events::StreamError {
                    code: code.clone(),
                    raw: Some((**node).clone()),
                }),
                Event::Disconnected(events::Disconnected),
            ],
            ConnectionOutcome::LoggedOut { on_connect, code } => {
                vec![Event::LoggedOut(events::LoggedOut {
                    on_connect: *on_connect,
                    reason: wa_protocol::stanza::codes::ConnectFailureReason::from_code(*code),
                })]
            }
            ConnectionOutcome::StreamReplaced => {
                vec![Event::StreamReplaced(events::StreamReplaced)]
            }
            ConnectionOutcome::ConnectFailure { reason, message } => {
                vec![Event::ConnectFailure(events::ConnectFailure {
                    reason: *reason,
                    message: message.clone(),
                    raw: Some((**node).clone()),
                })]
            }
            ConnectionOutcome::TemporaryBan { code, expire } => {
                vec![Event::TemporaryBan(events::TemporaryBan {
                    code: *code,
                    expire: *expire,
                })]
            }
            ConnectionOutcome::ClientOutdated => {
                vec![Event::ClientOutdated(events::ClientOutdated)]
            }
        },
        // Lost sockets, keepalive timeouts, unreadable ends, failed children.
        _ => vec![Event::Disconnected(events::Disconnected)],
    }
}

/// Events for `<ib>` stanzas: offline markers (history-sync.md; whatsmeow `handleIB`) and
/// `downgrade_webclient` (pairing.md §1 step 6).
pub(crate) fn offline_events(node: &Node) -> Vec<Event> {
    if node.tag != "ib" {
        return Vec::new();
    }
    let int = |n: &Node, k: &str| {
        n.attr_str(k)
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    if let Some(p) = node.child("offline_preview") {
        out.push(Event::OfflineSyncPreview(events::OfflineSyncPreview {
            total: int(p, "count"),
            app_data_changes: int(p, "appdata"),
            messages: int(p, "message"),
            notifications: int(p, "notification"),
            receipts: int(p, "receipt"),
        }));
    }
    if node.child("downgrade_webclient").is_some() {
        // The phone that scanned the QR code has no multi-device support.
        out.push(Event::QrScannedWithoutMultidevice(
            events::QrScannedWithoutMultidevice,
        ));
    }
    if let Some(o) = node.child("offline") {
        out.push(Event::OfflineSyncCompleted(events::OfflineSyncCompleted {
            count: int(o, "count"),
        }));
    }
    out
}
