//! What the send path asks of the directory: the devices a message goes to. [`DeviceLists`]
//! is the seam the Outbox holds, so its tests can hand it fixed lists; [`Directory`] is the
//! real one.

use futures::future::BoxFuture;
use wa_protocol::binary::Jid;
use wa_protocol::usync::UserDevices;

use super::{Directory, QueryError};

/// Device lists for a set of users (see [`Directory::user_devices`] for the contract).
pub trait DeviceLists: Send + Sync + 'static {
    /// The lists of `users` (no devices in the JIDs needed), users without one left out.
    fn user_devices<'a>(
        &'a self,
        users: &'a [Jid],
    ) -> BoxFuture<'a, Result<Vec<UserDevices>, QueryError>>;
}

impl DeviceLists for Directory {
    fn user_devices<'a>(
        &'a self,
        users: &'a [Jid],
    ) -> BoxFuture<'a, Result<Vec<UserDevices>, QueryError>> {
        Box::pin(Directory::user_devices(self, users))
    }
}

/// The device JIDs of `lists` a message is encrypted for: every device, in the address form
/// its user was asked in, without hosted devices (senders skip them, messages.md §5.4) and
/// without `own_device` (never encrypt to yourself), named by phone number or by LID
/// (`own_lid`).
pub fn fanout(lists: &[UserDevices], own_device: Option<&Jid>, own_lid: Option<&Jid>) -> Vec<Jid> {
    let is_own = |jid: &Jid| {
        own_device.is_some_and(|own| {
            jid.device == own.device
                && (jid.same_user(&own.to_non_ad())
                    || own_lid.is_some_and(|l| jid.same_user(&l.to_non_ad())))
        })
    };
    lists
        .iter()
        .flat_map(|l| {
            l.devices
                .iter()
                .filter(|d| !d.hosted)
                .map(|d| l.user.to_non_ad().with_device(d.id))
        })
        .filter(|jid| !is_own(jid))
        .collect()
}

impl Directory {
    /// [`fanout`] of the lists of `users` (cache first).
    pub async fn fanout_devices(
        &self,
        users: &[Jid],
        own_device: Option<&Jid>,
        own_lid: Option<&Jid>,
    ) -> Result<Vec<Jid>, QueryError> {
        Ok(fanout(
            &self.user_devices(users).await?,
            own_device,
            own_lid,
        ))
    }
}
