//! `StateSup`: keeps the Signal actor alive for the client's whole life. A failed Signal actor
//! is restarted from the store (it keeps nothing that is not persisted) and `ClientSup` is
//! told, so it renews the connection and the server redelivers what was not acked.

use std::sync::Arc;
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::signal::{Signal, SignalArgs, SignalMsg};
use crate::broadcaster::BroadcasterHandle;
use crate::client::counters::Counters;
use crate::client::supervisor::ClientSupMsg;
use crate::store::{AccountId, RetentionConfig, Store};
use crate::supervision::{MeltdownConfig, RestartWindow};

/// Messages of the state supervisor.
pub(crate) enum StateSupMsg {
    /// For the Signal actor.
    Signal(SignalMsg),
}

#[derive(Clone)]
pub(crate) struct StateSupArgs {
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    pub broadcaster: BroadcasterHandle,
    pub client: ActorRef<ClientSupMsg>,
    pub counters: Arc<Counters>,
    pub meltdown: MeltdownConfig,
    pub retention: RetentionConfig,
}

pub(crate) struct StateSup;

pub(crate) struct StateSupState {
    args: StateSupArgs,
    signal: ActorRef<SignalMsg>,
    restarts: RestartWindow,
    span: tracing::Span,
}

async fn spawn_signal(
    args: &StateSupArgs,
    span: &tracing::Span,
    sup: &ActorRef<StateSupMsg>,
) -> Result<ActorRef<SignalMsg>, ActorProcessingErr> {
    let (signal, _) = Actor::spawn_linked(
        None,
        Signal,
        SignalArgs {
            store: args.store.clone(),
            account_id: args.account_id.clone(),
            broadcaster: args.broadcaster.clone(),
            client: args.client.clone(),
            counters: args.counters.clone(),
            retention: args.retention,
            span: tracing::info_span!(parent: span, "signal"),
        },
        sup.get_cell(),
    )
    .await
    .map_err(|e| format!("spawn signal: {e}"))?;
    Ok(signal)
}

impl Actor for StateSup {
    type Msg = StateSupMsg;
    type State = StateSupState;
    type Arguments = StateSupArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: StateSupArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let span = tracing::info_span!("state", account = %args.account_id);
        let signal = spawn_signal(&args, &span, &myself).await?;
        Ok(StateSupState {
            restarts: RestartWindow::new(args.meltdown),
            args,
            signal,
            span,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            StateSupMsg::Signal(m) => {
                if state.signal.cast(m).is_err() {
                    tracing::warn!(parent: &state.span, "signal actor is gone; message dropped");
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let reason = match event {
            SupervisionEvent::ActorFailed(cell, err) if cell.get_id() == state.signal.get_id() => {
                state.args.counters.actor_failure();
                format!("failed: {err}")
            }
            SupervisionEvent::ActorTerminated(cell, _, reason)
                if cell.get_id() == state.signal.get_id() =>
            {
                reason.unwrap_or_else(|| "stopped".into())
            }
            _ => return Ok(()),
        };
        tracing::error!(parent: &state.span, %reason, "signal actor exited; restarting it");
        if state.restarts.record(Instant::now()) {
            myself.stop(Some(format!("signal actor meltdown (last: {reason})")));
            return Ok(());
        }
        state.signal = spawn_signal(&state.args, &state.span, &myself).await?;
        // Whatever it was handling was not acked: a new connection gets it redelivered.
        let _ = state.args.client.cast(ClientSupMsg::StateRestarted);
        Ok(())
    }
}
