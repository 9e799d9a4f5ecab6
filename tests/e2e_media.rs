//! Media end to end against wa-testkit's media host: a contact's image, video and sticker
//! reach us as `Message` events and download to the original bytes (in memory and streamed);
//! corrupted and truncated blobs fail with their typed errors and the client keeps working;
//! 5xx answers are retried; our image, voice note and document, uploaded and sent as messages,
//! reach a contact whose device decrypts each message and opens each blob; an expired upload
//! auth is refreshed.

mod common;

use common::{ready_with, Harness};
use wa_actors::events::Event;
use wa_actors::media::{
    MediaConfig, MediaError, MediaMessage, MediaRef, MediaType, Progress, UploadedMedia,
};
use wa_actors::proto::wa;
use wa_actors::protocol::binary::Jid;
use wa_actors::protocol::media::MediaCryptoError;
use wa_testkit::{Contact, MediaFault, MediaHost, ReceivedMessage, StoredMedia};

fn media_config() -> MediaConfig {
    let mut m = MediaConfig::default();
    m.plain_http = true;
    m.backoff = std::time::Duration::from_millis(10);
    m
}

async fn media_ready() -> (Harness, Jid, MediaHost) {
    let (h, me) = ready_with(|b| b.media(media_config())).await;
    let host = h.server.media_host().await.expect("media host");
    (h, me, host)
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The message a contact sends for a blob it stored on the host (built with our own
/// builder: the fields are the same whoever sends).
fn contact_message(ty: MediaType, s: &StoredMedia, opts: MediaMessage) -> wa::Message {
    let up = UploadedMedia {
        media_type: ty,
        url: s.url.clone(),
        direct_path: s.direct_path.clone(),
        handle: None,
        media_key: s.info.media_key.clone(),
        file_sha256: s.info.file_sha256,
        file_enc_sha256: s.info.file_enc_sha256,
        file_length: s.info.file_length,
        media_key_timestamp: 1_700_000_000,
    };
    opts.build(&up).expect("a media message type")
}

fn image(s: &StoredMedia) -> wa::Message {
    contact_message(
        MediaType::Image,
        s,
        MediaMessage::new().mimetype("image/jpeg"),
    )
}

/// The `<enc mediatype>` the send path gives each kind (whatsmeow `getMediaTypeFromMessage`).
fn expect_mediatype(ty: MediaType) -> &'static str {
    match ty {
        MediaType::Image => "image",
        MediaType::Ptt => "ptt",
        _ => "document",
    }
}

/// What the contact's device read of message `id`, once it arrived.
async fn wait_received(h: &Harness, contact: &Contact, id: &str) -> ReceivedMessage {
    let deadline = tokio::time::Instant::now() + common::WAIT;
    loop {
        if let Some(r) = contact.received(&h.server).into_iter().find(|r| r.id == id) {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} never reached the contact"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn received(h: &Harness) -> Vec<wa::Message> {
    h.events
        .all()
        .iter()
        .filter_map(|e| match e {
            Event::Message(m, _) => Some((**m).clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_image_video_and_sticker_download_to_the_original_bytes() {
    let (h, me, host) = media_ready().await;
    let alice = h.server.add_named_contact(15551230001, "Alice");
    let plains = [bytes(70_001, 1), bytes(300_000, 2), bytes(4_096, 3)];
    let stored = [
        host.store(MediaType::Image, &plains[0]),
        host.store(MediaType::Video, &plains[1]),
        host.store(MediaType::Sticker, &plains[2]),
    ];
    let sent = [
        image(&stored[0]),
        contact_message(
            MediaType::Video,
            &stored[1],
            MediaMessage::new().mimetype("video/mp4").seconds(3),
        ),
        contact_message(
            MediaType::Sticker,
            &stored[2],
            MediaMessage::new().mimetype("image/webp"),
        ),
    ];
    assert!(sent[1].video_message.is_some() && sent[2].sticker_message.is_some());
    for m in &sent {
        alice.send_message(&h.server, &me, m).expect("sent");
    }
    h.events
        .wait_count(3, "three media messages", |e| {
            matches!(e, Event::Message(..))
        })
        .await;
    let got = received(&h);
    assert_eq!(got, sent);
    for (m, plain) in got.iter().zip(&plains) {
        assert_eq!(&h.client.download(m).await.expect("download"), plain);
        let mut out = Vec::new();
        let n = h
            .client
            .download_to(m, &mut out)
            .await
            .expect("download_to");
        assert_eq!((n, &out), (plain.len() as u64, plain));
    }
    assert_eq!(host.counts().1, 6);
    // One media_conn served all six: the cache holds until its TTL.
    assert_eq!(media_conn_iqs(&h), 1);
}

fn media_conn_iqs(h: &Harness) -> usize {
    h.server
        .received()
        .iter()
        .filter(|(_, n)| n.tag == "iq" && n.child("media_conn").is_some())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_media_conn_is_fetched_again() {
    let (h, _me, host) = media_ready().await;
    // Shorter than the client's early-refresh margin: every transfer finds it expired.
    host.set_ttl(5);
    let plain = bytes(1_000, 8);
    let m = image(&host.store(MediaType::Image, &plain));
    for _ in 0..3 {
        assert_eq!(h.client.download(&m).await.expect("download"), plain);
    }
    assert_eq!(media_conn_iqs(&h), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_host_is_skipped_and_progress_is_reported() {
    let (h, _me, host) = media_ready().await;
    // Nothing listens on a port we bound and released.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    host.set_hosts_before(vec![dead.to_string()]);
    let plain = bytes(200_000, 7);
    let (tx, rx) = tokio::sync::watch::channel(Progress::default());
    let up = h
        .client
        .upload_with_progress(plain.as_slice(), MediaType::Video, &tx)
        .await
        .expect("upload via the second host");
    let body_len = wa_actors::protocol::media::encrypted_len(plain.len() as u64);
    assert_eq!(
        *rx.borrow(),
        Progress {
            done: body_len,
            total: Some(body_len)
        }
    );
    let msg = MediaMessage::new().build(&up).unwrap();
    let (tx, rx) = tokio::sync::watch::channel(Progress::default());
    let media = MediaRef::from_message(&msg).unwrap();
    assert_eq!(
        h.client
            .download_ref(&media, Some(&tx))
            .await
            .expect("download"),
        plain
    );
    assert_eq!(rx.borrow().done, body_len);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_and_truncated_blobs_fail_typed_and_the_client_keeps_running() {
    let (h, me, host) = media_ready().await;
    let plain = bytes(50_000, 9);
    let m = image(&host.store(MediaType::Image, &plain));

    host.inject(MediaFault::CorruptByte);
    let e = h.client.download(&m).await.unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Crypto(MediaCryptoError::EncryptedHashMismatch)
        ),
        "{e}"
    );

    host.inject(MediaFault::Truncate);
    let e = h.client.download(&m).await.unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Crypto(MediaCryptoError::NotBlockAligned { .. })
        ),
        "{e}"
    );

    host.inject(MediaFault::CorruptByte);
    let mut sink = Vec::new();
    let e = h.client.download_to(&m, &mut sink).await.unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Crypto(MediaCryptoError::EncryptedHashMismatch)
        ),
        "{e}"
    );

    // A message whose hashes lie about the plaintext (a forged fileSha256).
    let mut lied = m.clone();
    lied.image_message.as_mut().unwrap().file_sha256 = Some(vec![0; 32]);
    let e = h.client.download(&lied).await.unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Crypto(MediaCryptoError::PlaintextHashMismatch)
        ),
        "{e}"
    );

    // Two 503s are retried on the same host; a 404 is not retried forever.
    host.inject(MediaFault::Status(503));
    host.inject(MediaFault::Status(503));
    assert_eq!(h.client.download(&m).await.expect("after retries"), plain);
    host.inject(MediaFault::Status(404));
    assert!(matches!(
        h.client.download(&m).await,
        Err(MediaError::Status(404))
    ));

    // Still connected and receiving.
    assert!(h.client.is_running());
    let alice = h.server.add_named_contact(15551230002, "Alice");
    alice
        .send_text(&h.server, &me, "still there?")
        .expect("sent");
    h.events
        .wait_for("a text after the failures", |e| {
            matches!(e, Event::Message(..))
        })
        .await;
    assert_eq!(h.client.download(&m).await.expect("clean download"), plain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_image_voice_note_and_document_open_on_the_recipients_side() {
    let (h, _me, host) = media_ready().await;
    let contact = h.server.add_contact(15_550_007_777);
    let cases = [
        (
            MediaType::Image,
            bytes(123_457, 4),
            MediaMessage::new()
                .mimetype("image/png")
                .caption("hi")
                .dimensions(640, 480),
        ),
        (
            MediaType::Ptt,
            bytes(9_999, 5),
            MediaMessage::new()
                .mimetype("audio/ogg; codecs=opus")
                .seconds(4),
        ),
        (
            MediaType::Document,
            bytes(1, 6),
            MediaMessage::new()
                .mimetype("application/pdf")
                .file_name("a.pdf"),
        ),
    ];
    // The first upload meets an expired auth and must fetch media_conn again.
    host.inject(MediaFault::ExpireAuth);
    for (ty, plain, opts) in cases {
        let up = h.client.upload(plain.as_slice(), ty).await.expect("upload");
        assert_eq!(up.file_length, plain.len() as u64);
        let built = opts.clone().build(&up).expect("message");
        // Sent for real: the contact's device decrypts the message, then opens the blob with
        // the fields it received.
        let sent = h
            .client
            .send_message(contact.jid(), built)
            .await
            .expect("sent, with the server's ack");
        let got = wait_received(&h, &contact, &sent.id).await;
        assert_eq!(got.media_type.as_deref(), Some(expect_mediatype(ty)));
        let msg = got.message.expect("the contact decrypts the message");
        let (path, key, enc, sha) = match ty {
            MediaType::Image => {
                let i = msg.image_message.as_ref().unwrap();
                assert_eq!(
                    (i.caption.as_deref(), i.width, i.height),
                    (Some("hi"), Some(640), Some(480))
                );
                (
                    i.direct_path.clone(),
                    i.media_key.clone(),
                    i.file_enc_sha256.clone(),
                    i.file_sha256.clone(),
                )
            }
            MediaType::Ptt => {
                let a = msg.audio_message.as_ref().unwrap();
                assert_eq!((a.ptt, a.seconds), (Some(true), Some(4)));
                (
                    a.direct_path.clone(),
                    a.media_key.clone(),
                    a.file_enc_sha256.clone(),
                    a.file_sha256.clone(),
                )
            }
            _ => {
                let d = msg.document_message.as_ref().unwrap();
                assert_eq!(d.file_name.as_deref(), Some("a.pdf"));
                (
                    d.direct_path.clone(),
                    d.media_key.clone(),
                    d.file_enc_sha256.clone(),
                    d.file_sha256.clone(),
                )
            }
        };
        let opened = host
            .open(
                ty,
                &path.unwrap(),
                &key.unwrap(),
                &enc.unwrap(),
                &sha.unwrap(),
            )
            .expect("recipient decrypts");
        assert_eq!(opened, plain);
        // And our own download of what we sent gives it back.
        assert_eq!(h.client.download(&msg).await.expect("download own"), plain);
    }
    assert_eq!(host.counts().0, 3);
    // The cached one, and the one fetched after the 401.
    assert_eq!(media_conn_iqs(&h), 2);
}
