//! Fault test of sending: while our client sends 1,000 messages (50 per seed, over 20 seeds,
//! many in flight at once), the fake server drops the sender's socket at seeded points, either
//! before it reads a `<message>` (the message is lost) or after it delivered it but before the
//! ack (the ack is lost). The `Outbox` writes an unacked message again, with the same id, on
//! the next connection. Every send must resolve with the server's ack, the contact's device
//! must read every message exactly once, and no session may desynchronise (every copy,
//! re-sends included, decrypts).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::ready_with;
use wa_actors::send::SendConfig;
use wa_testkit::{DropPoint, FaultPlan};

const SEEDS: u64 = 20;
const PER_SEED: usize = 50;

fn sends() -> SendConfig {
    SendConfig {
        ack_timeout: Duration::from_secs(20),
        max_resends: 6,
        ..SendConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_sockets_while_sending_lose_and_double_nothing_over_twenty_seeds() {
    let mut drops: HashMap<DropPoint, usize> = HashMap::new();
    for seed in 0..SEEDS {
        let (h, _me) = ready_with(|b| b.send(sends())).await;
        let contact = h.server.add_contact(15_553_000_000 + seed);
        h.server.set_send_fault_plan(Some(FaultPlan {
            seed,
            drop_probability_per_stanza: 0.08,
            max_drops: 6,
        }));
        let texts: Vec<String> = (0..PER_SEED).map(|i| format!("{seed}:{i}")).collect();
        let results = futures::future::join_all(
            texts
                .iter()
                .map(|t| h.client.send_text(contact.jid(), t.as_str())),
        )
        .await;
        let mut ids = Vec::new();
        for (t, r) in texts.iter().zip(results) {
            let sent = r.unwrap_or_else(|e| panic!("seed {seed}: {t} failed: {e}"));
            ids.push(sent.id);
        }
        let received = contact.received(&h.server);
        assert!(
            received.iter().all(|r| r.message.is_ok()),
            "seed {seed}: a copy did not decrypt (a session desynchronised)"
        );
        let mut read: Vec<String> = received
            .iter()
            .filter_map(|r| r.message.as_ref().ok()?.conversation.clone())
            .collect();
        read.sort();
        let mut want = texts.clone();
        want.sort();
        assert_eq!(read, want, "seed {seed}: not every message exactly once");
        let mut got_ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
        got_ids.sort_unstable();
        ids.sort();
        assert_eq!(
            got_ids, ids,
            "seed {seed}: ids differ from what the sends returned"
        );
        for e in h.server.send_fault_events() {
            *drops.entry(e.point).or_default() += 1;
        }
        h.client.stop().await;
    }
    // The plan must really have dropped, at both points.
    let before = drops.get(&DropPoint::BeforeSend).copied().unwrap_or(0);
    let after = drops.get(&DropPoint::AfterSend).copied().unwrap_or(0);
    assert!(
        before >= 10 && after >= 10,
        "too few drops: {before} before, {after} after"
    );
}
