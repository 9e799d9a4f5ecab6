//! The media host: an HTTP/1.1 server on 127.0.0.1 beside the fake WhatsApp server. The fake
//! server answers `media_conn` with it as the only host; it accepts uploads under
//! `/mms/<type>/<token>` (the `auth` checked, the token checked against the body's SHA-256),
//! serves blobs by direct path, and misbehaves on request ([`MediaFault`]). Contacts put the
//! blobs of the media they send here, and [`MediaHost::open`] decrypts what our client
//! uploaded, as a recipient would.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use wa_protocol::media::url::query_unescape;
use wa_protocol::media::{
    decrypt, encrypt, upload_token, EncryptedMedia, Expected, MediaConn, MediaCryptoError,
    MediaKey, MediaType,
};

use crate::error::TestkitError;

/// Largest upload the host takes (the 100 MB bench fits).
pub const MAX_UPLOAD: usize = 256 << 20;

/// One misbehaviour, applied to the next matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaFault {
    /// Answer the next request (upload or download) with this status and no body.
    Status(u16),
    /// Serve the next download with its last 7 bytes cut off (a complete, shorter answer).
    Truncate,
    /// Serve the next download with one byte in the middle flipped.
    CorruptByte,
    /// Refuse the next upload's auth with 401 and rotate the auth, as an expired one would be.
    ExpireAuth,
}

#[derive(Default)]
struct HostState {
    auth: String,
    auth_serial: u64,
    blobs: HashMap<String, Bytes>,
    /// When false, uploads are streamed, hashed and checked but not kept (memory benches).
    discard_uploads: bool,
    faults: VecDeque<MediaFault>,
    uploads: u64,
    downloads: u64,
    next_blob: u64,
    /// Hosts named before this one in `media_conn` (dead ones, to make clients move on).
    hosts_before: Vec<String>,
    /// `ttl` of `media_conn` answers, seconds (300 unless a test sets it).
    ttl: Option<u64>,
}

/// A blob a contact put on the host: where it is and how to open it.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    /// The direct path, signed query included.
    pub direct_path: String,
    /// The full URL on this host.
    pub url: String,
    /// Key and hashes.
    pub info: EncryptedMedia,
}

/// The running media host. Dropping it stops the listener.
#[derive(Clone)]
pub struct MediaHost {
    addr: SocketAddr,
    state: Arc<Mutex<HostState>>,
    _task: Arc<AbortOnDrop>,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl std::fmt::Debug for MediaHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaHost")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MediaHost {
    /// Listens on 127.0.0.1, random port.
    pub async fn start() -> Result<MediaHost, TestkitError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(HostState {
            auth: "auth-1".into(),
            auth_serial: 1,
            ..HostState::default()
        }));
        let accept_state = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let state = accept_state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(serve(&state, addr, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Ok(MediaHost {
            addr,
            state,
            _task: Arc::new(AbortOnDrop(task)),
        })
    }

    fn st(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `127.0.0.1:<port>`, the host name `media_conn` gives.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// What `media_conn` answers: this host (after any [`MediaHost::set_hosts_before`]), the
    /// current auth, a 300 s TTL unless [`MediaHost::set_ttl`] changed it.
    pub fn media_conn(&self) -> MediaConn {
        let st = self.st();
        MediaConn {
            auth: st.auth.clone(),
            ttl: st.ttl.unwrap_or(300),
            auth_ttl: st.ttl.unwrap_or(300),
            max_buckets: 12,
            hosts: st
                .hosts_before
                .iter()
                .cloned()
                .chain([self.host()])
                .collect(),
        }
    }

    /// Sets the `ttl` (and `auth_ttl`) of later `media_conn` answers.
    pub fn set_ttl(&self, seconds: u64) {
        self.st().ttl = Some(seconds);
    }

    /// Names `hosts` before this one in every later `media_conn` answer (e.g. a port nothing
    /// listens on, so clients must try the next host).
    pub fn set_hosts_before(&self, hosts: Vec<String>) {
        self.st().hosts_before = hosts;
    }

    /// Queues a fault for the next matching request.
    pub fn inject(&self, fault: MediaFault) {
        self.st().faults.push_back(fault);
    }

    /// Uploads accepted and downloads served so far.
    pub fn counts(&self) -> (u64, u64) {
        let st = self.st();
        (st.uploads, st.downloads)
    }

    /// The stored body at `direct_path` (query ignored).
    pub fn blob(&self, direct_path: &str) -> Option<Vec<u8>> {
        self.st()
            .blobs
            .get(path_of(direct_path))
            .map(|b| b.to_vec())
    }

    /// Stops keeping uploaded bodies (they are still hashed and checked, and answered with a
    /// direct path that will 404): for benches that must not hold a 100 MB upload in memory.
    pub fn discard_uploads(&self, discard: bool) {
        self.st().discard_uploads = discard;
    }

    /// Stores an already encrypted body and returns its direct path.
    pub fn put(&self, body: Vec<u8>) -> String {
        let mut st = self.st();
        st.next_blob += 1;
        let path = format!(
            "/v/t62.7118-24/{}_{}.enc",
            st.next_blob,
            hex_of(&Sha256::digest(&body)[..6])
        );
        st.blobs.insert(path.clone(), Bytes::from(body));
        format!("{path}?ccb=11-4&oh=01_test&oe=6700{:04}", st.next_blob)
    }

    /// Encrypts `plain` as `media_type` under a fresh key and stores it (a contact's media).
    pub fn store(&self, media_type: MediaType, plain: &[u8]) -> StoredMedia {
        let key = MediaKey(rand::random());
        let (body, info) = encrypt(key, media_type, plain);
        let direct_path = self.put(body);
        StoredMedia {
            url: format!("https://{}{}", self.host(), direct_path),
            direct_path,
            info,
        }
    }

    /// Fetches the blob at `direct_path` from the store and decrypts it with every check, as
    /// the recipient of a media message we sent would.
    pub fn open(
        &self,
        media_type: MediaType,
        direct_path: &str,
        media_key: &[u8],
        file_enc_sha256: &[u8],
        file_sha256: &[u8],
    ) -> Result<Vec<u8>, MediaCryptoError> {
        let body = self.blob(direct_path).unwrap_or_default();
        let key = MediaKey::from_slice(media_key).unwrap_or(MediaKey([0; 32]));
        decrypt(
            &key,
            media_type,
            &body,
            &Expected::from_fields(Some(file_enc_sha256), Some(file_sha256)),
        )
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn path_of(direct_path: &str) -> &str {
    direct_path.split('?').next().unwrap_or(direct_path)
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| query_unescape(v))
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r
}

async fn serve(
    state: &Mutex<HostState>,
    addr: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let status_fault = {
        let mut st = lock();
        match st.faults.front() {
            Some(MediaFault::Status(code)) => {
                let code = *code;
                st.faults.pop_front();
                Some(code)
            }
            _ => None,
        }
    };
    if let Some(code) = status_fault {
        return reply(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Bytes::new(),
        );
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    if req.method() == Method::POST && path.starts_with("/mms/") {
        return upload(state, addr, &path, &query, req).await;
    }
    if req.method() != Method::GET {
        return reply(StatusCode::METHOD_NOT_ALLOWED, Bytes::new());
    }
    let mut st = lock();
    // `Bytes` clones share the buffer: serving a large blob copies nothing.
    let Some(mut body) = st.blobs.get(&path).cloned() else {
        return reply(StatusCode::NOT_FOUND, Bytes::new());
    };
    // The client asks with the hash of what it expects; a mismatch is a 404 like the CDN's.
    if query_param(&query, "hash") != Some(upload_token(&Sha256::digest(&body).into())) {
        return reply(StatusCode::NOT_FOUND, Bytes::new());
    }
    match st.faults.front() {
        Some(MediaFault::Truncate) => {
            body.truncate(body.len().saturating_sub(7));
            st.faults.pop_front();
        }
        Some(MediaFault::CorruptByte) => {
            let mut bad = body.to_vec();
            let mid = bad.len() / 2;
            bad[mid] ^= 0x20;
            body = Bytes::from(bad);
            st.faults.pop_front();
        }
        _ => {}
    }
    st.downloads += 1;
    reply(StatusCode::OK, body)
}

async fn upload(
    state: &Mutex<HostState>,
    addr: SocketAddr,
    path: &str,
    query: &str,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let mut parts = path.trim_start_matches("/mms/").splitn(2, '/');
    let (Some(mms), Some(token)) = (parts.next(), parts.next()) else {
        return reply(StatusCode::BAD_REQUEST, Bytes::new());
    };
    if MediaType::from_mms_type(mms).is_none() {
        return reply(StatusCode::BAD_REQUEST, Bytes::new());
    }
    {
        let mut st = lock();
        if st.faults.front() == Some(&MediaFault::ExpireAuth) {
            st.faults.pop_front();
            st.auth_serial += 1;
            st.auth = format!("auth-{}", st.auth_serial);
            return reply(StatusCode::UNAUTHORIZED, Bytes::new());
        }
        if query_param(query, "auth").as_deref() != Some(st.auth.as_str()) {
            return reply(StatusCode::UNAUTHORIZED, Bytes::new());
        }
    }
    if query_param(query, "token").as_deref() != Some(token) {
        return reply(StatusCode::BAD_REQUEST, Bytes::new());
    }
    let keep = !lock().discard_uploads;
    let Some((hash, body)) = read_upload(req.into_body(), keep).await else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, Bytes::new());
    };
    if upload_token(&hash) != token {
        return reply(StatusCode::BAD_REQUEST, "token is not the body's hash");
    }
    let direct_path = {
        let mut st = lock();
        st.uploads += 1;
        st.next_blob += 1;
        let p = format!("/v/t62.7117-24/{}_{mms}.enc", st.next_blob);
        if keep {
            st.blobs.insert(p.clone(), Bytes::from(body));
        }
        format!("{p}?ccb=11-4&oh=01_up&oe=6800{:04}", st.next_blob)
    };
    let json = format!(
        "{{\"url\":\"https://{addr}{direct_path}\",\"direct_path\":\"{direct_path}\",\"handle\":null,\"object_id\":\"{}\"}}",
        token.len()
    );
    reply(StatusCode::OK, json)
}

/// Reads an upload frame by frame, hashing as it goes; keeps the bytes only when `keep`.
/// `None` past [`MAX_UPLOAD`] or on a broken body.
async fn read_upload(mut body: Incoming, keep: bool) -> Option<([u8; 32], Vec<u8>)> {
    let mut sha = Sha256::new();
    let mut kept = Vec::new();
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.ok()?.into_data() else {
            continue;
        };
        len += data.len();
        if len > MAX_UPLOAD {
            return None;
        }
        sha.update(&data);
        if keep {
            kept.extend_from_slice(&data);
        }
    }
    Some((sha.finalize().into(), kept))
}
