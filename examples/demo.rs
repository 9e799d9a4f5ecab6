//! Offline demo: starts the wa-testkit fake server, then a client on the default SQLite store.
//! A fresh store pairs first: the client shows a QR code in the terminal, the fake server's
//! phone scans it, the client verifies the phone's signed `pair-success`, restarts into a
//! login (515) and uploads its prekeys. Then a contact of the fake server sends an end-to-end
//! encrypted message (a Signal session built from those prekeys), the client decrypts, stores
//! and publishes it; and the server makes the connection misbehave a little (a restart, a
//! dropped socket) while the client recovers by itself. Every event is printed as it arrives.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! The store is `./wa-demo.sqlite` (pass another path as the first argument). Run it twice:
//! the second run logs in with the identity the first one paired, without a QR code.

use std::sync::Arc;
use std::time::Duration;

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use wa_actors::broadcaster::StreamItem;
use wa_actors::events::Event;
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::supervision::BackoffConfig;
use wa_actors::Client;
use wa_testkit::FakeServer;

/// The demo never runs longer than this.
const DEADLINE: Duration = Duration::from_secs(60);

/// The QR code as terminal text (two modules per character row, light on dark like a screen).
fn render_qr(code: &str) -> String {
    match QrCode::new(code.as_bytes()) {
        Ok(qr) => qr
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(e) => format!("(cannot draw the QR code: {e})"),
    }
}

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

    let server = Arc::new(FakeServer::start().await?);
    println!("fake server on {}", server.url());

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await?);
    let account = AccountId::new("default");
    let mut me = match store.load_device(&account).await? {
        Some(device) if device.is_paired() => {
            // The fake server starts empty on every run: tell it about the device the phone
            // linked last time, as the real server would remember it.
            // The store already holds the JID, so only the server needs telling.
            let jid = server
                .provision(device.noise_key.public, device.jid.as_ref())
                .jid;
            println!("store {path}: already paired as {jid}, logging in");
            Some(jid)
        }
        _ => {
            println!("store {path}: no paired identity yet, pairing by QR code");
            None
        }
    };
    let paired = me.is_some();

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

    // The script: (pair,) log in, receive a message from a contact, then the server asks for a
    // restart (515) and later drops the socket; the client reconnects by itself both times.
    let mut connected = 0;
    let mut scanned = false;
    let outcome = tokio::time::timeout(DEADLINE, async {
        while let Some(item) = events.recv().await {
            let event = match item {
                StreamItem::Event(event) => event,
                StreamItem::Lagged { missed } => {
                    println!("(missed {missed} events)");
                    continue;
                }
            };
            match &event {
                Event::PairSuccess(ps) => {
                    println!("event: {event:?}");
                    me = Some(ps.id.clone());
                }
                Event::Message(msg, info) => {
                    println!(
                        "event: Message from {} ({}): {:?}",
                        info.source.sender,
                        info.push_name,
                        msg.conversation.as_deref().unwrap_or("(not text)")
                    );
                    println!("server: <stream:error code=\"515\"/> (restart required)");
                    server.send_stream_error("515");
                }
                Event::PairingQrCode { code, timeout } => {
                    println!(
                        "event: PairingQrCode (valid {timeout:?}):\n{}",
                        render_qr(code)
                    );
                    if !scanned {
                        scanned = true;
                        println!("phone: scanning the QR code");
                        let server = server.clone();
                        let code = code.clone();
                        tokio::spawn(async move {
                            match server.scan_qr(&code).await {
                                Ok(p) => println!("phone: linked {} (lid {})", p.jid, p.lid),
                                Err(e) => println!("phone: pairing failed: {e}"),
                            }
                        });
                    }
                }
                Event::Connected(_) => {
                    println!("event: {event:?}");
                    connected += 1;
                    match connected {
                        1 => {
                            // Contacts start sessions from the prekeys this login uploads.
                            for _ in 0..200 {
                                if client.counters().prekeys_uploaded > 0 {
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                            println!(
                                "client: {} prekeys uploaded",
                                client.counters().prekeys_uploaded
                            );
                            let Some(to) = me.clone() else {
                                return false;
                            };
                            let ada = server.add_named_contact(15550009999, "Ada");
                            match ada.send_text(&server, &to, "Hello from Ada, end to end") {
                                Ok(id) => println!("contact Ada: sent message {}", id.as_str()),
                                Err(e) => println!("contact Ada: could not send: {e}"),
                            }
                        }
                        2 => {
                            println!("server: dropping the socket");
                            server.drop_connections();
                        }
                        _ => return true,
                    }
                }
                _ => println!("event: {event:?}"),
            }
        }
        false
    })
    .await;

    let c = client.counters();
    println!(
        "counters: {} connections, {} reconnects, {} failures, {} stanzas in, {} out, {} prekeys uploaded, {} messages in",
        c.connections, c.reconnects, c.failures, c.nodes_in, c.nodes_out, c.prekeys_uploaded, c.messages_in
    );
    client.stop().await;
    match outcome {
        Ok(true) if paired || scanned => {
            println!("demo done");
            Ok(())
        }
        _ => Err("the demo did not finish its script in time".into()),
    }
}
