//! Decode budgets: bombs of several shapes are refused with typed errors, and the worst shapes
//! that are still accepted decode to a tree whose heap stays within a fixed multiple of the
//! (inflated) frame body.

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use wa_protocol::binary::frame::FLAG_COMPRESSED;
use wa_protocol::binary::limits::{DEFAULT_MAX_ATTRS, DEFAULT_MAX_NODES};
use wa_protocol::binary::tags::*;
use wa_protocol::binary::{
    heap_size, unpack, unpack_with, DecodeBudget, DecodeError, DecodeLimits, MAX_DEPTH,
};

/// The fixed multiple: heap bytes of a decoded tree per byte of (inflated) body, worst case.
const HEAP_PER_BYTE: usize = 64;

/// A one-byte token usable as a tag, key or value ("iq" and friends are all single bytes).
const TOKEN: u8 = 0x19;

fn plain(body: &[u8]) -> Vec<u8> {
    let mut frame = vec![0];
    frame.extend_from_slice(body);
    frame
}

fn compressed(body: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(vec![FLAG_COMPRESSED], Compression::default());
    z.write_all(body).unwrap();
    z.finish().unwrap()
}

fn list_header(out: &mut Vec<u8>, n: usize) {
    if n < 256 {
        out.extend_from_slice(&[LIST_8, n as u8]);
    } else {
        out.push(LIST_16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    }
}

/// A root holding `groups` lists of `children` minimal nodes (3 bytes each), nested one level.
fn tiny_children(groups: usize, children: usize) -> Vec<u8> {
    let mut b = vec![LIST_8, 2, TOKEN];
    list_header(&mut b, groups);
    for _ in 0..groups {
        b.extend_from_slice(&[LIST_8, 2, TOKEN]);
        list_header(&mut b, children);
        for _ in 0..children {
            b.extend_from_slice(&[LIST_8, 1, TOKEN]);
        }
    }
    b
}

/// A root holding `nodes` children, each with `attrs` token attributes (2 bytes each).
fn many_attrs(nodes: usize, attrs: usize) -> Vec<u8> {
    let mut b = vec![LIST_8, 2, TOKEN];
    list_header(&mut b, nodes);
    for _ in 0..nodes {
        list_header(&mut b, 1 + 2 * attrs);
        b.push(TOKEN);
        for _ in 0..attrs {
            b.extend_from_slice(&[TOKEN, TOKEN]);
        }
    }
    b
}

fn over(err: DecodeError) -> DecodeBudget {
    match err {
        DecodeError::OverBudget { budget, .. } => budget,
        other => panic!("expected a budget error, got {other:?}"),
    }
}

fn assert_within_multiple(body: &[u8], frame: &[u8]) {
    let node = unpack(frame).expect("accepted under the default limits");
    let heap = heap_size(&node);
    assert!(
        heap <= HEAP_PER_BYTE * body.len(),
        "{heap} heap bytes for a {}-byte body",
        body.len()
    );
    assert!(heap <= DecodeLimits::default().max_heap);
}

#[test]
fn deep_nesting_is_refused_at_the_configured_depth() {
    let nest = |depth: usize| {
        let mut b = Vec::new();
        for _ in 0..depth {
            b.extend_from_slice(&[LIST_8, 2, TOKEN, LIST_8, 1]);
        }
        b.extend_from_slice(&[LIST_8, 1, TOKEN]);
        b
    };
    assert!(unpack(&plain(&nest(MAX_DEPTH))).is_ok());
    assert!(matches!(
        unpack(&plain(&nest(MAX_DEPTH + 1))),
        Err(DecodeError::TooDeep { max: MAX_DEPTH, .. })
    ));
    let shallow = DecodeLimits {
        max_depth: 3,
        ..DecodeLimits::default()
    };
    assert!(unpack_with(&plain(&nest(3)), &shallow).is_ok());
    assert!(matches!(
        unpack_with(&plain(&nest(4)), &shallow),
        Err(DecodeError::TooDeep { max: 3, .. })
    ));
}

#[test]
fn claimed_list_sizes_at_every_level_cannot_reserve_past_the_heap_budget() {
    // Every level claims 65535 children, the first of which is the next level; then 1 MiB of
    // filler makes each claim look fillable. Reserving for every claim would take hundreds of
    // MiB; the budget refuses first.
    let mut b = Vec::new();
    for _ in 0..MAX_DEPTH {
        b.extend_from_slice(&[LIST_8, 2, TOKEN, LIST_16, 0xFF, 0xFF]);
    }
    b.resize(b.len() + (1 << 20), TOKEN);
    assert_eq!(over(unpack(&plain(&b)).unwrap_err()), DecodeBudget::Heap);
    // A tiny heap budget trips on the first claim.
    let tight = DecodeLimits {
        max_heap: 4096,
        ..DecodeLimits::default()
    };
    let small = tiny_children(1, 1000);
    assert_eq!(
        unpack_with(&plain(&small), &tight).unwrap_err(),
        DecodeError::OverBudget {
            budget: DecodeBudget::Heap,
            limit: 4096,
            offset: 8
        }
    );
}

#[test]
fn many_tiny_children_hit_the_node_budget_and_the_largest_accepted_stays_within_the_multiple() {
    // Just under the node budget (the root and the group nodes count too).
    let groups = DEFAULT_MAX_NODES / 65_535;
    let per = (DEFAULT_MAX_NODES - 1 - groups) / groups;
    let body = tiny_children(groups, per);
    assert_within_multiple(&body, &plain(&body));
    // Compressed, the same frame is a few KiB: the multiple applies to what it inflates to.
    assert_within_multiple(&body, &compressed(&body));
    let body = tiny_children(groups + 1, per);
    assert_eq!(
        over(unpack(&plain(&body)).unwrap_err()),
        DecodeBudget::Nodes
    );
    assert_eq!(
        over(unpack(&compressed(&body)).unwrap_err()),
        DecodeBudget::Nodes
    );
}

#[test]
fn many_attributes_hit_the_attribute_budget_and_the_largest_accepted_stays_within_the_multiple() {
    let per = 32_767;
    let nodes = DEFAULT_MAX_ATTRS / per;
    let body = many_attrs(nodes, per);
    assert_within_multiple(&body, &plain(&body));
    let body = many_attrs(nodes + 1, per);
    assert_eq!(
        over(unpack(&compressed(&body)).unwrap_err()),
        DecodeBudget::Attrs
    );
    let few = DecodeLimits {
        max_attrs: 10,
        ..DecodeLimits::default()
    };
    assert_eq!(
        over(unpack_with(&plain(&many_attrs(1, 11)), &few).unwrap_err()),
        DecodeBudget::Attrs
    );
    assert!(unpack_with(&plain(&many_attrs(1, 10)), &few).is_ok());
}

#[test]
fn jid_and_packed_heavy_shapes_stay_within_the_multiple() {
    // Attributes whose values are JIDs built from the longest dictionary tokens, and packed
    // strings (which expand two fold): the densest owned-string shapes the format has.
    let longest_double = (0..4u8)
        .flat_map(|d| (0..=255u8).map(move |i| (d, i)))
        .filter_map(|(d, i)| wa_protocol::binary::tokens::double(d, i).map(|t| (t.len(), d, i)))
        .max()
        .unwrap();
    let (_, dict, index) = longest_double;
    let mut b = vec![LIST_8, 2, TOKEN];
    list_header(&mut b, 2000);
    for _ in 0..2000 {
        // <TOKEN key=JID(user, server) key=packed(127 bytes → 254 digits)>
        list_header(&mut b, 5);
        b.push(TOKEN);
        b.extend_from_slice(&[
            TOKEN,
            JID_PAIR,
            DICTIONARY_0 + dict,
            index,
            DICTIONARY_0 + dict,
            index,
        ]);
        b.extend_from_slice(&[TOKEN, NIBBLE_8, 127]);
        b.extend(std::iter::repeat_n(0x12, 127));
    }
    assert_within_multiple(&b, &plain(&b));
    // A node whose tag is a JID: rendered to a string.
    let mut b = vec![LIST_8, 2, TOKEN];
    list_header(&mut b, 10_000);
    for _ in 0..10_000 {
        b.extend_from_slice(&[
            LIST_8,
            1,
            JID_PAIR,
            DICTIONARY_0 + dict,
            index,
            DICTIONARY_0 + dict,
            index,
        ]);
    }
    assert_within_multiple(&b, &plain(&b));
}

#[test]
fn zlib_bombs_stop_at_the_inflate_bound() {
    let max = DecodeLimits::default().max_inflated;
    // Repeated bytes: a few KiB that would inflate far past the bound.
    let bomb = compressed(&vec![TOKEN; max + 1]);
    assert!(bomb.len() < max / 100);
    assert_eq!(unpack(&bomb), Err(DecodeError::InflatedTooLarge { max }));
    // Exactly at the bound inflation succeeds (and the decoder then judges the bytes).
    assert!(!matches!(
        unpack(&compressed(&vec![TOKEN; max])),
        Err(DecodeError::InflatedTooLarge { .. })
    ));
    let small = DecodeLimits {
        max_inflated: 1000,
        ..DecodeLimits::default()
    };
    let body = tiny_children(1, 400);
    assert_eq!(
        unpack_with(&compressed(&body), &small),
        Err(DecodeError::InflatedTooLarge { max: 1000 })
    );
    // The bound is on inflated bytes: the same body sent plain is judged by the other budgets.
    assert!(unpack_with(&plain(&body), &small).is_ok());
}
