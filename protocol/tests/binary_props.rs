//! Properties of the binary node codec: hostile input never panics the decoder, and encoding
//! then decoding gives back the node (up to the normalisations the format implies: string
//! content written raw comes back as bytes).

use std::borrow::Cow;

use proptest::prelude::*;
use wa_protocol::binary::{
    decode, pack, tokens, unpack, AttrValue, Attrs, Content, DecodeError, Jid, Node, Server,
};

/// Strings that survive the string path unchanged: tokens, packable, arbitrary text without `@`.
fn plain_string() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u8..=235).prop_map(|i| tokens::single(i).unwrap_or("x").to_owned()),
        (0u8..4, any::<u8>()).prop_map(|(d, i)| tokens::double(d, i).unwrap_or("x").to_owned()),
        "[0-9.-]{0,140}",
        "[0-9A-F]{0,140}",
        "[0-9a-f]{1,40}",
        "[^@]{0,300}",
    ]
}

fn user() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,20}",
        "[a-z][a-z0-9]{0,10}",
        Just("status".to_owned())
    ]
}

fn jid() -> impl Strategy<Value = Jid> {
    let server = prop_oneof![
        Just(Server::DefaultUser),
        Just(Server::Group),
        Just(Server::LegacyUser),
        Just(Server::Broadcast),
        Just(Server::Lid),
        Just(Server::Messenger),
        Just(Server::Interop),
        Just(Server::Newsletter),
        Just(Server::Hosted),
        Just(Server::HostedLid),
        Just(Server::Bot),
        "[a-z]{1,8}(\\.[a-z]{1,5})?".prop_map(|s| Server::from(s.as_str())),
    ];
    (
        user(),
        server,
        any::<u16>(),
        any::<u16>(),
        0u8..=3,
        any::<u8>(),
    )
        .prop_map(|(user, server, device, integrator, shape, agent)| {
            let mut j = Jid::new(user, server);
            match shape {
                0 => {}
                1 => j.device = device % 256,
                2 => j.device = device,
                _ => {
                    j.device = device % 256;
                    if j.server == Server::DefaultUser && ![1, 128, 129].contains(&agent) {
                        j.agent = agent;
                    }
                }
            }
            if j.server == Server::Interop {
                j.integrator = integrator;
            }
            j
        })
}

fn attr_value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        plain_string().prop_map(AttrValue::from),
        jid().prop_map(AttrValue::from),
        // A JID's canonical text takes the string path and must come back as the same text.
        jid().prop_map(|j| AttrValue::from(j.to_string())),
    ]
}

fn tag() -> impl Strategy<Value = String> {
    plain_string().prop_filter("tags are not empty", |s| !s.is_empty())
}

fn leaf() -> impl Strategy<Value = Node> {
    let attrs = prop::collection::vec((plain_string(), attr_value()), 0..6);
    let content = prop_oneof![
        Just(Content::None),
        Just(Content::Nodes(Vec::new())),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(Content::Bytes),
        plain_string().prop_map(|s| Content::String(s.into())),
        jid().prop_map(|j| Content::String(j.to_string().into())),
    ];
    (tag(), attrs, content).prop_map(|(tag, attrs, content)| {
        let mut a = Attrs::new();
        for (k, v) in attrs {
            a.push(k, v);
        }
        Node {
            tag: tag.into(),
            attrs: a,
            content,
        }
    })
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        (leaf(), prop::collection::vec(inner, 0..8)).prop_map(|(mut n, children)| {
            n.content = Content::Nodes(children);
            n
        })
    })
}

/// `got` is what decoding the encoding of `want` must give: equal, except that string content
/// may come back as the same text in bytes (it was written raw).
fn matches_after_round_trip(got: &Node, want: &Node) -> Result<(), String> {
    if got.tag != want.tag {
        return Err(format!("tag {:?} != {:?}", got.tag, want.tag));
    }
    if got.attrs != want.attrs {
        return Err(format!(
            "<{}> attrs {:?} != {:?}",
            want.tag, got.attrs, want.attrs
        ));
    }
    match (&got.content, &want.content) {
        (Content::Nodes(g), Content::Nodes(w)) if g.len() == w.len() => g
            .iter()
            .zip(w)
            .try_for_each(|(g, w)| matches_after_round_trip(g, w)),
        (Content::Bytes(g), Content::String(w)) if g.as_slice() == w.as_bytes() => Ok(()),
        (g, w) if g == w => Ok(()),
        (g, w) => Err(format!("<{}> content {g:?} != {w:?}", want.tag)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = unpack(&data);
        let _ = decode(&data);
    }

    #[test]
    fn list_headed_random_bytes_never_panic(
        head in prop::sample::select(vec![0xF8u8, 0xF9]),
        data in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut frame = vec![0, head];
        frame.extend(data);
        let _ = unpack(&frame);
    }

    #[test]
    fn encode_decode_round_trips(n in node()) {
        let frame = pack(&n);
        let got = unpack(&frame).map_err(|e| TestCaseError::fail(format!("{e}\n{n:#?}")))?;
        matches_after_round_trip(&got, &n).map_err(TestCaseError::fail)?;
        // Re-encoding what was decoded is stable.
        let again = unpack(&pack(&got)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, got);
    }

    #[test]
    fn any_string_reaches_a_fixed_point(s in ".{0,200}", k in ".{0,20}") {
        // Strings with '@' may be rewritten in JID form (and normalised); after one decode
        // the node must be stable.
        let n = Node::build("x").attr(k, s.clone()).string(s).finish();
        let once = unpack(&pack(&n)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let twice = unpack(&pack(&once)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(twice, once);
    }

    #[test]
    fn truncated_encodings_fail_cleanly(n in node(), cut in any::<prop::sample::Index>()) {
        let frame = pack(&n);
        let at = cut.index(frame.len());
        let result = unpack(&frame[..at]);
        prop_assert!(result.is_err(), "a strict prefix decoded: {:?}", result);
        if at > 0 {
            let is_eof = matches!(result, Err(DecodeError::UnexpectedEof { .. }));
            prop_assert!(is_eof, "{:?}", result);
        }
    }

    #[test]
    fn mutated_encodings_never_panic(
        n in node(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut frame = pack(&n);
        for (at, byte) in edits {
            let i = at.index(frame.len());
            frame[i] = byte;
        }
        frame[0] &= !0x02; // keep it uncompressed so the mutations reach the decoder
        if let Ok(decoded) = unpack(&frame) {
            // Whatever decodes must encode and decode again.
            let _ = unpack(&pack(&decoded)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
}

#[test]
fn jid_text_forms_survive_the_string_path() {
    for s in [
        "15551234567@s.whatsapp.net",
        "15551234567:3@s.whatsapp.net",
        "15551234567.5:3@s.whatsapp.net",
        "123:7@lid",
        "1:99@hosted",
        "1:99@hosted.lid",
        "1@hosted",
        "100:3@msgr",
        "7-100:2@interop",
        "7-100@interop",
        "100:2@interop",
        "1:2@g.us",
        "2@ref1helloworld",
        "john.doe@example.com",
        "a_b@x",
    ] {
        let n = Node::build("x").attr("v", s).finish();
        let got = unpack(&pack(&n)).unwrap();
        assert_eq!(got.attr_str("v"), Some(Cow::Borrowed(s)), "{s}");
    }
}
