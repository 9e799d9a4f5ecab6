//! Test glue behind the `testing` feature: marking a stored device as paired without running
//! the pairing, for tests against a fake server that was told about it out of band.
//!
//! The server side stays out of this crate: the caller passes a function that takes the
//! device's Noise static key (and the JID it was paired as before, if any) and returns the JID
//! and LID the server gave it, e.g. `wa_testkit::FakeServer::provision`.

use rand_core::OsRng;
use wa_protocol::crypto::PublicKey;

use crate::store::{AccountId, Device, DeviceData, Store, StoreResult};
use crate::wire::Jid;

/// The account facts a server hands a device it accepts as paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The account's phone-number JID with this device's number.
    pub jid: Jid,
    /// The account's LID with this device's number.
    pub lid: Jid,
}

/// Loads (or creates) the identity of `account` in `store`, asks `server` for its JIDs, and
/// saves it as paired. Returns the saved device.
pub async fn provision_device(
    store: &dyn Store,
    account: &AccountId,
    server: impl FnOnce(&PublicKey, Option<&Jid>) -> Provisioned,
) -> StoreResult<DeviceData> {
    let (mut device, _) = Device::load_or_create(store, account, &mut OsRng).await?;
    let given = server(&device.noise_key.public, device.jid.as_ref());
    device.jid = Some(given.jid);
    device.lid = Some(given.lid);
    store.save_device(account, &device).await?;
    tracing::debug!(%account, "device provisioned as paired for a test");
    Ok(device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[tokio::test]
    async fn the_server_sees_the_stored_key_and_its_answer_is_saved() {
        let store = MemoryStore::new();
        let account = AccountId::new("default");
        let jid = Jid::pn("15550001").with_device(3);
        let lid = Jid::lid("99").with_device(3);
        let (j, l) = (jid.clone(), lid.clone());
        let first = provision_device(&store, &account, move |_, before| {
            assert!(before.is_none());
            Provisioned { jid: j, lid: l }
        })
        .await
        .expect("provisioned");
        assert!(first.is_paired());
        let saved = store.load_device(&account).await.unwrap().unwrap();
        assert_eq!(saved, first);
        assert_eq!(saved.lid.as_ref(), Some(&lid));

        // A second run keeps the identity and tells the server the JID it had.
        let noise = first.noise_key.public;
        let again = provision_device(&store, &account, |key, before| {
            assert_eq!(key, &noise);
            Provisioned {
                jid: before.cloned().expect("paired before"),
                lid: lid.clone(),
            }
        })
        .await
        .expect("provisioned");
        assert_eq!(again.jid, Some(jid));
        assert_eq!(again.identity_key, first.identity_key);
    }
}
