//! Incoming `<receipt>`s → `Receipt` events.

use chrono::{DateTime, Utc};
use wa_protocol::message::OwnJids;
use wa_protocol::stanza::receipt::{IncomingReceipt, ReceiptKind};

use super::unix_time;
use crate::events::{Event, MessageSource, Receipt, ReceiptType};

/// The public receipt type, for the eight kinds users see. Own-device protocol receipts
/// (`played-self`, `peer_msg`, `hist_sync`) and unknown types have none.
pub(crate) fn receipt_type(kind: &ReceiptKind) -> Option<ReceiptType> {
    Some(match kind {
        ReceiptKind::Delivery => ReceiptType::Delivery,
        ReceiptKind::Read => ReceiptType::Read,
        ReceiptKind::ReadSelf => ReceiptType::ReadSelf,
        ReceiptKind::Played => ReceiptType::Played,
        ReceiptKind::Sender => ReceiptType::Sender,
        ReceiptKind::Retry => ReceiptType::Retry,
        ReceiptKind::ServerError => ReceiptType::ServerError,
        ReceiptKind::Inactive => ReceiptType::Inactive,
        ReceiptKind::PlayedSelf
        | ReceiptKind::PeerMsg
        | ReceiptKind::HistSync
        | ReceiptKind::Other(_) => return None,
    })
}

/// The `Receipt` event for one parsed receipt. The acknowledged messages' sender is the
/// `recipient` when the server names one (receipts about another of our devices' sends),
/// otherwise us.
pub(crate) fn receipt_event(
    r: &IncomingReceipt,
    own: &OwnJids,
    now: DateTime<Utc>,
) -> Option<Event> {
    let r#type = receipt_type(&r.kind)?;
    Some(Event::Receipt(Receipt {
        source: MessageSource::from(&r.source),
        message_ids: r.message_ids.clone(),
        timestamp: unix_time(r.timestamp, now),
        r#type,
        message_sender: r.recipient.clone().unwrap_or_else(|| own.pn.to_non_ad()),
    }))
}
