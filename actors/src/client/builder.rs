//! [`ClientBuilder`]: configures a [`Client`], opens its store and spawns its tree.

use std::path::Path;
use std::sync::Arc;

use ractor::rpc::CallResult;
use ractor::Actor;
use wa_protocol::crypto::PublicKey;

use super::api::ApiMsg;
use super::config::ClientConfig;
use super::handle::{Client, ClientError, ClientShared, API_TIMEOUT};
use super::supervisor::{ClientSup, ClientSupArgs, ClientSupMsg};
use crate::conn::KeepaliveConfig;
use crate::counters::Counters;
use crate::directory::Directory;
use crate::link::{Flow, IdentityCell, LiveConn};
use crate::media::{Media, MediaConfig};
use crate::pairing::PairingConfig;
use crate::prekeys::PreKeyConfig;
use crate::send::outbox::OutboxHandle;
use crate::send::{DeviceLister, SendConfig};
use crate::store::{MemoryStore, SqliteStore, Store};
use crate::supervision::{BackoffConfig, MeltdownConfig};
use crate::transport::{Transport, WsTransport};

/// Configures and starts a [`Client`].
///
/// ```no_run
/// # async fn run() -> Result<(), wa_actors_core::ClientError> {
/// let client = wa_actors_core::Client::builder()
///     .sqlite("wa.sqlite")
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    config: ClientConfig,
    store: Option<Arc<dyn Store>>,
    sqlite_path: Option<std::path::PathBuf>,
    transport: Option<Arc<dyn Transport>>,
    lister: Option<Arc<dyn DeviceLister>>,
}

impl ClientBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Media transfer timeouts, retries and limits.
    pub fn media(mut self, media: MediaConfig) -> Self {
        self.config.media = media;
        self
    }

    /// History-sync limits.
    pub fn history(mut self, history: crate::history::HistoryConfig) -> Self {
        self.config.history = history;
        self
    }

    /// The WebSocket URL to connect to.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.config.url = url.into();
        self
    }

    /// The key the server's certificate chain must be signed by.
    pub fn trust_root(mut self, root: PublicKey) -> Self {
        self.config.trust_root = root;
        self
    }

    /// Which account of the store to use.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.config.account = account.into();
        self
    }

    /// Reconnect backoff.
    pub fn backoff(mut self, backoff: BackoffConfig) -> Self {
        self.config.backoff = backoff;
        self
    }

    /// Meltdown limit.
    pub fn meltdown(mut self, meltdown: MeltdownConfig) -> Self {
        self.config.meltdown = meltdown;
        self
    }

    /// Keepalive timing.
    pub fn keepalive(mut self, keepalive: KeepaliveConfig) -> Self {
        self.config.keepalive = keepalive;
        self
    }

    /// QR rotation and pair-code options.
    pub fn pairing(mut self, pairing: PairingConfig) -> Self {
        self.config.pairing = pairing;
        self
    }

    /// How many prekeys to keep on the server.
    pub fn prekeys(mut self, prekeys: PreKeyConfig) -> Self {
        self.config.prekeys = prekeys;
        self
    }

    /// Uses this store (shared with other clients, possibly).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses (and creates if needed) the SQLite store at `path`: the default kind of store.
    pub fn sqlite(mut self, path: impl AsRef<Path>) -> Self {
        self.sqlite_path = Some(path.as_ref().to_path_buf());
        self
    }

    /// Uses this transport instead of the WebSocket one.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The send path's timing and limits.
    pub fn send(mut self, send: SendConfig) -> Self {
        self.config.send = send;
        self
    }

    /// Who the send path asks for the devices of a recipient and of our own account (for
    /// accounts whose devices are known out of band, e.g. a
    /// [`StaticDevices`](crate::send::StaticDevices)). The default is the client's
    /// [`Directory`]: usync, cached, kept current by `devices` notifications.
    pub fn device_lister(mut self, lister: Arc<dyn DeviceLister>) -> Self {
        self.lister = Some(lister);
        self
    }

    /// [`ClientBuilder::build`], then [`Client::connect`].
    pub async fn start(self) -> Result<Client, ClientError> {
        let client = self.build().await?;
        client.connect().await?;
        Ok(client)
    }

    /// Opens the store (creating the device identity on first use) and spawns the supervision
    /// tree, without connecting yet. Without a store the client keeps its identity in memory
    /// only.
    pub async fn build(self) -> Result<Client, ClientError> {
        let store: Arc<dyn Store> = match (self.store, self.sqlite_path) {
            (Some(store), _) => store,
            (None, Some(path)) => Arc::new(SqliteStore::open(&path).await?),
            (None, None) => Arc::new(MemoryStore::new()),
        };
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(WsTransport::new()?),
        };
        let counters = Arc::new(Counters::default());
        let flow = Flow::new(self.config.inbound_high_water);
        let live = LiveConn::default();
        let identity = IdentityCell::default();
        let outbox = OutboxHandle::default();
        let config = self.config;
        let directory = Directory::load(
            store.clone(),
            crate::store::AccountId::new(config.account.clone()),
            live.clone(),
            config.iq_timeout,
            config.directory,
        )
        .await?;
        // The send path asks the directory (usync, cached) unless told otherwise.
        let lister = self.lister.unwrap_or_else(|| Arc::new(directory.clone()));
        let media = Media::new(config.media.clone(), live.clone(), config.iq_timeout)?;
        let app_state = crate::appstate::AppStateHandle::default();
        let signal = crate::state::SignalHandle::default();
        let (sup, _) = Actor::spawn(
            None,
            ClientSup,
            ClientSupArgs {
                config: config.clone(),
                store,
                transport,
                counters: counters.clone(),
                flow: flow.clone(),
                live: live.clone(),
                identity: identity.clone(),
                outbox: outbox.clone(),
                lister,
                directory: directory.clone(),
                app_state: app_state.clone(),
                media: media.clone(),
                signal_handle: signal.clone(),
            },
        )
        .await?;
        let broadcaster = match sup
            .call(
                |p| ClientSupMsg::Api(ApiMsg::Broadcaster(p)),
                Some(API_TIMEOUT),
            )
            .await
        {
            Ok(CallResult::Success(b)) => b,
            _ => return Err(ClientError::Stopped),
        };
        Ok(Client::new(
            sup,
            broadcaster,
            ClientShared {
                counters,
                flow,
                live,
                identity,
                outbox,
                directory,
                app_state,
                signal,
            },
            Arc::new(config),
            media,
        ))
    }
}
