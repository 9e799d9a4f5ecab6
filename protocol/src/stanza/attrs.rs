//! Shared typed errors and attribute readers for the incoming-stanza parsers (`message`,
//! `receipt`, `presence`, `chatstate`, `notification`).
//!
//! Stanzas come from the network, so every reader returns a [`StanzaError`] instead of
//! panicking, and names the stanza and attribute that were wrong so logs say what to fix.

use thiserror::Error;

use std::borrow::Cow;

use crate::binary::Jid;

pub use super::read::{AttrRef, StanzaNode};

/// Why an incoming stanza could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StanzaError {
    /// The node is not the stanza this parser reads.
    #[error("expected <{expected}>, got <{got}>")]
    WrongTag {
        /// The tag the parser reads.
        expected: &'static str,
        /// The tag found.
        got: String,
    },
    /// A required attribute is absent.
    #[error("<{tag}> lacks attribute `{attr}`")]
    MissingAttr {
        /// The element.
        tag: &'static str,
        /// The attribute.
        attr: &'static str,
    },
    /// An attribute is present but does not parse (bad JID, bad number, unknown value).
    #[error("<{tag}> attribute `{attr}` is malformed: {value:?}")]
    BadAttr {
        /// The element.
        tag: &'static str,
        /// The attribute.
        attr: &'static str,
        /// The value as sent (truncated to 64 characters).
        value: String,
    },
    /// A required child element is absent.
    #[error("<{tag}> lacks child <{child}>")]
    MissingChild {
        /// The element.
        tag: &'static str,
        /// The child.
        child: &'static str,
    },
    /// An element's content has the wrong shape (bytes expected, wrong length, ...).
    #[error("<{tag}> has bad content: {reason}")]
    BadContent {
        /// The element.
        tag: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
}

/// Checks the node's tag.
pub(crate) fn expect_tag<'n, N: StanzaNode<'n>>(
    node: N,
    expected: &'static str,
) -> Result<(), StanzaError> {
    if node.tag_is(expected) {
        Ok(())
    } else {
        Err(StanzaError::WrongTag {
            expected,
            got: truncate(&node.tag_text()),
        })
    }
}

/// Keeps error values short: a hostile peer may send megabyte attributes.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

fn bad(tag: &'static str, attr: &'static str, value: &str) -> StanzaError {
    StanzaError::BadAttr {
        tag,
        attr,
        value: truncate(value),
    }
}

/// An optional string attribute.
pub(crate) fn opt_str<'n, N: StanzaNode<'n>>(node: N, attr: &str) -> Option<String> {
    str_of(node.attr(attr))
}

/// An optional string attribute read by [`StanzaNode::attrs_by_key`].
pub(crate) fn str_of(value: Option<AttrRef<'_>>) -> Option<String> {
    value.map(|v| v.text().into_owned())
}

/// A required string attribute.
pub(crate) fn req_str<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    attr: &'static str,
) -> Result<String, StanzaError> {
    need(str_of(node.attr(attr)), tag, attr)
}

/// `value`, or the error naming the missing attribute.
pub(crate) fn need<T>(
    value: Option<T>,
    tag: &'static str,
    attr: &'static str,
) -> Result<T, StanzaError> {
    value.ok_or(StanzaError::MissingAttr { tag, attr })
}

/// An optional JID attribute: absent is `None`, present but unparsable is an error.
pub(crate) fn opt_jid<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    attr: &'static str,
) -> Result<Option<Jid>, StanzaError> {
    jid_of(node.attr(attr), tag, attr)
}

/// [`opt_jid`] of a value read by [`StanzaNode::attrs_by_key`].
pub(crate) fn jid_of(
    value: Option<AttrRef<'_>>,
    tag: &'static str,
    attr: &'static str,
) -> Result<Option<Jid>, StanzaError> {
    match value.map(AttrRef::jid) {
        None => Ok(None),
        Some(Ok(j)) => Ok(Some(j)),
        Some(Err(text)) => Err(bad(tag, attr, &text)),
    }
}

/// A required JID attribute.
pub(crate) fn req_jid<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    attr: &'static str,
) -> Result<Jid, StanzaError> {
    need(opt_jid(node, tag, attr)?, tag, attr)
}

/// An optional decimal integer attribute.
pub(crate) fn opt_int<'n, T: std::str::FromStr, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    attr: &'static str,
) -> Result<Option<T>, StanzaError> {
    int_of(node.attr(attr), tag, attr)
}

/// [`opt_int`] of a value read by [`StanzaNode::attrs_by_key`].
pub(crate) fn int_of<T: std::str::FromStr>(
    value: Option<AttrRef<'_>>,
    tag: &'static str,
    attr: &'static str,
) -> Result<Option<T>, StanzaError> {
    match value.map(AttrRef::number) {
        None => Ok(None),
        Some(Ok(n)) => Ok(Some(n)),
        Some(Err(text)) => Err(bad(tag, attr, &text)),
    }
}

/// A required decimal integer attribute.
pub(crate) fn req_int<'n, T: std::str::FromStr, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    attr: &'static str,
) -> Result<T, StanzaError> {
    need(opt_int(node, tag, attr)?, tag, attr)
}

/// A required child element.
pub(crate) fn req_child<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    child: &'static str,
) -> Result<N, StanzaError> {
    node.child(child)
        .ok_or(StanzaError::MissingChild { tag, child })
}

/// The byte content of a required child.
pub(crate) fn child_bytes<'n, N: StanzaNode<'n>>(
    node: N,
    tag: &'static str,
    child: &'static str,
) -> Result<Cow<'n, [u8]>, StanzaError> {
    req_child(node, tag, child)?
        .content_bytes()
        .ok_or(StanzaError::BadContent {
            tag: child,
            reason: "expected bytes",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::Node;

    #[test]
    fn readers_report_what_is_wrong() {
        let n = Node::build("x")
            .attr("j", "not a jid@")
            .attr("n", "12x")
            .attr("ok", "7")
            .finish();
        assert_eq!(
            req_str(&n, "x", "gone"),
            Err(StanzaError::MissingAttr {
                tag: "x",
                attr: "gone"
            })
        );
        assert!(matches!(
            req_jid(&n, "x", "j"),
            Err(StanzaError::BadAttr { attr: "j", .. })
        ));
        assert!(matches!(
            req_int::<u32, _>(&n, "x", "n"),
            Err(StanzaError::BadAttr { attr: "n", .. })
        ));
        assert_eq!(req_int::<u32, _>(&n, "x", "ok"), Ok(7));
        assert_eq!(opt_int::<u32, _>(&n, "x", "none"), Ok(None));
        assert!(expect_tag(&n, "y").is_err());
        assert!(matches!(
            child_bytes(&n, "x", "c"),
            Err(StanzaError::MissingChild { child: "c", .. })
        ));
        let long = Node::build("x").attr("a", "y".repeat(1000)).finish();
        match req_int::<u8, _>(&long, "x", "a") {
            Err(StanzaError::BadAttr { value, .. }) => assert_eq!(value.len(), 64),
            other => panic!("{other:?}"),
        }
    }
}
