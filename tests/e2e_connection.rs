//! End-to-end: the client's actor tree against wa-testkit over real WebSockets on 127.0.0.1.
//! Every wait is for an event or a server-side record, with generous timeouts.

mod common;

use std::time::Duration;

use common::{is_connected, is_disconnected, Harness, WAIT};
use wa_actors::client::{AccountState, ConnectionState};
use wa_actors::events::Event;
use wa_actors::protocol::stanza::codes::{ConnectFailureReason, TempBanReason};
use wa_actors::store::AccountId;
use wa_testkit::{LoginResponse, ReplyPolicy};

/// Waits until the client reports a connection state matching `pred`.
async fn wait_state(h: &Harness, what: &str, pred: impl Fn(&ConnectionState) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = h.client.status().await.expect("status");
        if pred(&status.connection) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; last status {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// After a terminal outcome: the client stays stopped and opens no new connection, even well
/// past the (20 ms based) backoff.
async fn assert_no_reconnect(h: &Harness, connections_before: usize) {
    wait_state(h, "Stopped", |c| matches!(c, ConnectionState::Stopped(_))).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(h.server.connection_times().len(), connections_before);
    assert!(matches!(
        h.client.status().await.unwrap().connection,
        ConnectionState::Stopped(_)
    ));
    assert!(h.client.is_running(), "the client itself stays up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_and_logs_in_with_the_stored_key() {
    let h = Harness::start().await;
    h.connected(1).await;
    let logins = h.server.logins();
    assert_eq!(logins.len(), 1);
    assert!(logins[0].accepted);
    let device = h
        .store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logins[0].static_key, device.noise_key.public);
    let status = h.client.status().await.unwrap();
    assert_eq!(status.account, AccountState::Paired);
    assert_eq!(status.connection, ConnectionState::Connected);
    // The client told the server it is active.
    h.server
        .wait_for_node(WAIT, |n| {
            n.tag == "iq" && n.attr("xmlns").is_some_and(|x| x.eq_str("passive"))
        })
        .await
        .expect("passive iq");
    let c = h.client.counters();
    assert_eq!(c.connections, 1);
    assert_eq!(c.reconnects, 0);
    assert!(c.nodes_in >= 1 && c.nodes_out >= 1, "{c:?}");
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_drop_rebuilds_the_connection_subtree_only() {
    let h = Harness::start().await;
    h.connected(1).await;
    let before = h.client.connection_actors().await.unwrap().expect("live");
    let broadcaster = h.client.broadcaster_id();

    assert_eq!(h.server.drop_connections(), 1);
    h.events
        .wait_count(1, "Disconnected", is_disconnected)
        .await;
    h.connected(2).await;
    // Disconnected came before the second Connected.
    let all = h.events.all();
    let disc = all.iter().position(is_disconnected).unwrap();
    let second = all.iter().rposition(is_connected).unwrap();
    assert!(disc < second, "{all:?}");

    let after = h.client.connection_actors().await.unwrap().expect("live");
    assert_ne!(before.conn_sup, after.conn_sup);
    assert_ne!(before.socket, after.socket);
    assert_ne!(before.noise, after.noise);
    assert_ne!(before.router, after.router);
    assert!(after.socket.is_some() && after.noise.is_some() && after.router.is_some());
    assert_eq!(
        h.client.broadcaster_id(),
        broadcaster,
        "broadcaster survives"
    );
    let c = h.client.counters();
    assert_eq!(
        (c.connections, c.reconnects, c.failures),
        (2, 1, 1),
        "{c:?}"
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_required_reconnects_at_once_without_counting_a_failure() {
    // A long backoff base: if 515 went through the backoff, the reconnect would take 60 s.
    let h = Harness::start_with(|b| {
        b.backoff(wa_actors::supervision::BackoffConfig {
            base: Duration::from_secs(60),
            max: Duration::from_secs(900),
            jitter: 0.0,
        })
    })
    .await;
    h.connected(1).await;
    assert_eq!(h.server.send_stream_error("515"), 1);
    h.connected(2).await;
    let c = h.client.counters();
    assert_eq!(c.failures, 0, "{c:?}");
    assert_eq!(c.reconnects, 1, "{c:?}");
    assert_eq!(h.events.count(is_disconnected), 0, "{:?}", h.events.all());
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_error_401_logs_out_wipes_the_session_and_stays_down() {
    let h = Harness::start().await;
    h.connected(1).await;
    assert_eq!(h.server.send_device_removed(), 1);
    let ev = h
        .events
        .wait_for("LoggedOut", |e| matches!(e, Event::LoggedOut(_)))
        .await;
    let Event::LoggedOut(out) = ev else {
        unreachable!()
    };
    assert!(!out.on_connect);
    assert_no_reconnect(&h, 1).await;
    assert_eq!(
        h.client.status().await.unwrap().account,
        AccountState::LoggedOut
    );
    let stored = h
        .store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap();
    assert!(stored.is_none(), "session wiped");
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_401_stream_error_also_logs_out() {
    let h = Harness::start().await;
    h.connected(1).await;
    h.server.send_stream_error("401");
    h.events
        .wait_for("LoggedOut", |e| matches!(e, Event::LoggedOut(_)))
        .await;
    assert_no_reconnect(&h, 1).await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_replaced_reports_stream_replaced_and_stays_down() {
    let h = Harness::start().await;
    h.connected(1).await;
    assert_eq!(h.server.send_conflict_replaced(), 1);
    h.events
        .wait_for("StreamReplaced", |e| matches!(e, Event::StreamReplaced(_)))
        .await;
    assert_no_reconnect(&h, 1).await;
    // Replaced is not a logout: the identity is kept.
    assert_eq!(
        h.client.status().await.unwrap().account,
        AccountState::Paired
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_402_is_a_temporary_ban_with_code_and_expiry() {
    let h = Harness::start_with(|b| b).await;
    h.connected(1).await;
    h.server.set_login_response(LoginResponse::Failure {
        reason: 402,
        attrs: vec![
            ("code".into(), "102".into()),
            ("expire".into(), "7200".into()),
        ],
    });
    // Reconnect (socket drop) and get refused at login.
    h.server.drop_connections();
    let ev = h
        .events
        .wait_for("TemporaryBan", |e| matches!(e, Event::TemporaryBan(_)))
        .await;
    let Event::TemporaryBan(ban) = ev else {
        unreachable!()
    };
    assert_eq!(ban.code, TempBanReason::BlockedByUsers);
    assert_eq!(ban.expire, Duration::from_secs(7200));
    assert_no_reconnect(&h, 2).await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_405_is_client_outdated() {
    let h = Harness::start().await;
    h.connected(1).await;
    h.server.send_failure(405, &[]);
    h.events
        .wait_for("ClientOutdated", |e| matches!(e, Event::ClientOutdated(_)))
        .await;
    assert_no_reconnect(&h, 1).await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_with_other_reason_is_connect_failure() {
    let h = Harness::start().await;
    h.connected(1).await;
    h.server.send_failure(409, &[("message", "bad agent")]);
    let ev = h
        .events
        .wait_for("ConnectFailure", |e| matches!(e, Event::ConnectFailure(_)))
        .await;
    let Event::ConnectFailure(f) = ev else {
        unreachable!()
    };
    assert_eq!(f.reason, ConnectFailureReason::BadUserAgent);
    assert_eq!(f.message, "bad agent");
    assert_no_reconnect(&h, 1).await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_unavailable_reconnects_with_growing_delay() {
    const BASE_MS: u64 = 100;
    let h = Harness::start_with(|b| {
        b.backoff(wa_actors::supervision::BackoffConfig {
            base: Duration::from_millis(BASE_MS),
            max: Duration::from_secs(10),
            jitter: 0.25,
        })
    })
    .await;
    h.connected(1).await;
    // Every later login is answered with 503.
    h.server
        .set_login_response(LoginResponse::StreamError { code: "503".into() });
    h.server.send_stream_error("503");
    h.server
        .wait_for_connections(6, WAIT)
        .await
        .expect("reconnect attempts");
    // Connection 1 was the good one; 2..=6 each follow a backoff delay after the previous
    // attempt's 503: 1, 2, 3, 5, 8 × base (at least: jitter and set-up only add).
    let times = h.server.connection_times();
    let gaps: Vec<Duration> = times[1..6].windows(2).map(|w| w[1] - w[0]).collect();
    let floors = [2u64, 3, 5, 8];
    for (i, (gap, floor)) in gaps.iter().zip(floors).enumerate() {
        assert!(
            *gap >= Duration::from_millis(BASE_MS * floor),
            "gap {i} = {gap:?} is below {floor} × base; gaps {gaps:?}"
        );
    }
    assert!(
        gaps.windows(2).filter(|w| w[1] > w[0]).count() >= 2 && gaps[3] > gaps[0],
        "gaps do not grow: {gaps:?}"
    );
    assert!(h.events.count(is_disconnected) >= 5);
    assert!(h.client.counters().failures >= 5);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frame_restarts_the_connection_and_the_client_lives() {
    let h = Harness::start().await;
    h.connected(1).await;
    let before = h.client.connection_actors().await.unwrap().expect("live");
    // Not a valid Noise frame body: decryption fails, and the stream cannot go on.
    h.server.send_raw_message(vec![0, 0, 5, 1, 2, 3, 4, 5]);
    h.connected(2).await;
    let after = h.client.connection_actors().await.unwrap().expect("live");
    assert_ne!(before.router, after.router);
    assert!(h.client.is_running());
    let c = h.client.counters();
    assert!(c.actor_failures >= 1, "{c:?}");
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_that_decrypts_but_does_not_decode_is_skipped() {
    let h = Harness::start().await;
    h.connected(1).await;
    let before = h.client.connection_actors().await.unwrap().expect("live");
    // Authenticates, but holds garbage: logged, counted and skipped, not a reconnect loop.
    h.server.send_raw_plaintext(vec![0, 0xff, 0xfe, 0x42]);
    let deadline = tokio::time::Instant::now() + WAIT;
    while h.client.counters().bad_frames == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "bad frame not counted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The same connection still answers.
    use wa_actors::protocol::stanza::iq;
    let req = iq::build_iq(String::new(), iq::IqType::Get, "test", iq::SERVER, vec![]);
    h.client
        .raw()
        .iq(req)
        .await
        .expect("reply on the same connection");
    let after = h.client.connection_actors().await.unwrap().expect("live");
    assert_eq!(before.router, after.router);
    let c = h.client.counters();
    assert_eq!(
        (c.bad_frames, c.connections, c.actor_failures),
        (1, 1, 0),
        "{c:?}"
    );
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_misses_restart_the_connection() {
    let h = Harness::start_with(|b| {
        b.keepalive(wa_actors::conn::KeepaliveConfig {
            interval_min: Duration::from_millis(50),
            interval_max: Duration::from_millis(80),
            response_timeout: Duration::from_millis(200),
            max_misses: 2,
        })
    })
    .await;
    h.connected(1).await;
    h.server
        .wait_for_node(WAIT, |n| {
            n.tag == "iq" && n.attr("xmlns").is_some_and(|x| x.eq_str("w:p"))
        })
        .await
        .expect("a keepalive ping");
    h.server.set_reply_policy(ReplyPolicy::Swallow);
    h.events
        .wait_count(1, "Disconnected", is_disconnected)
        .await;
    h.server.set_reply_policy(ReplyPolicy::Answer);
    h.connected(2).await;
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iq_replies_are_routed_and_fail_fast_when_disconnected() {
    use wa_actors::protocol::stanza::iq;
    let h = Harness::start().await;
    h.connected(1).await;
    let req = iq::build_iq(String::new(), iq::IqType::Get, "test", iq::SERVER, vec![]);
    let reply = h.client.raw().iq(req.clone()).await.expect("reply");
    assert_eq!(reply.attr_str("type").as_deref(), Some("result"));
    // A swallowed reply times out.
    h.server.set_reply_policy(ReplyPolicy::Swallow);
    let r = h
        .client
        .raw()
        .iq_with_timeout(req.clone(), Duration::from_millis(300))
        .await;
    assert_eq!(r, Err(wa_actors::IqError::Timeout));
    // A pending iq fails when the connection drops.
    let client = h.client.clone();
    let pending = tokio::spawn(async move { client.raw().iq_with_timeout(req, WAIT).await });
    let is_test_iq = |n: &wa_actors::protocol::binary::Node| {
        n.tag == "iq" && n.attr("xmlns").is_some_and(|x| x.eq_str("test"))
    };
    h.server
        .wait_for_nodes(3, WAIT, is_test_iq)
        .await
        .expect("third request reached the server");
    h.server.drop_connections();
    let r = tokio::time::timeout(WAIT, pending)
        .await
        .expect("no hang")
        .unwrap();
    assert_eq!(r, Err(wa_actors::IqError::Disconnected));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_client_on_the_same_sqlite_file_reuses_the_identity() {
    let h = Harness::start().await;
    h.connected(1).await;
    let first_key = h.server.logins()[0].static_key;
    h.client.stop().await;

    let path = h.dir.path().join("wa.sqlite");
    let client2 = wa_actors::Client::builder()
        .url(h.server.url())
        .trust_root(h.server.trust_root())
        .sqlite(&path)
        .build()
        .await
        .expect("second client");
    let log2 = common::EventLog::new();
    common::subscribe(&client2, &log2).await;
    client2.connect().await.unwrap();
    log2.wait_for("Connected", is_connected).await;
    let logins = h.server.logins();
    assert_eq!(logins.len(), 2);
    assert!(
        logins[1].accepted,
        "the server recognised the stored static key"
    );
    assert_eq!(logins[1].static_key, first_key);
    client2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_pings_are_answered_and_stanzas_acked() {
    use wa_actors::protocol::binary::Node;
    let h = Harness::start().await;
    h.connected(1).await;
    let ping = Node::build("iq")
        .attr("id", "srv-ping-1")
        .attr("type", "get")
        .attr("xmlns", "urn:xmpp:ping")
        .attr("from", "s.whatsapp.net")
        .finish();
    h.server.send_node(ping);
    let pong = h
        .server
        .wait_for_node(WAIT, |n| {
            n.tag == "iq" && n.attr("id").is_some_and(|i| i.eq_str("srv-ping-1"))
        })
        .await
        .expect("pong");
    assert_eq!(pong.attr_str("type").as_deref(), Some("result"));

    let receipt = Node::build("receipt")
        .attr("id", "R1")
        .attr("from", "15551234567@s.whatsapp.net")
        .attr("type", "read")
        .finish();
    h.server.send_node(receipt);
    let ack = h
        .server
        .wait_for_node(WAIT, |n| n.tag == "ack")
        .await
        .expect("ack");
    assert_eq!(ack.attr_str("class").as_deref(), Some("receipt"));
    assert_eq!(ack.attr_str("id").as_deref(), Some("R1"));
    assert_eq!(ack.attr_str("type").as_deref(), Some("read"));
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_markers_become_events() {
    use wa_actors::protocol::binary::Node;
    let h = Harness::start().await;
    h.connected(1).await;
    let preview = Node::build("ib")
        .child(
            Node::build("offline_preview")
                .attr("count", "7")
                .attr("appdata", "1")
                .attr("message", "3")
                .attr("notification", "2")
                .attr("receipt", "1")
                .finish(),
        )
        .finish();
    let done = Node::build("ib")
        .child(Node::build("offline").attr("count", "7").finish())
        .finish();
    h.server.send_node(preview);
    h.server.send_node(done);
    let ev = h
        .events
        .wait_for("OfflineSyncPreview", |e| {
            // The server's own (empty) markers at login come first; wait for the scripted one.
            matches!(e, Event::OfflineSyncPreview(p) if p.total == 7)
        })
        .await;
    let Event::OfflineSyncPreview(p) = ev else {
        unreachable!()
    };
    assert_eq!(
        (
            p.total,
            p.app_data_changes,
            p.messages,
            p.notifications,
            p.receipts
        ),
        (7, 1, 3, 2, 1)
    );
    let ev = h
        .events
        .wait_for(
            "OfflineSyncCompleted",
            |e| matches!(e, Event::OfflineSyncCompleted(c) if c.count == 7),
        )
        .await;
    let Event::OfflineSyncCompleted(c) = ev else {
        unreachable!()
    };
    assert_eq!(c.count, 7);
    h.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaired_client_sends_a_registration_payload() {
    let server = wa_testkit::FakeServer::start().await.unwrap();
    let store: std::sync::Arc<dyn wa_actors::store::Store> =
        std::sync::Arc::new(wa_actors::store::MemoryStore::new());
    let client = wa_actors::Client::builder()
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store.clone())
        .start()
        .await
        .unwrap();
    server.wait_for_connections(1, WAIT).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while server.logins().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no handshake");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let login = &server.logins()[0];
    assert_eq!(login.user, None, "registration payloads carry no username");
    assert!(!login.accepted);
    // The identity the client created on first start is the one it proved in the handshake.
    let device = store
        .load_device(&AccountId::new("default"))
        .await
        .unwrap()
        .expect("identity created on first start");
    assert_eq!(login.static_key, device.noise_key.public);
    assert_eq!(
        client.status().await.unwrap().account,
        AccountState::Unpaired
    );
    client.stop().await;
}
