//! Media figures: encrypt and decrypt throughput (MB/s) next to the machine's raw AES-256-CBC
//! and HMAC-SHA256 speed measured in the same run; a 10 MB upload-then-download through the
//! testkit media host over a real local HTTP connection; and the peak heap of a 100 MB
//! transfer each way, from a counting global allocator, printed and held under a ceiling.

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncRead, ReadBuf};
use wa_actors::media::{MediaConfig, MediaMessage, MediaType};
use wa_actors::protocol::media::{encrypt, Decryptor, Encryptor, Expected, MediaKey};
use wa_actors::store::{AccountId, MemoryStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::Client;
use wa_testkit::{FakeServer, MediaHost};

/// Counts live heap bytes and their peak, so the bench can say what a transfer costs.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const CHUNK: usize = 64 * 1024;

fn data(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(151).wrapping_add(7))
        .collect()
}

fn crypto(c: &mut Criterion) {
    let key = MediaKey([9; 32]);
    let mut g = c.benchmark_group("media_crypto");
    g.measurement_time(Duration::from_secs(4));
    for size in [1usize << 20, 16 << 20] {
        let plain = data(size);
        let (body, info) = encrypt(key.clone(), MediaType::Video, &plain);
        let expected = Expected {
            file_enc_sha256: Some(info.file_enc_sha256),
            file_sha256: Some(info.file_sha256),
        };
        g.throughput(Throughput::Bytes(size as u64));
        let label = format!("{}MiB", size >> 20);
        let mut out = Vec::with_capacity(CHUNK + 32);
        g.bench_with_input(BenchmarkId::new("encrypt", &label), &plain, |b, plain| {
            b.iter(|| {
                let mut e = Encryptor::new(key.clone(), MediaType::Video);
                for piece in plain.chunks(CHUNK) {
                    e.update(piece, &mut out);
                    out.clear();
                }
                e.finish(&mut out);
                out.clear();
            })
        });
        g.bench_with_input(BenchmarkId::new("decrypt", &label), &body, |b, body| {
            b.iter(|| {
                let mut d = Decryptor::new(&key, MediaType::Video, expected.clone());
                for piece in body.chunks(CHUNK) {
                    d.update(piece, &mut out).unwrap();
                    out.clear();
                }
                d.finish(&mut out).unwrap();
                out.clear();
            })
        });
        // The floor: one AES-256-CBC pass and one HMAC-SHA256 pass over the same bytes, whole
        // buffer at once, no hashing of plaintext or body.
        let mut buf = plain.clone();
        buf.resize(size + 16, 0);
        g.bench_function(BenchmarkId::new("raw_cbc_hmac_encrypt", &label), |b| {
            b.iter(|| {
                buf[..size].copy_from_slice(&plain);
                let ct = cbc::Encryptor::<Aes256>::new(&[1; 32].into(), &[2; 16].into())
                    .encrypt_padded_mut::<Pkcs7>(&mut buf, size)
                    .unwrap();
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[3; 32]).unwrap();
                mac.update(ct);
                mac.finalize()
            })
        });
        let ct = body[..body.len() - 10].to_vec();
        let mut dbuf = ct.clone();
        g.bench_function(BenchmarkId::new("raw_cbc_hmac_decrypt", &label), |b| {
            b.iter(|| {
                dbuf.copy_from_slice(&ct);
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[3; 32]).unwrap();
                mac.update(&dbuf);
                let _ = cbc::Decryptor::<Aes256>::new(&[1; 32].into(), &[2; 16].into())
                    .decrypt_padded_mut::<Pkcs7>(&mut dbuf);
                mac.finalize()
            })
        });
    }
    g.finish();
}

struct Rig {
    _server: FakeServer,
    host: MediaHost,
    client: Client,
}

async fn rig() -> Rig {
    let server = FakeServer::start().await.expect("server");
    let host = server.media_host().await.expect("media host");
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    provision_device(&*store, &AccountId::new("default"), |noise, paired_as| {
        let given = server.provision(*noise, paired_as);
        Provisioned {
            jid: given.jid,
            lid: given.lid,
        }
    })
    .await
    .expect("provisioned");
    let mut media = MediaConfig::default();
    media.plain_http = true;
    let client = Client::builder()
        .url(server.url())
        .trust_root(server.trust_root())
        .store(store)
        .media(media)
        .build()
        .await
        .expect("client");
    client.connect().await.expect("connect");
    server
        .wait_for_logins(1, Duration::from_secs(30))
        .await
        .expect("login");
    Rig {
        _server: server,
        host,
        client,
    }
}

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let rig = rt.block_on(rig());
    let plain = data(10 << 20);
    let mut g = c.benchmark_group("media_e2e");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_function("upload_then_download_10MB", |b| {
        b.iter(|| {
            rt.block_on(async {
                let up = rig
                    .client
                    .upload(plain.as_slice(), MediaType::Document)
                    .await
                    .unwrap();
                let msg = MediaMessage::new().build(&up).unwrap();
                let mut sink = tokio::io::sink();
                let n = rig.client.download_to(&msg, &mut sink).await.unwrap();
                assert_eq!(n, plain.len() as u64);
            })
        })
    });
    g.finish();
    memory_ceiling(&rt, &rig);
}

/// Yields `left` pseudo-random bytes without holding them.
struct Generated {
    left: usize,
    state: u8,
}

impl AsyncRead for Generated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = buf.remaining().min(self.left).min(CHUNK);
        let mut chunk = [0u8; CHUNK];
        for b in &mut chunk[..n] {
            self.state = self.state.wrapping_mul(73).wrapping_add(41);
            *b = self.state;
        }
        buf.put_slice(&chunk[..n]);
        self.left -= n;
        Poll::Ready(Ok(()))
    }
}

/// Peak heap above the level before `f`, in MiB.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (out, peak as f64 / (1 << 20) as f64)
}

/// Heap a 100 MB transfer may add, client and host together; the file is ~100 MB, so a
/// transfer that buffered it would be far over.
const CEILING_MIB: f64 = 16.0;

fn memory_ceiling(rt: &tokio::runtime::Runtime, rig: &Rig) {
    const SIZE: usize = 100 << 20;
    rig.host.discard_uploads(true);
    let (up, up_peak) = peak_during(|| {
        rt.block_on(rig.client.upload(
            Generated {
                left: SIZE,
                state: 1,
            },
            MediaType::Video,
        ))
        .expect("100 MB upload")
    });
    assert_eq!(up.file_length, SIZE as u64);
    rig.host.discard_uploads(false);

    let stored = {
        let plain = data(SIZE);
        rig.host.store(MediaType::Video, &plain)
    };
    let up = wa_actors::media::UploadedMedia {
        media_type: MediaType::Video,
        url: stored.url.clone(),
        direct_path: stored.direct_path.clone(),
        handle: None,
        media_key: stored.info.media_key.clone(),
        file_sha256: stored.info.file_sha256,
        file_enc_sha256: stored.info.file_enc_sha256,
        file_length: stored.info.file_length,
        media_key_timestamp: 0,
    };
    let msg = MediaMessage::new().build(&up).expect("video message");
    let (n, down_peak) = peak_during(|| {
        rt.block_on(rig.client.download_to(&msg, &mut tokio::io::sink()))
            .expect("100 MB download")
    });
    assert_eq!(n, SIZE as u64);
    println!("media_memory/100MB upload: peak heap +{up_peak:.2} MiB; download_to: peak heap +{down_peak:.2} MiB (ceiling {CEILING_MIB} MiB)");
    assert!(
        up_peak < CEILING_MIB && down_peak < CEILING_MIB,
        "over the memory ceiling"
    );
}

criterion_group!(benches, crypto, end_to_end);
criterion_main!(benches);
