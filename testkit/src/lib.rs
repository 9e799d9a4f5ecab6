//! An in-process fake WhatsApp server speaking the real wire protocol, for offline tests.
//!
//! [`FakeServer`] listens on `127.0.0.1` (random port) for WebSocket connections, runs the
//! server role of the Noise XX handshake with its own certificate chain (clients trust
//! [`FakeServer::trust_root`] instead of WhatsApp's root), logs in devices registered with
//! [`FakeServer::provision`] (it checks the Noise static key the client presents), sends
//! `<success>`, answers keepalives and iqs, and lets a test misbehave on purpose: drop the
//! socket, send any `stream:error` or `failure`, delay or swallow replies, inject any node or
//! raw frame. Every node a client sends is recorded.
//!
//! It also plays the primary phone: a registration connection is sent QR refs
//! (`pair-device`), and [`FakeServer::scan_qr`] or [`FakeServer::enter_pair_code`] pair it for
//! real (signed `pair-success`, the companion's countersignature checked, the device
//! registered, the 515 restart), optionally with a forged identity ([`PairForgery`]). Logged-in
//! devices upload prekeys, which tests read back ([`FakeServer::prekeys`],
//! [`FakeServer::take_prekey_bundle`]) and contacts fetch as bundles (`<iq xmlns="encrypt"
//! type="get"><key><user jid/>…`).
//!
//! It also plays everyone else: [`FakeServer::add_contact`] makes a [`Contact`] with its own
//! Signal identity that sends our devices real end-to-end encrypted messages
//! ([`Contact::send_text`], [`Contact::send_group_text`] in a [`Group`]), re-sends them when
//! the client sends a retry receipt, and can break one on purpose
//! ([`Contact::send_corrupted_text`]). Every `<message>`, `<receipt>` and `<notification>` for
//! a device waits in a queue until the device acks it ([`Delivery`]): offline devices get
//! their queue at login between `<ib><offline_preview/>` and `<ib><offline/>`, a dropped
//! connection's un-acked stanzas come again byte for byte, and a seeded [`FaultPlan`] drops
//! sockets mid-delivery.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use wa_protocol::crypto::KeyPair;
//! let server = wa_testkit::FakeServer::start().await?;
//! // A companion whose Noise static key the server now accepts, as if a phone had paired it.
//! let noise = KeyPair::generate(&mut rand::rngs::OsRng);
//! let device = server.provision(noise.public, None);
//! println!("paired as {} ({})", device.jid, device.lid);
//! // A client logging in with `noise` (trusting `server.trust_root()`) at `server.url()`
//! // gets `<success>`; then the test misbehaves on purpose:
//! server.wait_for_logins(1, std::time::Duration::from_secs(10)).await?;
//! server.send_stream_error("503"); // the client reconnects with backoff
//! # Ok(()) }
//! ```
//!
//! The client crate's `testing` feature writes a provisioned device into its store
//! (`wa_actors_core::testing::provision_device`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod account;
mod app_state;
mod behaviour;
mod certs;
mod connection;
mod contact;
mod contact_devices;
mod contact_retry;
mod delivery;
mod directory;
mod envelope;
mod error;
mod faults;
mod group_outgoing;
mod groups;
mod handlers;
mod history;
mod history_content;
mod history_on_demand;
mod media_host;
mod notify;
mod outgoing;
mod own_phone;
mod pair_options;
mod pairing;
mod phone;
mod prekeys;
mod queue;
mod registration;
mod retry;
mod server;
pub mod stanzas;
mod state;
mod wire;

pub use app_state::{AppStateCorruption, ReceivedMutation as AppStateMutation};
pub use behaviour::{LoginResponse, ReplyPolicy};
pub use certs::ServerIdentity;
pub use contact::{text_message, Contact};
pub use contact_devices::ReceivedMessage;
pub use delivery::ClientReceipt;
pub use envelope::MessageId;
pub use error::TestkitError;
pub use faults::{DropPoint, FaultEvent, FaultPlan};
pub use groups::Group;
pub use history::{HistoryFault, HistoryPlan, SentChunk, SentHistory};
pub use history_content::{history_chat, history_message_id, HistoryContent, PhoneHistory};
pub use history_on_demand::{on_demand_message_id, MAX_ON_DEMAND};
pub use media_host::{MediaFault, MediaHost, StoredMedia, MAX_UPLOAD};
pub use outgoing::ClientSent;
pub use pair_options::{PairForgery, PairOptions, Paired};
pub use pairing::PAIR_REPLY_TIMEOUT;
pub use prekeys::UploadedKeys;
pub use queue::Delivery;
pub use registration::{PairCodeRequest, Registration};
pub use retry::MAX_RESENDS;
pub use server::{FakeServer, LoginRecord, ProvisionedDevice};
