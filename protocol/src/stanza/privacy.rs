//! Privacy settings (`<iq xmlns="privacy" type="get"><privacy/></iq>`, server.md §9), both
//! roles. Names and values are kept verbatim (whatsmeow `types/user.go` lists them).

use crate::binary::Node;

use super::attrs::{expect_tag, req_child, req_str, StanzaError};
use super::iq::{request, IqType, SERVER};

/// The iq namespace.
pub const PRIVACY_XMLNS: &str = "privacy";
/// Most categories read from one answer (the real server sends about ten).
pub const MAX_CATEGORIES: usize = 64;

/// The settings every account has, with the real server's defaults for a new account; a
/// server should always include `readreceipts` (Baileys downgrades to `read-self` without it).
pub const DEFAULT_SETTINGS: [(&str, &str); 8] = [
    ("last", "all"),
    ("online", "all"),
    ("profile", "all"),
    ("status", "all"),
    ("groupadd", "all"),
    ("readreceipts", "all"),
    ("calladd", "all"),
    ("messages", "all"),
];

/// The client's request (no `id`: the stanza machine assigns one).
pub fn privacy_iq() -> Node {
    request(
        IqType::Get,
        PRIVACY_XMLNS,
        SERVER,
        vec![Node::new("privacy")],
    )
}

/// True for a client's privacy-settings get.
pub fn is_privacy_get(iq: &Node) -> bool {
    let is = |k: &str, v: &str| iq.attr(k).is_some_and(|a| a.eq_str(v));
    iq.tag == "iq"
        && is("xmlns", PRIVACY_XMLNS)
        && is("type", "get")
        && iq.child("privacy").is_some()
}

/// The server's `<privacy><category name value/>…</privacy>`.
pub fn privacy_node<'a>(settings: impl IntoIterator<Item = (&'a str, &'a str)>) -> Node {
    let categories = settings.into_iter().map(|(name, value)| {
        Node::build("category")
            .attr("name", name.to_owned())
            .attr("value", value.to_owned())
            .finish()
    });
    Node::build("privacy").children(categories).finish()
}

/// Reads the answer: (name, value) per category, in order.
pub fn parse_privacy(iq: &Node) -> Result<Vec<(String, String)>, StanzaError> {
    expect_tag(iq, "iq")?;
    let privacy = req_child(iq, "iq", "privacy")?;
    if privacy.children().len() > MAX_CATEGORIES {
        return Err(StanzaError::BadContent {
            tag: "privacy",
            reason: "too many categories",
        });
    }
    privacy
        .children_by_tag("category")
        .map(|c| {
            Ok((
                req_str(c, "category", "name")?,
                req_str(c, "category", "value")?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip() {
        let iq = privacy_iq();
        assert!(is_privacy_get(&iq));
        assert!(!is_privacy_get(
            &Node::build("iq").attr("xmlns", "privacy").finish()
        ));
        let reply = Node::build("iq")
            .attr("type", "result")
            .child(privacy_node(DEFAULT_SETTINGS))
            .finish();
        let got = parse_privacy(&reply).unwrap();
        assert_eq!(got.len(), DEFAULT_SETTINGS.len());
        assert!(got.contains(&("readreceipts".into(), "all".into())));
        let bad = Node::build("iq")
            .child(Node::build("privacy").child(Node::new("category")))
            .finish();
        assert!(matches!(
            parse_privacy(&bad),
            Err(StanzaError::MissingAttr { attr: "name", .. })
        ));
    }
}
