//! Message ids in WhatsApp Web's form (messages.md §5.1).

use sha2::{Digest, Sha256};

/// Every id WhatsApp Web makes starts with this.
pub const MESSAGE_ID_PREFIX: &str = "3EB0";

/// `3EB0` and the first 9 bytes of `SHA-256(u64be(now) ‖ own_user ‖ "@c.us" ‖ random)` in
/// upper-case hex: 22 characters (whatsmeow `GenerateMessageID`, Baileys
/// `generateMessageIDV2`). The caller draws `random`, so this stays deterministic.
pub fn message_id(now_unix: u64, own_user: &str, random: &[u8; 16]) -> String {
    let mut h = Sha256::new();
    h.update(now_unix.to_be_bytes());
    h.update(own_user.as_bytes());
    h.update(b"@c.us");
    h.update(random);
    let digest = h.finalize();
    let mut out = String::with_capacity(22);
    out.push_str(MESSAGE_ID_PREFIX);
    for b in digest.iter().take(9) {
        out.push_str(&format!("{b:02X}"));
    }
    out
}
