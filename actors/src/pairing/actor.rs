//! The `Pairing` actor: state between the pairing stanzas, QR timers and the pair-code steps.

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, DerivedActorRef, RpcReplyPort};
use wa_protocol::binary::Node;
use wa_protocol::pairing::qr::{qr_url, QrKeys};
use wa_protocol::pairing::{
    handle_pair_success, pair_error_reply, parse_pair_device, PairCodeError,
};
use zeroize::Zeroizing;

use super::code::{CodeSession, Platform};
use super::qr::{Expiry, QrRotation};
use super::success::{
    pair_code_error_event, pair_error_event, pair_success_event, paired_device, pairing_batch,
};
use super::{PairingConfig, PairingError};
use crate::broadcaster::BroadcasterHandle;
use crate::events::Event;
use crate::link::{narrow, Inbound, IqError, LiveConn};
use crate::store::{AccountId, DeviceData, Store};

/// How long the pair-code iqs may take.
const CODE_IQ_TIMEOUT: Duration = Duration::from_secs(30);

/// A pair-code session and the outcome of its finish step.
type CodeFinish = (
    CodeSession,
    Result<(Node, Zeroizing<[u8; 32]>), PairCodeError>,
);

/// What pairing tells the connection supervisor (and through it `ClientSup`).
#[derive(Debug)]
pub(crate) enum PairingReport {
    /// Verified and stored; the server will now restart the stream (515).
    Paired(Box<DeviceData>),
    /// Every QR code expired unscanned.
    QrExhausted,
    /// A `pair-success` failed a check (or could not be stored); nothing was stored.
    Failed(String),
}

/// Messages of the pairing actor.
pub(crate) enum PairingMsg {
    /// A pairing stanza from the router: `pair-device`, `pair-success`, or the phone's
    /// `link_code_companion_reg` notification.
    Stanza(Inbound),
    /// The QR code `index` of rotation `round` expired.
    QrExpired { round: u64, index: usize },
    /// The application asks for a phone-number pairing code.
    PairPhone {
        phone: String,
        reply: RpcReplyPort<Result<String, PairingError>>,
    },
    /// A pairing code and its companion hello are ready (computed off the mailbox).
    CodeReady(
        Box<Result<(CodeSession, Node), PairCodeError>>,
        RpcReplyPort<Result<String, PairingError>>,
    ),
    /// The companion finish of a pair-code exchange is computed (off the mailbox).
    CodeFinished(Box<CodeFinish>),
    /// The server answered the companion hello.
    HelloAnswered(Result<Node, IqError>),
    /// The server answered the companion finish.
    FinishAnswered(Result<Node, IqError>),
}

narrow!(PairingMsg, Inbound => Stanza);

pub(crate) struct PairingArgs {
    /// This connection's router.
    pub link: LiveConn,
    /// Where reports go (the connection supervisor).
    pub up: DerivedActorRef<PairingReport>,
    pub broadcaster: BroadcasterHandle,
    pub store: Arc<dyn Store>,
    pub account_id: AccountId,
    /// The unpaired identity this connection registers with.
    pub device: Arc<DeviceData>,
    pub config: PairingConfig,
    /// Companion platform id for the QR text and the pair-code hello.
    pub platform_id: &'static str,
    /// How the phone lists this device, e.g. `Chrome (Ubuntu)`.
    pub platform_display: String,
    pub span: tracing::Span,
}

pub(crate) struct Pairing;

pub(crate) struct PairingState {
    args: PairingArgs,
    qr: QrRotation,
    /// The ADV secret the phone MACs `pair-success` with: the device's own for QR pairing,
    /// replaced by the derived one once a pair-code exchange finished.
    adv_secret: Zeroizing<[u8; 32]>,
    code: Option<CodeSession>,
    /// The caller of `pair_phone` waiting for the server's ref.
    code_waiter: Option<RpcReplyPort<Result<String, PairingError>>>,
    /// Set once a `pair-success` was handled (either way): later stanzas are ignored.
    finished: bool,
}

impl PairingState {
    fn publish(&self, event: Event) {
        if !self.args.broadcaster.publish(event) {
            tracing::warn!(parent: &self.args.span, "broadcaster is gone; pairing event dropped");
        }
    }

    fn send(&self, node: Node) {
        if let Err(e) = self.args.link.send(node) {
            tracing::debug!(parent: &self.args.span, error = %e, "pairing reply not sent");
        }
    }

    fn report(&self, report: PairingReport) {
        let _ = self.args.up.send_message(report);
    }

    /// Sends an iq and delivers the reply to this actor as `wrap(reply)`, without blocking the
    /// mailbox meanwhile (the phone's notification may arrive before the reply).
    fn iq_then(
        &self,
        myself: &ActorRef<PairingMsg>,
        node: Node,
        wrap: impl FnOnce(Result<Node, IqError>) -> PairingMsg + Send + 'static,
    ) {
        let link = self.args.link.clone();
        let me = myself.clone();
        tokio::spawn(async move {
            let reply = link.iq(node, CODE_IQ_TIMEOUT).await;
            let _ = me.cast(wrap(reply));
        });
    }

    fn show_qr(&self, myself: &ActorRef<PairingMsg>, round: u64, index: usize) {
        let cfg = &self.args.config;
        let Some((reference, timeout)) =
            self.qr
                .get(index, cfg.first_qr_timeout, cfg.next_qr_timeout)
        else {
            return;
        };
        let d = &self.args.device;
        let code = qr_url(
            reference,
            &QrKeys {
                noise_public: d.noise_key.public.as_bytes(),
                identity_public: d.identity_key.public.as_bytes(),
                adv_secret: &d.adv_secret_key,
            },
            self.args.platform_id,
        );
        tracing::info!(parent: &self.args.span, index, ?timeout, "showing QR code");
        self.publish(Event::PairingQrCode { code, timeout });
        myself.send_after(timeout, move || PairingMsg::QrExpired { round, index });
    }

    fn on_pair_device(&mut self, myself: &ActorRef<PairingMsg>, node: &Node) {
        match parse_pair_device(node) {
            Ok(pd) => {
                // The ack goes out before any code is shown (pairing.md §1 step 3).
                self.send(pd.ack());
                let round = self.qr.restart(pd.refs);
                if self.qr.get(0, Duration::ZERO, Duration::ZERO).is_none() {
                    self.report(PairingReport::QrExhausted);
                } else {
                    self.show_qr(myself, round, 0);
                }
            }
            Err(e) => tracing::warn!(parent: &self.args.span, error = %e, "unreadable pair-device"),
        }
    }

    async fn on_pair_success(&mut self, node: &Node) {
        self.finished = true;
        let d = &self.args.device;
        let verified = handle_pair_success(node, &self.adv_secret, &d.identity_key);
        let success = match verified {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(parent: &self.args.span, error = %e, "pair-success refused");
                if let Some(id) = node.attr_str("id") {
                    self.send(pair_error_reply(&id, &e));
                }
                self.publish(Event::PairError(pair_error_event(node, e.to_string())));
                self.report(PairingReport::Failed(e.to_string()));
                return;
            }
        };
        let paired = paired_device(d, &success);
        let batch = pairing_batch(paired.clone(), &success);
        // Stored before the phone hears back, so an answered pairing is never lost.
        if let Err(e) = self.args.store.apply(&self.args.account_id, batch).await {
            tracing::error!(parent: &self.args.span, error = %e, "could not store the pairing");
            if let Some(id) = node.attr_str("id") {
                self.send(wa_protocol::pairing::pair_error_reply_with(
                    &id,
                    500,
                    "internal-error",
                ));
            }
            let reason = format!("store: {e}");
            self.publish(Event::PairError(pair_error_event(node, reason.clone())));
            self.report(PairingReport::Failed(reason));
            return;
        }
        tracing::info!(parent: &self.args.span, jid = %success.id, "paired");
        // ClientSup learns the identity before the 515 that the reply provokes.
        self.report(PairingReport::Paired(Box::new(paired)));
        self.send(success.reply());
        self.publish(Event::PairSuccess(pair_success_event(&success)));
    }

    fn on_code_notification(&mut self, myself: &ActorRef<PairingMsg>, node: &Node) {
        let Some(session) = self.code.take() else {
            tracing::warn!(parent: &self.args.span, "pair-code notification without a code");
            return;
        };
        // The finish step stretches the code (131,072 PBKDF2 rounds): off the mailbox, and
        // the session comes back with the result.
        let device = Arc::clone(&self.args.device);
        let node = node.clone();
        let me = myself.clone();
        tokio::task::spawn_blocking(move || {
            let result = session.finish(&node, &device.identity_key, &mut rand::rngs::OsRng);
            let _ = me.cast(PairingMsg::CodeFinished(Box::new((session, result))));
        });
    }

    fn on_code_finished(
        &mut self,
        myself: &ActorRef<PairingMsg>,
        session: CodeSession,
        result: Result<(Node, Zeroizing<[u8; 32]>), PairCodeError>,
    ) {
        match result {
            Ok((iq, adv_secret)) => {
                self.adv_secret = adv_secret;
                tracing::info!(parent: &self.args.span, "pair code accepted by the phone");
                self.iq_then(myself, iq, PairingMsg::FinishAnswered);
            }
            Err(e) => {
                tracing::warn!(parent: &self.args.span, error = %e, "pair-code exchange failed");
                self.publish(Event::PairError(pair_code_error_event(
                    &session.phone,
                    e.to_string(),
                )));
            }
        }
        self.code = Some(session);
    }

    fn on_pair_phone(
        &mut self,
        myself: &ActorRef<PairingMsg>,
        phone: String,
        reply: RpcReplyPort<Result<String, PairingError>>,
    ) {
        if self.finished {
            let _ = reply.send(Err(PairingError::Finished));
            return;
        }
        // The code key takes 131,072 PBKDF2 rounds: run it off the runtime's workers and come
        // back with the result, so this mailbox (and the QR timers) keep moving.
        let noise_public = *self.args.device.noise_key.public.as_bytes();
        let platform_id = self.args.platform_id;
        let display = self.args.platform_display.clone();
        let push = self.args.config.show_push_notification;
        let me = myself.clone();
        tokio::task::spawn_blocking(move || {
            let platform = Platform {
                id: platform_id,
                display: &display,
            };
            let started = CodeSession::start(
                &phone,
                &noise_public,
                &platform,
                push,
                &mut rand::rngs::OsRng,
            );
            if let Err(e) = me.cast(PairingMsg::CodeReady(Box::new(started), reply)) {
                tracing::debug!(error = %e, "pairing actor gone before the code was ready");
            }
        });
    }

    fn on_code_ready(
        &mut self,
        myself: &ActorRef<PairingMsg>,
        started: Result<(CodeSession, Node), PairCodeError>,
        reply: RpcReplyPort<Result<String, PairingError>>,
    ) {
        if self.finished {
            let _ = reply.send(Err(PairingError::Finished));
            return;
        }
        match started {
            Ok((session, hello)) => {
                self.code = Some(session);
                // A newer request replaces an older one still waiting.
                if let Some(old) = self.code_waiter.replace(reply) {
                    let _ = old.send(Err(PairingError::Finished));
                }
                self.iq_then(myself, hello, PairingMsg::HelloAnswered);
            }
            Err(e) => {
                let _ = reply.send(Err(e.into()));
            }
        }
    }

    fn on_hello_answered(&mut self, result: Result<Node, IqError>) {
        let Some(waiter) = self.code_waiter.take() else {
            return;
        };
        let outcome = result.map_err(PairingError::from).and_then(|node| {
            wa_protocol::pairing::link_code::parse_hello_response(&node).map_err(PairingError::from)
        });
        match (outcome, self.code.as_mut()) {
            (Ok(pairing_ref), Some(session)) => {
                session.pairing_ref = Some(pairing_ref);
                let code = session.code.clone();
                self.publish(Event::PairingCode {
                    code: code.clone(),
                    timeout: self.args.config.pair_code_timeout,
                });
                let _ = waiter.send(Ok(code));
            }
            (Ok(_), None) => {
                let _ = waiter.send(Err(PairingError::Code(PairCodeError::RefMismatch)));
            }
            (Err(e), _) => {
                self.code = None;
                let _ = waiter.send(Err(e));
            }
        }
    }
}

impl Actor for Pairing {
    type Msg = PairingMsg;
    type State = PairingState;
    type Arguments = PairingArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: PairingArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let adv_secret = args.device.adv_secret_key.clone();
        Ok(PairingState {
            args,
            qr: QrRotation::default(),
            adv_secret,
            code: None,
            code_waiter: None,
            finished: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PairingMsg::Stanza(Inbound { node, .. }) if state.finished => {
                tracing::debug!(parent: &state.args.span, tag = %node.tag, "pairing over; stanza ignored");
            }
            PairingMsg::Stanza(Inbound { node, .. }) => {
                if node.child("pair-device").is_some() {
                    state.on_pair_device(&myself, &node);
                } else if node.child("pair-success").is_some() {
                    state.on_pair_success(&node).await;
                } else {
                    state.on_code_notification(&myself, &node);
                }
            }
            PairingMsg::QrExpired { round, index } => {
                if state.finished {
                    return Ok(());
                }
                match state.qr.expired(round, index) {
                    Expiry::Show(next) => state.show_qr(&myself, round, next),
                    Expiry::Exhausted => {
                        tracing::info!(parent: &state.args.span, "every QR code expired");
                        state.report(PairingReport::QrExhausted);
                    }
                    Expiry::Stale => {}
                }
            }
            PairingMsg::PairPhone { phone, reply } => state.on_pair_phone(&myself, phone, reply),
            PairingMsg::CodeReady(started, reply) => state.on_code_ready(&myself, *started, reply),
            PairingMsg::CodeFinished(done) => {
                let (session, result) = *done;
                state.on_code_finished(&myself, session, result);
            }
            PairingMsg::HelloAnswered(result) => state.on_hello_answered(result),
            PairingMsg::FinishAnswered(result) => {
                // The phone goes on with pair-success either way; a refusal here only explains
                // why none comes.
                if let Err(e) = result {
                    tracing::warn!(parent: &state.args.span, error = %e, "companion finish refused");
                }
            }
        }
        Ok(())
    }
}
