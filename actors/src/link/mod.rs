//! What the connection and the long-lived stanza owners share, and nothing else: the handle
//! owners send through ([`LiveConn`]), the stanza they receive ([`Inbound`]) with its
//! backpressure ticket ([`Flow`]), the iq error, and the device identity snapshot. Neither the
//! connection actors nor the owners import each other's message enums; both import this.

mod error;
mod flow;
mod identity;
mod inbound;
mod live;
mod narrow;
mod owner;

pub use error::IqError;
pub(crate) use flow::{Flow, FlowTicket};
pub(crate) use identity::IdentityCell;
pub(crate) use inbound::Inbound;
pub(crate) use live::{LiveConn, Outbound};
pub(crate) use narrow::narrow;
pub(crate) use owner::OwnerSlot;
