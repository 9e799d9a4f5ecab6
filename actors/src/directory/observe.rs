//! What the directory learns from stanzas and events on their way to their owners. `Routes`
//! calls these inline, before the stanza moves on or the events are published, so a
//! subscriber that sees a `DeviceListUpdate` and asks for the list gets the new one.

use wa_protocol::binary::Node;
use wa_protocol::message::{parse_source, OwnJids};

use super::Directory;
use crate::events::Event;

impl Directory {
    /// Drops the device lists a `devices` notification names and the groups a `w:gp2` change
    /// touched; learns the LID a `devices` notification carries.
    pub(crate) fn observe_events(&self, events: &[Event]) {
        for e in events {
            match e {
                Event::DeviceListUpdate(u) => {
                    if let Some(lid) = &u.lid_user {
                        self.learn_lid(&u.user, lid);
                    }
                    self.invalidate_devices(&u.user);
                }
                Event::GroupInfoUpdate { jid, .. } => self.invalidate_group(jid),
                _ => {}
            }
        }
    }

    /// Learns the LID ↔ PN pair an incoming `<message>` names (`sender_lid`,
    /// `participant_pn`, `peer_recipient_lid`…). Unreadable stanzas teach nothing; their
    /// owner reports them.
    pub(crate) fn observe_stanza(&self, node: &Node, own: &OwnJids) {
        if node.tag != "message" {
            return;
        }
        if let Some((pn, lid)) = parse_source(node, "message", own)
            .ok()
            .and_then(|s| s.lid_pair())
        {
            self.learn_lid(&pn, &lid);
        }
    }
}
