//! The business `<notification>`'s payload: verified-name, profile, catalog and subscription
//! changes (whatsapp-rust `wacore/src/stanza/business.rs`).

use crate::binary::Jid;

use super::attrs::{opt_int, opt_jid, opt_str, StanzaError, StanzaNode};

/// A business notification (whatsapp-rust `BusinessNotification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessChange {
    /// What changed.
    pub kind: BusinessChangeKind,
    /// The JID named by the child.
    pub target_jid: Option<Jid>,
    /// The `hash` of the child.
    pub hash: Option<String>,
    /// A new verified name.
    pub verified_name: Option<String>,
    /// Product ids of a catalog change.
    pub product_ids: Vec<String>,
    /// Collection ids of a catalog change.
    pub collection_ids: Vec<String>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// Kinds of business change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessChangeKind {
    /// `<remove jid>`.
    RemoveJid,
    /// `<remove hash>`.
    RemoveHash,
    /// `<verified_name jid>`.
    VerifiedNameJid,
    /// `<verified_name hash>`.
    VerifiedNameHash,
    /// `<profile>` without hash.
    Profile,
    /// `<profile hash>`.
    ProfileHash,
    /// `<product_catalog>` with products.
    Products,
    /// `<product_catalog>` with collections.
    Collections,
    /// `<subscriptions>`.
    Subscriptions,
    /// Anything else.
    Unknown,
}

/// One business subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `id`.
    pub id: String,
    /// `status`.
    pub status: String,
    /// `subscription_end_time`.
    pub end_time: Option<i64>,
    /// `subscription_creation_time`.
    pub creation_time: Option<i64>,
}

pub(super) fn parse_business<'n, N: StanzaNode<'n>>(
    node: N,
) -> Result<BusinessChange, StanzaError> {
    let mut out = BusinessChange {
        kind: BusinessChangeKind::Unknown,
        target_jid: None,
        hash: None,
        verified_name: None,
        product_ids: Vec::new(),
        collection_ids: Vec::new(),
        subscriptions: Vec::new(),
    };
    let jid_or_hash = |c: N, out: &mut BusinessChange, by_jid, by_hash| {
        if let Some(j) = opt_jid(c, "business", "jid")? {
            out.target_jid = Some(j);
            out.kind = by_jid;
        } else if let Some(h) = opt_str(c, "hash") {
            out.hash = Some(h);
            out.kind = by_hash;
        }
        Ok::<_, StanzaError>(())
    };
    if let Some(c) = node.child("remove") {
        jid_or_hash(
            c,
            &mut out,
            BusinessChangeKind::RemoveJid,
            BusinessChangeKind::RemoveHash,
        )?;
    } else if let Some(c) = node.child("verified_name") {
        out.verified_name =
            opt_str(c, "name").or_else(|| c.child("name").and_then(StanzaNode::content_text));
        jid_or_hash(
            c,
            &mut out,
            BusinessChangeKind::VerifiedNameJid,
            BusinessChangeKind::VerifiedNameHash,
        )?;
    } else if let Some(c) = node.child("profile") {
        out.hash = opt_str(c, "hash");
        out.kind = if out.hash.is_some() {
            BusinessChangeKind::ProfileHash
        } else {
            BusinessChangeKind::Profile
        };
    } else if let Some(c) = node.child("product_catalog") {
        for p in c.children() {
            match &*p.tag_text() {
                "product" => {
                    if let Some(id) = p.child("id").and_then(StanzaNode::content_text) {
                        out.product_ids.push(id);
                    }
                }
                "collection" => out.collection_ids.extend(opt_str(p, "id")),
                _ => {}
            }
        }
        if !out.product_ids.is_empty() {
            out.kind = BusinessChangeKind::Products;
        } else if !out.collection_ids.is_empty() {
            out.kind = BusinessChangeKind::Collections;
        }
    } else if let Some(c) = node.child("subscriptions") {
        for s in c.children_by_tag("subscription") {
            if let (Some(id), Some(status)) = (opt_str(s, "id"), opt_str(s, "status")) {
                out.subscriptions.push(Subscription {
                    id,
                    status,
                    end_time: opt_int(s, "subscription", "subscription_end_time")?,
                    creation_time: opt_int(s, "subscription", "subscription_creation_time")?,
                });
            }
        }
        if !out.subscriptions.is_empty() {
            out.kind = BusinessChangeKind::Subscriptions;
        }
    }
    Ok(out)
}
