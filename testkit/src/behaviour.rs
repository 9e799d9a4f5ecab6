//! What the fake server does on its own: how it answers logins and iqs.

use std::time::Duration;

/// How the server answers a login of a registered device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LoginResponse {
    /// `<success>`, as the real server does.
    #[default]
    Success,
    /// `<failure reason=..>` with extra attributes (`code`, `expire`, `message`…), then close.
    Failure {
        /// The `reason` attribute.
        reason: u16,
        /// Extra attributes, in order.
        attrs: Vec<(String, String)>,
    },
    /// `<stream:error code=..>`, then close.
    StreamError {
        /// The `code` attribute.
        code: String,
    },
}

/// How the server answers the client's iqs (keepalive pings included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyPolicy {
    /// Answer at once with `<iq type="result">`.
    #[default]
    Answer,
    /// Answer after a delay.
    Delay(Duration),
    /// Never answer (the client's keepalive then gives up on the connection).
    Swallow,
}

/// How many QR refs a registration connection gets unless a test says otherwise (whatsmeow
/// and Baileys both see six from the real server).
pub(crate) const DEFAULT_QR_REFS: usize = 6;

#[derive(Debug, Clone)]
pub(crate) struct Behaviour {
    pub login: LoginResponse,
    pub replies: ReplyPolicy,
    /// Refs per `pair-device`; 0 sends none.
    pub qr_refs: usize,
    /// Send `<ib><offline count="0"/>` after a login that found the queue empty, as the real
    /// server does after every login (on by default; off tests a quieter server).
    pub empty_offline_marker: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            login: LoginResponse::default(),
            replies: ReplyPolicy::default(),
            qr_refs: DEFAULT_QR_REFS,
            empty_offline_marker: true,
        }
    }
}
