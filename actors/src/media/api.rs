//! The media methods of [`Client`].

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use wa_protobuf::wa;
use wa_protocol::media::MediaType;

use super::error::MediaError;
use super::message::{MediaRef, UploadedMedia};
use super::transfer::Progress;
use crate::Client;

impl Client {
    /// Encrypts everything `reader` yields as `media_type` and uploads it; the result fills a
    /// media message (see [`MediaMessage::build`](super::MediaMessage::build)). The file is
    /// encrypted into a temporary file first, so memory stays constant whatever its size.
    pub async fn upload<R: AsyncRead + Unpin>(
        &self,
        reader: R,
        media_type: MediaType,
    ) -> Result<UploadedMedia, MediaError> {
        self.media().upload(reader, media_type, None).await
    }

    /// [`Client::upload`], publishing bytes sent on `progress`.
    pub async fn upload_with_progress<R: AsyncRead + Unpin>(
        &self,
        reader: R,
        media_type: MediaType,
        progress: &watch::Sender<Progress>,
    ) -> Result<UploadedMedia, MediaError> {
        self.media()
            .upload(reader, media_type, Some(progress))
            .await
    }

    /// Downloads and decrypts the media of `message` (image, video, audio, document, sticker,
    /// round video, history-sync notification). Returns the plaintext only if the encrypted
    /// hash, the MAC and the plaintext hash all hold; at most `MediaConfig::max_in_memory`.
    pub async fn download(&self, message: &wa::Message) -> Result<Vec<u8>, MediaError> {
        self.download_ref(&MediaRef::from_message(message)?, None)
            .await
    }

    /// [`Client::download`] of an explicit reference (app-state blobs, stored fields), with
    /// optional progress.
    pub async fn download_ref(
        &self,
        media: &MediaRef,
        progress: Option<&watch::Sender<Progress>>,
    ) -> Result<Vec<u8>, MediaError> {
        self.media().download(media, progress).await
    }

    /// Downloads the media of `message` into `writer` as it arrives, in constant memory, and
    /// returns the plaintext length. What was written is verified only when this returns
    /// `Ok`: on any error discard it.
    pub async fn download_to<W: AsyncWrite + Unpin>(
        &self,
        message: &wa::Message,
        writer: &mut W,
    ) -> Result<u64, MediaError> {
        self.download_ref_to(&MediaRef::from_message(message)?, writer, None)
            .await
    }

    /// [`Client::download_to`] of an explicit reference, with optional progress.
    pub async fn download_ref_to<W: AsyncWrite + Unpin>(
        &self,
        media: &MediaRef,
        writer: &mut W,
        progress: Option<&watch::Sender<Progress>>,
    ) -> Result<u64, MediaError> {
        self.media().download_to(media, writer, progress).await
    }
}
