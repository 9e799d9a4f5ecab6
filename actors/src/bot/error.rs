//! The bot's error types: starting it ([`BotError`]) and what a message handler may fail with
//! ([`HandlerError`]).

use crate::broadcaster::BroadcasterError;
use crate::client::ClientError;
use crate::send::SendError;

/// Why a bot could not be built or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BotError {
    /// The client could not be built, connected or queried.
    #[error("client: {0}")]
    Client(#[from] ClientError),
    /// A handler could not be subscribed.
    #[error("subscribing a handler: {0}")]
    Subscribe(#[from] BroadcasterError),
}

/// Why a message handler failed. The bot logs it (with the message id) and goes on with the
/// next message; `?` converts a [`SendError`] into it, [`HandlerError::other`] anything else.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandlerError {
    /// A send (a reply, a reaction, …) failed.
    #[error("send: {0}")]
    Send(#[from] SendError),
    /// The application's own failure.
    #[error("handler: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl HandlerError {
    /// Wraps an application error.
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Other(Box::new(e))
    }
}
