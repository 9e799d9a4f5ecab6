//! App-state sync: the `AppStateSync` actor under `StateSup` is the sole owner of app-state
//! keys and, per collection, of the version, LTHash and index → value MAC map.
//!
//! Keys arrive in a protocol message from our phone; the Signal actor stores them in its own
//! batch (namespace [`Namespace::APP_STATE_KEYS`], which only this actor reads), so they are
//! durable before the message is acked, and then tells this actor. A sync fetches a
//! collection (snapshot first, then patches, while the server says more remain), verifies
//! every MAC and the LTHash through `wa_protocol::appstate`, and stores the new state and
//! publishes its events as one step ([`Store::apply_then`]).
//!
//! [`Namespace::APP_STATE_KEYS`]: crate::store::Namespace::APP_STATE_KEYS
//! [`Store::apply_then`]: crate::store::Store::apply_then

mod actor;
mod api;
mod error;
mod events;
pub(crate) mod keyshare;
mod store;
mod sync;

pub(crate) use actor::{AppStateArgs, AppStateMsg, AppStateSync};
pub use error::{MutationError, SyncError};
/// Where the Signal actor, the routing table and the client find the app-state actor, which
/// runs only while it has a request.
pub(crate) type AppStateHandle = crate::supervision::OnDemand<AppStateMsg>;
