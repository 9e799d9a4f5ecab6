//! Signal addresses: the store key of a peer device's session and, with the group, of its
//! sender key.

use crate::binary::Jid;

pub use crate::signal::signal_address;

/// The key of the sender-key record for `sender` in `group`: the group JID and the sender's
/// Signal address, as whatsmeow's `SenderKeyName(chat.String(), sender.SignalAddress())`.
pub fn sender_key_name(group: &Jid, sender: &Jid) -> (String, String) {
    (group.to_string(), signal_address(sender))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_carry_the_agent_for_non_pn_domains() {
        let pn: Jid = "15551234567:3@s.whatsapp.net".parse().unwrap();
        assert_eq!(signal_address(&pn), "15551234567.3");
        let lid: Jid = "123456789012345:7@lid".parse().unwrap();
        assert_eq!(signal_address(&lid), "123456789012345_1.7");
        let hosted: Jid = "15551234567:99@hosted".parse().unwrap();
        assert_eq!(signal_address(&hosted), "15551234567_128.99");
        let hosted_lid: Jid = "1:99@hosted.lid".parse().unwrap();
        assert_eq!(signal_address(&hosted_lid), "1_129.99");
        assert_eq!(signal_address(&Jid::pn("1")), "1.0");
        assert_eq!(
            sender_key_name(&Jid::group("120363"), &lid),
            ("120363@g.us".into(), "123456789012345_1.7".into())
        );
    }
}
