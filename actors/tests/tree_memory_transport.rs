//! The supervision tree over the in-memory transport: no WebSocket, no server. A peer that
//! hangs up, or never answers the handshake, makes `ClientSup` rebuild the connection after a
//! growing backoff, and the client itself stays up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wa_actors_core::client::ConnectionState;
use wa_actors_core::store::MemoryStore;
use wa_actors_core::supervision::BackoffConfig;
use wa_actors_core::transport::MemoryTransport;
use wa_actors_core::Client;
use wa_actors_core::IqError;

const WAIT: Duration = Duration::from_secs(30);
const BASE: Duration = Duration::from_millis(50);

async fn client(transport: MemoryTransport, handshake_timeout: Duration) -> Client {
    let mut config = wa_actors_core::ClientConfig::default();
    config.url = "memory://server".into();
    config.handshake_timeout = handshake_timeout;
    config.backoff = BackoffConfig {
        base: BASE,
        max: Duration::from_secs(5),
        jitter: 0.0,
    };
    Client::builder()
        .config(config)
        .store(Arc::new(MemoryStore::new()))
        .transport(Arc::new(transport))
        .start()
        .await
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_hangs_up_gets_reconnects_with_growing_gaps() {
    let (transport, mut listener) = MemoryTransport::new();
    let client = client(transport, Duration::from_secs(20)).await;
    let mut accepted = Vec::new();
    for _ in 0..4 {
        let mut peer = tokio::time::timeout(WAIT, listener.accept())
            .await
            .expect("a connection attempt")
            .expect("listener open");
        accepted.push(Instant::now());
        // The first thing a client sends is the ClientHello frame with the WA header.
        let hello = tokio::time::timeout(WAIT, peer.rx.recv())
            .await
            .expect("hello in time")
            .expect("hello");
        assert_eq!(&hello[..4], b"WA\x06\x03");
        assert_eq!(peer.url, "memory://server");
        drop(peer);
    }
    let gaps: Vec<Duration> = accepted.windows(2).map(|w| w[1] - w[0]).collect();
    // Backoff 1, 2, 3 × base: each gap at least that, and growing overall.
    for (gap, k) in gaps.iter().zip([1u32, 2, 3]) {
        assert!(*gap >= BASE * k, "gaps {gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "gaps {gaps:?}");
    let c = client.counters();
    assert!(
        c.failures >= 3 && c.reconnects >= 3 && c.connections == 0,
        "{c:?}"
    );
    // Not connected: requests fail fast instead of hanging.
    let iq = wa_protocol::stanza::iq::keepalive_ping(String::new());
    assert_eq!(client.raw().iq(iq).await, Err(IqError::Disconnected));
    assert!(client.is_running());
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_hits_the_handshake_deadline() {
    let (transport, mut listener) = MemoryTransport::new();
    let client = client(transport, Duration::from_millis(200)).await;
    // Keep the first peer open but silent: only the handshake deadline can end it.
    let _first = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("first attempt")
        .expect("open");
    let _second = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("a second attempt after the handshake deadline")
        .expect("open");
    assert!(client.counters().actor_failures >= 1);
    let status = client.status().await.unwrap();
    assert!(
        matches!(
            status.connection,
            ConnectionState::Connecting | ConnectionState::WaitingToReconnect
        ),
        "{status:?}"
    );
    assert!(status.generation >= 2);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_stops_reconnecting_and_connect_resumes() {
    let (transport, mut listener) = MemoryTransport::new();
    let client = client(transport, Duration::from_secs(20)).await;
    let first = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("first")
        .expect("open");
    client.disconnect().await.unwrap();
    drop(first);
    let status = client.status().await.unwrap();
    assert!(matches!(status.connection, ConnectionState::Stopped(_)));
    // No attempt while stopped (well past the 50 ms backoff).
    assert!(
        tokio::time::timeout(Duration::from_millis(500), listener.accept())
            .await
            .is_err(),
        "reconnected although disconnected"
    );
    client.connect().await.unwrap();
    tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("connect resumes")
        .expect("open");
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_restarts_in_the_window_stop_the_client() {
    let (transport, mut listener) = MemoryTransport::new();
    let mut config = wa_actors_core::ClientConfig::default();
    config.url = "memory://server".into();
    config.backoff = BackoffConfig {
        base: Duration::from_millis(5),
        max: Duration::from_millis(20),
        jitter: 0.0,
    };
    config.meltdown = wa_actors_core::supervision::MeltdownConfig {
        max_restarts: 3,
        window: Duration::from_secs(60),
    };
    // One of the four hang-ups is sometimes only noticed at the handshake deadline (a latent
    // stall, seen since session 3; see the session-4 note): keep that deadline short so the
    // test measures the meltdown, not the stall.
    config.handshake_timeout = Duration::from_secs(2);
    let client = Client::builder()
        .config(config)
        .store(Arc::new(MemoryStore::new()))
        .transport(Arc::new(transport))
        .start()
        .await
        .expect("client");
    // Hang up on every attempt: 1 + 3 restarts are allowed, the 4th restart is a meltdown.
    let mut attempts = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    while client.is_running() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "client still running"
        );
        if let Ok(Some(peer)) =
            tokio::time::timeout(Duration::from_millis(50), listener.accept()).await
        {
            attempts += 1;
            drop(peer);
        }
    }
    // Nothing was left queued by the stopped client.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(50), listener.accept()).await
    {
        attempts += 1;
    }
    assert_eq!(attempts, 4);
    assert!(matches!(
        client.status().await,
        Err(wa_actors_core::ClientError::Stopped)
    ));
}
