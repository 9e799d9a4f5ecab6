//! Body plumbing of transfers: progress reports, a capped read, and a file as a body stream.

use futures::StreamExt;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use super::error::MediaError;
use super::transfer::{Progress, CHUNK};

pub(super) fn report(progress: Option<&watch::Sender<Progress>>, done: u64, total: Option<u64>) {
    if let Some(p) = progress {
        p.send_replace(Progress { done, total });
    }
}

pub(super) async fn read_capped(
    resp: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, MediaError> {
    let mut stream = resp.bytes_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if out.len() + chunk.len() > cap {
            return Err(MediaError::ResponseTooLarge { cap });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The temporary file as a body stream, reporting progress as chunks go out.
pub(super) fn file_stream(
    file: tokio::fs::File,
    total: u64,
    progress: Option<watch::Sender<Progress>>,
) -> impl futures::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static {
    futures::stream::unfold(
        (file, 0u64, progress),
        move |(mut file, sent, progress)| async move {
            let mut buf = vec![0u8; CHUNK];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    let sent = sent + n as u64;
                    if let Some(p) = &progress {
                        p.send_replace(Progress {
                            done: sent,
                            total: Some(total),
                        });
                    }
                    Some((Ok(buf), (file, sent, progress)))
                }
                Err(e) => Some((Err(e), (file, sent, progress))),
            }
        },
    )
}
