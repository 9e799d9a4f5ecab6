//! The delivery queue: offline delivery between `<ib>` markers, redelivery of un-acked
//! stanzas byte for byte, and the seeded fault plan.

mod common;

use common::receiver::Receiver;
use common::WAIT;
use wa_protocol::binary::Node;
use wa_testkit::{FakeServer, FaultPlan, MessageId};

fn enc_bytes(node: &Node) -> Vec<u8> {
    node.child("enc")
        .and_then(Node::content_bytes)
        .expect("enc")
        .to_vec()
}

/// Reads until `<ib><offline/>`; returns the preview, the messages, and the final count.
async fn offline_batch(r: &mut Receiver) -> (Option<Node>, Vec<Node>, u64) {
    let mut preview = None;
    let mut messages = Vec::new();
    loop {
        let node = r
            .next()
            .await
            .expect("server went quiet before <ib><offline/>");
        match node.tag.as_ref() {
            "ib" if node.child("offline_preview").is_some() => {
                preview = node.child("offline_preview").cloned();
            }
            "ib" if node.child("offline").is_some() => {
                let count = node
                    .child("offline")
                    .and_then(|o| o.attr_u64("count"))
                    .expect("count");
                return (preview, messages, count);
            }
            "message" => messages.push(node),
            _ => {}
        }
    }
}

#[tokio::test]
async fn messages_wait_offline_and_unacked_ones_come_back_identical() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15_551_230_010);
    r.disconnect(&server).await;

    let ids: Vec<MessageId> = (0..3)
        .map(|i| {
            alice
                .send_text(&server, &r.jid, &format!("m{i}"))
                .expect("sent")
        })
        .collect();
    let pending = server.pending_messages(&r.jid);
    assert_eq!(pending.len(), 3);
    assert!(pending.iter().all(|d| d.deliveries == 0));

    assert_eq!(r.connect(&server).await.tag, "success");
    let (preview, first, count) = offline_batch(&mut r).await;
    let preview = preview.expect("offline_preview");
    assert_eq!(preview.attr_u64("count"), Some(3));
    assert_eq!(preview.attr_u64("message"), Some(3));
    assert_eq!(count, 3);
    let got: Vec<String> = first
        .iter()
        .filter_map(|m| m.attr_str("id").map(|s| s.into_owned()))
        .collect();
    let want: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(got, want);
    assert!(first.iter().all(|m| m.attr("offline").is_some()));
    assert_eq!(r.texts(&first[0]), ["m0"]);
    r.ack(&first[0]).await;
    server.wait_for_acks(1, WAIT).await.expect("ack");
    r.disconnect(&server).await;

    // The two un-acked ones again, same ids and ciphertext.
    assert_eq!(r.connect(&server).await.tag, "success");
    let (preview, again, count) = offline_batch(&mut r).await;
    assert_eq!(preview.and_then(|p| p.attr_u64("count")), Some(2));
    assert_eq!(count, 2);
    assert_eq!(again.len(), 2);
    for (old, new) in first[1..].iter().zip(&again) {
        assert_eq!(old.attr_str("id"), new.attr_str("id"));
        assert_eq!(
            enc_bytes(old),
            enc_bytes(new),
            "redelivery, not re-encryption"
        );
    }
    for m in &again {
        r.ack(m).await;
    }
    r.disconnect(&server).await;
    let stats: Vec<(u32, u32)> = server
        .deliveries()
        .iter()
        .map(|d| (d.deliveries, d.acks))
        .collect();
    assert_eq!(stats, [(1, 1), (2, 1), (2, 1)]);
    assert!(ids.iter().all(|id| server.acked(id)));
    assert!(server.pending_messages(&r.jid).is_empty());
    assert!(server.unmatched_acks().is_empty());

    // Nothing queued: no preview, just `<offline count="0"/>` (when asked for), then live
    // delivery.
    server.set_empty_offline_marker(true);
    assert_eq!(r.connect(&server).await.tag, "success");
    let (preview, none, count) = offline_batch(&mut r).await;
    assert!(preview.is_none() && none.is_empty() && count == 0);
    let live = alice.send_text(&server, &r.jid, "live").expect("sent");
    let m = r.next_message().await;
    assert_eq!(m.attr_str("id").as_deref(), Some(live.as_str()));
    assert!(m.attr("offline").is_none());
    assert_eq!(r.texts(&m), ["live"]);
}

/// Queues `n` messages while offline, then logs in again and again, acking everything it
/// reads, until the queue is empty. Returns the drops and the per-stanza (deliveries, acks).
async fn run_with_faults(plan: FaultPlan, n: usize) -> (Vec<(u64, u32, bool)>, Vec<(u32, u32)>) {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    r.disconnect(&server).await;
    let alice = server.add_contact(15_551_230_011);
    for i in 0..n {
        alice
            .send_text(&server, &r.jid, &format!("m{i}"))
            .expect("sent");
    }
    server.set_fault_plan(Some(plan));
    for _ in 0..=plan.max_drops {
        if server.pending_messages(&r.jid).is_empty() {
            break;
        }
        assert_eq!(r.connect(&server).await.tag, "success");
        loop {
            match r.next().await {
                Some(node) if node.tag == "message" => {
                    r.try_ack(&node).await;
                }
                Some(node) if node.tag == "ib" && node.child("offline").is_some() => {
                    // The batch arrived whole; let the acks land.
                    server
                        .wait_for_empty_queue(&r.jid, WAIT)
                        .await
                        .expect("all acked");
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
        r.disconnect(&server).await;
    }
    assert!(
        server.pending_messages(&r.jid).is_empty(),
        "everything acked"
    );
    let drops = server
        .fault_events()
        .iter()
        .map(|e| {
            (
                e.seq,
                e.attempt,
                e.point == wa_testkit::DropPoint::AfterSend,
            )
        })
        .collect();
    let stats = server
        .deliveries()
        .iter()
        .map(|d| (d.deliveries, d.acks))
        .collect();
    (drops, stats)
}

#[tokio::test]
async fn the_fault_plan_is_deterministic_per_seed_and_every_message_ends_acked_once() {
    let plan = |seed| FaultPlan {
        seed,
        drop_probability_per_stanza: 0.15,
        max_drops: 6,
    };
    let (drops_a, stats_a) = run_with_faults(plan(42), 20).await;
    let (drops_b, stats_b) = run_with_faults(plan(42), 20).await;
    let (drops_c, _) = run_with_faults(plan(43), 20).await;
    assert!(
        !drops_a.is_empty(),
        "p=0.15 over 20+ deliveries drops something"
    );
    assert!(drops_a.len() <= 6);
    assert_eq!(drops_a, drops_b, "same seed, same drops");
    assert_eq!(stats_a, stats_b, "same seed, same deliveries");
    assert_ne!(drops_a, drops_c, "another seed, other drops");
    assert!(stats_a
        .iter()
        .all(|&(delivered, acks)| delivered >= 1 && acks == 1));
    assert!(
        stats_a.iter().any(|&(delivered, _)| delivered > 1),
        "some stanza was delivered again"
    );
}

#[tokio::test]
async fn a_delivery_receipt_takes_a_message_off_the_queue_without_an_ack() {
    let server = FakeServer::start().await.expect("server");
    let mut r = Receiver::start(&server).await;
    let alice = server.add_contact(15550004444);
    r.disconnect(&server).await;
    let id = alice.send_text(&server, &r.jid, "once").expect("sent");

    assert_eq!(r.connect(&server).await.tag, "success");
    let (_, first, count) = offline_batch(&mut r).await;
    assert_eq!(count, 1);
    let stanza = r.parse(&first[0]);
    // Receipt only, never an ack: the real server still stops delivering it.
    r.send(&wa_protocol::stanza::receipt::delivery_receipt(
        &stanza, true,
    ))
    .await;
    server
        .wait_for_empty_queue(&r.jid, WAIT)
        .await
        .expect("receipted");
    assert!(
        !server.acked(&id),
        "taken off by the receipt, not by an ack"
    );
    r.disconnect(&server).await;

    assert_eq!(r.connect(&server).await.tag, "success");
    let (preview, again, count) = offline_batch(&mut r).await;
    assert!(preview.is_none() && again.is_empty(), "{again:?}");
    assert_eq!(count, 0, "an empty queue still ends with <offline count=0>");
}
