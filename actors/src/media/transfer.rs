//! Uploads and downloads over HTTPS. They run on the caller's task, never inside an actor's
//! handler, and at most [`MediaConfig::max_concurrent`] at once per client; hosts are tried
//! in the order `media_conn` gave, each with retries and doubling backoff on 5xx answers and
//! connection errors. Bodies stream both ways: an upload is encrypted into a temporary file
//! first (its token is the hash of the whole encrypted body, known only at the end), then
//! streamed from it; a download is decrypted chunk by chunk as it arrives.

use std::io::SeekFrom;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rand::RngCore;
use reqwest::header::CONTENT_LENGTH;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{watch, Semaphore};
use wa_protocol::media::{
    decrypt, download_url, encrypted_len, upload_url, Decryptor, Encryptor, MediaConn, MediaKey,
    MediaType, MediaUrlError,
};

use super::body::{file_stream, read_capped, report};
use super::config::MediaConfig;
use super::conn_cache::MediaConnCache;
use super::error::{MediaError, MediaSetupError};
use super::http::build_client;
use super::message::{MediaRef, UploadedMedia};
use crate::link::LiveConn;

/// Bytes read from the caller or the temporary file per step.
pub(super) const CHUNK: usize = 64 * 1024;
/// Largest upload answer read (it is a small JSON object).
const MAX_UPLOAD_RESPONSE: usize = 64 * 1024;

/// How far a transfer has got, published on a `watch` channel the caller passes in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Body bytes sent (upload) or received (download) so far, on the current attempt.
    pub done: u64,
    /// The body's length when known.
    pub total: Option<u64>,
}

/// The media side of a client: HTTP client, `media_conn` cache and transfer slots.
#[derive(Clone)]
pub(crate) struct Media {
    inner: Arc<Inner>,
}

struct Inner {
    /// Built at the first transfer, so a client that never touches media never sets it up.
    http: std::sync::OnceLock<Result<reqwest::Client, Arc<MediaSetupError>>>,
    cache: MediaConnCache,
    slots: Semaphore,
    config: MediaConfig,
    live: LiveConn,
    iq_timeout: Duration,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media").finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct UploadAnswer {
    url: String,
    direct_path: String,
    #[serde(default)]
    handle: Option<String>,
}

/// What one attempt's failure means for the next.
enum Failure {
    /// Same host again after a backoff (5xx, connection error).
    Retry(MediaError),
    /// Give this host up (other 4xx).
    OtherHost(MediaError),
    /// Fetch `media_conn` again and start over (auth refused), once.
    Refresh(MediaError),
    /// Stop: no other host or attempt would do better.
    Fatal(MediaError),
}

impl Media {
    pub(crate) fn new(
        config: MediaConfig,
        live: LiveConn,
        iq_timeout: Duration,
    ) -> Result<Media, MediaError> {
        Ok(Media {
            inner: Arc::new(Inner {
                http: std::sync::OnceLock::new(),
                cache: MediaConnCache::default(),
                slots: Semaphore::new(config.max_concurrent.max(1)),
                config,
                live,
                iq_timeout,
            }),
        })
    }

    fn scheme(&self, url: String) -> String {
        match (self.inner.config.plain_http, url.strip_prefix("https://")) {
            (true, Some(rest)) => format!("http://{rest}"),
            _ => url,
        }
    }

    fn http(&self) -> Result<&reqwest::Client, MediaError> {
        self.inner
            .http
            .get_or_init(|| build_client(&self.inner.config).map_err(Arc::new))
            .as_ref()
            .map_err(|e| MediaError::Setup(e.clone()))
    }

    /// One of the bounded transfer slots, held for the transfer's life.
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, MediaError> {
        self.inner
            .slots
            .acquire()
            .await
            .map_err(|_| MediaError::Closed)
    }

    async fn conn(&self, force: bool) -> Result<MediaConn, MediaError> {
        self.inner
            .cache
            .get(&self.inner.live, self.inner.iq_timeout, force)
            .await
    }

    fn classify_status(status: StatusCode) -> Failure {
        let e = MediaError::Status(status.as_u16());
        if status.is_server_error() {
            Failure::Retry(e)
        } else if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            Failure::Refresh(e)
        } else {
            Failure::OtherHost(e)
        }
    }

    /// Runs `attempt` over every host with retries; `attempt` gets the host and the auth.
    async fn over_hosts<T, F, Fut>(&self, mut attempt: F) -> Result<T, MediaError>
    where
        F: FnMut(String, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let cfg = &self.inner.config;
        let mut conn = self.conn(false).await?;
        let mut refreshed = false;
        let mut last = MediaError::NotDownloadable("no media host");
        let mut i = 0;
        while i < conn.hosts.len() {
            let host = conn.hosts[i].clone();
            let mut tries = 0;
            loop {
                match attempt(host.clone(), conn.auth.clone()).await {
                    Ok(v) => return Ok(v),
                    Err(Failure::Retry(e)) if tries < cfg.retries => {
                        tracing::debug!(%host, error = %e, tries, "media transfer: retrying");
                        tokio::time::sleep(cfg.backoff * 2u32.saturating_pow(tries)).await;
                        tries += 1;
                    }
                    Err(Failure::Refresh(e)) if !refreshed => {
                        tracing::debug!(error = %e, "media auth refused: fetching media_conn again");
                        self.inner.cache.invalidate().await;
                        conn = self.conn(true).await?;
                        refreshed = true;
                        i = 0;
                        break;
                    }
                    Err(Failure::Fatal(e)) => return Err(e),
                    Err(Failure::Retry(e) | Failure::OtherHost(e) | Failure::Refresh(e)) => {
                        tracing::debug!(%host, error = %e, "media transfer: next host");
                        last = e;
                        i += 1;
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// Encrypts `reader` as `media_type`, uploads it and returns the message fields.
    pub(crate) async fn upload<R: AsyncRead + Unpin>(
        &self,
        mut reader: R,
        media_type: MediaType,
        progress: Option<&watch::Sender<Progress>>,
    ) -> Result<UploadedMedia, MediaError> {
        let _slot = self.slot().await?;
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut enc = Encryptor::new(MediaKey(key), media_type);
        let mut file = tokio::fs::File::from_std(tempfile::tempfile()?);
        let mut input = vec![0u8; CHUNK];
        let mut out = Vec::with_capacity(CHUNK + 16);
        loop {
            let n = reader.read(&mut input).await?;
            if n == 0 {
                break;
            }
            enc.update(&input[..n], &mut out);
            file.write_all(&out).await?;
            out.clear();
        }
        let info = enc.finish(&mut out);
        file.write_all(&out).await?;
        file.flush().await?;
        let body_len = encrypted_len(info.file_length);
        let file = file.into_std().await;

        let http = self.http()?;
        let answer = self
            .over_hosts(|host, auth| {
                let file = file.try_clone();
                let info_hash = info.file_enc_sha256;
                async move {
                    let url = upload_url(&host, media_type, &info_hash, &auth)
                        .map_err(|e| Failure::OtherHost(e.into()))?;
                    let mut f =
                        tokio::fs::File::from_std(file.map_err(|e| Failure::Fatal(e.into()))?);
                    f.seek(SeekFrom::Start(0))
                        .await
                        .map_err(|e| Failure::OtherHost(e.into()))?;
                    let body =
                        reqwest::Body::wrap_stream(file_stream(f, body_len, progress.cloned()));
                    let resp = http
                        .post(self.scheme(url))
                        .header(CONTENT_LENGTH, body_len)
                        .body(body)
                        .send()
                        .await
                        .map_err(|e| Failure::Retry(e.into()))?;
                    if resp.status() != StatusCode::OK {
                        return Err(Self::classify_status(resp.status()));
                    }
                    let bytes = read_capped(resp, MAX_UPLOAD_RESPONSE)
                        .await
                        .map_err(Failure::Retry)?;
                    serde_json::from_slice::<UploadAnswer>(&bytes)
                        .map_err(|e| Failure::OtherHost(MediaError::BadResponse(e)))
                }
            })
            .await?;
        Ok(UploadedMedia {
            media_type,
            url: answer.url,
            direct_path: answer.direct_path,
            handle: answer.handle,
            media_key: info.media_key.clone(),
            file_sha256: info.file_sha256,
            file_enc_sha256: info.file_enc_sha256,
            file_length: info.file_length,
            media_key_timestamp: chrono::Utc::now().timestamp(),
        })
    }

    /// A `200` download response from the first host that gives one.
    async fn open(&self, r: &MediaRef, limit: u64) -> Result<reqwest::Response, MediaError> {
        let hash = r
            .expected
            .file_enc_sha256
            .ok_or(MediaError::NotDownloadable("no fileEncSha256"))?;
        let http = self.http()?;
        self.over_hosts(|host, _auth| async move {
            let url =
                download_url(&host, &r.direct_path, &hash, r.media_type).map_err(|e| match e {
                    MediaUrlError::BadHost => Failure::OtherHost(e.into()),
                    // A bad path is bad on every host.
                    other => Failure::Fatal(other.into()),
                })?;
            let resp = http
                .get(self.scheme(url))
                .send()
                .await
                .map_err(|e| Failure::Retry(e.into()))?;
            if resp.status() != StatusCode::OK {
                return Err(Self::classify_status(resp.status()));
            }
            if resp.content_length().is_some_and(|n| n > limit) {
                return Err(Failure::OtherHost(MediaError::TooLarge(limit)));
            }
            Ok(resp)
        })
        .await
    }

    /// Downloads `r` into memory; nothing is returned unless every check held (the body is
    /// verified before it is decrypted).
    pub(crate) async fn download(
        &self,
        r: &MediaRef,
        progress: Option<&watch::Sender<Progress>>,
    ) -> Result<Vec<u8>, MediaError> {
        let _slot = self.slot().await?;
        let limit = self
            .inner
            .config
            .max_in_memory
            .min(self.inner.config.max_download);
        let mut tries = 0;
        let body = loop {
            let resp = self.open(r, limit).await?;
            let total = resp.content_length();
            let mut stream = resp.bytes_stream();
            let mut body = Vec::with_capacity(total.unwrap_or(0).min(limit) as usize);
            let mut failed = None;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(c) => {
                        if (body.len() + c.len()) as u64 > limit {
                            return Err(MediaError::TooLarge(limit));
                        }
                        body.extend_from_slice(&c);
                        report(progress, body.len() as u64, total);
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                None => break body,
                Some(e) if tries < self.inner.config.retries => {
                    tracing::debug!(error = %e, "media body cut off: retrying");
                    tokio::time::sleep(self.inner.config.backoff * 2u32.saturating_pow(tries))
                        .await;
                    tries += 1;
                }
                Some(e) => return Err(e.into()),
            }
        };
        Ok(decrypt(&r.media_key, r.media_type, &body, &r.expected)?)
    }

    /// Downloads `r` into `writer` as it arrives, in constant memory. The bytes written are
    /// unverified until this returns `Ok`; on an error the caller must discard them.
    pub(crate) async fn download_to<W: AsyncWrite + Unpin>(
        &self,
        r: &MediaRef,
        writer: &mut W,
        progress: Option<&watch::Sender<Progress>>,
    ) -> Result<u64, MediaError> {
        let _slot = self.slot().await?;
        let limit = self.inner.config.max_download;
        let resp = self.open(r, limit).await?;
        let total = resp.content_length();
        let mut dec =
            Decryptor::new(&r.media_key, r.media_type, r.expected.clone()).with_limit(limit);
        let mut stream = resp.bytes_stream();
        let mut out = Vec::with_capacity(CHUNK + 32);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            dec.update(&chunk, &mut out)?;
            writer.write_all(&out).await?;
            out.clear();
            report(progress, dec.received(), total);
        }
        let n = dec.finish(&mut out)?;
        writer.write_all(&out).await?;
        writer.flush().await?;
        Ok(n)
    }
}
