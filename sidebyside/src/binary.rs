//! Node decode and encode paths of both libraries over the corpus, each checked for identical
//! results before it is timed.

use std::hint::black_box;

use wacore_binary::marshal::unmarshal_ref;
use wacore_binary::{marshal_to_vec, util};

use crate::canon;
use crate::corpus::Entry;
use crate::Path;

fn wacore_decode(frame: &[u8]) -> usize {
    let body = util::unpack(frame).expect("wacore unpacks the corpus");
    let node = unmarshal_ref(&body).expect("wacore decodes the corpus");
    // Touch the result so the decode is not optimised away; the borrow ends with `body`.
    node.attrs.len()
}

fn ours_view(frame: &[u8]) -> usize {
    let limits = wa_protocol::binary::DecodeLimits::default();
    let body = wa_protocol::binary::body_with(frame, &limits).expect("ours unpacks the corpus");
    let view = wa_protocol::binary::decode_view_with(&body, &limits).expect("ours decodes");
    // Same touch as on wacore's side.
    let n = view.root().attr_count();
    n
}

/// [`ours_view`] into a connection's reused arena: no allocation once it has grown.
fn ours_view_in(frame: &[u8], arena: &mut wa_protocol::binary::ViewArena) -> usize {
    let limits = wa_protocol::binary::DecodeLimits::default();
    let body = wa_protocol::binary::body_with(frame, &limits).expect("ours unpacks the corpus");
    let view = wa_protocol::binary::decode_view_in(&body, &limits, arena).expect("ours decodes");
    let n = view.root().attr_count();
    arena.recycle(view);
    n
}

/// Panics with the first difference (and a little context) when `a` and `b` differ.
fn agree(a: &str, b: &str, name: &str, what: &str) {
    if a == b {
        return;
    }
    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let from = at.saturating_sub(40);
    let show = |s: &str| s.get(from..(at + 40).min(s.len())).unwrap_or("").to_owned();
    panic!(
        "{name}: {what} at byte {at}: ours ...{}... vs ...{}...",
        show(a),
        show(b)
    );
}

/// Checks that both decoders read `e.frame` to the same tree and that both encoders write
/// frames that both decoders read back to that tree; panics with the difference otherwise.
fn check(e: &Entry) {
    let mut a = String::new();
    canon::ours(
        &wa_protocol::binary::unpack(&e.frame).expect("ours decodes"),
        &mut a,
    );
    let body = util::unpack(&e.frame).unwrap();
    let theirs = unmarshal_ref(&body).unwrap();
    let mut b = String::new();
    canon::wacore(&theirs, &mut b);
    agree(&a, &b, e.name, "the decoders disagree");
    let limits = wa_protocol::binary::DecodeLimits::default();
    let body = wa_protocol::binary::body_with(&e.frame, &limits).unwrap();
    let view = wa_protocol::binary::decode_view_with(&body, &limits).unwrap();
    let mut v = String::new();
    canon::ours(&view.root().to_owned(), &mut v);
    agree(&a, &v, e.name, "our view decoder disagrees");

    let mut ours_out = Vec::new();
    wa_protocol::binary::pack_into(&e.node, &mut ours_out).unwrap();
    let owned = theirs.to_owned();
    let mut theirs_out = Vec::new();
    marshal_to_vec(&owned, &mut theirs_out).unwrap();
    for (who, frame) in [("ours", &ours_out), ("wacore", &theirs_out)] {
        let mut c = String::new();
        canon::ours(&wa_protocol::binary::unpack(frame).unwrap(), &mut c);
        agree(
            &a,
            &c,
            e.name,
            &format!("the {who} encoding reads back differently"),
        );
    }
    if ours_out != theirs_out {
        eprintln!(
            "note: {}: encodings differ in bytes ({} vs {}) but decode to the same tree",
            e.name,
            ours_out.len(),
            theirs_out.len()
        );
    }
}

/// The decode and encode paths, after checking every corpus entry.
pub fn paths(corpus: &'static [Entry], checked: bool) -> Vec<Path> {
    let mut out = Vec::new();
    for e in corpus {
        if checked {
            check(e);
        }
        out.push(Path {
            name: format!("decode/{}", e.name),
            ours: Box::new(move || {
                black_box(wa_protocol::binary::unpack(black_box(&e.frame)).unwrap());
            }),
            theirs: Box::new(move || {
                black_box(wacore_decode(black_box(&e.frame)));
            }),
        });
    }
    for e in corpus {
        out.push(Path {
            name: format!("decode_view/{}", e.name),
            ours: Box::new(move || {
                black_box(ours_view(black_box(&e.frame)));
            }),
            theirs: Box::new(move || {
                black_box(wacore_decode(black_box(&e.frame)));
            }),
        });
    }
    for e in corpus {
        let mut arena = wa_protocol::binary::ViewArena::default();
        out.push(Path {
            name: format!("decode_view_reuse/{}", e.name),
            ours: Box::new(move || {
                black_box(ours_view_in(black_box(&e.frame), &mut arena));
            }),
            theirs: Box::new(move || {
                black_box(wacore_decode(black_box(&e.frame)));
            }),
        });
    }
    for e in corpus {
        let mut arena = wa_protocol::binary::ViewArena::default();
        let limits = wa_protocol::binary::DecodeLimits::default();
        out.push(Path {
            name: format!("decode_view_owned/{}", e.name),
            ours: Box::new(move || {
                // The owned `Node` built from a view in a reused arena (what a caller that
                // still needs a `Node` pays), against the same wacore borrowed decode.
                let body = wa_protocol::binary::body_with(black_box(&e.frame), &limits).unwrap();
                let view = wa_protocol::binary::decode_view_in(&body, &limits, &mut arena).unwrap();
                black_box(view.root().to_owned());
                arena.recycle(view);
            }),
            theirs: Box::new(move || {
                black_box(wacore_decode(black_box(&e.frame)));
            }),
        });
    }
    for e in corpus.iter().filter(|e| e.encode) {
        let owned: &'static wacore_binary::Node = Box::leak(Box::new(
            unmarshal_ref(&util::unpack(&e.frame).unwrap())
                .unwrap()
                .to_owned(),
        ));
        let mut ours_buf = Vec::with_capacity(1 << 17);
        let mut theirs_buf = Vec::with_capacity(1 << 17);
        out.push(Path {
            name: format!("encode/{}", e.name),
            ours: Box::new(move || {
                ours_buf.clear();
                wa_protocol::binary::pack_into(black_box(&e.node), &mut ours_buf).unwrap();
                black_box(ours_buf.len());
            }),
            theirs: Box::new(move || {
                marshal_to_vec(black_box(owned), &mut theirs_buf).unwrap();
                black_box(theirs_buf.len());
            }),
        });
    }
    for e in corpus.iter().filter(|e| e.encode) {
        let owned: &'static wacore_binary::Node = Box::leak(Box::new(
            unmarshal_ref(&util::unpack(&e.frame).unwrap())
                .unwrap()
                .to_owned(),
        ));
        out.push(Path {
            // A one-off encode into a new buffer: ours reserves once from a size bound,
            // wacore's `marshal_auto` starts at 1 KiB and reserves from an estimate for
            // large shapes.
            name: format!("encode_fresh/{}", e.name),
            ours: Box::new(move || {
                black_box(wa_protocol::binary::encode(black_box(&e.node)).unwrap());
            }),
            theirs: Box::new(move || {
                black_box(wacore_binary::marshal::marshal_auto(black_box(owned)).unwrap());
            }),
        });
    }
    out
}
