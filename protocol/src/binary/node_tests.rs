//! Unit tests of `node`.

use super::*;

fn sample() -> Node {
    Node::build("iq")
        .attr("id", "1")
        .attr("to", Jid::server_jid())
        .attr("t", 1_700_000_000u64)
        .attr("flag", true)
        .attr_opt("gone", None::<&'static str>)
        .children([
            Node::build("usync")
                .child(Node::build("list").child(Node::new("user")))
                .finish(),
            Node::build("enc").bytes(vec![1, 2, 3]).finish(),
            Node::build("enc").string("x").finish(),
        ])
        .finish()
}

#[test]
fn getters() {
    let n = sample();
    assert_eq!(n.attr_str("id").as_deref(), Some("1"));
    assert_eq!(n.attr_jid("to"), Some(Jid::server_jid()));
    assert_eq!(n.attr_u64("t"), Some(1_700_000_000));
    assert_eq!(n.attr_i64("t"), Some(1_700_000_000));
    assert_eq!(n.attr_bool("flag"), Some(true));
    assert_eq!(n.attr_u64("id"), Some(1));
    assert!(n.attr("gone").is_none());
    assert_eq!(n.attrs.len(), 4);
    assert_eq!(n.children().len(), 3);
    assert_eq!(n.children_by_tag("enc").count(), 2);
    assert_eq!(n.child("enc").and_then(Node::bytes), Some(&[1u8, 2, 3][..]));
    assert_eq!(
        n.child_path(&["usync", "list", "user"]).map(|n| &*n.tag),
        Some("user")
    );
    assert!(n.child_path(&["usync", "nope"]).is_none());
    assert_eq!(n.children()[2].string(), Some("x"));
    assert_eq!(n.children()[2].content_bytes(), Some(&b"x"[..]));
}

#[test]
fn attr_values_compare_by_text() {
    let jid = AttrValue::from(Jid::pn("1").with_device(2));
    assert_eq!(jid, AttrValue::from("1:2@s.whatsapp.net"));
    assert_eq!(AttrValue::from("1:2@s.whatsapp.net"), jid);
    assert!(jid.eq_str("1:2@s.whatsapp.net"));
    assert!(!jid.eq_str("1:2@s.whatsapp.ne"));
    assert!(!jid.eq_str("1:2@s.whatsapp.nett"));
    assert_eq!(jid.as_str(), "1:2@s.whatsapp.net");
    assert_eq!(jid.as_jid(), Some(&Jid::pn("1").with_device(2)));
    assert_ne!(AttrValue::from("a"), AttrValue::from("b"));
}

#[test]
fn attrs_insert_replaces_in_place() {
    let mut a: Attrs = [("a", "1"), ("b", "2")].into_iter().collect();
    a.insert("a", "3");
    assert_eq!(
        a.iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect::<Vec<_>>(),
        [("a", "3".to_string()), ("b", "2".to_string())]
    );
    assert_eq!(a.remove("a").map(|v| v.to_string()), Some("3".into()));
    assert!(a.remove("zz").is_none());
    a.push("b", "dup");
    assert_eq!(a.len(), 2);
}

#[test]
fn push_child_converts_content() {
    let mut n = Node::build("x").bytes(vec![1]).finish();
    n.push_child(Node::new("y"));
    assert_eq!(n.children().len(), 1);
    let empty = Node::build("x").children([]).finish();
    assert_eq!(empty.content, Content::Nodes(vec![]));
    assert_ne!(empty, Node::new("x"));
}
