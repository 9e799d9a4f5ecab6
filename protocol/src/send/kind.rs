//! The stanza attributes a message's content decides (messages.md §5.5, §5.7): `type` on
//! `<message>`, `mediatype` and `decrypt-fail` on `<enc>`, and `edit`. Wrappers (view once,
//! ephemeral, document with caption, lottie sticker) are looked through, as whatsmeow's
//! `getTypeFromMessage`/`getMediaTypeFromMessage` do.

use wa_protobuf::wa;

use crate::message::EditAttribute;

/// `ProtocolMessage.Type.REVOKE` (proto-subset.md).
const PROTOCOL_REVOKE: i32 = 0;
/// `ProtocolMessage.Type.MESSAGE_EDIT` (proto-subset.md).
const PROTOCOL_MESSAGE_EDIT: i32 = 14;

/// The message inside a wrapper that changes neither `type` nor `mediatype`.
fn unwrapped(message: &wa::Message) -> Option<&wa::Message> {
    [
        &message.view_once_message,
        &message.view_once_message_v2,
        &message.view_once_message_v2_extension,
        &message.lottie_sticker_message,
        &message.ephemeral_message,
        &message.document_with_caption_message,
    ]
    .into_iter()
    .flatten()
    .find_map(|w| w.message.as_deref())
}

/// The `<message type>`: `reaction`, `poll`, `media` or `text` (protocol messages such as
/// edits and revokes are `text`).
pub fn message_type(message: &wa::Message) -> &'static str {
    if let Some(inner) = unwrapped(message) {
        return message_type(inner);
    }
    if message.reaction_message.is_some() || message.enc_reaction_message.is_some() {
        "reaction"
    } else if message.poll_creation_message.is_some() || message.poll_update_message.is_some() {
        "poll"
    } else if media_type(message).is_some() {
        "media"
    } else {
        "text"
    }
}

/// The `<enc mediatype>` of a media message, `None` for everything else.
pub fn media_type(message: &wa::Message) -> Option<&'static str> {
    if let Some(inner) = unwrapped(message) {
        return media_type(inner);
    }
    let m = message;
    let kind = if m
        .extended_text_message
        .as_ref()
        .is_some_and(|t| t.title.is_some())
    {
        "url"
    } else if m.image_message.is_some() {
        "image"
    } else if m.sticker_message.is_some() {
        "sticker"
    } else if m.document_message.is_some() {
        "document"
    } else if let Some(audio) = &m.audio_message {
        if audio.ptt.unwrap_or(false) {
            "ptt"
        } else {
            "audio"
        }
    } else if let Some(video) = &m.video_message {
        if video.gif_playback.unwrap_or(false) {
            "gif"
        } else {
            "video"
        }
    } else if m.ptv_message.is_some() {
        "ptv"
    } else if m.contact_message.is_some() {
        "vcard"
    } else if m.contacts_array_message.is_some() {
        "contact_array"
    } else if m.location_message.is_some() {
        "location"
    } else if m.live_location_message.is_some() {
        "livelocation"
    } else if m.list_message.is_some() {
        "list"
    } else {
        return None;
    };
    Some(kind)
}

/// The `edit` attribute (whatsmeow `getEditAttribute`): `1` for an edit (a protocol
/// message of type `MESSAGE_EDIT`, possibly inside `editedMessage`), `7` for revoking our own
/// message (the target key is `fromMe`) or removing a reaction, `8` for an admin revoking
/// someone else's, none otherwise.
pub fn edit_attribute(message: &wa::Message) -> EditAttribute {
    if let Some(inner) = message
        .edited_message
        .as_ref()
        .and_then(|w| w.message.as_deref())
    {
        return edit_attribute(inner);
    }
    if let Some(protocol) = &message.protocol_message {
        let Some(key) = &protocol.key else {
            return EditAttribute::None;
        };
        return match protocol.r#type {
            Some(PROTOCOL_REVOKE) if key.from_me.unwrap_or(false) => EditAttribute::SenderRevoke,
            Some(PROTOCOL_REVOKE) => EditAttribute::AdminRevoke,
            Some(PROTOCOL_MESSAGE_EDIT) if protocol.edited_message.is_some() => {
                EditAttribute::MessageEdit
            }
            _ => EditAttribute::None,
        };
    }
    if message
        .reaction_message
        .as_ref()
        .is_some_and(|r| r.text.as_deref().unwrap_or("").is_empty())
    {
        return EditAttribute::SenderRevoke;
    }
    EditAttribute::None
}

/// Whether a failed decryption should show nothing (`decrypt-fail="hide"`): reactions,
/// edits and poll votes, which make no sense as a "waiting for this message" placeholder.
pub fn hides_on_failure(message: &wa::Message) -> bool {
    if let Some(inner) = message
        .edited_message
        .as_ref()
        .and_then(|w| w.message.as_deref())
    {
        return hides_on_failure(inner);
    }
    message.reaction_message.is_some()
        || message.enc_reaction_message.is_some()
        || message.poll_update_message.is_some()
        || message
            .protocol_message
            .as_ref()
            .is_some_and(|p| p.r#type == Some(PROTOCOL_MESSAGE_EDIT))
}
