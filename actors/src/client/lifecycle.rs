//! The connection lifecycle of `ClientSup`: starting a connection with the right role,
//! reacting to its end (backoff, meltdown, logout, stop), and pairing's outcome.

use std::time::{Duration, Instant};

use ractor::{Actor, ActorRef};
use rand::Rng;
use wa_protocol::binary::Node;
use wa_protocol::connection::EndReason;
use wa_protocol::stanza::iq;
use wa_protocol::stanza::stream_error::ConnectionOutcome;

use super::payload::client_payload;
use super::status::{AccountState, ConnectionState, StopReason};
use super::supervisor::{ClientSupMsg, ClientSupState};
use crate::conn::PairingParams;
use crate::conn::{ConnDown, ConnParams, ConnReport, ConnRole, ConnSup, ConnSupArgs, ConnSupMsg};
use crate::events::Event;
use crate::pairing::PairingReport;
use crate::recv::connection::events_for_down;

impl ClientSupState {
    pub(super) fn publish(&self, event: Event) {
        if !self.broadcaster.publish(event) {
            tracing::warn!(parent: &self.span, "broadcaster registry closed; event dropped");
        }
    }

    pub(super) async fn start_connection(&mut self, myself: &ActorRef<ClientSupMsg>) {
        let Some(device) = self.identity.get() else {
            self.connection = ConnectionState::Stopped(StopReason::NoIdentity);
            return;
        };
        let Some(payload) = client_payload(&self.config.payload, &device) else {
            self.connection = ConnectionState::Stopped(StopReason::NoIdentity);
            return;
        };
        let role = if device.is_paired() {
            ConnRole::Login(self.config.prekeys)
        } else {
            let [os, browser, _] = &self.config.payload.browser;
            ConnRole::Pair(Box::new(PairingParams {
                config: self.config.pairing.clone(),
                platform_id: wa_protocol::pairing::companion_platform_id(os, browser),
                platform_display: format!("{browser} ({os})"),
            }))
        };
        self.generation += 1;
        if self.generation > 1 {
            self.counters.reconnect();
        }
        let params = ConnParams {
            generation: self.generation,
            account: self.config.account.clone(),
            url: self.config.url.clone(),
            transport: self.transport.clone(),
            noise_key: device.noise_key.clone(),
            payload,
            trust_root: self.config.trust_root,
            connect_timeout: self.config.connect_timeout,
            handshake_timeout: self.config.handshake_timeout,
            stanza: wa_protocol::connection::StanzaConfig {
                keepalive: self.config.keepalive,
            },
            counters: self.counters.clone(),
            flow: self.flow.clone(),
            live: self.live.clone(),
            directory: self.directory.clone(),
            signal: self.signal.clone(),
            outbox: self.outbox_acks.clone(),
            app_state: self.app_state.clone(),
            broadcaster: self.broadcaster.clone(),
            identity: self.identity.clone(),
            store: self.store.clone(),
            account_id: self.account_id.clone(),
            role,
        };
        self.connection = ConnectionState::Connecting;
        let args = ConnSupArgs {
            params,
            up: myself.get_derived(),
        };
        match Actor::spawn_linked(None, ConnSup, args, myself.get_cell()).await {
            Ok((conn, _)) => self.conn = Some(conn),
            Err(e) => {
                tracing::error!(parent: &self.span, error = %e, "could not spawn ConnSup");
                self.schedule_reconnect(myself, true, "spawn failed");
            }
        }
    }

    /// Lets go of the live connection gracefully: everything already sent on it (an error
    /// reply, say) is written before the socket closes. Its later reports are ignored.
    pub(super) fn close_connection(&mut self) {
        self.live.detach(self.generation);
        if let Some(conn) = self.conn.take() {
            if conn.cast(ConnSupMsg::Close).is_err() {
                conn.stop(Some("connection closed".into()));
            }
        }
    }

    pub(super) fn stop_connection(&mut self) {
        self.live.detach(self.generation);
        if let Some(conn) = self.conn.take() {
            // Stopping ConnSup kills its children; their state is dropped with them.
            conn.stop(Some("connection replaced".into()));
        }
    }

    /// Plans the next attempt; `failure` advances the backoff, otherwise it is immediate.
    pub(super) fn schedule_reconnect(
        &mut self,
        myself: &ActorRef<ClientSupMsg>,
        failure: bool,
        why: &str,
    ) {
        if self.restarts.record(Instant::now()) {
            let reason = StopReason::Meltdown {
                max_restarts: self.config.meltdown.max_restarts,
                window: self.config.meltdown.window,
                last: why.to_string(),
            };
            tracing::error!(parent: &self.span, %reason, "giving up");
            myself.stop(Some(reason.to_string()));
            self.connection = ConnectionState::Stopped(reason);
            return;
        }
        let delay = if failure {
            self.counters.failure();
            self.backoff.next_delay(rand::thread_rng().gen::<f64>())
        } else {
            Duration::ZERO
        };
        tracing::info!(parent: &self.span, ?delay, %why, "reconnecting");
        self.connection = ConnectionState::WaitingToReconnect;
        let generation = self.generation;
        if let Some(t) = self.timer.take() {
            t.abort();
        }
        let me = myself.clone();
        self.timer = Some(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = me.cast(ClientSupMsg::Reconnect { generation });
        }));
    }

    pub(super) async fn on_conn_report(
        &mut self,
        myself: &ActorRef<ClientSupMsg>,
        report: ConnReport,
    ) {
        let live = |g: u64, s: &Self| g == s.generation && s.conn.is_some();
        match report {
            ConnReport::Up {
                generation,
                success,
            } if live(generation, self) => self.on_up(&success),
            ConnReport::Down { generation, down } if live(generation, self) => {
                self.on_down(myself, down).await
            }
            ConnReport::Pairing { generation, report } if live(generation, self) => {
                self.on_pairing(report)
            }
            _ => {}
        }
    }

    fn on_up(&mut self, success: &Node) {
        tracing::info!(
            parent: &self.span,
            generation = self.generation,
            lid = success.attr_str("lid").as_deref().unwrap_or(""),
            "connected"
        );
        self.counters.connected();
        // App state catches up from the stored versions on every login.
        self.app_state.send(crate::appstate::AppStateMsg::Connected);
        self.backoff.reset();
        self.connection = ConnectionState::Connected;
        // Tell the server this client is active (README lifecycle step 5).
        let active = iq::build_iq(
            String::new(),
            iq::IqType::Set,
            "passive",
            iq::SERVER,
            vec![Node::new("active")],
        );
        let _ = self.live.send(active);
        self.publish(Event::Connected(Default::default()));
    }

    pub(super) async fn on_down(&mut self, myself: &ActorRef<ClientSupMsg>, down: ConnDown) {
        self.stop_connection();
        for event in events_for_down(&down) {
            self.publish(event);
        }
        let outcome = match down {
            ConnDown::Ended(EndReason::Server { outcome, .. }) => outcome,
            ConnDown::Ended(other) => {
                return self.schedule_reconnect(myself, true, &format!("{other:?}"));
            }
            ConnDown::Lost(reason) => return self.schedule_reconnect(myself, true, &reason),
        };
        if let ConnectionOutcome::LoggedOut { .. } = outcome {
            self.log_out().await;
        }
        if outcome.should_reconnect() {
            let why = format!("{outcome:?}");
            self.schedule_reconnect(myself, outcome.uses_backoff(), &why);
        } else {
            self.connection = ConnectionState::Stopped(StopReason::Server(outcome));
        }
    }

    fn on_pairing(&mut self, report: PairingReport) {
        let reason = match report {
            PairingReport::Paired(device) => {
                // The server now ends this stream with 515; the restart logs in with it.
                self.identity.set(Some(*device));
                self.account = AccountState::Paired;
                return;
            }
            PairingReport::QrExhausted => StopReason::QrExhausted,
            PairingReport::Failed(reason) => StopReason::PairingFailed(reason),
        };
        self.close_connection();
        self.publish(Event::Disconnected(Default::default()));
        self.connection = ConnectionState::Stopped(reason);
    }

    async fn log_out(&mut self) {
        self.account = AccountState::LoggedOut;
        self.identity.set(None);
        self.directory.forget_all().await;
        if let Err(e) = self.store.delete_account(&self.account_id).await {
            tracing::error!(parent: &self.span, error = %e, "could not wipe the session");
        }
    }
}
