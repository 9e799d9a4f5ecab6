//! The bot builder: a [`Client`](crate::Client) plus event and message handlers, wired up
//! before the first connection so no event is missed.
//!
//! ```no_run
//! # async fn run() -> Result<(), wa_actors_core::bot::BotError> {
//! use wa_actors_core::bot::Bot;
//!
//! let bot = Bot::builder()
//!     .sqlite("bot.sqlite")
//!     .on_message(|ctx| async move {
//!         if let Some(text) = ctx.text() {
//!             ctx.reply(&format!("you said: {text}")).await?;
//!         }
//!         Ok(())
//!     })
//!     .build()
//!     .await?;
//! bot.run().await?;
//! # Ok(()) }
//! ```
//!
//! Every handler is its own broadcaster subscription, run in its own small actor (the
//! broadcaster's closure subscriber): handlers never run on the delivery path, a slow one
//! delays only its own later events, and a panicking one loses only its own subscription.
//! Within one handler, events arrive one at a time in publish order, so replies to one chat
//! go out in the order its messages came in.

mod builder;
mod context;
mod error;

pub use builder::{Bot, BotBuilder};
pub use context::MessageContext;
pub use error::{BotError, HandlerError};
