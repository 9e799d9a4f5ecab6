//! Classifies the stanzas that end or refuse a connection — `<stream:error>`, `<failure>` and
//! `<xmlstreamend/>` — into what the client must do next.
//!
//! The table (ARCHITECTURE "Stream errors"; transport.md §7–§8; whatsmeow
//! `connectionevents.go` `handleStreamError`/`handleConnectFailure`, whatsapp-rust
//! `handle_stream_error`/`handle_connect_failure`):
//!
//! | stanza | outcome |
//! |---|---|
//! | `stream:error code=515` | [`ConnectionOutcome::RestartRequired`] (reconnect now, not a failure) |
//! | `stream:error` with `<conflict type="replaced"/>` | [`ConnectionOutcome::StreamReplaced`] |
//! | `stream:error code=401`, `<conflict type="device_removed"/>`, code 516 | [`ConnectionOutcome::LoggedOut`] |
//! | `stream:error code=503` | [`ConnectionOutcome::Reconnect`] with backoff |
//! | other `stream:error` | [`ConnectionOutcome::StreamError`] (reconnect with backoff) |
//! | `failure reason=401/403/406` | [`ConnectionOutcome::LoggedOut`] (on connect) |
//! | `failure reason=402` | [`ConnectionOutcome::TemporaryBan`] with `code` and `expire` |
//! | `failure reason=405` | [`ConnectionOutcome::ClientOutdated`] |
//! | other `failure` | [`ConnectionOutcome::ConnectFailure`]; reconnect only if `should_reconnect()` |
//! | `xmlstreamend` | [`ConnectionOutcome::Reconnect`] with backoff |

use std::time::Duration;

use super::codes::{ConnectFailureReason, TempBanReason};
use crate::binary::Node;

/// What the client does after a connection-ending stanza.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionOutcome {
    /// 515: the server asks for a fresh connection (normal after pairing). Reconnect at once;
    /// this is not a failure and does not advance the backoff.
    RestartRequired,
    /// The session is gone (401, device removed, 516, or a logged-out connect failure): wipe
    /// the stored session and do not reconnect.
    LoggedOut {
        /// True when it came as a `<failure>` on connect rather than a `<stream:error>`.
        on_connect: bool,
        /// The numeric code or reason, for logs.
        code: i32,
    },
    /// Another client took over this session; do not reconnect.
    StreamReplaced,
    /// A transient condition (503, stream end): reconnect with backoff.
    Reconnect {
        /// The stream error code if there was one.
        code: Option<i32>,
    },
    /// A `stream:error` no other rule covers: report it and reconnect with backoff.
    StreamError {
        /// The `code` attribute, verbatim (may be empty).
        code: String,
    },
    /// The login was refused for a reason without a dedicated outcome.
    ConnectFailure {
        /// The parsed reason.
        reason: ConnectFailureReason,
        /// The `message` attribute, empty when absent.
        message: String,
    },
    /// 402: the account is temporarily banned; do not reconnect before `expire`.
    TemporaryBan {
        /// Why, from the `code` attribute.
        code: TempBanReason,
        /// Time until the ban ends, from the `expire` attribute in seconds (zero = unknown).
        expire: Duration,
    },
    /// 405: this client version is too old; do not reconnect.
    ClientOutdated,
}

impl ConnectionOutcome {
    /// Whether the client should open a new connection after this outcome.
    pub fn should_reconnect(&self) -> bool {
        match self {
            Self::RestartRequired | Self::Reconnect { .. } | Self::StreamError { .. } => true,
            Self::ConnectFailure { reason, .. } => reason.should_reconnect(),
            Self::LoggedOut { .. }
            | Self::StreamReplaced
            | Self::TemporaryBan { .. }
            | Self::ClientOutdated => false,
        }
    }

    /// Whether reconnecting waits out the backoff (everything but 515 does).
    pub fn uses_backoff(&self) -> bool {
        !matches!(self, Self::RestartRequired)
    }
}

/// Why a connection-ending stanza could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamErrorParseError {
    /// The node is not `stream:error`, `failure` or `xmlstreamend`.
    #[error("not a connection-ending stanza: <{0}>")]
    NotConnectionStanza(String),
    /// `<failure>` without a numeric `reason`.
    #[error("failure without a numeric reason attribute")]
    MissingReason,
}

/// Classifies any connection-ending stanza; `None` when `node` is not one (so callers can ask
/// every inbound node).
pub fn classify(node: &Node) -> Option<Result<ConnectionOutcome, StreamErrorParseError>> {
    match node.tag.as_ref() {
        "stream:error" => Some(Ok(classify_stream_error(node))),
        "failure" => Some(classify_failure(node)),
        "xmlstreamend" => Some(Ok(ConnectionOutcome::Reconnect { code: None })),
        _ => None,
    }
}

/// Classifies a `<stream:error>` node. Never fails: an unknown shape is a generic stream error.
pub fn classify_stream_error(node: &Node) -> ConnectionOutcome {
    let code = node
        .attr_str("code")
        .map(|c| c.into_owned())
        .unwrap_or_default();
    let numeric = code.trim().parse::<i32>().ok();
    let conflict = node
        .child("conflict")
        .and_then(|c| c.attr_str("type").map(|t| t.into_owned()));
    match (numeric, conflict.as_deref()) {
        (_, Some("replaced")) => ConnectionOutcome::StreamReplaced,
        (_, Some("device_removed")) => ConnectionOutcome::LoggedOut {
            on_connect: false,
            code: numeric.unwrap_or(401),
        },
        (Some(515), _) => ConnectionOutcome::RestartRequired,
        // whatsapp-rust treats 516 as "device removed" as well.
        (Some(c @ (401 | 516)), _) => ConnectionOutcome::LoggedOut {
            on_connect: false,
            code: c,
        },
        (Some(503), _) => ConnectionOutcome::Reconnect { code: Some(503) },
        _ => ConnectionOutcome::StreamError { code },
    }
}

/// Classifies a `<failure reason=..>` node (a refused login).
pub fn classify_failure(node: &Node) -> Result<ConnectionOutcome, StreamErrorParseError> {
    if node.tag != "failure" {
        return Err(StreamErrorParseError::NotConnectionStanza(
            node.tag.to_string(),
        ));
    }
    let reason = node
        .attr_str("reason")
        .and_then(|r| r.trim().parse::<i32>().ok())
        .ok_or(StreamErrorParseError::MissingReason)?;
    let reason = ConnectFailureReason::from_code(reason);
    if reason.is_logged_out() {
        return Ok(ConnectionOutcome::LoggedOut {
            on_connect: true,
            code: reason.code(),
        });
    }
    Ok(match reason {
        ConnectFailureReason::TempBanned => {
            let code = node
                .attr_str("code")
                .and_then(|c| c.trim().parse::<i32>().ok())
                .unwrap_or(0);
            let expire = node
                .attr_str("expire")
                .and_then(|c| c.trim().parse::<u64>().ok())
                .unwrap_or(0);
            ConnectionOutcome::TemporaryBan {
                code: TempBanReason::from_code(code),
                expire: Duration::from_secs(expire),
            }
        }
        ConnectFailureReason::ClientOutdated => ConnectionOutcome::ClientOutdated,
        reason => ConnectionOutcome::ConnectFailure {
            reason,
            message: node
                .attr_str("message")
                .map(|m| m.into_owned())
                .unwrap_or_default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_error(code: Option<&'static str>, conflict: Option<&'static str>) -> Node {
        let mut b = Node::build("stream:error");
        if let Some(code) = code {
            b = b.attr("code", code);
        }
        if let Some(t) = conflict {
            b = b.child(Node::build("conflict").attr("type", t).finish());
        }
        b.finish()
    }

    fn failure(attrs: &[(&'static str, &'static str)]) -> Node {
        let mut b = Node::build("failure");
        for (k, v) in attrs {
            b = b.attr(*k, *v);
        }
        b.finish()
    }

    #[test]
    fn restart_required_is_immediate_and_not_a_failure() {
        let o = classify_stream_error(&stream_error(Some("515"), None));
        assert_eq!(o, ConnectionOutcome::RestartRequired);
        assert!(o.should_reconnect());
        assert!(!o.uses_backoff());
    }

    #[test]
    fn logged_out_variants() {
        for node in [
            stream_error(Some("401"), None),
            stream_error(Some("401"), Some("device_removed")),
            stream_error(None, Some("device_removed")),
            stream_error(Some("516"), None),
        ] {
            let o = classify_stream_error(&node);
            assert!(
                matches!(
                    o,
                    ConnectionOutcome::LoggedOut {
                        on_connect: false,
                        ..
                    }
                ),
                "{node:?} gave {o:?}"
            );
            assert!(!o.should_reconnect());
        }
    }

    #[test]
    fn conflict_replaced_wins_over_code() {
        for code in [None, Some("401"), Some("409"), Some("440")] {
            let o = classify_stream_error(&stream_error(code, Some("replaced")));
            assert_eq!(o, ConnectionOutcome::StreamReplaced);
            assert!(!o.should_reconnect());
        }
    }

    #[test]
    fn service_unavailable_reconnects_with_backoff() {
        let o = classify_stream_error(&stream_error(Some("503"), None));
        assert_eq!(o, ConnectionOutcome::Reconnect { code: Some(503) });
        assert!(o.should_reconnect() && o.uses_backoff());
    }

    #[test]
    fn other_codes_are_generic_stream_errors() {
        for code in ["500", "429", "409", "abc", ""] {
            let o = classify_stream_error(&stream_error(Some(code), None));
            assert_eq!(
                o,
                ConnectionOutcome::StreamError {
                    code: code.to_string()
                }
            );
            assert!(o.should_reconnect() && o.uses_backoff());
        }
        assert_eq!(
            classify_stream_error(&stream_error(None, Some("something_new"))),
            ConnectionOutcome::StreamError {
                code: String::new()
            }
        );
    }

    #[test]
    fn failure_logged_out_reasons() {
        for r in ["401", "403", "406"] {
            let o = classify_failure(&failure(&[("reason", r)])).unwrap();
            assert_eq!(
                o,
                ConnectionOutcome::LoggedOut {
                    on_connect: true,
                    code: r.parse().unwrap()
                }
            );
        }
    }

    #[test]
    fn failure_temp_ban_carries_code_and_expiry() {
        let o = classify_failure(&failure(&[
            ("reason", "402"),
            ("code", "103"),
            ("expire", "3600"),
        ]))
        .unwrap();
        assert_eq!(
            o,
            ConnectionOutcome::TemporaryBan {
                code: TempBanReason::CreatedTooManyGroups,
                expire: Duration::from_secs(3600)
            }
        );
        assert!(!o.should_reconnect());
        // Missing attributes: unknown code, zero expiry.
        let o = classify_failure(&failure(&[("reason", "402")])).unwrap();
        assert_eq!(
            o,
            ConnectionOutcome::TemporaryBan {
                code: TempBanReason::Unknown(0),
                expire: Duration::ZERO
            }
        );
    }

    #[test]
    fn failure_client_outdated() {
        let o = classify_failure(&failure(&[("reason", "405")])).unwrap();
        assert_eq!(o, ConnectionOutcome::ClientOutdated);
        assert!(!o.should_reconnect());
    }

    #[test]
    fn failure_reconnects_only_where_the_reason_says_so() {
        let o = classify_failure(&failure(&[("reason", "503"), ("message", "busy")])).unwrap();
        assert_eq!(
            o,
            ConnectionOutcome::ConnectFailure {
                reason: ConnectFailureReason::ServiceUnavailable,
                message: "busy".into()
            }
        );
        assert!(o.should_reconnect());
        for r in ["400", "409", "418", "999"] {
            let o = classify_failure(&failure(&[("reason", r)])).unwrap();
            assert!(matches!(o, ConnectionOutcome::ConnectFailure { .. }));
            assert!(!o.should_reconnect(), "reason {r}");
        }
    }

    #[test]
    fn failure_without_reason_is_an_error() {
        assert_eq!(
            classify_failure(&failure(&[])),
            Err(StreamErrorParseError::MissingReason)
        );
        assert_eq!(
            classify_failure(&failure(&[("reason", "x")])),
            Err(StreamErrorParseError::MissingReason)
        );
    }

    #[test]
    fn classify_dispatches_by_tag() {
        assert!(classify(&Node::new("message")).is_none());
        assert_eq!(
            classify(&Node::new("xmlstreamend")),
            Some(Ok(ConnectionOutcome::Reconnect { code: None }))
        );
        assert_eq!(
            classify(&stream_error(Some("515"), None)),
            Some(Ok(ConnectionOutcome::RestartRequired))
        );
        assert_eq!(
            classify(&failure(&[("reason", "405")])),
            Some(Ok(ConnectionOutcome::ClientOutdated))
        );
    }
}
