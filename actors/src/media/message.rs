//! Media fields in and out of `wa::Message`: [`MediaRef`] is what a download needs, read from
//! any downloadable message; [`UploadedMedia`] is what an upload returns, and
//! [`MediaMessage`] turns it into the `wa::Message` the send path takes.

use wa_protobuf::wa;
use wa_protocol::media::{Expected, MediaKey, MediaType};

use super::error::MediaError;

/// Where a blob lives and how to check and open it.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// Which keys and `mms-type`.
    pub media_type: MediaType,
    /// `directPath` (with its signed query).
    pub direct_path: String,
    /// `mediaKey`.
    pub media_key: MediaKey,
    /// `fileEncSha256` and `fileSha256`.
    pub expected: Expected,
    /// `fileLength`, the sender's word (used for progress, not trusted as a bound).
    pub file_length: Option<u64>,
}

impl std::fmt::Debug for MediaRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaRef")
            .field("media_type", &self.media_type)
            .field("file_length", &self.file_length)
            .finish_non_exhaustive()
    }
}

impl MediaRef {
    /// Builds a reference from the five fields every media message has.
    pub fn new(
        media_type: MediaType,
        direct_path: Option<&str>,
        media_key: Option<&[u8]>,
        file_enc_sha256: Option<&[u8]>,
        file_sha256: Option<&[u8]>,
        file_length: Option<u64>,
    ) -> Result<MediaRef, MediaError> {
        let direct_path = direct_path
            .filter(|p| !p.is_empty())
            .ok_or(MediaError::NotDownloadable("no directPath"))?;
        let media_key = media_key
            .and_then(MediaKey::from_slice)
            .ok_or(MediaError::NotDownloadable("no 32-byte mediaKey"))?;
        let expected = Expected::from_fields(file_enc_sha256, file_sha256);
        if expected.file_enc_sha256.is_none() {
            // The download URL carries this hash; without it there is nothing to ask for.
            return Err(MediaError::NotDownloadable("no 32-byte fileEncSha256"));
        }
        Ok(MediaRef {
            media_type,
            direct_path: direct_path.to_string(),
            media_key,
            expected,
            file_length,
        })
    }

    /// The media of a message: image, video (GIF), round video, audio (voice note), document,
    /// sticker, or a history-sync notification.
    pub fn from_message(m: &wa::Message) -> Result<MediaRef, MediaError> {
        // Every media message names the five fields alike; `file_length` is the sixth.
        macro_rules! media_ref {
            ($ty:expr, $x:expr) => {
                MediaRef::new(
                    $ty,
                    $x.direct_path.as_deref(),
                    $x.media_key.as_deref(),
                    $x.file_enc_sha256.as_deref(),
                    $x.file_sha256.as_deref(),
                    $x.file_length,
                )
            };
        }
        if let Some(x) = &m.image_message {
            return media_ref!(MediaType::Image, x);
        }
        if let Some(x) = &m.video_message {
            let ty = if x.gif_playback() {
                MediaType::Gif
            } else {
                MediaType::Video
            };
            return media_ref!(ty, x);
        }
        if let Some(x) = &m.ptv_message {
            return media_ref!(MediaType::Ptv, x);
        }
        if let Some(x) = &m.audio_message {
            let ty = if x.ptt() {
                MediaType::Ptt
            } else {
                MediaType::Audio
            };
            return media_ref!(ty, x);
        }
        if let Some(x) = &m.document_message {
            return media_ref!(MediaType::Document, x);
        }
        if let Some(x) = &m.sticker_message {
            return media_ref!(MediaType::Sticker, x);
        }
        let history = m
            .protocol_message
            .as_ref()
            .and_then(|p| p.history_sync_notification.as_ref());
        if let Some(x) = history {
            return media_ref!(MediaType::History, x);
        }
        Err(MediaError::NotDownloadable("no media in this message"))
    }

    /// An app-state blob (`ExternalBlobReference` of a snapshot or patch).
    pub fn from_blob(b: &wa::ExternalBlobReference) -> Result<MediaRef, MediaError> {
        MediaRef::new(
            MediaType::AppState,
            b.direct_path.as_deref(),
            b.media_key.as_deref(),
            b.file_enc_sha256.as_deref(),
            b.file_sha256.as_deref(),
            b.file_size_bytes,
        )
    }
}

/// What an upload gives back: the fields every media message carries.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadedMedia {
    /// The type it was encrypted and uploaded as.
    pub media_type: MediaType,
    /// `url` from the host's answer.
    pub url: String,
    /// `direct_path` from the host's answer.
    pub direct_path: String,
    /// `handle` from the host's answer, when given (newsletter uploads use it).
    pub handle: Option<String>,
    /// The fresh media key.
    pub media_key: MediaKey,
    /// SHA-256 of the plaintext.
    pub file_sha256: [u8; 32],
    /// SHA-256 of the uploaded body.
    pub file_enc_sha256: [u8; 32],
    /// Plaintext length.
    pub file_length: u64,
    /// Upload time in Unix seconds (`mediaKeyTimestamp`).
    pub media_key_timestamp: i64,
}

impl std::fmt::Debug for UploadedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadedMedia")
            .field("media_type", &self.media_type)
            .field("direct_path", &self.direct_path)
            .field("file_length", &self.file_length)
            .finish_non_exhaustive()
    }
}

/// The optional parts of a media message, beside what the upload returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaMessage {
    /// `mimetype` (e.g. `image/jpeg`, `audio/ogg; codecs=opus`).
    pub mimetype: Option<String>,
    /// Caption (image, video, document).
    pub caption: Option<String>,
    /// Pixel width (image, video, sticker).
    pub width: Option<u32>,
    /// Pixel height (image, video, sticker).
    pub height: Option<u32>,
    /// Duration in seconds (audio, video).
    pub seconds: Option<u32>,
    /// File name shown for a document.
    pub file_name: Option<String>,
    /// A small JPEG preview (image, video, document).
    pub jpeg_thumbnail: Option<Vec<u8>>,
}

impl MediaMessage {
    /// No optional fields.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the mimetype.
    pub fn mimetype(mut self, m: impl Into<String>) -> Self {
        self.mimetype = Some(m.into());
        self
    }
    /// Sets the caption.
    pub fn caption(mut self, c: impl Into<String>) -> Self {
        self.caption = Some(c.into());
        self
    }
    /// Sets width and height.
    pub fn dimensions(mut self, width: u32, height: u32) -> Self {
        self.width = Some(width);
        self.height = Some(height);
        self
    }
    /// Sets the duration.
    pub fn seconds(mut self, s: u32) -> Self {
        self.seconds = Some(s);
        self
    }
    /// Sets the document's file name.
    pub fn file_name(mut self, n: impl Into<String>) -> Self {
        self.file_name = Some(n.into());
        self
    }
    /// Sets the JPEG thumbnail.
    pub fn jpeg_thumbnail(mut self, t: Vec<u8>) -> Self {
        self.jpeg_thumbnail = Some(t);
        self
    }

    /// The `wa::Message` for `up`, shaped by the type it was uploaded as: image, video (GIF
    /// playback for [`MediaType::Gif`]), round video, audio (`ptt` for [`MediaType::Ptt`]),
    /// document or sticker. Other types (history, app state) are not messages.
    pub fn build(self, up: &UploadedMedia) -> Result<wa::Message, MediaError> {
        let key = Some(up.media_key.as_bytes().to_vec());
        let sha = Some(up.file_sha256.to_vec());
        let enc = Some(up.file_enc_sha256.to_vec());
        let url = Some(up.url.clone());
        let path = Some(up.direct_path.clone());
        let len = Some(up.file_length);
        let ts = Some(up.media_key_timestamp);
        let mut m = wa::Message::default();
        match up.media_type {
            MediaType::Image => {
                m.image_message = Some(Box::new(wa::ImageMessage {
                    url,
                    mimetype: self.mimetype,
                    caption: self.caption,
                    file_sha256: sha,
                    file_length: len,
                    height: self.height,
                    width: self.width,
                    media_key: key,
                    file_enc_sha256: enc,
                    direct_path: path,
                    media_key_timestamp: ts,
                    jpeg_thumbnail: self.jpeg_thumbnail,
                    ..Default::default()
                }))
            }
            MediaType::Video | MediaType::Gif | MediaType::Ptv => {
                let v = Box::new(wa::VideoMessage {
                    url,
                    mimetype: self.mimetype,
                    file_sha256: sha,
                    file_length: len,
                    seconds: self.seconds,
                    media_key: key,
                    caption: self.caption,
                    gif_playback: (up.media_type == MediaType::Gif).then_some(true),
                    height: self.height,
                    width: self.width,
                    file_enc_sha256: enc,
                    direct_path: path,
                    media_key_timestamp: ts,
                    jpeg_thumbnail: self.jpeg_thumbnail,
                    ..Default::default()
                });
                if up.media_type == MediaType::Ptv {
                    m.ptv_message = Some(v);
                } else {
                    m.video_message = Some(v);
                }
            }
            MediaType::Audio | MediaType::Ptt => {
                m.audio_message = Some(Box::new(wa::AudioMessage {
                    url,
                    mimetype: self.mimetype,
                    file_sha256: sha,
                    file_length: len,
                    seconds: self.seconds,
                    ptt: Some(up.media_type == MediaType::Ptt),
                    media_key: key,
                    file_enc_sha256: enc,
                    direct_path: path,
                    media_key_timestamp: ts,
                    ..Default::default()
                }))
            }
            MediaType::Document => {
                m.document_message = Some(Box::new(wa::DocumentMessage {
                    url,
                    mimetype: self.mimetype,
                    file_sha256: sha,
                    file_length: len,
                    media_key: key,
                    file_name: self.file_name,
                    file_enc_sha256: enc,
                    direct_path: path,
                    media_key_timestamp: ts,
                    caption: self.caption,
                    jpeg_thumbnail: self.jpeg_thumbnail,
                    ..Default::default()
                }))
            }
            MediaType::Sticker => {
                m.sticker_message = Some(Box::new(wa::StickerMessage {
                    url,
                    file_sha256: sha,
                    file_enc_sha256: enc,
                    media_key: key,
                    mimetype: self.mimetype,
                    height: self.height,
                    width: self.width,
                    direct_path: path,
                    file_length: len,
                    media_key_timestamp: ts,
                    ..Default::default()
                }))
            }
            _ => {
                return Err(MediaError::NotDownloadable(
                    "this media type is not a message",
                ))
            }
        }
        Ok(m)
    }
}
