//! The `PreKeys` actor: checks the server's count after login and refills on notification.
//! It runs only for those requests: `ConnSup` starts it for each, and it drains itself once
//! its queue is empty, so an idle session does not keep it.

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::binary::Node;
use wa_protocol::stanza::prekeys::{count_iq, parse_count_reply, upload_iq};

use super::plan::{mint, upload_size, NEXT_PREKEY_ID};
use super::PreKeyConfig;
use crate::counters::Counters;
use crate::link::{narrow, Inbound, IqError, LiveConn};
use crate::store::{AccountId, DeviceData, Namespace, Store};

/// How long the prekey iqs may take.
const IQ_TIMEOUT: Duration = Duration::from_secs(30);

/// Messages of the prekeys actor.
pub(crate) enum PreKeysMsg {
    /// Ask the server for its count and top it up if needed (sent once after login).
    Check,
    /// The server's low-count notification.
    Stanza(Inbound),
}

narrow!(PreKeysMsg, Inbound => Stanza);

/// Where the routing table finds the prekeys actor of its connection.
pub(crate) type PreKeysHandle = crate::supervision::OnDemand<PreKeysMsg>;

#[derive(Clone)]
pub(crate) struct PreKeysArgs {
    /// This connection's router.
    pub link: LiveConn,
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub device: Arc<DeviceData>,
    pub config: PreKeyConfig,
    pub counters: Arc<Counters>,
    pub span: tracing::Span,
}

pub(crate) struct PreKeys;

/// Why a check or upload did not complete (logged; the next login or notification retries).
#[derive(Debug, thiserror::Error)]
enum PreKeyError {
    #[error("iq: {0}")]
    Iq(#[from] IqError),
    #[error("count reply: {0}")]
    Count(#[from] wa_protocol::stanza::prekeys::PreKeyStanzaError),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl PreKeysArgs {
    async fn iq(&self, node: Node) -> Result<Node, IqError> {
        self.link.iq(node, IQ_TIMEOUT).await
    }

    /// Brings the server to at least `min` keys, given that it reported `server_count`.
    async fn top_up(&self, server_count: u32) -> Result<(), PreKeyError> {
        // The id counter exists once any key was minted, so it alone tells a fresh device;
        // loading every stored key (private halves included) just to count them is not needed.
        let meta = self
            .store
            .get(&self.account_id, Namespace::SIGNAL_META, NEXT_PREKEY_ID)
            .await?;
        let n = upload_size(&self.config, server_count, meta.is_none());
        if n == 0 {
            tracing::debug!(parent: &self.span, server_count, "enough prekeys on the server");
            return Ok(());
        }
        let (keys, batch) = mint(&*self.store, &self.account_id, n, &mut rand::rngs::OsRng).await?;
        let first = keys.first().map_or(0, |k| k.id);
        // Private halves are durable before any contact can be handed the public ones.
        self.store.apply(&self.account_id, batch).await?;
        let d = &self.device;
        let iq = upload_iq(
            d.registration_id,
            &d.identity_key.public,
            &keys,
            &d.signed_pre_key,
        );
        self.iq(iq).await?;
        self.counters.prekeys_uploaded(u64::from(n));
        tracing::info!(parent: &self.span, uploaded = n, first_id = first, server_count, "prekeys uploaded");
        Ok(())
    }

    async fn check(&self) -> Result<(), PreKeyError> {
        let reply = self.iq(count_iq()).await?;
        let count = parse_count_reply(&reply)?;
        self.top_up(count).await
    }
}

impl Actor for PreKeys {
    type Msg = PreKeysMsg;
    type State = (PreKeysArgs, bool);
    type Arguments = PreKeysArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: PreKeysArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        // The connection supervisor starts this actor with `Check` once logged in, and with
        // each low-count notification.
        Ok((args, false))
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        (state, draining): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // Requests queued before the drain marker are still handled; later ones go to
        // `ConnSup`, which starts the next incarnation when this one has gone.
        if !*draining {
            *draining = true;
            let _ = myself.drain();
        }
        // Each request runs to its end before the next one starts, so two refills never
        // draw the same ids. Boxed: the actor's loop future would otherwise be sized for the
        // upload and held by every idle session.
        let result = match msg {
            PreKeysMsg::Check => Box::pin(state.check()).await,
            PreKeysMsg::Stanza(Inbound { node, ticket }) => {
                // Nothing else needs this stanza's place, and the upload below waits on the
                // connection: give the place back first.
                drop(ticket);
                match wa_protocol::stanza::prekeys::low_count_notification(&node) {
                    Some(n) => Box::pin(state.top_up(n)).await,
                    None => Ok(()),
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!(parent: &state.span, error = %e, "prekey upload did not complete");
        }
        Ok(())
    }
}
