//! Signal addresses: the store key of a remote device's session and identity.

use crate::binary::Jid;

/// The Signal address of `jid` as `name.device`, where `name` is the JID user with an
/// `_<agent>` suffix when the JID's domain type is not the plain phone-number one (so a LID
/// user becomes `user_1`, hosted `user_128`). Sessions and identities are keyed by this string
/// so PN and LID sessions of one person never collide (signal.md §1; whatsmeow
/// `types/jid.go` `SignalAddressUser`).
pub fn signal_address(jid: &Jid) -> String {
    format!("{}.{}", signal_address_user(jid), jid.device)
}

/// The `name` part of [`signal_address`] (also the prefix under which every device of one user
/// is stored, for deleting them together).
pub fn signal_address_user(jid: &Jid) -> String {
    match jid.domain_type() {
        Some(0) | None => jid.user.clone(),
        Some(agent) => format!("{}_{agent}", jid.user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pn_lid_and_device_forms() {
        assert_eq!(signal_address(&Jid::pn("15550001")), "15550001.0");
        assert_eq!(
            signal_address(&Jid::pn("15550001").with_device(7)),
            "15550001.7"
        );
        assert_eq!(signal_address(&Jid::lid("9876").with_device(2)), "9876_1.2");
        assert_eq!(signal_address_user(&Jid::lid("9876")), "9876_1");
    }
}
