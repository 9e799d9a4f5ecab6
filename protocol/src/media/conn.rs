//! The `media_conn` iq in both roles (media.md §1; whatsmeow `mediaconn.go`): the client asks
//! for upload auth and hosts, the server answers with them and how long they stay valid.

use crate::binary::Node;
use crate::stanza::iq::{build_iq, IqType, SERVER};

use super::url::check_host;

/// Namespace of the media iq.
pub const MEDIA_XMLNS: &str = "w:m";
/// Hosts kept from one reply; more are ignored, so a hostile reply costs little.
pub const MAX_HOSTS: usize = 16;
/// Longest `auth` accepted (real ones are under 100 bytes).
pub const MAX_AUTH_LEN: usize = 1024;

/// Why a `media_conn` reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaConnError {
    /// No `<media_conn>` child.
    #[error("reply has no <media_conn>")]
    Missing,
    /// `auth` is absent, empty or too long.
    #[error("<media_conn> lacks a usable `auth`")]
    BadAuth,
    /// `ttl` is absent or not a number.
    #[error("<media_conn> lacks a numeric `ttl`")]
    BadTtl,
    /// No `<host>` with a valid `hostname`.
    #[error("<media_conn> names no usable host")]
    NoHosts,
}

/// Upload auth and hosts, valid for `ttl` seconds from when they were fetched.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaConn {
    /// The `auth` query parameter of uploads.
    pub auth: String,
    /// Seconds the host list stays valid.
    pub ttl: u64,
    /// Seconds the auth stays valid (0 when absent: the `ttl` then governs both).
    pub auth_ttl: u64,
    /// `max_buckets` (informational).
    pub max_buckets: u64,
    /// Host names, in the order to try them.
    pub hosts: Vec<String>,
}

impl MediaConn {
    /// Seconds until this must be fetched again: the shorter of `ttl` and a non-zero
    /// `auth_ttl`.
    pub fn valid_for(&self) -> u64 {
        match self.auth_ttl {
            0 => self.ttl,
            a => a.min(self.ttl),
        }
    }
}

impl std::fmt::Debug for MediaConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The auth lets anyone upload as us until it expires: not logged.
        f.debug_struct("MediaConn")
            .field("ttl", &self.ttl)
            .field("auth_ttl", &self.auth_ttl)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

/// `<iq xmlns="w:m" type="set" to="s.whatsapp.net"><media_conn/></iq>` (id filled in by the
/// router).
pub fn media_conn_iq() -> Node {
    build_iq(
        String::new(),
        IqType::Set,
        MEDIA_XMLNS,
        SERVER,
        vec![Node::new("media_conn")],
    )
}

/// Reads the reply to [`media_conn_iq`]. Hosts with a bad name are skipped (one bad entry
/// does not cost the others); at most [`MAX_HOSTS`] are kept.
pub fn parse_media_conn_reply(reply: &Node) -> Result<MediaConn, MediaConnError> {
    let mc = reply.child("media_conn").ok_or(MediaConnError::Missing)?;
    let auth = mc
        .attr_str("auth")
        .filter(|a| !a.is_empty() && a.len() <= MAX_AUTH_LEN)
        .ok_or(MediaConnError::BadAuth)?
        .into_owned();
    let ttl = mc.attr_u64("ttl").ok_or(MediaConnError::BadTtl)?;
    let hosts: Vec<String> = mc
        .children_by_tag("host")
        .filter_map(|h| h.attr_str("hostname"))
        .filter(|h| check_host(h).is_ok())
        .take(MAX_HOSTS)
        .map(|h| h.into_owned())
        .collect();
    if hosts.is_empty() {
        return Err(MediaConnError::NoHosts);
    }
    Ok(MediaConn {
        auth,
        ttl,
        auth_ttl: mc.attr_u64("auth_ttl").unwrap_or(0),
        max_buckets: mc.attr_u64("max_buckets").unwrap_or(0),
        hosts,
    })
}

/// True for a client's `media_conn` request (the server side's router check).
pub fn is_media_conn_request(node: &Node) -> bool {
    node.tag == "iq"
        && node.attr("xmlns").is_some_and(|x| x.eq_str(MEDIA_XMLNS))
        && node.attr("type").is_some_and(|t| t.eq_str("set"))
        && node.child("media_conn").is_some()
}

/// The server's answer to `request` carrying `conn`; `None` when the request has no id.
pub fn media_conn_reply(request: &Node, conn: &MediaConn) -> Option<Node> {
    let id = request.attr_str("id")?.into_owned();
    let to = request
        .attr_str("from")
        .map(|f| f.into_owned())
        .unwrap_or_else(|| SERVER.to_string());
    let hosts = conn
        .hosts
        .iter()
        .map(|h| Node::build("host").attr("hostname", h.clone()).finish());
    let mc = Node::build("media_conn")
        .attr("auth", conn.auth.clone())
        .attr("ttl", conn.ttl.to_string())
        .attr("auth_ttl", conn.auth_ttl.to_string())
        .attr("max_buckets", conn.max_buckets.to_string())
        .children(hosts)
        .finish();
    Some(
        Node::build("iq")
            .attr("id", id)
            .attr("type", "result")
            .attr("from", SERVER)
            .attr("to", to)
            .child(mc)
            .finish(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> MediaConn {
        MediaConn {
            auth: "AUTH/tok=".into(),
            ttl: 300,
            auth_ttl: 120,
            max_buckets: 12,
            hosts: vec!["127.0.0.1:4000".into(), "mmg.whatsapp.net".into()],
        }
    }

    #[test]
    fn both_roles_agree_and_the_auth_is_not_logged() {
        let mut req = media_conn_iq();
        assert!(is_media_conn_request(&req));
        req.set_attr("id", "7");
        let reply = media_conn_reply(&req, &conn()).unwrap();
        assert_eq!(reply.attr_str("id").as_deref(), Some("7"));
        let parsed = parse_media_conn_reply(&reply).unwrap();
        assert_eq!(parsed, conn());
        assert_eq!(parsed.valid_for(), 120);
        assert!(!format!("{parsed:?}").contains("AUTH"));
    }

    #[test]
    fn bad_replies_fail_typed_and_bad_hosts_are_skipped() {
        let iq = |mc: Node| Node::build("iq").child(mc).finish();
        assert_eq!(
            parse_media_conn_reply(&Node::new("iq")),
            Err(MediaConnError::Missing)
        );
        let no_auth = Node::build("media_conn").attr("ttl", "1").finish();
        assert_eq!(
            parse_media_conn_reply(&iq(no_auth)),
            Err(MediaConnError::BadAuth)
        );
        let no_ttl = Node::build("media_conn").attr("auth", "a").finish();
        assert_eq!(
            parse_media_conn_reply(&iq(no_ttl)),
            Err(MediaConnError::BadTtl)
        );
        let host = |h: &str| Node::build("host").attr("hostname", h.to_string()).finish();
        let bad_hosts = Node::build("media_conn")
            .attr("auth", "a")
            .attr("ttl", "1")
            .children([host("evil/x"), host("")])
            .finish();
        assert_eq!(
            parse_media_conn_reply(&iq(bad_hosts)),
            Err(MediaConnError::NoHosts)
        );
        let many = Node::build("media_conn")
            .attr("auth", "a")
            .attr("ttl", "1")
            .children(
                (0..100)
                    .map(|i| host(&format!("h{i}")))
                    .chain([host("a b")]),
            )
            .finish();
        let parsed = parse_media_conn_reply(&iq(many)).unwrap();
        assert_eq!(parsed.hosts.len(), MAX_HOSTS);
        assert_eq!(parsed.hosts[0], "h0");
        assert_eq!(parsed.valid_for(), 1);
    }
}
