//! App-state key shares inside decrypted messages: only our own devices may share keys.

use wa_protocol::message::MessageContent;

use crate::store::{Batch, Namespace};

/// `ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE` (proto-subset.md; whatsmeow
/// `handleAppStateSyncKeyShare`).
const KEY_SHARE: i32 = 6;

/// Adds every shared key of `contents` to `batch`; the number of keys added. The caller
/// passes only contents from our own devices.
pub(crate) fn store_key_shares(contents: &[MessageContent], batch: &mut Batch) -> usize {
    let mut n = 0;
    for c in contents {
        let Some(pm) = c.message.protocol_message.as_deref() else {
            continue;
        };
        let Some(share) = pm.app_state_sync_key_share.as_ref() else {
            continue;
        };
        if pm.r#type.is_some_and(|t| t != KEY_SHARE) {
            continue;
        }
        for key in share.keys.iter().take(256) {
            let id = key.key_id.as_ref().and_then(|k| k.key_id.clone());
            let data = key.key_data.as_ref().and_then(|d| d.key_data.clone());
            if let (Some(id), Some(data)) = (id, data) {
                if !id.is_empty() && data.len() == 32 {
                    batch
                        .ops
                        .extend(Batch::new().put(Namespace::APP_STATE_KEYS, id, data).ops);
                    n += 1;
                }
            }
        }
    }
    n
}
