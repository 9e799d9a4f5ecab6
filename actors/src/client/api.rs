//! The public API calls that need the root actor, as one message enum, and how `ClientSup`
//! answers them. Calls that only send on the live connection (`send_node`, `iq`, receipts,
//! presence) do not come here: the `Client` handle sends them through the live connection
//! directly.

use ractor::rpc::CallResult;
use ractor::{ActorRef, RpcReplyPort};

use super::handle::ClientError;
use super::status::{AccountState, ClientStatus, ConnectionState, StopReason};
use super::supervisor::{ClientSupMsg, ClientSupState};
use crate::broadcaster::BroadcasterHandle;
use crate::conn::{ConnActorIds, ConnSupMsg};
use crate::pairing::PairingError;

/// An application request to `ClientSup`.
pub(crate) enum ApiMsg {
    /// Change our push name (stored, announced, published as `SelfPushNameUpdated`).
    SetPushName(String, RpcReplyPort<Result<(), ClientError>>),
    /// Ask for a phone-number pairing code.
    PairPhone(String, RpcReplyPort<Result<String, PairingError>>),
    /// The actors of the live connection.
    ConnActors(RpcReplyPort<Option<ConnActorIds>>),
    /// State snapshot.
    Status(RpcReplyPort<ClientStatus>),
    /// Start connecting (no-op unless idle or stopped).
    Connect(RpcReplyPort<()>),
    /// The broadcaster's handle.
    Broadcaster(RpcReplyPort<BroadcasterHandle>),
    /// Disconnect and stay disconnected.
    Disconnect(RpcReplyPort<()>),
}

impl ClientSupState {
    pub(super) async fn on_api(&mut self, myself: &ActorRef<ClientSupMsg>, msg: ApiMsg) {
        match msg {
            ApiMsg::SetPushName(name, port) => {
                let _ = port.send(self.set_push_name(name).await);
            }
            ApiMsg::PairPhone(phone, port) => match (&self.conn, self.account) {
                (_, AccountState::Paired) => {
                    let _ = port.send(Err(PairingError::AlreadyPaired));
                }
                (Some(conn), AccountState::Unpaired) => {
                    let _ = conn.cast(ConnSupMsg::PairPhone(phone, port));
                }
                _ => {
                    let _ = port.send(Err(PairingError::NotConnected));
                }
            },
            ApiMsg::ConnActors(port) => {
                let ids = match &self.conn {
                    Some(conn) => match conn
                        .call(ConnSupMsg::Actors, Some(std::time::Duration::from_secs(5)))
                        .await
                    {
                        Ok(CallResult::Success(ids)) => Some(ids),
                        _ => None,
                    },
                    None => None,
                };
                let _ = port.send(ids);
            }
            ApiMsg::Status(port) => {
                let _ = port.send(ClientStatus {
                    account: self.account,
                    connection: self.connection.clone(),
                    generation: self.generation,
                });
            }
            ApiMsg::Connect(port) => {
                // Any stop can be retried on request, except a logout: that identity is gone.
                let idle = matches!(self.connection, ConnectionState::Idle)
                    || (matches!(self.connection, ConnectionState::Stopped(_))
                        && self.account != AccountState::LoggedOut);
                if idle && self.conn.is_none() {
                    self.start_connection(myself).await;
                }
                let _ = port.send(());
            }
            ApiMsg::Broadcaster(port) => {
                let _ = port.send(self.broadcaster.clone());
            }
            ApiMsg::Disconnect(port) => {
                if let Some(t) = self.timer.take() {
                    t.abort();
                }
                self.stop_connection();
                self.connection = ConnectionState::Stopped(StopReason::ByUser);
                let _ = port.send(());
            }
        }
    }

    async fn set_push_name(&mut self, name: String) -> Result<(), ClientError> {
        let Some(device) = self.identity.get() else {
            return Err(ClientError::NoIdentity);
        };
        let mut device = (*device).clone();
        let old = std::mem::replace(&mut device.push_name, name.clone());
        self.store.save_device(&self.account_id, &device).await?;
        self.identity.set(Some(device));
        if let Some(event) = crate::recv::message::self_push_name_event(&old, &name, false) {
            self.publish(event);
        }
        // Contacts learn the name from our presence; offline, the next one carries it.
        let presence = wa_protocol::stanza::presence::own_presence(true, Some(&name));
        let _ = self.live.send(presence);
        Ok(())
    }
}
