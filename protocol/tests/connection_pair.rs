//! Whole connection lives between the client and server machines of `wa_protocol::connection`,
//! in memory under a virtual clock (see `pair/mod.rs`): handshake, login, iqs, timeouts,
//! keepalive, every class of connection-ending stanza, bad frames, and byte streams cut and
//! joined anywhere. No sockets, no tokio.

mod pair;

use std::time::Duration;

use pair::{kp, Pair, Wire, DEVICE, USER};
use wa_protocol::binary::Node;
use wa_protocol::connection::{
    EndReason, KeepaliveConfig, NoiseLayerError, StanzaConfig, StanzaEvent, StanzaServerEvent,
};
use wa_protocol::stanza::codes::{ConnectFailureReason, TempBanReason};
use wa_protocol::stanza::stream_error::ConnectionOutcome;

const WIRES: [Wire; 3] = [Wire::Whole, Wire::Split, Wire::Coalesced];

fn iq_get(xmlns: &str) -> Node {
    Node::build("iq")
        .attr("type", "get")
        .attr("xmlns", xmlns.to_string())
        .attr("to", "s.whatsapp.net")
        .finish()
}

fn result_for(id: &str) -> Node {
    Node::build("iq")
        .attr("id", id.to_string())
        .attr("type", "result")
        .attr("from", "s.whatsapp.net")
        .child(Node::build("answer").finish())
        .finish()
}

#[test]
fn handshake_and_login_on_every_wire() {
    for wire in WIRES {
        let mut p = Pair::new(wire);
        p.drive();
        let (client_static, payload) = p.authenticated.clone().expect("authenticated");
        assert_eq!(client_static, kp(11).public, "{wire:?}");
        assert_eq!(payload.username, Some(USER));
        assert_eq!(payload.device, Some(DEVICE));
        assert_eq!(p.established, Some(kp(3).public));
        assert!(!p.client.is_logged_in());
        p.login();
        assert!(p.client.is_logged_in());
        assert!(p.client.poll_timeout().is_some(), "keepalive is scheduled");
    }
}

#[test]
fn iq_round_trip_result_and_error_on_every_wire() {
    for wire in WIRES {
        let mut p = Pair::new(wire);
        p.login();
        let now = p.now;
        let id = p
            .client
            .send_iq(now, iq_get("usync"), Duration::from_secs(10))
            .unwrap();
        p.drive();
        let asked = p.server_stanzas().last().map(|n| (*n).clone()).unwrap();
        assert_eq!(asked.attr_str("id").as_deref(), Some(id.as_str()));
        assert_eq!(asked.attr_str("xmlns").as_deref(), Some("usync"));
        p.server_sends(result_for(&id));
        match p.client_events.as_slice() {
            [StanzaEvent::IqReply {
                id: got,
                result: Ok(node),
            }] => {
                assert_eq!(got, &id);
                assert!(node.child("answer").is_some());
            }
            other => panic!("{wire:?}: {other:?}"),
        }
        p.client_events.clear();

        let id = p
            .client
            .send_iq(p.now, iq_get("w:profile:picture"), Duration::from_secs(10))
            .unwrap();
        p.drive();
        p.server_sends(
            Node::build("iq")
                .attr("id", id.clone())
                .attr("type", "error")
                .attr("from", "s.whatsapp.net")
                .child(
                    Node::build("error")
                        .attr("code", "404")
                        .attr("text", "item-not-found")
                        .finish(),
                )
                .finish(),
        );
        match p.client_events.as_slice() {
            [StanzaEvent::IqReply { result: Err(e), .. }] => assert_eq!(e.code, 404),
            other => panic!("{wire:?}: {other:?}"),
        }
        assert_eq!(p.client.pending_iqs(), 0);
    }
}

#[test]
fn iq_times_out_and_a_late_reply_is_a_plain_stanza() {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    let id = p
        .client
        .send_iq(p.now, iq_get("usync"), Duration::from_secs(5))
        .unwrap();
    p.drive();
    p.advance(Duration::from_millis(4_999));
    assert!(p.client_events.is_empty(), "{:?}", p.client_events);
    p.advance(Duration::from_millis(1));
    assert_eq!(
        p.client_events,
        vec![StanzaEvent::IqTimedOut { id: id.clone() }]
    );
    p.client_events.clear();
    p.server_sends(result_for(&id));
    assert!(
        matches!(p.client_events.as_slice(), [StanzaEvent::Stanza(n)] if n.tag == "iq"),
        "{:?}",
        p.client_events
    );
}

#[test]
fn server_pings_are_answered() {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    let now = p.now;
    let id = p.server.ping(now, Duration::from_secs(5)).unwrap();
    p.drive();
    assert!(p
        .server_events
        .contains(&StanzaServerEvent::PingAnswered { id }));
    assert!(p.client_events.is_empty(), "a ping is not an event");
}

fn fast_keepalive() -> StanzaConfig {
    StanzaConfig {
        keepalive: KeepaliveConfig {
            interval_min: Duration::from_secs(20),
            interval_max: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            max_misses: 3,
        },
    }
}

#[test]
fn answered_keepalives_keep_the_connection() {
    let mut p = Pair::with(
        Wire::Whole,
        fast_keepalive(),
        pair::ServerKeys::new().root.public,
    );
    p.login();
    p.advance(Duration::from_secs(600));
    assert!(p.ended().is_none(), "{:?}", p.client_events);
    let pings = p
        .server_stanzas()
        .iter()
        .filter(|n| n.attr_str("xmlns").as_deref() == Some("w:p"))
        .count();
    // One ping every 20–30 s over ten minutes.
    assert!((20..=30).contains(&pings), "{pings} pings");
}

#[test]
fn missed_keepalives_end_the_connection() {
    let mut p = Pair::with(
        Wire::Whole,
        fast_keepalive(),
        pair::ServerKeys::new().root.public,
    );
    p.answer_keepalive = false;
    p.login();
    // Three misses: at most 3 × (30 s wait + 10 s timeout); at least 3 × (20 + 10).
    p.advance(Duration::from_secs(89));
    assert!(p.ended().is_none());
    p.advance(Duration::from_secs(31));
    assert_eq!(p.ended(), Some(&EndReason::KeepaliveTimeout { misses: 3 }));
    assert_eq!(
        p.client.poll_timeout(),
        None,
        "an ended connection has no timers"
    );
}

#[test]
fn one_answered_ping_resets_the_miss_count() {
    // Fixed 20 s intervals make the schedule exact: ping at 20 s, miss at 30 s, ping at 50 s,
    // miss at 60 s, ping at 80 s (answered), then misses at 110, 140 and 170 s.
    let config = StanzaConfig {
        keepalive: KeepaliveConfig {
            interval_min: Duration::from_secs(20),
            interval_max: Duration::from_secs(20),
            response_timeout: Duration::from_secs(10),
            max_misses: 3,
        },
    };
    let mut p = Pair::with(Wire::Whole, config, pair::ServerKeys::new().root.public);
    p.answer_keepalive = false;
    p.login();
    p.advance(Duration::from_secs(75));
    assert_eq!(
        p.client.poll_timeout(),
        Some(p.now + Duration::from_secs(5))
    );
    p.answer_keepalive = true;
    p.advance(Duration::from_secs(10));
    p.answer_keepalive = false;
    p.advance(Duration::from_secs(84)); // 169 s: without the reset it would have ended at 110 s
    assert!(p.ended().is_none(), "{:?}", p.client_events);
    p.advance(Duration::from_secs(1));
    assert_eq!(p.ended(), Some(&EndReason::KeepaliveTimeout { misses: 3 }));
}

fn ends_with(node: Node) -> EndReason {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    p.server_sends(node);
    let reason = p.ended().cloned().expect("ended");
    // Nothing after the end reaches the driver.
    p.client_events.clear();
    p.server_sends(
        Node::build("receipt")
            .attr("id", "X")
            .attr("from", "1@s.whatsapp.net")
            .finish(),
    );
    assert!(p.client_events.is_empty());
    reason
}

fn outcome_of(node: Node) -> ConnectionOutcome {
    match ends_with(node) {
        EndReason::Server { outcome, .. } => outcome,
        other => panic!("{other:?}"),
    }
}

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
fn every_stream_error_class_ends_the_connection() {
    assert_eq!(
        outcome_of(stream_error(Some("515"), None)),
        ConnectionOutcome::RestartRequired
    );
    assert_eq!(
        outcome_of(stream_error(Some("401"), None)),
        ConnectionOutcome::LoggedOut {
            on_connect: false,
            code: 401
        }
    );
    assert_eq!(
        outcome_of(stream_error(None, Some("device_removed"))),
        ConnectionOutcome::LoggedOut {
            on_connect: false,
            code: 401
        }
    );
    assert_eq!(
        outcome_of(stream_error(None, Some("replaced"))),
        ConnectionOutcome::StreamReplaced
    );
    assert_eq!(
        outcome_of(stream_error(Some("503"), None)),
        ConnectionOutcome::Reconnect { code: Some(503) }
    );
    assert_eq!(
        outcome_of(stream_error(Some("500"), None)),
        ConnectionOutcome::StreamError { code: "500".into() }
    );
    assert_eq!(
        outcome_of(Node::new("xmlstreamend")),
        ConnectionOutcome::Reconnect { code: None }
    );
}

#[test]
fn every_failure_class_ends_the_connection() {
    assert_eq!(
        outcome_of(failure(&[("reason", "401")])),
        ConnectionOutcome::LoggedOut {
            on_connect: true,
            code: 401
        }
    );
    assert_eq!(
        outcome_of(failure(&[
            ("reason", "402"),
            ("code", "101"),
            ("expire", "3600")
        ])),
        ConnectionOutcome::TemporaryBan {
            code: TempBanReason::from_code(101),
            expire: Duration::from_secs(3600)
        }
    );
    assert_eq!(
        outcome_of(failure(&[("reason", "405")])),
        ConnectionOutcome::ClientOutdated
    );
    match outcome_of(failure(&[("reason", "500"), ("message", "internal")])) {
        ConnectionOutcome::ConnectFailure { reason, message } => {
            assert_eq!(reason, ConnectFailureReason::from_code(500));
            assert_eq!(message, "internal");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ends_with(failure(&[("reason", "soon")])),
        EndReason::UnreadableEnd { ref tag, .. } if tag == "failure"
    ));
}

#[test]
fn socket_close_ends_the_connection_and_abandons_iqs() {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    p.client
        .send_iq(p.now, iq_get("usync"), Duration::from_secs(5))
        .unwrap();
    p.drive();
    p.client.handle_close("reset by peer");
    while let Some(e) = p.client.poll_event() {
        p.client_events.push(e);
    }
    assert_eq!(
        p.ended(),
        Some(&EndReason::SocketClosed("reset by peer".into()))
    );
    assert_eq!(p.client.pending_iqs(), 0);
    assert!(p.client.send(&Node::new("presence")).is_err());
}

#[test]
fn a_frame_that_authenticates_but_does_not_decode_is_skipped() {
    for wire in WIRES {
        let mut p = Pair::new(wire);
        p.login();
        // Flags byte, then a list header announcing more children than there are bytes.
        p.server.send_raw(vec![0x00, 0xf9, 0xff, 0xff]);
        p.drive();
        assert!(
            matches!(p.client_events.as_slice(), [StanzaEvent::BadFrame(b)] if b.len == 4),
            "{wire:?}: {:?}",
            p.client_events
        );
        assert!(p.client_error.is_none());
        p.client_events.clear();
        // The connection goes on.
        let id = p
            .client
            .send_iq(p.now, iq_get("usync"), Duration::from_secs(5))
            .unwrap();
        p.drive();
        p.server_sends(result_for(&id));
        assert!(matches!(
            p.client_events.as_slice(),
            [StanzaEvent::IqReply { result: Ok(_), .. }]
        ));
    }
}

#[test]
fn receipts_are_acked_at_once_and_messages_left_to_their_owner() {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    p.server_sends(
        Node::build("receipt")
            .attr("id", "R1")
            .attr("from", "15550000002@s.whatsapp.net")
            .attr("type", "read")
            .finish(),
    );
    p.server_sends(
        Node::build("message")
            .attr("id", "M1")
            .attr("from", "15550000002@s.whatsapp.net")
            .attr("type", "text")
            .finish(),
    );
    let tags: Vec<_> = p
        .client_events
        .iter()
        .map(|e| match e {
            StanzaEvent::Stanza(n) => n.tag.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(tags, ["receipt", "message"]);
    let acks: Vec<_> = p
        .server_stanzas()
        .into_iter()
        .filter(|n| n.tag == "ack")
        .map(|n| n.attr_str("id").unwrap().into_owned())
        .collect();
    assert_eq!(acks, ["R1"]);
}

#[test]
fn frames_sent_before_the_handshake_finishes_follow_it() {
    let mut p = Pair::new(Wire::Split);
    let early = Node::build("presence").attr("type", "available").finish();
    p.client.send(&early).unwrap();
    p.drive();
    assert_eq!(
        p.server_stanzas().first().map(|n| n.tag.to_string()),
        Some("presence".into())
    );
}

#[test]
fn the_handshake_times_out_when_the_server_is_silent() {
    let keys = pair::ServerKeys::new();
    let mut p = Pair::with(Wire::Whole, StanzaConfig::default(), keys.root.public);
    // Nothing reaches the server: the client only ever sent its hello.
    p.client_noise.poll_transmit().expect("hello");
    p.advance(Duration::from_secs(20));
    assert_eq!(p.client_error, Some(NoiseLayerError::HandshakeTimeout));
}

#[test]
fn a_wrong_trust_root_fails_the_handshake() {
    let mut p = Pair::with(Wire::Whole, StanzaConfig::default(), kp(99).public);
    p.drive();
    assert!(
        matches!(p.client_error, Some(NoiseLayerError::Handshake(_))),
        "{:?}",
        p.client_error
    );
    assert!(p.authenticated.is_none());
}

#[test]
fn a_tampered_transport_frame_is_fatal() {
    let mut p = Pair::new(Wire::Whole);
    p.login();
    p.server.send(&Node::new("presence")).unwrap();
    while let Some(f) = p.server.poll_transmit() {
        p.server_noise.send(&f).unwrap();
    }
    let mut msg = p.server_noise.poll_transmit().unwrap();
    let last = msg.len() - 1;
    msg[last] ^= 1;
    let now = p.now;
    assert!(matches!(
        p.client_noise.handle_input(now, &msg),
        Err(NoiseLayerError::Transport(_))
    ));
    assert_eq!(
        p.client_noise.handle_input(now, &[]),
        Err(NoiseLayerError::Failed)
    );
}
