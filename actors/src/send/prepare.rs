//! Everything a send does before the stanza is written, off the `Outbox`'s mailbox: wait for
//! a connection, list devices (a group's from its metadata), fetch missing bundles in one iq, hand the job to the Signal
//! actor and wait until it wrote the stanza.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::Jid;
use wa_protocol::send::{key_fetch_iq, parse_key_fetch_reply};

use super::{DeviceLister, SendConfig, SendError};
use crate::directory::Directory;
use crate::link::{IdentityCell, LiveConn};
use crate::state::{EncryptJob, GroupJob, GroupWritten, SignalHandle, SignalMsg};

/// How often a send made while disconnected looks for the connection again.
const CONNECT_POLL: Duration = Duration::from_millis(20);

/// What a preparing send needs (cheap clones of the client's shared parts).
#[derive(Clone)]
pub(crate) struct PrepareCtx {
    pub live: LiveConn,
    pub signal: SignalHandle,
    pub identity: IdentityCell,
    pub lister: Arc<dyn DeviceLister>,
    /// Group metadata (and, after a phash mismatch, its invalidation).
    pub directory: Directory,
    pub config: SendConfig,
    pub iq_timeout: Duration,
}

impl PrepareCtx {
    /// The longest a preparation can take: the connection wait, the group metadata, the
    /// device list and the bundle iq (each bounded by the iq deadline), and a margin for the
    /// store.
    pub(crate) fn deadline(&self) -> Duration {
        self.config.connect_wait + self.iq_timeout * 3 + Duration::from_secs(10)
    }
}

async fn wait_connected(live: &LiveConn, wait: Duration) -> Result<(), SendError> {
    let deadline = tokio::time::Instant::now() + wait;
    while live.generation().is_none() {
        if tokio::time::Instant::now() >= deadline {
            return Err(SendError::NotConnected);
        }
        tokio::time::sleep(CONNECT_POLL).await;
    }
    Ok(())
}

async fn ask_signal<T>(
    signal: &SignalHandle,
    build: impl FnOnce(oneshot::Sender<Result<T, SendError>>) -> SignalMsg,
) -> Result<T, SendError> {
    let (tx, rx) = oneshot::channel();
    if !signal.send(build(tx)) {
        return Err(SendError::Stopped);
    }
    rx.await.map_err(|_| SendError::Stopped)?
}

/// A written send: the connection generation it went out on and, for a group, what its ack
/// needs (the participant hash, who got our sender key).
pub(crate) struct Written {
    pub generation: u64,
    pub group: Option<GroupWritten>,
}

/// Who a send goes to.
struct Targets {
    devices: Vec<Jid>,
    /// For a group: our sender key's name and the group's addressing mode.
    group: Option<(Jid, Option<String>)>,
}

async fn list_devices(ctx: &PrepareCtx, users: &[Jid]) -> Result<Vec<Jid>, SendError> {
    tokio::time::timeout(ctx.iq_timeout, ctx.lister.devices(users))
        .await
        .map_err(|_| SendError::DeviceList(Box::new(crate::link::IqError::Timeout)))?
        .map_err(SendError::DeviceList)
}

/// The devices of a 1:1 send: the recipient's and our own account's.
async fn direct_targets(ctx: &PrepareCtx, chat: &Jid, own: &Jid) -> Result<Targets, SendError> {
    let devices = list_devices(ctx, &[chat.clone(), own.to_non_ad()]).await?;
    Ok(Targets {
        devices,
        group: None,
    })
}

/// The devices of a group send: every member's (ours included), from the group's metadata
/// (cached; refreshed after a `w:gp2` change or a phash mismatch) and one device-list query.
/// Members are named as the group names them: by LID in a LID-addressed group, so our own
/// account (and our sender key) goes by our LID there too.
async fn group_targets(
    ctx: &PrepareCtx,
    group: &Jid,
    own: &Jid,
    own_lid: Option<&Jid>,
) -> Result<Targets, SendError> {
    let info = ctx
        .directory
        .group_info(group)
        .await
        .map_err(SendError::GroupInfo)?;
    let lid_mode = info.addressing_mode.as_deref() == Some("lid");
    let own_user = match (lid_mode, own_lid) {
        (true, Some(lid)) => lid.to_non_ad(),
        _ => own.to_non_ad(),
    };
    let mut users: Vec<Jid> = info
        .participants
        .iter()
        .map(|p| p.jid.to_non_ad())
        .collect();
    if !users.contains(&own_user) {
        users.push(own_user.clone());
    }
    let devices = list_devices(ctx, &users).await?;
    Ok(Targets {
        devices,
        group: Some((own_user.with_device(own.device), info.addressing_mode)),
    })
}

/// Prepares and writes message `id` to `to` (a user or a group). `Ok` means the stanza is on
/// the wire, on the connection of the returned generation or a later one: the generation is
/// read before the write, so a connection that ends in between makes the `Outbox` write it
/// again (a copy too many, never one too few).
pub(crate) async fn prepare(
    ctx: PrepareCtx,
    id: String,
    to: Jid,
    message: wa::Message,
) -> Result<Written, SendError> {
    wait_connected(&ctx.live, ctx.config.connect_wait).await?;
    let device = ctx.identity.get().ok_or(SendError::NotPaired)?;
    let own = device.jid.clone().ok_or(SendError::NotPaired)?;
    let own_lid = device.lid.clone();
    let chat = to.to_non_ad();
    let Targets { mut devices, group } = if chat.is_group() {
        group_targets(&ctx, &chat, &own, own_lid.as_ref()).await?
    } else {
        direct_targets(&ctx, &chat, &own).await?
    };
    // Never to this device itself (signal.md §7), under either of its names.
    let this_device = |d: &Jid| {
        (d.same_user(&own) || own_lid.as_ref().is_some_and(|l| d.same_user(l)))
            && d.device == own.device
    };
    devices.retain(|d| !this_device(d));
    devices.sort();
    devices.dedup();
    let reachable = match &group {
        Some(_) => !devices.is_empty(),
        None => devices.iter().any(|d| d.same_user(&chat)),
    };
    if !reachable {
        return Err(SendError::NoDevices);
    }
    let missing = ask_signal(&ctx.signal, |tx| {
        SignalMsg::MissingSessions(devices.clone(), tx)
    })
    .await?;
    let mut bundles = Vec::new();
    if !missing.is_empty() {
        let reply = ctx
            .live
            .iq(key_fetch_iq(&missing), ctx.iq_timeout)
            .await
            .map_err(SendError::Bundles)?;
        for (jid, result) in parse_key_fetch_reply(&reply, &missing) {
            match result {
                Ok(bundle) => bundles.push((jid, bundle)),
                // That device is left out; the others still get the message.
                Err(e) => tracing::warn!(%jid, error = %e, "no usable prekey bundle"),
            }
        }
    }
    let generation = match ctx.live.generation() {
        Some(g) => g,
        // Dropped after the iqs: wait for the next connection as a new send would.
        None => {
            wait_connected(&ctx.live, ctx.config.connect_wait).await?;
            ctx.live.generation().ok_or(SendError::NotConnected)?
        }
    };
    let group = match group {
        Some((own_address, addressing_mode)) => Some(
            ask_signal(&ctx.signal, |reply| {
                SignalMsg::EncryptGroup(Box::new(GroupJob {
                    id,
                    group: chat,
                    message,
                    devices,
                    bundles,
                    own_address,
                    addressing_mode,
                    reply,
                }))
            })
            .await?,
        ),
        None => {
            ask_signal(&ctx.signal, |reply| {
                SignalMsg::Encrypt(Box::new(EncryptJob {
                    id,
                    chat,
                    message,
                    devices,
                    bundles,
                    reply,
                }))
            })
            .await?;
            None
        }
    };
    Ok(Written { generation, group })
}
