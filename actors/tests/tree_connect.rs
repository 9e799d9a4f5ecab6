//! The socket connects inside its own actor: a connect that hangs or fails never blocks the
//! connection supervisor, and a failed connect is an ordinary end of that connection
//! (reconnect after backoff), not a start-up failure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wa_actors_core::client::ConnectionState;
use wa_actors_core::store::MemoryStore;
use wa_actors_core::supervision::BackoffConfig;
use wa_actors_core::transport::{BoxFuture, Connection, Transport, TransportError};
use wa_actors_core::{Client, ClientConfig};

/// Counts connects; each one hangs forever or fails at once.
struct Scripted {
    attempts: AtomicU32,
    hang: bool,
}

impl Transport for Scripted {
    fn connect<'a>(&'a self, _url: &'a str) -> BoxFuture<'a, Result<Connection, TransportError>> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            Err(TransportError::Tcp(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            )))
        })
    }
}

async fn client(transport: Arc<Scripted>) -> Client {
    let mut config = ClientConfig::default();
    config.url = "memory://nowhere".into();
    // Far longer than any wait below: only a blocked supervisor would make them time out.
    config.connect_timeout = Duration::from_secs(60);
    config.backoff = BackoffConfig {
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
        jitter: 0.0,
    };
    Client::builder()
        .config(config)
        .store(Arc::new(MemoryStore::new()))
        .transport(transport)
        .start()
        .await
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_connect_leaves_the_connection_supervisor_answering() {
    let transport = Arc::new(Scripted {
        attempts: AtomicU32::new(0),
        hang: true,
    });
    let client = client(transport.clone()).await;
    while transport.attempts.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Answered by the connection supervisor while its socket is still connecting.
    let ids = tokio::time::timeout(Duration::from_secs(3), client.connection_actors())
        .await
        .expect("the connection supervisor answers during the connect")
        .expect("asked");
    assert!(
        ids.is_some_and(|ids| ids.socket.is_some()),
        "a socket actor exists while connecting"
    );
    tokio::time::timeout(Duration::from_secs(5), client.disconnect())
        .await
        .expect("disconnect does not wait for the connect timeout")
        .expect("disconnected");
    let status = client.status().await.expect("status");
    assert!(
        matches!(status.connection, ConnectionState::Stopped(_)),
        "{status:?}"
    );
    assert_eq!(transport.attempts.load(Ordering::SeqCst), 1);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_connect_is_a_lost_connection_and_is_retried() {
    let transport = Arc::new(Scripted {
        attempts: AtomicU32::new(0),
        hang: false,
    });
    let client = client(transport.clone()).await;
    tokio::time::timeout(Duration::from_secs(20), async {
        while transport.attempts.load(Ordering::SeqCst) < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("reconnect attempts after failed connects");
    let c = client.counters();
    assert!(c.failures >= 3 && c.connections == 0, "{c:?}");
    assert_eq!(c.actor_failures, 0, "a refused connect is no actor failure");
    assert!(client.is_running());
    client.stop().await;
}
