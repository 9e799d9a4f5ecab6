//! The bot builder end to end: a testkit contact writes to a bot, the bot's message handler
//! gets the text and the chat and replies, and the contact decrypts a reply that quotes the
//! original. Handlers are separate subscriptions: one stuck handler does not hold up another.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wa_actors::bot::{Bot, HandlerError};
use wa_actors::events::{Event, EventFilter, EventKind};
use wa_actors::store::{AccountId, SqliteStore, Store};
use wa_actors::wire::Jid;
use wa_testkit::{FakeServer, ReceivedMessage};

use common::{fast, register_device, subscribe, EventLog, PREKEYS, WAIT};

/// What a handler saw: (chat, text, id).
type Seen = Arc<Mutex<Vec<(Jid, Option<String>, String)>>>;

struct Setup {
    server: Arc<FakeServer>,
    jid: Jid,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let server = Arc::new(FakeServer::start().await.expect("server"));
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
    );
    let jid = register_device(&server, &*store, &AccountId::new("default")).await;
    Setup {
        server,
        jid,
        store,
        _dir: dir,
    }
}

/// Connects `bot` with a collector subscribed and waits for its prekeys on the server.
async fn go(bot: &Bot, s: &Setup) -> EventLog {
    let events = EventLog::new();
    subscribe(bot.client(), &events).await;
    bot.connect().await.expect("connect");
    events
        .wait_count(1, "Connected", common::is_connected)
        .await;
    s.server
        .wait_for_prekey_uploads(&s.jid, 1, WAIT)
        .await
        .expect("prekeys uploaded");
    events
}

fn quoted_reply(r: &ReceivedMessage) -> (String, String, String, Option<String>) {
    let m = r.message.clone().expect("decrypted");
    let ext = m
        .extended_text_message
        .expect("a reply is an extended text");
    let ctx = ext.context_info.expect("context info");
    (
        ext.text.unwrap_or_default(),
        ctx.stanza_id.unwrap_or_default(),
        ctx.participant.unwrap_or_default(),
        ctx.quoted_message.and_then(|q| q.conversation),
    )
}

#[tokio::test]
async fn the_bot_echoes_with_a_reply_that_quotes_the_original() {
    let s = setup().await;
    let seen: Seen = Arc::default();
    let connected = Arc::new(Mutex::new(0usize));
    let (seen2, connected2) = (seen.clone(), connected.clone());
    let bot = Bot::builder()
        .store(s.store.clone())
        .client(|b| {
            fast(b)
                .url(s.server.url())
                .trust_root(s.server.trust_root())
                .prekeys(PREKEYS)
        })
        .on_events(
            EventFilter::kinds([EventKind::Connected]),
            move |e, _client| {
                let connected = connected2.clone();
                async move {
                    if matches!(e, Event::Connected(_)) {
                        *connected.lock().unwrap() += 1;
                    }
                }
            },
        )
        .on_message(move |ctx| {
            let seen = seen2.clone();
            async move {
                seen.lock().unwrap().push((
                    ctx.chat().clone(),
                    ctx.text().map(str::to_owned),
                    ctx.info().id.clone(),
                ));
                let text = ctx.text().unwrap_or("(no text)").to_owned();
                ctx.reply(&format!("echo: {text}")).await?;
                Ok(())
            }
        })
        .build()
        .await
        .expect("bot");
    assert_eq!(bot.subscriptions().len(), 2);
    let _events = go(&bot, &s).await;

    let contact = s.server.add_named_contact(15_550_007_001, "Grace");
    let sent = contact
        .send_text(&s.server, &s.jid, "hello bot")
        .expect("contact sends");
    let received = contact
        .wait_for_received(&s.server, 1, WAIT)
        .await
        .expect("the echo arrives");
    assert_eq!(received.len(), 1, "{received:?}");
    let echo = &received[0];
    assert_eq!(echo.from, s.jid);
    assert_eq!(echo.message_type, "text");
    let (text, stanza_id, participant, quoted) = quoted_reply(echo);
    assert_eq!(text, "echo: hello bot");
    assert_eq!(stanza_id, sent.as_str());
    assert_eq!(participant, contact.jid().to_string());
    assert_eq!(quoted.as_deref(), Some("hello bot"));

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![(
            contact.jid().clone(),
            Some("hello bot".to_owned()),
            sent.as_str().to_owned()
        )]
    );
    assert_eq!(*connected.lock().unwrap(), 1);
    bot.stop().await;
    assert!(!bot.client().is_running());
}

#[tokio::test]
async fn a_stuck_or_failing_handler_holds_up_no_other_and_no_later_message() {
    let s = setup().await;
    let stuck_calls = Arc::new(Mutex::new(0usize));
    let failures = Arc::new(Mutex::new(0usize));
    let (stuck2, failures2) = (stuck_calls.clone(), failures.clone());
    let bot = Bot::builder()
        .store(s.store.clone())
        .client(|b| {
            fast(b)
                .url(s.server.url())
                .trust_root(s.server.trust_root())
                .prekeys(PREKEYS)
        })
        // Never finishes its first message.
        .on_message(move |_ctx| {
            let stuck = stuck2.clone();
            async move {
                *stuck.lock().unwrap() += 1;
                std::future::pending::<()>().await;
                Ok(())
            }
        })
        // Fails on every other message, and must still see each one.
        .on_message(move |ctx| {
            let failures = failures2.clone();
            async move {
                let text = ctx.text().unwrap_or_default().to_owned();
                if text.ends_with("fail") {
                    *failures.lock().unwrap() += 1;
                    return Err(HandlerError::other(std::io::Error::other("refused")));
                }
                ctx.reply(&format!("ok: {text}")).await?;
                Ok(())
            }
        })
        .build()
        .await
        .expect("bot");
    let _events = go(&bot, &s).await;

    let contact = s.server.add_contact(15_550_007_002);
    for text in ["one", "two fail", "three"] {
        contact.send_text(&s.server, &s.jid, text).expect("sent");
    }
    let received = contact
        .wait_for_received(&s.server, 2, WAIT)
        .await
        .expect("replies");
    let texts: Vec<String> = received.iter().map(|r| quoted_reply(r).0).collect();
    assert_eq!(texts, ["ok: one", "ok: three"]);
    assert_eq!(*failures.lock().unwrap(), 1);
    assert_eq!(*stuck_calls.lock().unwrap(), 1);
    // Nothing else trickles in afterwards.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(contact.received(&s.server).len(), 2);
    bot.stop().await;
}

#[tokio::test]
async fn the_bot_replies_in_a_group_and_every_member_reads_it() {
    let s = setup().await;
    let bot = Bot::builder()
        .store(s.store.clone())
        .client(|b| {
            fast(b)
                .url(s.server.url())
                .trust_root(s.server.trust_root())
                .prekeys(PREKEYS)
        })
        .on_message(move |ctx| async move {
            let text = ctx.text().unwrap_or("(no text)").to_owned();
            ctx.reply(&format!("echo: {text}")).await?;
            Ok(())
        })
        .build()
        .await
        .expect("bot");
    let _events = go(&bot, &s).await;

    let grace = s.server.add_named_contact(15_550_007_011, "Grace");
    let heidi = s.server.add_named_contact(15_550_007_012, "Heidi");
    let group = s.server.create_group(
        "Bots",
        &[grace.jid().clone(), heidi.jid().clone(), s.jid.to_non_ad()],
    );
    let sent = grace
        .send_group_text(&s.server, &group, "hello group bot")
        .expect("grace sends");
    // The reply goes to the group: both members read it, quoting Grace's message.
    for member in [&grace, &heidi] {
        let received = member
            .wait_for_received(&s.server, 1, WAIT)
            .await
            .expect("the echo arrives");
        let echo = &received[0];
        assert_eq!(echo.group.as_ref(), Some(group.jid()));
        assert_eq!(echo.from, s.jid);
        let (text, stanza_id, participant, quoted) = quoted_reply(echo);
        assert_eq!(text, "echo: hello group bot");
        assert_eq!(stanza_id, sent.as_str());
        assert_eq!(participant, grace.jid().to_string());
        assert_eq!(quoted.as_deref(), Some("hello group bot"));
    }
    bot.stop().await;
}
