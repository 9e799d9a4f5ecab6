//! End-to-end pairing against the fake server playing the phone: QR and phone-number code,
//! the 515 restart into a login, prekey upload and refill, QR rotation and exhaustion, forged
//! `pair-success` stanzas, and a restart on the same SQLite file.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{fast, is_connected, is_disconnected, subscribe, EventLog, WAIT};
use wa_actors::client::{AccountState, ConnectionState};
use wa_actors::events::Event;
use wa_actors::pairing::PairingConfig;
use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Node;
use wa_actors::protocol::signal::signal_address;
use wa_actors::store::{AccountId, Namespace, SqliteStore, Store};
use wa_actors::{Client, ClientBuilder};
use wa_testkit::{FakeServer, PairForgery, PairOptions, TestkitError};

const QR_PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// Small prekey batches keep the tests quick; the sizes are still checked exactly.
const PREKEYS: PreKeyConfig = PreKeyConfig {
    min: 5,
    refill: 10,
    initial: 30,
};

fn account() -> AccountId {
    AccountId::new("default")
}

struct Unpaired {
    server: FakeServer,
    client: Client,
    events: EventLog,
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
}

async fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    Arc::new(
        SqliteStore::open(dir.path().join("wa.sqlite"))
            .await
            .expect("sqlite"),
    )
}

fn builder(server: &FakeServer, store: Arc<dyn Store>) -> ClientBuilder {
    fast(Client::builder())
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .prekeys(PREKEYS)
}

/// A fresh server and a client on an empty SQLite store, subscribed, then connected.
async fn unpaired(tune: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Unpaired {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let server = FakeServer::start().await.expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite(&dir).await;
    let client = tune(builder(&server, store.clone()))
        .build()
        .await
        .expect("client");
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.expect("connect");
    Unpaired {
        server,
        client,
        events,
        store,
        dir,
    }
}

fn qr_code(e: &Event) -> Option<(String, Duration)> {
    match e {
        Event::PairingQrCode { code, timeout } => Some((code.clone(), *timeout)),
        _ => None,
    }
}

async fn first_qr(events: &EventLog) -> (String, Duration) {
    let e = events
        .wait_for("PairingQrCode", |e| qr_code(e).is_some())
        .await;
    qr_code(&e).expect("a QR event")
}

fn is_pair_success(e: &Event) -> bool {
    matches!(e, Event::PairSuccess(_))
}

fn is_pair_error(e: &Event) -> bool {
    matches!(e, Event::PairError(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_by_qr_logs_in_uploads_prekeys_and_survives_a_restart() {
    let t = unpaired(|b| b).await;
    let (code, timeout) = first_qr(&t.events).await;
    assert!(code.starts_with(QR_PREFIX), "{code}");
    assert_eq!(
        timeout,
        Duration::from_secs(60),
        "the first code lives 60 s"
    );

    let paired = t
        .server
        .scan_qr_with(
            &code,
            PairOptions {
                business_name: Some("Acme".into()),
                ..PairOptions::default()
            },
        )
        .await
        .expect("the phone accepts the client's answer");

    let Event::PairSuccess(ps) = t.events.wait_for("PairSuccess", is_pair_success).await else {
        unreachable!()
    };
    assert_eq!(ps.id, paired.jid);
    assert_eq!(ps.lid, paired.lid);
    assert_eq!(ps.platform, "android");
    assert_eq!(ps.business_name, "Acme");

    // The 515 restart logs in with the new identity at once.
    t.events.wait_count(1, "Connected", is_connected).await;
    let logins = t.server.logins();
    let login = logins
        .iter()
        .rfind(|l| l.accepted)
        .expect("an accepted login");
    assert_eq!(
        login.user.map(|u| u.to_string()),
        Some(paired.jid.user.clone())
    );
    assert_eq!(login.device, Some(u32::from(paired.jid.device)));
    assert_eq!(
        t.events.count(is_disconnected),
        0,
        "a 515 restart is not a disconnection"
    );

    // Stored: JIDs, platform, business name, signed account, and the phone's identity.
    let device = t
        .store
        .load_device(&account())
        .await
        .unwrap()
        .expect("device");
    assert_eq!(device.jid.as_ref(), Some(&paired.jid));
    assert_eq!(device.lid.as_ref(), Some(&paired.lid));
    assert_eq!(device.platform, "android");
    assert_eq!(device.business_name, "Acme");
    assert!(device.adv_signed_identity.is_some());
    let primary = signal_address(&paired.lid.clone().with_device(0));
    let trusted = t
        .store
        .get(&account(), Namespace::IDENTITIES, primary.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        trusted.as_deref(),
        Some(&paired.phone_identity.as_bytes()[..])
    );

    // The first upload after pairing carries the initial batch, stored locally first.
    t.server
        .wait_for_prekey_uploads(&paired.jid, 1, WAIT)
        .await
        .expect("prekeys uploaded");
    let uploaded = t.server.prekeys(&paired.jid).expect("uploaded keys");
    assert_eq!(uploaded.prekeys.len(), PREKEYS.initial as usize);
    assert_eq!(uploaded.identity, device.identity_key.public);
    assert_eq!(uploaded.registration_id, device.registration_id);
    let local = t
        .store
        .scan_prefix(&account(), Namespace::PRE_KEYS, &[])
        .await
        .unwrap();
    assert_eq!(local.len(), PREKEYS.initial as usize);
    // The counter moves when the server's answer is in, a moment after the server stored it.
    let deadline = Instant::now() + WAIT;
    while t.client.counters().prekeys_uploaded < u64::from(PREKEYS.initial) {
        assert!(Instant::now() < deadline, "prekey counter never moved");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        t.client.counters().prekeys_uploaded,
        u64::from(PREKEYS.initial)
    );
    assert_eq!(
        t.client.status().await.unwrap().account,
        AccountState::Paired
    );

    // A new process on the same SQLite file logs straight in: no QR, no second upload.
    t.client.stop().await;
    drop(t.store);
    let store = sqlite(&t.dir).await;
    let client = builder(&t.server, store).build().await.expect("client");
    let events = EventLog::new();
    subscribe(&client, &events).await;
    client.connect().await.expect("connect");
    events.wait_count(1, "Connected", is_connected).await;
    assert_eq!(events.count(|e| qr_code(e).is_some()), 0);
    let accepted: Vec<_> = t
        .server
        .logins()
        .into_iter()
        .filter(|l| l.accepted)
        .collect();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[0].static_key, accepted[1].static_key);
    // The count query after the second login finds enough keys: nothing more is sent.
    t.server
        .wait_for_nodes(2, WAIT, |n| n.child("count").is_some())
        .await
        .expect("count asked twice");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t.server.prekeys(&paired.jid).expect("keys").uploads, 1);
    client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_by_phone_number_code() {
    let t = unpaired(|b| b).await;
    first_qr(&t.events).await; // the registration connection is up
    let code = t
        .client
        .pair_phone("+15557654321")
        .await
        .expect("a pairing code");
    assert_eq!(code.len(), 8);
    let Event::PairingCode {
        code: shown,
        timeout,
    } = t
        .events
        .wait_for("PairingCode", |e| matches!(e, Event::PairingCode { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(shown, code);
    assert_eq!(timeout, Duration::from_secs(180));

    let paired = t.server.enter_pair_code(&code).await.expect("paired");
    assert_eq!(paired.jid.user, "15557654321");
    let Event::PairSuccess(ps) = t.events.wait_for("PairSuccess", is_pair_success).await else {
        unreachable!()
    };
    assert_eq!(ps.id, paired.jid);
    t.events.wait_count(1, "Connected", is_connected).await;
    let device = t.store.load_device(&account()).await.unwrap().unwrap();
    assert_eq!(device.jid, Some(paired.jid.clone()));
    t.server
        .wait_for_prekey_uploads(&paired.jid, 1, WAIT)
        .await
        .expect("prekeys uploaded");
    // Pairing is over: asking again is refused.
    assert!(matches!(
        t.client.pair_phone("15557654321").await,
        Err(wa_actors::pairing::PairingError::AlreadyPaired)
    ));
    t.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_or_phone_number_pairs_nothing() {
    let t = unpaired(|b| b).await;
    first_qr(&t.events).await;
    assert!(matches!(
        t.client.pair_phone("0123").await,
        Err(wa_actors::pairing::PairingError::Code(_))
    ));
    let code = t.client.pair_phone("15550001111").await.expect("code");
    // Same alphabet, one character off.
    let wrong: String = code
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            } else {
                c
            }
        })
        .collect();
    assert!(t.server.enter_pair_code(&wrong).await.is_err());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t.events.count(is_pair_success), 0);
    let device = t.store.load_device(&account()).await.unwrap().unwrap();
    assert_eq!(device.jid, None);
    t.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_codes_rotate_on_time_then_run_out() {
    let first = Duration::from_millis(400);
    let next = Duration::from_millis(150);
    let t = unpaired(|b| {
        b.pairing(PairingConfig {
            first_qr_timeout: first,
            next_qr_timeout: next,
            ..PairingConfig::default()
        })
    })
    .await;
    t.server.set_qr_refs(3);
    // set_qr_refs may race the first connection; the default server sends 6 refs, so only
    // count relative to what was announced.
    let started = Instant::now();
    let (code0, timeout0) = first_qr(&t.events).await;
    assert_eq!(timeout0, first);
    t.events
        .wait_count(2, "second QR", |e| qr_code(e).is_some())
        .await;
    assert!(
        started.elapsed() >= first - Duration::from_millis(50),
        "the second code came before the first expired"
    );
    t.events.wait_for("Disconnected", is_disconnected).await;
    let codes: Vec<_> = t.events.all().iter().filter_map(qr_code).collect();
    let refs: Vec<&str> = codes
        .iter()
        .map(|(c, _)| c.trim_start_matches(QR_PREFIX).split(',').next().unwrap())
        .collect();
    assert_eq!(codes[0].0, code0);
    assert!(codes.len() >= 3, "{codes:?}");
    assert!(codes[1..].iter().all(|(_, t)| *t == next));
    let mut unique = refs.clone();
    unique.dedup();
    assert_eq!(unique.len(), refs.len(), "each code shows a new ref");
    // The whole rotation took at least first + (n-1) * next.
    assert!(
        started.elapsed() >= first + next * (codes.len() as u32 - 1) - Duration::from_millis(100)
    );

    let status = t.client.status().await.unwrap();
    assert!(
        matches!(
            &status.connection,
            ConnectionState::Stopped(wa_actors::client::StopReason::QrExhausted)
        ),
        "{status:?}"
    );
    // No reconnect loop after running out.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(t.server.connection_times().len(), 1);
    t.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_pair_success_is_refused_and_nothing_is_stored() {
    for forgery in [
        PairForgery::BadHmac,
        PairForgery::BadAccountSignature,
        PairForgery::TamperedDetails,
        PairForgery::WrongAdvSecret,
    ] {
        let t = unpaired(|b| b).await;
        let (code, _) = first_qr(&t.events).await;
        let result = t
            .server
            .scan_qr_with(
                &code,
                PairOptions {
                    forgery: Some(forgery),
                    ..PairOptions::default()
                },
            )
            .await;
        match result {
            Err(TestkitError::PairingRejected { code, text }) => {
                assert_eq!(code, 401, "{forgery:?}: {text}");
                assert!(text.ends_with("-mismatch"), "{forgery:?}: {text}");
            }
            other => panic!("{forgery:?}: expected a refusal, got {other:?}"),
        }
        let Event::PairError(pe) = t.events.wait_for("PairError", is_pair_error).await else {
            unreachable!()
        };
        assert!(!pe.error.is_empty());
        assert_eq!(t.events.count(is_pair_success), 0, "{forgery:?}");
        let device = t.store.load_device(&account()).await.unwrap().unwrap();
        assert_eq!(device.jid, None, "{forgery:?}: nothing stored");
        assert_eq!(device.adv_signed_identity, None);
        let identities = t
            .store
            .scan_prefix(&account(), Namespace::IDENTITIES, &[])
            .await
            .unwrap();
        assert!(identities.is_empty(), "{forgery:?}: no identity trusted");
        assert!(t.server.logins().iter().all(|l| !l.accepted));
        assert_eq!(
            t.client.status().await.unwrap().account,
            AccountState::Unpaired
        );
        t.client.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hosted_account_pairs_with_its_signature_prefix() {
    let t = unpaired(|b| b).await;
    let (code, _) = first_qr(&t.events).await;
    let paired = t
        .server
        .scan_qr_with(
            &code,
            PairOptions {
                hosted: true,
                ..PairOptions::default()
            },
        )
        .await
        .expect("hosted pairing accepted");
    t.events.wait_for("PairSuccess", is_pair_success).await;
    t.events.wait_count(1, "Connected", is_connected).await;
    let device = t.store.load_device(&account()).await.unwrap().unwrap();
    assert_eq!(device.jid, Some(paired.jid));
    t.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_count_notification_refills_with_fresh_ids() {
    let t = unpaired(|b| b).await;
    let (code, _) = first_qr(&t.events).await;
    let paired = t.server.scan_qr(&code).await.expect("paired");
    t.events.wait_count(1, "Connected", is_connected).await;
    t.server
        .wait_for_prekey_uploads(&paired.jid, 1, WAIT)
        .await
        .expect("first upload");
    let before = t.server.prekeys(&paired.jid).unwrap();
    let first_ids: Vec<u32> = before.prekeys.iter().map(|(id, _)| *id).collect();

    t.server.send_prekey_count_notification(2);
    t.server
        .wait_for_prekey_uploads(&paired.jid, 2, WAIT)
        .await
        .expect("refill");
    let after = t.server.prekeys(&paired.jid).unwrap();
    let new_ids: Vec<u32> = after
        .prekeys
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !first_ids.contains(id))
        .collect();
    assert_eq!(new_ids.len(), PREKEYS.refill as usize);
    assert!(new_ids
        .iter()
        .all(|id| *id > *first_ids.iter().max().unwrap()));
    let local = t
        .store
        .scan_prefix(&account(), Namespace::PRE_KEYS, &[])
        .await
        .unwrap();
    assert_eq!(local.len(), (PREKEYS.initial + PREKEYS.refill) as usize);
    t.client.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_without_multidevice_is_reported() {
    let t = unpaired(|b| b).await;
    first_qr(&t.events).await;
    t.server.send_node(
        Node::build("ib")
            .child(Node::new("downgrade_webclient"))
            .finish(),
    );
    t.events
        .wait_for("QrScannedWithoutMultidevice", |e| {
            matches!(e, Event::QrScannedWithoutMultidevice(_))
        })
        .await;
    t.client.stop().await;
}
