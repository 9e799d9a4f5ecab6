//! Upload tokens and transfer URLs (media.md §2 and §4; whatsmeow `upload.go` `Upload`,
//! `download.go` `DownloadMediaWithPath`).
//!
//! Hosts come from the server and direct paths from other people's messages, so both are
//! checked before they become part of a URL: no scheme, userinfo, fragment, whitespace or
//! control characters can be smuggled in.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;

use super::kind::MediaType;

/// Why a URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaUrlError {
    /// The host name is empty, too long or has characters a DNS name or `host:port` cannot.
    #[error("bad media host name")]
    BadHost,
    /// The direct path does not start with `/`, is too long, or has characters a path and
    /// query cannot carry raw.
    #[error("bad direct path")]
    BadDirectPath,
}

/// Longest host name accepted (a DNS name is at most 253 bytes; a port adds 6).
pub const MAX_HOST_LEN: usize = 260;
/// Longest direct path accepted; real ones are ~200 bytes.
pub const MAX_DIRECT_PATH_LEN: usize = 4096;

/// The upload token: base64url with padding of the encrypted body's SHA-256. It is also the
/// last path segment of the upload URL and the `hash` of download URLs.
pub fn upload_token(file_enc_sha256: &[u8; 32]) -> String {
    URL_SAFE.encode(file_enc_sha256)
}

/// Checks a `media_conn` host name: letters, digits, `-`, `.`, and one optional `:port`.
pub fn check_host(host: &str) -> Result<(), MediaUrlError> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && host.len() <= MAX_HOST_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if name_ok && port_ok {
        Ok(())
    } else {
        Err(MediaUrlError::BadHost)
    }
}

fn check_direct_path(path: &str) -> Result<(), MediaUrlError> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_DIRECT_PATH_LEN
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(MediaUrlError::BadDirectPath)
    }
}

/// `https://<host>/mms/<mms-type>/<token>?auth=<auth>&token=<token>`, the query escaped as a
/// form (whatsmeow `url.Values.Encode`: keys sorted, `=` of the padding as `%3D`).
pub fn upload_url(
    host: &str,
    media_type: MediaType,
    file_enc_sha256: &[u8; 32],
    auth: &str,
) -> Result<String, MediaUrlError> {
    check_host(host)?;
    let token = upload_token(file_enc_sha256);
    Ok(format!(
        "https://{host}/mms/{}/{token}?auth={}&token={}",
        media_type.mms_type(),
        query_escape(auth),
        query_escape(&token)
    ))
}

/// `https://<host><direct_path>&hash=<token>&mms-type=<type>&__wa-mms=`. Direct paths carry
/// their own signed query (`oh`, `oe`), so ours is appended with `&`; one without a query gets
/// a `?` instead so the hash does not land in the path.
pub fn download_url(
    host: &str,
    direct_path: &str,
    file_enc_sha256: &[u8; 32],
    media_type: MediaType,
) -> Result<String, MediaUrlError> {
    check_host(host)?;
    check_direct_path(direct_path)?;
    let sep = if direct_path.contains('?') { '&' } else { '?' };
    Ok(format!(
        "https://{host}{direct_path}{sep}hash={}&mms-type={}&__wa-mms=",
        upload_token(file_enc_sha256),
        media_type.mms_type()
    ))
}

/// Percent-encodes all but RFC 3986's unreserved characters, with space as `+` (Go's
/// `url.QueryEscape`).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The reverse of [`query_escape`] (for the server side); `None` on a bad escape or non-UTF-8.
pub fn query_unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_url_has_the_whatsmeow_shape() {
        let hash = [0xfb; 32];
        let url = upload_url("mmg.whatsapp.net", MediaType::Ptt, &hash, "a+b/c=").unwrap();
        let token = upload_token(&hash);
        assert!(token.len() == 44 && token.ends_with('='));
        assert_eq!(
            url,
            format!(
                "https://mmg.whatsapp.net/mms/audio/{token}?auth=a%2Bb%2Fc%3D&token={}",
                token.replace('=', "%3D")
            )
        );
        assert_eq!(query_unescape("a%2Bb%2Fc%3D").as_deref(), Some("a+b/c="));
        assert_eq!(query_unescape("%zz"), None);
    }

    #[test]
    fn download_url_appends_to_the_signed_query() {
        let hash = [1; 32];
        let url = download_url(
            "mmg.whatsapp.net",
            "/v/t62/x.enc?oh=1&oe=2",
            &hash,
            MediaType::Sticker,
        )
        .unwrap();
        assert_eq!(
            url,
            format!(
                "https://mmg.whatsapp.net/v/t62/x.enc?oh=1&oe=2&hash={}&mms-type=image&__wa-mms=",
                upload_token(&hash)
            )
        );
        let bare = download_url("127.0.0.1:8080", "/m/abc", &hash, MediaType::Video).unwrap();
        assert!(bare.starts_with("https://127.0.0.1:8080/m/abc?hash="));
    }

    #[test]
    fn hostile_hosts_and_paths_are_refused() {
        let h = [0; 32];
        for host in ["", "evil.com/x", "a@b", "a b", "h:", "h:123456", "h:1a"] {
            assert_eq!(
                download_url(host, "/p", &h, MediaType::Image),
                Err(MediaUrlError::BadHost),
                "{host}"
            );
        }
        for path in ["p", "//evil.com/p", "/p#f", "/p q", "/p\r\nX: y", "/\\x"] {
            assert_eq!(
                download_url("h", path, &h, MediaType::Image),
                Err(MediaUrlError::BadDirectPath),
                "{path}"
            );
        }
    }
}
