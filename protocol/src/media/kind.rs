//! Media types: the HKDF app info string each one expands its key with, and the `mms-type`
//! its URLs carry (media.md §2–§3).

/// What a blob is, which decides its key expansion and its upload path.
///
/// Message kinds that share keys with another (a sticker uses image keys, a voice note audio
/// keys, a GIF or round video video keys) are their own variants so callers can name what they
/// send; [`MediaType::app_info`] and [`MediaType::mms_type`] fold them together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaType {
    /// `imageMessage`.
    Image,
    /// `videoMessage`.
    Video,
    /// `audioMessage` that is not a voice note.
    Audio,
    /// `audioMessage` with `ptt` set (a voice note).
    Ptt,
    /// `documentMessage`.
    Document,
    /// `stickerMessage` (image keys and path).
    Sticker,
    /// `videoMessage` with `gifPlayback` (video keys and path).
    Gif,
    /// `ptvMessage`, a round video note (video keys and path).
    Ptv,
    /// History sync blob (`HistorySyncNotification`).
    History,
    /// App-state snapshot or patch blob (`ExternalBlobReference`).
    AppState,
    /// Sticker pack.
    StickerPack,
    /// Thumbnail of a link preview.
    LinkThumbnail,
}

impl MediaType {
    /// Every variant, for tables and tests.
    pub const ALL: [MediaType; 12] = [
        MediaType::Image,
        MediaType::Video,
        MediaType::Audio,
        MediaType::Ptt,
        MediaType::Document,
        MediaType::Sticker,
        MediaType::Gif,
        MediaType::Ptv,
        MediaType::History,
        MediaType::AppState,
        MediaType::StickerPack,
        MediaType::LinkThumbnail,
    ];

    /// The HKDF info string (whatsmeow `download.go` `MediaType` constants; Baileys
    /// `MEDIA_HKDF_KEY_MAPPING` for the folded kinds).
    pub fn app_info(self) -> &'static str {
        match self {
            MediaType::Image | MediaType::Sticker => "WhatsApp Image Keys",
            MediaType::Video | MediaType::Gif | MediaType::Ptv => "WhatsApp Video Keys",
            MediaType::Audio | MediaType::Ptt => "WhatsApp Audio Keys",
            MediaType::Document => "WhatsApp Document Keys",
            MediaType::History => "WhatsApp History Keys",
            MediaType::AppState => "WhatsApp App State Keys",
            MediaType::StickerPack => "WhatsApp Sticker Pack Keys",
            MediaType::LinkThumbnail => "WhatsApp Link Thumbnail Keys",
        }
    }

    /// The `mms-type` of download URLs and the `/mms/<type>/` upload path (whatsmeow
    /// `mediaTypeToMMSType`; Baileys `MEDIA_PATH_MAP` for stickers, voice notes, GIFs and
    /// round videos).
    pub fn mms_type(self) -> &'static str {
        match self {
            MediaType::Image | MediaType::Sticker => "image",
            MediaType::Video | MediaType::Gif | MediaType::Ptv => "video",
            MediaType::Audio | MediaType::Ptt => "audio",
            MediaType::Document => "document",
            MediaType::History => "md-msg-hist",
            MediaType::AppState => "md-app-state",
            MediaType::StickerPack => "sticker-pack",
            MediaType::LinkThumbnail => "thumbnail-link",
        }
    }

    /// The type named as in the vectors and Baileys (`image`, `ptt`, `md-msg-hist`,
    /// `thumbnail-link`, …); `None` for a name we do not know.
    pub fn from_name(name: &str) -> Option<MediaType> {
        Some(match name {
            "image" => MediaType::Image,
            "video" => MediaType::Video,
            "audio" => MediaType::Audio,
            "ptt" => MediaType::Ptt,
            "document" => MediaType::Document,
            "sticker" => MediaType::Sticker,
            "gif" => MediaType::Gif,
            "ptv" => MediaType::Ptv,
            "md-msg-hist" | "history" => MediaType::History,
            "md-app-state" | "app-state" => MediaType::AppState,
            "sticker-pack" => MediaType::StickerPack,
            "thumbnail-link" => MediaType::LinkThumbnail,
            _ => return None,
        })
    }

    /// The `mms-type` path segment back to the type whose keys and path it names (the
    /// folded kinds come back as their base type).
    pub fn from_mms_type(mms: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|t| t.mms_type() == mms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_distinct_base_and_round_trips_its_name() {
        for t in MediaType::ALL {
            assert!(t.app_info().starts_with("WhatsApp ") && t.app_info().ends_with(" Keys"));
            let base = MediaType::from_mms_type(t.mms_type()).expect("mms type known");
            assert_eq!(base.app_info(), t.app_info(), "{t:?}");
        }
        assert_eq!(MediaType::from_name("ptt"), Some(MediaType::Ptt));
        assert_eq!(MediaType::from_name("sticker").unwrap().mms_type(), "image");
        assert_eq!(MediaType::from_name("nope"), None);
    }
}
