//! The `AppStateSync` actor: one request at a time, so a collection's state has one writer.

use std::sync::Arc;

use prost::Message as _;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use wa_protocol::appstate::iq::{parse_sync_result, sync_request, CollectionRequest};
use wa_protocol::appstate::{
    encode_patch, is_collection, Operation, OutgoingMutation, ALL_COLLECTIONS,
};

use super::error::MutationError;
use super::store::{load_keys, load_state, newest_key};
use super::sync::{sync_collection, SyncError, IQ_TIMEOUT};
use crate::broadcaster::BroadcasterHandle;
use crate::counters::Counters;
use crate::link::{narrow, IdentityCell, Inbound, LiveConn};
use crate::media::Media;
use crate::store::{AccountId, Store};

/// Messages of the app-state actor.
pub(crate) enum AppStateMsg {
    /// The Signal actor stored new keys from our phone: fetch every collection.
    KeysStored,
    /// A connection logged in: catch up from the stored versions.
    Connected,
    /// A `server_sync` notification.
    Stanza(Inbound),
    /// Upload one mutation (the client's mutation methods).
    Mutate(Box<Mutation>, RpcReplyPort<Result<(), MutationError>>),
}

narrow!(AppStateMsg, Inbound => Stanza);

/// One outgoing change.
pub(crate) struct Mutation {
    /// The collection the action belongs to.
    pub collection: &'static str,
    /// The index array.
    pub index: Vec<String>,
    /// The value.
    pub value: wa_protobuf::wa::SyncActionValue,
    /// The action's API version.
    pub version: i32,
}

#[derive(Clone)]
pub(crate) struct AppStateArgs {
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub live: LiveConn,
    pub media: Media,
    pub identity: IdentityCell,
    pub counters: Arc<Counters>,
    pub span: tracing::Span,
    /// Our push name as app state last said, kept across incarnations (the actor runs only
    /// while it has requests); `None` until one has run.
    pub push_name: Arc<std::sync::Mutex<Option<String>>>,
}

pub(crate) struct AppStateSync;

pub(crate) struct AppStateState {
    args: AppStateArgs,
    /// Our push name as app state last said (the old name of the next change).
    push_name: String,
    /// The drain marker is queued: this incarnation ends after the requests before it.
    draining: bool,
}

impl AppStateState {
    /// Syncs one collection; a verification failure refetches it once from a snapshot and
    /// stops there if that fails too (never applying unverified state, never looping).
    async fn sync(&mut self, collection: &'static str) -> Result<(), SyncError> {
        match sync_collection(&self.args, collection, None, &mut self.push_name).await {
            Err(e) if e.is_verification() => {
                self.args.counters.app_state_verify_failed();
                tracing::warn!(parent: &self.args.span, collection, error = %e, "app state failed verification; refetching from a snapshot");
                let again = sync_collection(
                    &self.args,
                    collection,
                    Some(Default::default()),
                    &mut self.push_name,
                )
                .await;
                match &again {
                    Ok(_) => {
                        self.args.counters.app_state_recovered();
                        tracing::info!(parent: &self.args.span, collection, "app state recovered from a snapshot");
                    }
                    Err(e) => {
                        self.args.counters.app_state_verify_failed();
                        tracing::error!(parent: &self.args.span, collection, error = %e, "snapshot refetch failed too; keeping the last verified state");
                    }
                }
                again.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    async fn sync_all(&mut self) {
        for c in ALL_COLLECTIONS {
            match self.sync(c).await {
                Ok(()) => {}
                Err(SyncError::NoKeys) => {
                    tracing::debug!(parent: &self.args.span, "no app-state keys yet; waiting for the phone to share them");
                    return;
                }
                Err(e) => {
                    tracing::warn!(parent: &self.args.span, collection = c, error = %e, "app-state sync did not complete")
                }
            }
        }
    }

    /// Encodes and uploads `m` on top of our state; on a conflict fetches, rebuilds and sends
    /// once more. The server's copy of our patch comes back through the following fetch,
    /// verified like any other.
    async fn mutate(&mut self, m: Mutation) -> Result<(), MutationError> {
        for attempt in 0..2 {
            let keys = load_keys(&*self.args.store, &self.args.account_id).await?;
            let key_id = newest_key(&keys).ok_or(MutationError::NoKeys)?.clone();
            let state = load_state(&*self.args.store, &self.args.account_id, m.collection).await?;
            let outgoing = OutgoingMutation {
                operation: Operation::Set,
                index: m.index.clone(),
                value: m.value.clone(),
                version: m.version,
                iv: rand::random(),
            };
            let (patch, _) =
                encode_patch(m.collection, &state, &key_id, &keys[&key_id], &[outgoing])
                    .map_err(MutationError::Encode)?;
            let request = sync_request(&[CollectionRequest {
                name: m.collection.to_owned(),
                version: state.version,
                return_snapshot: false,
                patches: vec![patch.encode_to_vec()],
            }]);
            let reply = self.args.live.iq(request, IQ_TIMEOUT).await?;
            let refused = parse_sync_result(&reply)
                .map_err(MutationError::Reply)?
                .into_iter()
                .find(|r| r.name == m.collection)
                .and_then(|r| r.error_code);
            let fetched = self.sync(m.collection).await;
            match refused {
                None => return fetched.map_err(MutationError::Sync),
                Some(409) if attempt == 0 => {
                    tracing::info!(parent: &self.args.span, collection = m.collection, "app-state upload conflicted; refetched, sending again");
                }
                Some(code) => return Err(MutationError::Refused(code)),
            }
        }
        Err(MutationError::ConflictPersisted)
    }
}

impl Actor for AppStateSync {
    type Msg = AppStateMsg;
    type State = AppStateState;
    type Arguments = AppStateArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: AppStateArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let kept = args
            .push_name
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let push_name = kept
            .or_else(|| args.identity.get().map(|d| d.push_name.clone()))
            .unwrap_or_default();
        Ok(AppStateState {
            args,
            push_name,
            draining: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // The actor runs only while it has requests: once this one is done it drains (what
        // is queued is still handled) and `StateSup` starts a new one for the next request.
        if !state.draining {
            state.draining = true;
            let _ = myself.drain();
        }
        match msg {
            // The long arms are boxed: the actor's loop future is sized for its largest
            // handler and stays allocated in every idle session.
            AppStateMsg::KeysStored | AppStateMsg::Connected => Box::pin(state.sync_all()).await,
            AppStateMsg::Stanza(Inbound { node, ticket }) => {
                // The fetch waits on the connection: give the queue place back first.
                drop(ticket);
                let names: Vec<&'static str> = node
                    .children_by_tag("collection")
                    .filter_map(|c| c.attr_str("name"))
                    .filter_map(|n| ALL_COLLECTIONS.iter().copied().find(|c| *c == n))
                    .collect();
                let names = if names.is_empty() {
                    ALL_COLLECTIONS.to_vec()
                } else {
                    names
                };
                for c in names {
                    if let Err(e) = Box::pin(state.sync(c)).await {
                        tracing::warn!(parent: &state.args.span, collection = c, error = %e, "app-state sync did not complete");
                    }
                }
            }
            AppStateMsg::Mutate(m, reply) => {
                let result = if is_collection(m.collection) {
                    Box::pin(state.mutate(*m)).await
                } else {
                    Err(MutationError::UnknownCollection(m.collection))
                };
                let _ = reply.send(result);
            }
        }
        *state
            .args
            .push_name
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(state.push_name.clone());
        Ok(())
    }
}
