//! The sync iq (app-state.md §3, §7), both roles: `<iq xmlns="w:sync:app:state" type="set">
//! <sync><collection name version? return_snapshot>[<patch>…</patch>]</collection>…</sync></iq>`
//! and its reply `<sync><collection name version has_more_patches?>[<snapshot>] [<patches>
//! <patch>…</patch>…</patches>]</collection>…</sync>`.

use crate::binary::Node;
use crate::stanza::iq::{request, IqType, SERVER};

use super::error::AppStateError;
use super::{is_collection, MAX_MUTATIONS, SYNC_XMLNS};

/// Most collections and patches read from one sync node.
const MAX_PATCHES: usize = 10_000;

/// What the client asks of one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRequest {
    /// The collection name.
    pub name: String,
    /// Our current version (omitted on the wire when a snapshot is asked for).
    pub version: u64,
    /// Whether to start from a snapshot.
    pub return_snapshot: bool,
    /// Patches we upload (encoded `SyncdPatch`), at most one in practice.
    pub patches: Vec<Vec<u8>>,
}

/// The request iq (without its id, which the connection assigns).
pub fn sync_request(collections: &[CollectionRequest]) -> Node {
    let children = collections
        .iter()
        .map(|c| {
            let mut b = Node::build("collection").attr("name", c.name.clone());
            if !c.return_snapshot || !c.patches.is_empty() {
                b = b.attr("version", c.version.to_string());
            }
            b = b.attr("return_snapshot", c.return_snapshot);
            b.children(
                c.patches
                    .iter()
                    .map(|p| Node::build("patch").bytes(p.clone()).finish()),
            )
            .finish()
        })
        .collect::<Vec<_>>();
    request(
        IqType::Set,
        SYNC_XMLNS,
        SERVER,
        vec![Node::build("sync").children(children).finish()],
    )
}

/// The server's answer for one collection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionResult {
    /// The collection name.
    pub name: String,
    /// The server's version after this answer.
    pub version: u64,
    /// Whether more patches remain (fetch again from the new version).
    pub has_more_patches: bool,
    /// The snapshot's bytes (an `ExternalBlobReference` to download), if sent.
    pub snapshot: Option<Vec<u8>>,
    /// Encoded `SyncdPatch`es, oldest first.
    pub patches: Vec<Vec<u8>>,
    /// The error code when the server refused this collection (409 = conflict: it holds a
    /// newer version than our upload was built on).
    pub error_code: Option<u16>,
}

fn sync_node(node: &Node) -> Result<&Node, AppStateError> {
    if node.tag == "sync" {
        return Ok(node);
    }
    node.child("sync")
        .ok_or(AppStateError::MalformedNode("no <sync>"))
}

fn name_of(c: &Node) -> Result<String, AppStateError> {
    let name = c
        .attr_str("name")
        .ok_or(AppStateError::MalformedNode("collection without name"))?
        .into_owned();
    if !is_collection(&name) {
        return Err(AppStateError::UnknownCollection(name));
    }
    Ok(name)
}

/// Reads the reply iq (or its `<sync>` child).
pub fn parse_sync_result(node: &Node) -> Result<Vec<CollectionResult>, AppStateError> {
    let sync = sync_node(node)?;
    let mut out = Vec::new();
    for c in sync
        .children_by_tag("collection")
        .take(super::ALL_COLLECTIONS.len() + 1)
    {
        if out.len() == super::ALL_COLLECTIONS.len() {
            return Err(AppStateError::MalformedNode("too many collections"));
        }
        let mut r = CollectionResult {
            name: name_of(c)?,
            version: c.attr_u64("version").unwrap_or_default(),
            has_more_patches: c.attr_bool("has_more_patches").unwrap_or(false),
            ..Default::default()
        };
        if c.attr_str("type").as_deref() == Some("error") {
            let code = c
                .child("error")
                .and_then(|e| e.attr_u64("code"))
                .and_then(|v| u16::try_from(v).ok())
                .unwrap_or(500);
            r.error_code = Some(code);
        }
        r.snapshot = c
            .child("snapshot")
            .and_then(Node::content_bytes)
            .map(<[u8]>::to_vec);
        if let Some(patches) = c.child("patches") {
            for p in patches.children_by_tag("patch") {
                if r.patches.len() >= MAX_PATCHES {
                    return Err(AppStateError::TooManyMutations {
                        limit: MAX_MUTATIONS.min(MAX_PATCHES),
                    });
                }
                let bytes = p
                    .content_bytes()
                    .ok_or(AppStateError::MalformedNode("empty <patch>"))?;
                r.patches.push(bytes.to_vec());
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// Server role: reads a client's sync iq into one request per collection.
pub fn parse_sync_request(node: &Node) -> Result<Vec<CollectionRequest>, AppStateError> {
    let sync = sync_node(node)?;
    let mut out = Vec::new();
    for c in sync
        .children_by_tag("collection")
        .take(super::ALL_COLLECTIONS.len() + 1)
    {
        if out.len() == super::ALL_COLLECTIONS.len() {
            return Err(AppStateError::MalformedNode("too many collections"));
        }
        let patches = c
            .children_by_tag("patch")
            .take(16)
            .filter_map(|p| p.content_bytes().map(<[u8]>::to_vec))
            .collect();
        out.push(CollectionRequest {
            name: name_of(c)?,
            version: c.attr_u64("version").unwrap_or_default(),
            return_snapshot: c.attr_bool("return_snapshot").unwrap_or(false),
            patches,
        });
    }
    Ok(out)
}

/// Server role: the `<sync>` child of the reply.
pub fn sync_result(collections: &[CollectionResult]) -> Node {
    let children = collections.iter().map(|r| {
        let mut b = Node::build("collection")
            .attr("name", r.name.clone())
            .attr("version", r.version.to_string());
        if let Some(code) = r.error_code {
            return b
                .attr("type", "error")
                .child(Node::build("error").attr("code", code.to_string()).finish())
                .finish();
        }
        if r.has_more_patches {
            b = b.attr("has_more_patches", true);
        }
        let mut kids = Vec::new();
        if let Some(s) = &r.snapshot {
            kids.push(Node::build("snapshot").bytes(s.clone()).finish());
        }
        if !r.patches.is_empty() {
            kids.push(
                Node::build("patches")
                    .children(
                        r.patches
                            .iter()
                            .map(|p| Node::build("patch").bytes(p.clone()).finish()),
                    )
                    .finish(),
            );
        }
        b.children(kids).finish()
    });
    Node::build("sync")
        .children(children.collect::<Vec<_>>())
        .finish()
}
