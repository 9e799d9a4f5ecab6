//! Durable crypto state: `StateSup` and its `Signal` actor, the only owner of Signal sessions,
//! sender keys and one-time prekeys once a device is paired.
//!
//! Inbound `<message>` stanzas go from the Router straight to the Signal actor. It decrypts
//! with the pure functions of `wa_protocol::message`, writes every state change (ratchets,
//! sender keys, the consumed prekey, the sender's identity, the processed message id) in one
//! store batch, and only then publishes the events and sends the delivery receipt and the ack
//! on the live connection. Stanzas waiting together share one batch (group commit,
//! `signal_recv`). A crash before the batch means the server redelivers; a redelivery after
//! it is recognised by its id and acked without a second event.
//!
//! Before that batch, `trust` checks the sender's identity: a known device under a new key
//! is published as `IdentityChange`, and a companion's `pkmsg` whose `<device-identity>` is
//! not signed by the account's known primary identity is refused (nothing is stored).

mod decoded;
mod encrypt;
mod encrypt_group;
mod inbound;
mod keys;
mod peer;
mod prune;
mod resend;
mod retries;
mod retry_prekey;
mod signal;
mod staged;
mod supervisor;
mod trust;

pub(crate) use encrypt::EncryptJob;
pub(crate) use encrypt_group::{GroupJob, GroupWritten};
pub(crate) use peer::{own_phone, PeerJob};
pub(crate) use signal::{SignalArgs, SignalHandle, SignalMsg};
pub(crate) use supervisor::{StateReport, StateSup, StateSupArgs, StateSupMsg};
