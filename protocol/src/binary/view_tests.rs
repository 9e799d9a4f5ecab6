//! The borrowed decoder against the owned one: same tree, same error, same budget refusals,
//! on encoded random trees, on corrupted encodings and on raw bytes.

use proptest::prelude::*;

use super::*;
use crate::binary::view::{StrRef, ValueRef, ViewArena};
use crate::binary::{decode_with, encode, AttrValue, Content, DecodeLimits, Jid, Node};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Tokens, nibble- and hex-packable strings, and raw ones.
        prop::sample::select(vec![
            "message", "type", "id", "to", "enc", "receipt", "", "v"
        ])
        .prop_map(str::to_owned),
        "[0-9.-]{0,20}",
        "[0-9A-F]{0,20}",
        "[a-z0-9 ]{0,12}",
        ".{0,6}",
    ]
}

fn jid() -> impl Strategy<Value = Jid> {
    ("[0-9]{1,15}", 0u16..100, 0u8..4).prop_map(|(user, device, kind)| match kind {
        0 => Jid::pn(user).with_device(device),
        1 => Jid::lid(user).with_device(device),
        2 => Jid::group(user),
        _ => Jid::server_jid(),
    })
}

fn attrs() -> impl Strategy<Value = Vec<(String, AttrValue)>> {
    prop::collection::vec(
        (
            text(),
            prop_oneof![
                text().prop_map(AttrValue::from),
                jid().prop_map(AttrValue::from)
            ],
        ),
        0..4,
    )
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = (
        "[a-z]{1,8}",
        attrs(),
        0u8..3,
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(tag, attrs, kind, bytes)| {
            let mut n = Node::new(tag);
            for (k, v) in attrs {
                n.attrs.push(k, v);
            }
            n.content = match kind {
                0 => Content::None,
                1 => Content::Bytes(bytes),
                _ => Content::String(String::from_utf8_lossy(&bytes).into_owned().into()),
            };
            n
        });
    leaf.prop_recursive(4, 48, 6, move |inner| {
        ("[a-z]{1,8}", attrs(), prop::collection::vec(inner, 0..6)).prop_map(
            |(tag, attrs, children)| {
                let mut n = Node::new(tag);
                for (k, v) in attrs {
                    n.attrs.push(k, v);
                }
                n.content = Content::Nodes(children);
                n
            },
        )
    })
}

fn same(data: &[u8], limits: &DecodeLimits) -> Result<(), TestCaseError> {
    let owned = decode_with(data, limits);
    let viewed = decode_view_with(data, limits).map(|v| v.root().to_owned());
    prop_assert_eq!(viewed, owned);
    Ok(())
}

fn tight() -> impl Strategy<Value = DecodeLimits> {
    (1usize..40, 1usize..60, 1usize..4000, 0usize..8).prop_map(|(n, a, h, d)| DecodeLimits {
        max_nodes: n,
        max_attrs: a,
        max_heap: h,
        max_depth: d,
        ..DecodeLimits::default()
    })
}

proptest! {
    #[test]
    fn encoded_trees_decode_the_same(n in node(), limits in tight()) {
        let data = encode(&n).unwrap();
        same(&data, &DecodeLimits::default())?;
        // Encoded trees are valid input: both decoders must accept them.
        prop_assert!(decode_view(&data).is_ok());
        same(&data, &limits)?;
    }

    #[test]
    fn corrupted_encodings_fail_the_same(
        n in node(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = encode(&n).unwrap();
        for (at, b) in edits {
            let i = at.index(data.len());
            data[i] = b;
        }
        same(&data, &DecodeLimits::default())?;
        let cut = cut.index(data.len() + 1);
        same(&data[..cut], &DecodeLimits::default())?;
    }

    #[test]
    fn a_reused_arena_decodes_like_a_fresh_one(
        frames in prop::collection::vec((node(), any::<prop::sample::Index>()), 1..6),
    ) {
        let mut arena = ViewArena::default();
        for (n, cut) in frames {
            let data = encode(&n).unwrap();
            // Cut frames fail in between, which must leave the arena usable.
            let cut = cut.index(data.len() + 1);
            for input in [&data[..cut], &data[..]] {
                let owned = decode_with(input, &DecodeLimits::default());
                match decode_view_in(input, &DecodeLimits::default(), &mut arena) {
                    Ok(view) => {
                        prop_assert_eq!(Ok(view.root().to_owned()), owned);
                        arena.recycle(view);
                    }
                    Err(e) => prop_assert_eq!(Err(e), owned),
                }
            }
        }
    }

    #[test]
    fn raw_bytes_fail_the_same(data in prop::collection::vec(any::<u8>(), 0..64)) {
        same(&data, &DecodeLimits::default())?;
    }
}

#[test]
fn strings_and_payloads_borrow_from_the_input() {
    let n = Node::build("message")
        .attr("id", "3EB0ABCDEF")
        .attr("to", Jid::pn("15551234567").with_device(2))
        .attr("note", "hello world")
        .child(Node::build("enc").bytes(vec![7u8; 300]))
        .finish();
    let data = encode(&n).unwrap();
    let view = decode_view(&data).unwrap();
    let root = view.root();
    assert!(root.is("message"));
    let note = root.attr("note").unwrap();
    match note {
        ValueRef::Str(StrRef::Raw(s)) => {
            let range = data.as_ptr_range();
            assert!(
                range.contains(&s.as_ptr()),
                "raw strings point into the frame"
            );
        }
        other => panic!("expected a raw string, got {other:?}"),
    }
    assert!(matches!(
        root.attr("id"),
        Some(ValueRef::Str(StrRef::Packed { .. }))
    ));
    assert!(root.attr("id").unwrap().eq_str("3EB0ABCDEF"));
    assert_eq!(
        root.attr_jid("to"),
        Some(Jid::pn("15551234567").with_device(2))
    );
    assert_eq!(
        root.attr_str("to").as_deref(),
        Some("15551234567:2@s.whatsapp.net")
    );
    let enc = root.child("enc").unwrap();
    let payload = enc.bytes().unwrap();
    assert!(data.as_ptr_range().contains(&payload.as_ptr()));
    assert_eq!(payload, &[7u8; 300][..]);
    assert_eq!(root.children().len(), 1);
    assert!(root.child("missing").is_none());
}

#[test]
fn children_are_contiguous_and_in_order() {
    let n = Node::build("list")
        .children((0..5).map(|i| {
            Node::build("item")
                .attr("n", i.to_string())
                .child(Node::build("inner").attr("m", (i * 10).to_string()))
                .finish()
        }))
        .finish();
    let data = encode(&n).unwrap();
    let view = decode_view(&data).unwrap();
    let items: Vec<_> = view
        .root()
        .children()
        .map(|c| {
            let inner = c.child("inner").unwrap();
            (
                c.attr_str("n").unwrap().into_owned(),
                inner.attr_str("m").unwrap().into_owned(),
            )
        })
        .collect();
    let want: Vec<_> = (0..5)
        .map(|i| (i.to_string(), (i * 10).to_string()))
        .collect();
    assert_eq!(items, want);
}

#[test]
fn a_recycled_arena_keeps_its_storage() {
    let n = Node::build("list")
        .children((0..20).map(|i| Node::build("item").attr("n", i.to_string()).finish()))
        .finish();
    let data = encode(&n).unwrap();
    let mut arena = ViewArena::default();
    let view = decode_view_in(&data, &DecodeLimits::default(), &mut arena).unwrap();
    arena.recycle(view);
    let (nodes, attrs) = (arena.nodes.capacity(), arena.attrs.capacity());
    assert!(nodes >= 21 && attrs >= 20);
    let small = encode(&Node::build("ack").attr("id", "1").finish()).unwrap();
    let view = decode_view_in(&small, &DecodeLimits::default(), &mut arena).unwrap();
    assert_eq!(
        view.nodes.capacity(),
        nodes,
        "the storage moved into the view"
    );
    assert_eq!(
        view.root().to_owned(),
        decode_with(&small, &DecodeLimits::default()).unwrap()
    );
    arena.recycle(view);
    assert_eq!(arena.attrs.capacity(), attrs);
}

#[test]
fn jids_are_read_again_on_request() {
    let to = Jid::lid("123456789").with_device(7);
    let n = Node::build("receipt").attr("to", to.clone()).finish();
    let data = encode(&n).unwrap();
    let view = decode_view(&data).unwrap();
    let v = view.root().attr("to").unwrap();
    assert!(matches!(v, ValueRef::Jid(_)));
    assert_eq!(v.to_jid(), Some(to));
    assert!(v.eq_str("123456789:7@lid"));
    assert!(!v.eq_str("123456789:8@lid"));
}

#[test]
fn small_views_reuse_this_threads_storage_and_large_ones_do_not_stay() {
    let small = encode(&Node::build("ack").attr("id", "1").finish()).unwrap();
    let first = decode_view(&small).unwrap();
    let storage = first.nodes.as_ptr();
    drop(first);
    let second = decode_view(&small).unwrap();
    assert_eq!(
        second.nodes.as_ptr(),
        storage,
        "the dropped view's storage was reused"
    );
    drop(second);

    let large = Node::build("list")
        .children((0..1000).map(|_| Node::new("item")))
        .finish();
    let large = encode(&large).unwrap();
    let view = decode_view(&large).unwrap();
    assert!(view.nodes.capacity() > 256);
    drop(view);
    let view = decode_view(&small).unwrap();
    assert!(
        view.nodes.capacity() <= 256,
        "a large arena is freed, not pooled"
    );
    assert_eq!(
        view.root().to_owned(),
        decode_with(&small, &DecodeLimits::default()).unwrap()
    );
}
