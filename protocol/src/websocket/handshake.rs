//! The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 §4), client side.

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// The most a server's upgrade response may take before its headers end.
pub const MAX_RESPONSE: usize = 8 * 1024;

/// The GUID RFC 6455 §1.3 appends to the key before hashing.
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Why the server's answer to the upgrade request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The headers did not end within [`MAX_RESPONSE`] bytes.
    #[error("upgrade response over {MAX_RESPONSE} bytes")]
    TooLong,
    /// Not an HTTP/1.1 status line with a number.
    #[error("malformed upgrade response")]
    Malformed,
    /// Any status but 101 Switching Protocols.
    #[error("server answered the upgrade with status {0}")]
    Status(u16),
    /// `Upgrade: websocket` or `Connection: upgrade` missing.
    #[error("server did not switch to websocket")]
    NotUpgraded,
    /// `Sec-WebSocket-Accept` missing or not the hash of our key.
    #[error("wrong Sec-WebSocket-Accept")]
    BadAccept,
}

/// The upgrade request for `resource` (path and query) on `authority` (the `Host` header),
/// with `key` (16 fresh random bytes) as `Sec-WebSocket-Key`; also returns the key as sent,
/// which [`check_response`] needs. `origin` must not contain a line break.
pub fn request(resource: &str, authority: &str, origin: &str, key: &[u8; 16]) -> (Vec<u8>, String) {
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    let text = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\nOrigin: {origin}\r\n\r\n",
        resource, authority
    );
    (text.into_bytes(), key)
}

/// The `Sec-WebSocket-Accept` value a server must send for `key`.
pub fn accept_for(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(ACCEPT_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// Checks the response in `buf` once its headers are complete: `Ok(Some(n))` with the length
/// of the headers (bytes after them are the first frames), `Ok(None)` when more is needed.
pub fn check_response(buf: &[u8], key: &str) -> Result<Option<usize>, HandshakeError> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() >= MAX_RESPONSE {
            Err(HandshakeError::TooLong)
        } else {
            Ok(None)
        };
    };
    if end + 4 > MAX_RESPONSE {
        return Err(HandshakeError::TooLong);
    }
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| HandshakeError::Malformed)?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or(HandshakeError::Malformed)?;
    let mut parts = status_line.splitn(3, ' ');
    if parts.next() != Some("HTTP/1.1") {
        return Err(HandshakeError::Malformed);
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(HandshakeError::Malformed)?;
    if status != 101 {
        return Err(HandshakeError::Status(status));
    }
    let (mut upgrade, mut connection, mut accept) = (false, false, None);
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(HandshakeError::Malformed)?;
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "upgrade" => upgrade = value.eq_ignore_ascii_case("websocket"),
            "connection" => {
                connection = value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            }
            "sec-websocket-accept" => accept = Some(value.to_string()),
            _ => {}
        }
    }
    if !upgrade || !connection {
        return Err(HandshakeError::NotUpgraded);
    }
    if accept.as_deref() != Some(accept_for(key).as_str()) {
        return Err(HandshakeError::BadAccept);
    }
    Ok(Some(end + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_matches_the_rfc_example() {
        // RFC 6455 §1.3's worked example.
        assert_eq!(
            accept_for("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    fn response(accept: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\
             Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        )
    }

    #[test]
    fn a_good_response_is_accepted_and_its_length_returned() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let mut buf = response(&accept_for(key)).into_bytes();
        let head = buf.len();
        buf.extend_from_slice(&[0x82, 0x00]);
        assert_eq!(check_response(&buf, key), Ok(Some(head)));
        assert_eq!(check_response(&buf[..head - 1], key), Ok(None));
    }

    #[test]
    fn bad_responses_are_refused_by_kind() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        assert_eq!(
            check_response(response("wrong").as_bytes(), key),
            Err(HandshakeError::BadAccept)
        );
        assert_eq!(
            check_response(b"HTTP/1.1 403 Forbidden\r\n\r\n", key),
            Err(HandshakeError::Status(403))
        );
        assert_eq!(
            check_response(b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n", key),
            Err(HandshakeError::NotUpgraded)
        );
        assert_eq!(
            check_response(b"SSH-2.0\r\n\r\n", key),
            Err(HandshakeError::Malformed)
        );
        assert_eq!(
            check_response(&vec![b'a'; MAX_RESPONSE], key),
            Err(HandshakeError::TooLong)
        );
    }
}
