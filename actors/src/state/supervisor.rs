//! `StateSup`: keeps the Signal actor alive for the client's whole life. A failed Signal
//! actor is restarted from the store (it keeps nothing that is not persisted), its new address goes
//! into the routing slot, and `ClientSup` is told so it renews the connection and the server
//! redelivers what was not acked. It is not on the data path.
//!
//! It also supervises the history-sync and app-state actors (`crate::history`,
//! `crate::appstate`), which run only while they have work ([`OnDemand`]): each drains itself
//! when idle, and a message for one that does not run comes here and starts it. A crash in
//! either restarts it alone: their work is in the store, so it costs neither the Signal actor
//! nor the connection.

use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef, SupervisionEvent};

use super::signal::{Signal, SignalArgs, SignalHandle, SignalMsg};
use crate::appstate::{AppStateArgs, AppStateHandle, AppStateMsg, AppStateSync};
use crate::history::{History, HistoryArgs, HistoryHandle, HistoryMsg};
use crate::link::OwnerSlot;
use crate::store::Namespace;
use crate::supervision::{LazyChild, MeltdownConfig, OnDemand, RestartWindow};

/// What `StateSup` tells its parent.
pub(crate) enum StateReport {
    /// The Signal actor was restarted: whatever it was handling was not acked.
    SignalRestarted,
}

/// Messages of `StateSup`: work for an on-demand child that is not running.
pub(crate) enum StateSupMsg {
    History(HistoryMsg),
    AppState(AppStateMsg),
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
    restarts: RestartWindow,
    app_state: LazyChild<AppStateMsg>,
    history: LazyChild<HistoryMsg>,
    history_restarts: RestartWindow,
    /// The history actor melted down: it stays stopped until the client restarts.
    history_stopped: bool,
}

async fn spawn_signal(
    args: &StateSupArgs,
    sup: &ActorRef<StateSupMsg>,
) -> Result<ActorRef<SignalMsg>, ActorProcessingErr> {
    let (signal, _) = Actor::spawn_linked(None, Signal, args.signal.clone(), sup.get_cell())
        .await
        .map_err(|e| format!("spawn signal: {e}"))?;
    args.slot.set(signal.get_derived());
    args.handle.set(signal.clone());
    Ok(signal)
}

/// Points `handle`'s starter at this supervisor.
fn route_starts<M: ractor::Message>(
    handle: &OnDemand<M>,
    sup: &ActorRef<StateSupMsg>,
    wrap: fn(M) -> StateSupMsg,
) {
    let sup = sup.clone();
    handle.set_starter(move |m| sup.send_message(wrap(m)).is_ok());
}

impl StateSupState {
    async fn start_app_state(
        &mut self,
        myself: &ActorRef<StateSupMsg>,
        msgs: Vec<AppStateMsg>,
    ) -> Result<(), ActorProcessingErr> {
        let args = self.args.app_state.clone();
        let (a, _) = Actor::spawn_linked(None, AppStateSync, args, myself.get_cell())
            .await
            .map_err(|e| format!("spawn app state: {e}"))?;
        self.app_state.started(a, msgs);
        Ok(())
    }

    async fn start_history(
        &mut self,
        myself: &ActorRef<StateSupMsg>,
        msgs: Vec<HistoryMsg>,
    ) -> Result<(), ActorProcessingErr> {
        if self.history_stopped {
            return Ok(());
        }
        let args = self.args.history.clone();
        let (h, _) = Actor::spawn_linked(None, History, args, myself.get_cell())
            .await
            .map_err(|e| format!("spawn history: {e}"))?;
        self.history.started(h, msgs);
        Ok(())
    }

    /// Whether history chunks wait in the store (left by a killed run, or committed while
    /// the last incarnation was draining).
    async fn history_pending(&self) -> bool {
        let a = &self.args.history;
        // On a store error start it anyway: the actor reads the store itself and fails in
        // its own way.
        a.store
            .has_prefix(&a.account_id, Namespace::HISTORY_PENDING, b"")
            .await
            .unwrap_or(true)
    }

    /// Handles the exit of actor `id` (with `failure` when it failed) if it is an on-demand
    /// child; false when it is another actor.
    async fn on_lazy_exit(
        &mut self,
        myself: &ActorRef<StateSupMsg>,
        id: ractor::ActorId,
        failure: Option<String>,
    ) -> Result<bool, ActorProcessingErr> {
        if self.app_state.is(id) {
            let mut queued = self.app_state.exited();
            if let Some(reason) = failure {
                self.args.signal.counters.actor_failure();
                tracing::error!(parent: &self.args.app_state.span, %reason, "app-state actor failed; restarting it");
                if self.restarts.record(Instant::now()) {
                    myself.stop(Some(format!("app-state actor meltdown (last: {reason})")));
                    return Ok(true);
                }
                // The next sync resumes from the stored versions.
                if self.args.app_state.live.generation().is_some() {
                    queued.insert(0, AppStateMsg::Connected);
                }
            }
            if !queued.is_empty() {
                Box::pin(self.start_app_state(myself, queued)).await?;
            }
            return Ok(true);
        }
        if self.history.is(id) {
            let queued = self.history.exited();
            if let Some(reason) = failure {
                tracing::error!(parent: &self.args.history.span, %reason, "history actor failed; restarting it alone");
                if self.history_restarts.record(Instant::now()) {
                    // A chunk that crashes the actor every time must not spin: history stops
                    // until the client restarts (its rows stay pending), and the rest runs on.
                    tracing::error!(parent: &self.args.history.span, "history actor meltdown; left stopped");
                    self.history_stopped = true;
                    return Ok(true);
                }
            }
            if !queued.is_empty() || Box::pin(self.history_pending()).await {
                Box::pin(self.start_history(myself, vec![HistoryMsg::Wake])).await?;
            }
            return Ok(true);
        }
        Ok(false)
    }
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
        route_starts(&args.app_state_handle, &myself, StateSupMsg::AppState);
        route_starts(&args.history_handle, &myself, StateSupMsg::History);
        let signal = spawn_signal(&args, &myself).await?;
        Ok(StateSupState {
            restarts: RestartWindow::new(args.meltdown),
            history_restarts: RestartWindow::new(args.meltdown),
            app_state: LazyChild::new(args.app_state_handle.clone()),
            history: LazyChild::new(args.history_handle.clone()),
            history_stopped: false,
            args,
            signal,
        })
    }

    async fn post_start(
        &self,
        myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // Chunks a killed run left behind are picked up now rather than at the next wake.
        if Box::pin(state.history_pending()).await {
            Box::pin(state.start_history(&myself, vec![HistoryMsg::Wake])).await?;
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            StateSupMsg::AppState(m) => {
                if let Some(m) = state.app_state.offer(m) {
                    Box::pin(state.start_app_state(&myself, vec![m])).await?;
                }
            }
            StateSupMsg::History(m) => {
                if let Some(m) = state.history.offer(m) {
                    Box::pin(state.start_history(&myself, vec![m])).await?;
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
        let exit = match &event {
            SupervisionEvent::ActorFailed(cell, err) => {
                Some((cell.get_id(), Some(err.to_string())))
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => Some((cell.get_id(), None)),
            _ => None,
        };
        if let Some((id, failure)) = exit {
            if Box::pin(state.on_lazy_exit(&myself, id, failure)).await? {
                return Ok(());
            }
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
