//! `StateSup`: keeps the Signal and app-state actors alive for the client's whole life. A
//! failed Signal actor is restarted from the store (it keeps nothing that is not persisted), its new address goes
//! into the routing slot, and `ClientSup` is told so it renews the connection and the server
//! redelivers what was not acked. It is not on the data path.
//!
//! It also supervises the history-sync actor (`crate::history`), which is restarted alone:
//! its work is in the store, so a crash there costs neither the Signal actor nor the
//! connection.

use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef, SupervisionEvent};

use super::signal::{Signal, SignalArgs, SignalHandle, SignalMsg};
use crate::appstate::{AppStateArgs, AppStateHandle, AppStateMsg, AppStateSync};
use crate::history::{History, HistoryArgs, HistoryHandle, HistoryMsg};
use crate::link::OwnerSlot;
use crate::supervision::{MeltdownConfig, RestartWindow};

/// What `StateSup` tells its parent.
pub(crate) enum StateReport {
    /// The Signal actor was restarted: whatever it was handling was not acked.
    SignalRestarted,
}

pub(crate) struct StateSupArgs {
    pub signal: SignalArgs,
    /// Where the routing tables find the current Signal actor.
    pub slot: OwnerSlot,
    /// Where the send path finds the current Signal actor.
    pub handle: SignalHandle,
    pub up: DerivedActorRef<StateReport>,
    pub meltdown: MeltdownConfig,
    /// The app-state actor's arguments and where others find it.
    pub app_state: AppStateArgs,
    pub app_state_handle: AppStateHandle,
    pub history: HistoryArgs,
    /// Where the Signal actor finds the current history actor.
    pub history_handle: HistoryHandle,
}

pub(crate) struct StateSup;

pub(crate) struct StateSupState {
    args: StateSupArgs,
    signal: ActorRef<SignalMsg>,
    app_state: ActorRef<AppStateMsg>,
    restarts: RestartWindow,
    history: ActorRef<HistoryMsg>,
    history_restarts: RestartWindow,
}

async fn spawn_signal(
    args: &StateSupArgs,
    sup: &ActorRef<()>,
) -> Result<ActorRef<SignalMsg>, ActorProcessingErr> {
    let (signal, _) = Actor::spawn_linked(None, Signal, args.signal.clone(), sup.get_cell())
        .await
        .map_err(|e| format!("spawn signal: {e}"))?;
    args.slot.set(signal.get_derived());
    args.handle.set(signal.clone());
    Ok(signal)
}

async fn spawn_app_state(
    args: &StateSupArgs,
    sup: &ActorRef<()>,
) -> Result<ActorRef<AppStateMsg>, ActorProcessingErr> {
    let (a, _) = Actor::spawn_linked(None, AppStateSync, args.app_state.clone(), sup.get_cell())
        .await
        .map_err(|e| format!("spawn app state: {e}"))?;
    args.app_state_handle.set(a.clone());
    Ok(a)
}

async fn spawn_history(
    args: &StateSupArgs,
    sup: &ActorRef<()>,
) -> Result<ActorRef<HistoryMsg>, ActorProcessingErr> {
    let (history, _) = Actor::spawn_linked(None, History, args.history.clone(), sup.get_cell())
        .await
        .map_err(|e| format!("spawn history: {e}"))?;
    args.history_handle.set(history.clone());
    Ok(history)
}

impl Actor for StateSup {
    type Msg = ();
    type State = StateSupState;
    type Arguments = StateSupArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: StateSupArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let signal = spawn_signal(&args, &myself).await?;
        let app_state = spawn_app_state(&args, &myself).await?;
        let history = spawn_history(&args, &myself).await?;
        Ok(StateSupState {
            restarts: RestartWindow::new(args.meltdown),
            history_restarts: RestartWindow::new(args.meltdown),
            args,
            signal,
            app_state,
            history,
        })
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // The app-state actor keeps nothing unpersisted either: restart it in place (its
        // next sync resumes from the stored versions), within the same meltdown window.
        let app_state_exit = match &event {
            SupervisionEvent::ActorFailed(cell, err)
                if cell.get_id() == state.app_state.get_id() =>
            {
                state.args.signal.counters.actor_failure();
                Some(format!("failed: {err}"))
            }
            SupervisionEvent::ActorTerminated(cell, _, reason)
                if cell.get_id() == state.app_state.get_id() =>
            {
                Some(reason.clone().unwrap_or_else(|| "stopped".into()))
            }
            _ => None,
        };
        if let Some(reason) = app_state_exit {
            tracing::error!(parent: &state.args.app_state.span, %reason, "app-state actor exited; restarting it");
            if state.restarts.record(Instant::now()) {
                myself.stop(Some(format!("app-state actor meltdown (last: {reason})")));
                return Ok(());
            }
            state.app_state = Box::pin(spawn_app_state(&state.args, &myself)).await?;
            return Ok(());
        }
        if let Some(reason) = exited(&event, &state.history) {
            tracing::error!(parent: &state.args.history.span, %reason, "history actor exited; restarting it alone");
            if state.history_restarts.record(Instant::now()) {
                // A chunk that crashes the actor every time must not spin: history stops until
                // the client restarts (its rows stay pending), and the rest runs on.
                tracing::error!(parent: &state.args.history.span, "history actor meltdown; left stopped");
                return Ok(());
            }
            state.history = Box::pin(spawn_history(&state.args, &myself)).await?;
            return Ok(());
        }
        let reason = match event {
            SupervisionEvent::ActorFailed(cell, err) if cell.get_id() == state.signal.get_id() => {
                state.args.signal.counters.actor_failure();
                format!("failed: {err}")
            }
            SupervisionEvent::ActorTerminated(cell, _, reason)
                if cell.get_id() == state.signal.get_id() =>
            {
                reason.unwrap_or_else(|| "stopped".into())
            }
            _ => return Ok(()),
        };
        tracing::error!(parent: &state.args.signal.span, %reason, "signal actor exited; restarting it");
        if state.restarts.record(Instant::now()) {
            myself.stop(Some(format!("signal actor meltdown (last: {reason})")));
            return Ok(());
        }
        // Restarts are boxed: the loop future would otherwise be sized for a spawn.
        state.signal = Box::pin(spawn_signal(&state.args, &myself)).await?;
        let _ = state.args.up.send_message(StateReport::SignalRestarted);
        Ok(())
    }
}

/// Why `actor` exited, when `event` says it did.
fn exited<M: ractor::Message>(event: &SupervisionEvent, actor: &ActorRef<M>) -> Option<String> {
    match event {
        SupervisionEvent::ActorFailed(cell, err) if cell.get_id() == actor.get_id() => {
            Some(format!("failed: {err}"))
        }
        SupervisionEvent::ActorTerminated(cell, _, reason) if cell.get_id() == actor.get_id() => {
            Some(reason.clone().unwrap_or_else(|| "stopped".into()))
        }
        _ => None,
    }
}
