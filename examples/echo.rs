//! Offline echo bot: a [`Bot`] answers every text with a quoted echo, against the wa-testkit
//! fake server. A contact of the fake server writes to the bot, the bot's `on_message`
//! handler replies with `ctx.reply(…)`, and the contact decrypts each echo, which this
//! example prints. No real network is used.
//!
//! ```text
//! cargo run --example echo
//! ```

use std::sync::Arc;
use std::time::Duration;

use wa_actors::bot::Bot;
use wa_actors::events::{EventFilter, EventKind};
use wa_actors::store::{AccountId, MemoryStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_testkit::FakeServer;

/// How long the contact waits for the echoes before giving up.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    let server = Arc::new(FakeServer::start().await?);
    println!("fake server on {}", server.url());

    // A device the fake server has already linked, as if its phone had scanned a QR code
    // (`cargo run --example demo` shows the pairing itself).
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let device = provision_device(&*store, &AccountId::new("default"), |noise, paired_as| {
        let given = server.provision(*noise, paired_as);
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await?;
    let me = device.jid.ok_or("the fake server gave no JID")?;
    println!("bot: paired as {me}");

    // Each reply resolves on the server's ack, which can come after the contact already
    // decrypted the echo: the example stops the bot only once every handler is done.
    let (acked_tx, mut acked) = tokio::sync::mpsc::unbounded_channel::<()>();

    let bot = Bot::builder()
        .store(store)
        .client(|b| b.url(server.url()).trust_root(server.trust_root()))
        .on_events(
            EventFilter::kinds([EventKind::Connected, EventKind::Disconnected]),
            |event, _client| async move { println!("bot: event {}", event.kind()) },
        )
        .on_message(move |ctx| {
            let acked_tx = acked_tx.clone();
            async move {
                let text = ctx.text().unwrap_or("(no text)").to_owned();
                println!(
                    "bot: {} ({}) wrote {text:?}",
                    ctx.sender(),
                    ctx.info().push_name
                );
                let sent = ctx.reply(&format!("echo: {text}")).await?;
                println!(
                    "bot: replied with {} (acked at {})",
                    sent.id, sent.timestamp
                );
                let _ = acked_tx.send(());
                Ok(())
            }
        })
        .build()
        .await?;
    bot.connect().await?;

    // Contacts start their sessions from the prekeys the bot uploads at login.
    server.wait_for_prekey_uploads(&me, 1, DEADLINE).await?;

    let ada = server.add_named_contact(15_550_001_234, "Ada");
    let lines = ["hello, bot", "are you there?", "bye"];
    for line in lines {
        let id = ada.send_text(&server, &me, line)?;
        println!("contact Ada: sent {line:?} ({id})");
    }
    let received = ada
        .wait_for_received(&server, lines.len(), DEADLINE)
        .await?;
    for r in &received {
        let message = r
            .message
            .as_ref()
            .map_err(|e| format!("undecryptable: {e}"))?;
        let Some(ext) = message.extended_text_message.as_ref() else {
            return Err(format!("not a reply: {message:?}").into());
        };
        let quoted = ext
            .context_info
            .as_ref()
            .and_then(|c| c.quoted_message.as_ref())
            .and_then(|q| q.conversation.as_deref())
            .unwrap_or("?");
        println!(
            "contact Ada: decrypted {:?} from {} (quoting {quoted:?})",
            ext.text.as_deref().unwrap_or(""),
            r.from
        );
    }

    for _ in &lines {
        tokio::time::timeout(DEADLINE, acked.recv())
            .await?
            .ok_or("the bot stopped replying")?;
    }
    bot.stop().await;
    if received.len() == lines.len() {
        println!("echo done");
        Ok(())
    } else {
        Err("not every message was echoed".into())
    }
}
