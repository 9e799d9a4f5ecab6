//! `Keepalive`: sends the `w:p` ping iq on a randomised interval; after too many misses in a
//! row it stops with a reason, which `ConnSup` reports as a lost connection.

use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use rand::Rng;
use wa_protocol::stanza::iq;

use super::router::RouterMsg;

/// Keepalive timing (whatsmeow `keepalive.go`: every 20–30 s, 10 s to answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveConfig {
    /// Shortest wait between pings.
    pub interval_min: Duration,
    /// Longest wait between pings (each wait is uniform in `interval_min..=interval_max`).
    pub interval_max: Duration,
    /// How long a ping may go unanswered before it counts as missed.
    pub response_timeout: Duration,
    /// Missed pings in a row that restart the connection.
    pub max_misses: u32,
}

impl Default for KeepaliveConfig {
    fn default() -> Self {
        Self {
            interval_min: Duration::from_secs(20),
            interval_max: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            max_misses: 3,
        }
    }
}

/// Messages of the keepalive actor.
pub(crate) enum KeepaliveMsg {
    /// Time to ping.
    Tick,
    /// A ping finished: answered (`true`) or missed.
    Answered(bool),
}

pub(crate) struct KeepaliveArgs {
    pub router: ActorRef<RouterMsg>,
    pub config: KeepaliveConfig,
    pub span: tracing::Span,
}

pub(crate) struct Keepalive;

pub(crate) struct KeepaliveState {
    args: KeepaliveArgs,
    misses: u32,
}

fn next_interval(config: &KeepaliveConfig) -> Duration {
    let (lo, hi) = (
        config.interval_min,
        config.interval_max.max(config.interval_min),
    );
    if hi == lo {
        lo
    } else {
        rand::thread_rng().gen_range(lo..=hi)
    }
}

impl Actor for Keepalive {
    type Msg = KeepaliveMsg;
    type State = KeepaliveState;
    type Arguments = KeepaliveArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: KeepaliveArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        myself.send_after(next_interval(&args.config), || KeepaliveMsg::Tick);
        Ok(KeepaliveState { args, misses: 0 })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            KeepaliveMsg::Tick => {
                // The wait for the answer runs in a task so this mailbox stays responsive.
                let router = state.args.router.clone();
                let timeout = state.args.config.response_timeout;
                let me = myself.clone();
                tokio::spawn(async move {
                    let ping = iq::keepalive_ping(String::new());
                    let answered = matches!(
                        router
                            .call(|port| RouterMsg::Iq(ping, port), Some(timeout))
                            .await,
                        Ok(CallResult::Success(Ok(_)))
                    );
                    let _ = me.cast(KeepaliveMsg::Answered(answered));
                });
            }
            KeepaliveMsg::Answered(answered) => {
                if answered {
                    if state.misses > 0 {
                        tracing::info!(parent: &state.args.span, "keepalive restored");
                    }
                    state.misses = 0;
                } else {
                    state.misses += 1;
                    tracing::warn!(parent: &state.args.span, misses = state.misses, "keepalive missed");
                    if state.misses >= state.args.config.max_misses {
                        myself.stop(Some("keepalive timeout".into()));
                        return Ok(());
                    }
                }
                myself.send_after(next_interval(&state.args.config), || KeepaliveMsg::Tick);
            }
        }
        Ok(())
    }
}
