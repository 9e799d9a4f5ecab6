//! Where to connect, taken apart from a `ws://` or `wss://` URL.

/// Host, port and resource of a WebSocket URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// `wss://`.
    pub(super) tls: bool,
    /// Host name or address, without brackets.
    pub(super) host: String,
    /// Port, explicit or the scheme's.
    pub(super) port: u16,
    /// Path and query, at least `/`.
    pub(super) resource: String,
    /// The `Host` header's value.
    pub(super) authority: String,
}

/// Reads `url`; the error says what is wrong with it.
pub(super) fn parse_url(url: &str) -> Result<Target, &'static str> {
    let parsed = url::Url::parse(url).map_err(|_| "not a URL")?;
    let tls = match parsed.scheme() {
        "wss" => true,
        "ws" => false,
        _ => return Err("the scheme must be ws or wss"),
    };
    let (host, host_header) = match parsed.host() {
        Some(url::Host::Domain(d)) => (d.to_string(), d.to_string()),
        Some(url::Host::Ipv4(a)) => (a.to_string(), a.to_string()),
        Some(url::Host::Ipv6(a)) => (a.to_string(), format!("[{a}]")),
        None => return Err("no host"),
    };
    let port = parsed
        .port_or_known_default()
        .unwrap_or(if tls { 443 } else { 80 });
    let mut resource = parsed.path().to_string();
    if let Some(q) = parsed.query() {
        resource.push('?');
        resource.push_str(q);
    }
    let authority = match parsed.port() {
        Some(p) => format!("{host_header}:{p}"),
        None => host_header,
    };
    Ok(Target {
        tls,
        host,
        port,
        resource,
        authority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart() {
        let t = parse_url("wss://web.whatsapp.com/ws/chat").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("web.whatsapp.com", 443));
        assert_eq!(t.resource, "/ws/chat");
        assert_eq!(t.authority, "web.whatsapp.com");
        let t = parse_url("ws://127.0.0.1:4567/ws/chat?x=1").unwrap();
        assert!(!t.tls);
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 4567));
        assert_eq!(t.resource, "/ws/chat?x=1");
        assert_eq!(t.authority, "127.0.0.1:4567");
        let t = parse_url("ws://[::1]:8080/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority.as_str()),
            ("::1", "[::1]:8080")
        );
        assert!(parse_url("http://example.com/").is_err());
        assert!(parse_url("nonsense").is_err());
    }
}
