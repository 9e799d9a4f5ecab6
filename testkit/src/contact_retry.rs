//! A contact's device asking our client to re-send a message it could not read (the
//! receiving side of messages.md §4.1), so tests can drive the client's retry answers.

use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::PreKey;
use wa_protocol::stanza::prekey_nodes::{
    identity_node, key_type_node, prekey_node, registration_node, signed_prekey_node,
};

use crate::contact::Contact;
use crate::error::TestkitError;
use crate::groups::Group;
use crate::server::{unix_now, FakeServer};

impl Contact {
    /// Queues for our device `to`, from this contact's device `device`:
    /// `<receipt from id type="retry" t><retry count id t v="1"/><registration/>[<keys>…]`
    /// for message `id`. With `fresh_keys` the receipt carries a new bundle of that device,
    /// as a device that lost its session sends. Returns the queue number.
    pub fn send_retry_receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        device: u16,
        id: &str,
        count: u32,
        fresh_keys: bool,
    ) -> Result<u64, TestkitError> {
        self.queue_retry_receipt(server, to, device, id, count, fresh_keys, None)
    }

    /// [`Contact::send_retry_receipt`] for a group message: `<receipt from=GROUP
    /// participant=DEVICE type="retry">`, as a member device that could not read it sends.
    #[allow(clippy::too_many_arguments)]
    pub fn send_group_retry_receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        group: &Group,
        device: u16,
        id: &str,
        count: u32,
        fresh_keys: bool,
    ) -> Result<u64, TestkitError> {
        self.queue_retry_receipt(server, to, device, id, count, fresh_keys, Some(group.jid()))
    }

    #[allow(clippy::too_many_arguments)]
    fn queue_retry_receipt(
        &self,
        server: &FakeServer,
        to: &Jid,
        device: u16,
        id: &str,
        count: u32,
        fresh_keys: bool,
        group: Option<&Jid>,
    ) -> Result<u64, TestkitError> {
        let seq = {
            let mut st = server.shared.state();
            let target = st
                .device_key(to)
                .ok_or_else(|| TestkitError::UnknownDevice(to.clone()))?;
            let contact = st
                .contacts
                .get_mut(&self.phone())
                .ok_or(TestkitError::UnknownContact(self.phone()))?;
            let keys = contact.devices.get_mut(&device).ok_or_else(|| {
                TestkitError::UnknownDevice(self.jid().clone().with_device(device))
            })?;
            let now = unix_now();
            let mut children = vec![
                Node::build("retry")
                    .attr("count", count.to_string())
                    .attr("id", id.to_owned())
                    .attr("t", now.to_string())
                    .attr("v", "1")
                    .finish(),
                registration_node(keys.identity.registration_id),
            ];
            if fresh_keys {
                let prekey = PreKey::generate(keys.next_prekey, &mut rand::rngs::OsRng);
                keys.next_prekey += 1;
                children.push(
                    Node::build("keys")
                        .children([
                            key_type_node(),
                            identity_node(&keys.identity.key_pair.public),
                            prekey_node(&prekey),
                            signed_prekey_node(&keys.signed),
                        ])
                        .finish(),
                );
                keys.handed.push(prekey);
            }
            let from_device = self.jid().clone().with_device(device);
            let (from, participant) = match group {
                Some(g) => (g.clone(), Some(from_device)),
                None => (from_device, None),
            };
            let receipt = Node::build("receipt")
                .attr("from", from)
                .attr_opt("participant", participant)
                .attr("id", id.to_owned())
                .attr("type", "retry")
                .attr("t", now.to_string())
                .children(children)
                .finish();
            st.enqueue(target, receipt)
        };
        server.shared.notify();
        Ok(seq)
    }
}
