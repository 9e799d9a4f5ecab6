//! Offline demo: starts the wa-testkit fake server, a client on the default SQLite store, and
//! prints every event as it arrives while the server makes the connection misbehave a little.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! The store is `./wa-demo.sqlite` (pass another path as the first argument). Run it twice:
//! the second run logs in with the identity the first one stored.

use std::sync::Arc;
use std::time::Duration;

use wa_actors_core::broadcaster::StreamItem;
use wa_actors_core::events::Event;
use wa_actors_core::store::{AccountId, SqliteStore, Store};
use wa_actors_core::supervision::BackoffConfig;
use wa_actors_core::Client;
use wa_testkit::FakeServer;

/// The demo never runs longer than this.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "wa-demo.sqlite".to_string());

    let server = FakeServer::start().await?;
    println!("fake server on {}", server.url());

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await?);
    let jid = server
        .register_device(&*store, &AccountId::new("default"))
        .await?;
    println!("device {jid} registered (store: {path})");

    let client = Client::builder()
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .backoff(BackoffConfig {
            base: Duration::from_millis(200),
            ..BackoffConfig::default()
        })
        .build()
        .await?;
    let mut events = client.events();
    client.connect().await?;

    // A short script: once connected, the server asks for a restart (515), then drops the
    // socket; the client reconnects by itself both times.
    let mut connected = 0;
    let outcome = tokio::time::timeout(DEADLINE, async {
        while let Some(item) = events.recv().await {
            match item {
                StreamItem::Event(event) => {
                    println!("event: {event:?}");
                    if let Event::Connected(_) = event {
                        connected += 1;
                        match connected {
                            1 => {
                                println!("server: <stream:error code=\"515\"/> (restart required)");
                                server.send_stream_error("515");
                            }
                            2 => {
                                println!("server: dropping the socket");
                                server.drop_connections();
                            }
                            _ => return true,
                        }
                    }
                }
                StreamItem::Lagged { missed } => println!("(missed {missed} events)"),
            }
        }
        false
    })
    .await;

    let c = client.counters();
    println!(
        "counters: {} connections, {} reconnects, {} failures, {} stanzas in, {} out",
        c.connections, c.reconnects, c.failures, c.nodes_in, c.nodes_out
    );
    client.stop().await;
    match outcome {
        Ok(true) => {
            println!("demo done");
            Ok(())
        }
        _ => Err("the demo did not reach three connections in time".into()),
    }
}
