//! The answers around a chunk: the `hist_sync` receipt, the `server-error` receipt that asks
//! the phone to upload a blob again, and the on-demand history request.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use wa_protobuf::wa;
use zeroize::Zeroizing;

use super::error::HistoryError;
use crate::binary::{Jid, Node};

/// HKDF info of the key that seals a `ServerErrorReceipt` (whatsmeow `mediaretry.go`
/// `getMediaRetryKey`; Baileys `getMediaRetryKey`).
const RETRY_KEY_INFO: &[u8] = b"WhatsApp Media Retry Notification";

/// `<receipt id=… type="hist_sync" to=<own non-AD JID>/>`: the chunk announced by message
/// `id` was processed and stored (whatsmeow `SendProtocolMessageReceipt(…, hist_sync)`).
pub fn hist_sync_receipt(id: &str, own: &Jid) -> Node {
    Node::build("receipt")
        .attr("id", id.to_owned())
        .attr("type", "hist_sync")
        .attr("to", own.to_non_ad())
        .finish()
}

fn retry_cipher(media_key: &[u8]) -> Aes256Gcm {
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expand cannot fail.
    let _ = Hkdf::<Sha256>::new(None, media_key).expand(RETRY_KEY_INFO, key.as_mut());
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()))
}

/// `<receipt id type="server-error" category="peer" to=<own>><encrypt><enc_p/><enc_iv/>
/// </encrypt></receipt>`: the blob of message `id` could not be downloaded; the phone may
/// upload it again (whatsmeow `SendHistorySyncServerErrorReceipt`). `enc_p` is
/// `ServerErrorReceipt{stanzaID: id}` sealed with AES-GCM under a key derived from the
/// blob's media key, with `id` as associated data; `iv` must be fresh random bytes.
pub fn server_error_receipt(id: &str, own: &Jid, media_key: &[u8], iv: [u8; 12]) -> Node {
    // ServerErrorReceipt { optional string stanzaID = 1; } (whatsmeow waMmsRetry).
    let mut plain = Vec::with_capacity(id.len() + 2);
    prost::encoding::string::encode(1, &id.to_owned(), &mut plain);
    let sealed = retry_cipher(media_key)
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: &plain,
                aad: id.as_bytes(),
            },
        )
        .unwrap_or_default();
    Node::build("receipt")
        .attr("id", id.to_owned())
        .attr("type", "server-error")
        .attr("category", "peer")
        .attr("to", own.to_non_ad())
        .child(
            Node::build("encrypt")
                .child(Node::build("enc_p").bytes(sealed).finish())
                .child(Node::build("enc_iv").bytes(iv.to_vec()).finish())
                .finish(),
        )
        .finish()
}

/// The phone's reading of a [`server_error_receipt`]: the message id it names, once the
/// sealed part opens with `media_key` and agrees with the receipt's `id`.
pub fn parse_server_error_receipt(node: &Node, media_key: &[u8]) -> Result<String, HistoryError> {
    let id = node
        .attr_str("id")
        .ok_or(HistoryError::BadReceipt("no id"))?
        .into_owned();
    let encrypt = node
        .child("encrypt")
        .ok_or(HistoryError::BadReceipt("no <encrypt>"))?;
    let part = |tag| {
        encrypt
            .child(tag)
            .and_then(Node::bytes)
            .ok_or(HistoryError::BadReceipt("no enc_p/enc_iv"))
    };
    let (sealed, iv) = (part("enc_p")?, part("enc_iv")?);
    if iv.len() != 12 {
        return Err(HistoryError::BadReceipt("enc_iv is not 12 bytes"));
    }
    let plain = retry_cipher(media_key)
        .decrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: sealed,
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| HistoryError::BadReceipt("enc_p does not open"))?;
    let mut stanza_id = String::new();
    let mut buf = plain.as_slice();
    while !buf.is_empty() {
        let (tag, wire) = prost::encoding::decode_key(&mut buf)
            .map_err(|_| HistoryError::BadReceipt("ServerErrorReceipt framing"))?;
        let ctx = prost::encoding::DecodeContext::default();
        let r = if tag == 1 {
            prost::encoding::string::merge(wire, &mut stanza_id, &mut buf, ctx)
        } else {
            prost::encoding::skip_field(wire, tag, &mut buf, ctx)
        };
        r.map_err(|_| HistoryError::BadReceipt("ServerErrorReceipt framing"))?;
    }
    if stanza_id != id {
        return Err(HistoryError::BadReceipt(
            "stanzaID differs from the receipt id",
        ));
    }
    Ok(id)
}

/// A request for `count` messages of `chat` older than a known message (whatsmeow
/// `BuildHistorySyncRequest`; Baileys `fetchMessageHistory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDemandRequest {
    /// The chat.
    pub chat: Jid,
    /// The oldest message we have of it.
    pub oldest_message_id: String,
    /// Whether we sent that message.
    pub oldest_from_me: bool,
    /// Its timestamp in seconds (the field is named `…MS`; whatsmeow notes it holds seconds).
    pub oldest_timestamp: i64,
    /// How many older messages to send (the phone caps it; 50 is what clients ask).
    pub count: i32,
}

impl OnDemandRequest {
    /// The phone's reading of a request message; `None` when `message` is not one.
    pub fn from_message(message: &wa::Message) -> Option<Self> {
        let p = message.protocol_message.as_ref()?;
        let op = p.peer_data_operation_request_message.as_ref()?;
        if op.peer_data_operation_request_type
            != Some(wa::PeerDataOperationRequestType::HistorySyncOnDemand as i32)
        {
            return None;
        }
        let r = op.history_sync_on_demand_request.as_ref()?;
        Some(Self {
            chat: r.chat_jid.as_deref()?.parse().ok()?,
            oldest_message_id: r.oldest_msg_id.clone().unwrap_or_default(),
            oldest_from_me: r.oldest_msg_from_me.unwrap_or_default(),
            oldest_timestamp: r.oldest_msg_timestamp_ms.unwrap_or_default(),
            count: r.on_demand_msg_count.unwrap_or_default(),
        })
    }
}

/// `Message{protocolMessage{type: PEER_DATA_OPERATION_REQUEST_MESSAGE,
/// peerDataOperationRequestMessage{HISTORY_SYNC_ON_DEMAND, historySyncOnDemandRequest}}}`,
/// sent to our own phone as a peer message.
pub fn on_demand_request(r: &OnDemandRequest) -> wa::Message {
    use wa::peer_data_operation_request_message::HistorySyncOnDemandRequest;
    wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            r#type: Some(wa::protocol_message::Type::PeerDataOperationRequestMessage as i32),
            peer_data_operation_request_message: Some(wa::PeerDataOperationRequestMessage {
                peer_data_operation_request_type: Some(
                    wa::PeerDataOperationRequestType::HistorySyncOnDemand as i32,
                ),
                history_sync_on_demand_request: Some(HistorySyncOnDemandRequest {
                    chat_jid: Some(r.chat.to_string()),
                    oldest_msg_id: Some(r.oldest_message_id.clone()),
                    oldest_msg_from_me: Some(r.oldest_from_me),
                    on_demand_msg_count: Some(r.count),
                    oldest_msg_timestamp_ms: Some(r.oldest_timestamp),
                    account_lid: None,
                }),
                placeholder_message_resend_request: Vec::new(),
            }),
            ..Default::default()
        })),
        ..Default::default()
    }
}
