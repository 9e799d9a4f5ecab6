//! The server's prekey store (signal.md §2): uploads from logged-in devices, the count query,
//! the low-count notification, and handing out bundles.

use std::time::Duration;

use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::PublicKey;
use wa_protocol::signal::keys::PreKeyBundle;
use wa_protocol::stanza::prekeys_server::{
    key_fetch_list, key_fetch_users, low_count_notification_node, PreKeyUpload,
};

use crate::connection::Command;
use crate::contact_devices::take_contact_bundle;
use crate::error::TestkitError;
use crate::own_phone::take_phone_bundle;
use crate::server::FakeServer;
use crate::state::{DeviceKey, State};

/// What a device uploaded, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedKeys {
    /// The device's Signal registration id.
    pub registration_id: u32,
    /// The device's identity key.
    pub identity: PublicKey,
    /// Id of the current signed prekey.
    pub signed_prekey_id: u32,
    /// The current signed prekey.
    pub signed_prekey: PublicKey,
    /// The identity key's signature over `0x05 ‖ signed prekey` (verified on upload).
    pub signed_prekey_signature: [u8; 64],
    /// One-time prekeys not handed out yet, oldest first: (id, public key).
    pub prekeys: Vec<(u32, PublicKey)>,
    /// How many uploads were accepted.
    pub uploads: usize,
}

/// Stores `upload` for `device`: the signed prekey is replaced, one-time prekeys are added (an
/// id uploaded again replaces the old key; a new identity discards the old keys).
pub(crate) fn apply_upload(state: &mut State, device: DeviceKey, upload: PreKeyUpload) {
    let entry = state.prekeys.entry(device).or_insert_with(|| UploadedKeys {
        registration_id: upload.registration_id,
        identity: upload.identity,
        signed_prekey_id: upload.signed_prekey_id,
        signed_prekey: upload.signed_prekey,
        signed_prekey_signature: upload.signed_prekey_signature,
        prekeys: Vec::new(),
        uploads: 0,
    });
    if entry.identity != upload.identity {
        entry.prekeys.clear();
    }
    entry.registration_id = upload.registration_id;
    entry.identity = upload.identity;
    entry.signed_prekey_id = upload.signed_prekey_id;
    entry.signed_prekey = upload.signed_prekey;
    entry.signed_prekey_signature = upload.signed_prekey_signature;
    for (id, key) in upload.prekeys {
        entry.prekeys.retain(|(old, _)| *old != id);
        entry.prekeys.push((id, key));
    }
    entry.uploads += 1;
}

/// How many one-time prekeys of `device` the server still holds.
pub(crate) fn count(state: &State, device: DeviceKey) -> usize {
    state.prekeys.get(&device).map_or(0, |k| k.prekeys.len())
}

/// The bundle of `device`, consuming its oldest one-time prekey.
pub(crate) fn take_bundle(state: &mut State, device: DeviceKey) -> Option<PreKeyBundle> {
    let keys = state.prekeys.get_mut(&device)?;
    let prekey = (!keys.prekeys.is_empty()).then(|| keys.prekeys.remove(0));
    Some(PreKeyBundle {
        registration_id: keys.registration_id,
        identity_key: keys.identity,
        signed_prekey_id: keys.signed_prekey_id,
        signed_prekey: keys.signed_prekey,
        signed_prekey_signature: keys.signed_prekey_signature,
        prekey,
    })
}

/// The `<list>` answering a bundle fetch (signal.md §2.4): one `<user jid>` per requested
/// device, each consuming a one-time prekey, or carrying a 404 error for a device that never
/// uploaded.
pub(crate) fn fetch_bundles(state: &mut State, request: &Node) -> Node {
    let users = key_fetch_users(request)
        .into_iter()
        .map(|jid_attr| {
            let bundle = jid_attr
                .to_jid()
                .and_then(|jid| match state.device_key(&jid) {
                    Some(key) => take_bundle(state, key),
                    None => {
                        take_contact_bundle(state, &jid).or_else(|| take_phone_bundle(state, &jid))
                    }
                });
            (jid_attr, bundle)
        })
        .collect();
    key_fetch_list(users)
}

impl FakeServer {
    /// What the device `jid` (phone-number or LID JID with device) uploaded, if anything.
    pub fn prekeys(&self, jid: &Jid) -> Option<UploadedKeys> {
        let st = self.shared.state();
        let key = st.device_key(jid)?;
        st.prekeys.get(&key).cloned()
    }

    /// The bundle a contact would fetch for device `jid`, consuming its oldest one-time prekey
    /// (`prekey` is `None` once they are used up, as on the real server). `None` when the
    /// device never uploaded.
    pub fn take_prekey_bundle(&self, jid: &Jid) -> Option<PreKeyBundle> {
        let bundle = {
            let mut st = self.shared.state();
            let key = st.device_key(jid)?;
            take_bundle(&mut st, key)?
        };
        self.shared.notify();
        Some(bundle)
    }

    /// Sends `<notification type="encrypt" from="s.whatsapp.net"><count value=n/>` to every
    /// live logged-in connection (the server's "prekeys are running low"). Returns how many.
    pub fn send_prekey_count_notification(&self, n: u32) -> usize {
        let st = self.shared.state();
        st.live
            .iter()
            .filter(|l| l.device.is_some())
            .filter(|l| {
                let node = low_count_notification_node(
                    crate::server::random_id(),
                    crate::server::unix_now(),
                    n,
                );
                l.commands.send(Command::Node(node, false)).is_ok()
            })
            .count()
    }

    /// Waits until device `jid` made at least `n` accepted uploads.
    pub async fn wait_for_prekey_uploads(
        &self,
        jid: &Jid,
        n: usize,
        timeout: Duration,
    ) -> Result<(), TestkitError> {
        self.wait_until(&format!("{n} prekey uploads from {jid}"), timeout, |st| {
            st.device_key(jid)
                .and_then(|k| st.prekeys.get(&k))
                .is_some_and(|k| k.uploads >= n)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(identity: u8, ids: &[u32]) -> PreKeyUpload {
        PreKeyUpload {
            registration_id: 0x0102_0304,
            identity: PublicKey([identity; 32]),
            signed_prekey_id: 7,
            signed_prekey: PublicKey([2; 32]),
            signed_prekey_signature: [3; 64],
            prekeys: ids
                .iter()
                .map(|&id| (id, PublicKey([id as u8; 32])))
                .collect(),
        }
    }

    #[test]
    fn uploads_accumulate_and_count() {
        let mut st = State::new(0);
        apply_upload(&mut st, (1, 1), upload(1, &[1, 2]));
        apply_upload(&mut st, (1, 1), upload(1, &[2, 3]));
        assert_eq!(count(&st, (1, 1)), 3, "same ids replace, not add");
        assert_eq!(st.prekeys[&(1, 1)].uploads, 2);
        assert_eq!(count(&st, (1, 2)), 0);
        let bundle = take_bundle(&mut st, (1, 1)).expect("uploaded");
        assert_eq!(bundle.prekey.map(|(id, _)| id), Some(1));
        apply_upload(&mut st, (1, 1), upload(9, &[4]));
        assert_eq!(
            count(&st, (1, 1)),
            1,
            "a new identity discards the old keys"
        );
    }
}
