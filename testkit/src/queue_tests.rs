//! The delivery queue: ack and receipt matching, and its indexes against a full scan.

use super::*;

fn msg(id: &str) -> Node {
    Node::build("message")
        .attr("id", id.to_owned())
        .attr("from", Jid::pn("15550000009"))
        .finish()
}

fn ack(class: &str, id: &str, to: &str) -> Node {
    Node::build("ack")
        .attr("class", class.to_owned())
        .attr("id", id.to_owned())
        .attr("to", to.to_owned())
        .finish()
}

const FROM: &str = "15550000009@s.whatsapp.net";

#[test]
fn a_receipt_takes_messages_off_the_queue_like_an_ack() {
    let mut st = State::new(0);
    let a = st.enqueue((1, 1), msg("A"));
    let b = st.enqueue((1, 1), msg("B"));
    let other_device = st.enqueue((1, 2), msg("A"));
    let q = &mut st.queue;
    assert_eq!(q.receipt((1, 1), &["A".into(), "Z".into()]), 1);
    assert_eq!(q.receipt((1, 1), &["A".into()]), 0, "once");
    let pending: Vec<u64> = q.pending((1, 1)).map(|e| e.delivery.seq).collect();
    assert_eq!(
        pending,
        vec![b],
        "a client that never acks does not get A again"
    );
    assert_eq!(
        q.pending((1, 2)).map(|e| e.delivery.seq).next(),
        Some(other_device)
    );
    let entry = &q.get(a).unwrap().delivery;
    assert!(entry.is_done() && !entry.is_acked());
    // The ack that follows is the first ack, not a duplicate.
    assert_eq!(q.ack((1, 1), &ack("message", "A", FROM)), Some(a));
    assert_eq!(q.get(a).map(|e| e.delivery.acks), Some(1));
}

#[test]
fn acks_take_the_oldest_pending_match_then_count_duplicates() {
    let mut st = State::new(0);
    let a = st.enqueue((1, 1), msg("A"));
    let a2 = st.enqueue((1, 1), msg("A"));
    let b = st.enqueue((1, 2), msg("B"));
    assert_eq!(st.queue.pending((1, 1)).count(), 2);
    let q = &mut st.queue;
    assert_eq!(q.ack((1, 1), &ack("receipt", "A", FROM)), None, "class");
    assert_eq!(q.ack((1, 2), &ack("message", "A", FROM)), None, "device");
    assert_eq!(
        q.ack((1, 1), &ack("message", "A", "15550000008@s.whatsapp.net")),
        None,
        "addressee"
    );
    assert_eq!(q.ack((1, 1), &Node::build("ack").finish()), None);
    assert_eq!(q.ack((1, 1), &ack("message", "A", FROM)), Some(a));
    assert_eq!(q.ack((1, 1), &ack("message", "A", FROM)), Some(a2));
    assert_eq!(
        q.ack((1, 1), &ack("message", "A", FROM)),
        Some(a2),
        "duplicate"
    );
    assert_eq!(st.queue.get(a2).map(|e| e.delivery.acks), Some(2));
    assert_eq!(st.queue.pending((1, 1)).count(), 0);
    assert_eq!(
        st.queue
            .pending((1, 2))
            .map(|e| e.delivery.seq)
            .collect::<Vec<_>>(),
        vec![b]
    );
    assert!(st.queue.get(0).is_none() && st.queue.get(99).is_none());
}

#[test]
fn a_group_stanza_s_ack_must_name_the_participant() {
    let mut st = State::new(0);
    let group = "120363000000000001@g.us";
    let node = Node::build("message")
        .attr("id", "G")
        .attr("from", Jid::group("120363000000000001"))
        .attr("participant", Jid::pn("15550000009"))
        .finish();
    let seq = st.enqueue((1, 1), node);
    assert_eq!(st.queue.ack((1, 1), &ack("message", "G", group)), None);
    let mut good = ack("message", "G", group);
    good.set_attr("participant", Jid::pn("15550000009"));
    assert_eq!(st.queue.ack((1, 1), &good), Some(seq));
}

proptest::proptest! {
    /// The indexes agree with a scan of every entry, whatever mix of stanzas, acks and
    /// receipts (duplicates, wrong classes, unknown ids) arrives.
    #[test]
    fn the_indexes_agree_with_a_full_scan(
        ops in proptest::collection::vec((0u8..3, 1u32..3, 0u8..4, proptest::bool::ANY), 1..60)
    ) {
        let mut st = State::new(0);
        for (op, dev, id, receipt_class) in ops {
            let device = (1, dev);
            let id = format!("M{id}");
            match op {
                0 if receipt_class => {
                    let node = Node::build("receipt")
                        .attr("id", id.clone())
                        .attr("from", Jid::pn("15550000009"))
                        .finish();
                    st.enqueue(device, node);
                }
                0 => {
                    st.enqueue(device, msg(&id));
                }
                1 => {
                    let class = if receipt_class { "receipt" } else { "message" };
                    st.queue.ack(device, &ack(class, &id, FROM));
                }
                _ => {
                    st.queue.receipt(device, &[id]);
                }
            }
            for dev in 1..3 {
                let device = (1, dev);
                let indexed: Vec<u64> = st.queue.pending(device).map(|e| e.delivery.seq).collect();
                let scanned: Vec<u64> = st
                    .queue
                    .iter()
                    .filter(|e| e.device == device && !e.delivery.is_done())
                    .map(|e| e.delivery.seq)
                    .collect();
                proptest::prop_assert_eq!(&indexed, &scanned);
                proptest::prop_assert_eq!(st.queue.is_empty_for(device), scanned.is_empty());
            }
            let acked = st.queue.iter().filter(|e| e.delivery.is_acked()).count();
            proptest::prop_assert_eq!(st.queue.acked_count(), acked);
        }
    }
}

#[test]
fn the_preview_counts_by_kind() {
    let nodes = vec![
        msg("1"),
        msg("2"),
        Node::build("receipt").finish(),
        Node::build("notification").finish(),
    ];
    let ib = offline_preview(&nodes);
    let p = ib.child("offline_preview").expect("preview");
    assert_eq!(p.attr_u64("count"), Some(4));
    assert_eq!(p.attr_u64("message"), Some(2));
    assert_eq!(p.attr_u64("receipt"), Some(1));
    assert_eq!(p.attr_u64("notification"), Some(1));
    assert_eq!(
        offline_done(4)
            .child("offline")
            .and_then(|o| o.attr_u64("count")),
        Some(4)
    );
}
