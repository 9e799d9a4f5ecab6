//! [`Bot`] and [`BotBuilder`]: a client whose handlers are subscribed before it connects.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::context::MessageContext;
use super::error::{BotError, HandlerError};
use crate::broadcaster::SubscriptionId;
use crate::events::{Event, EventFilter, EventKind};
use crate::store::Store;
use crate::{Client, ClientBuilder};

/// How often [`Bot::run`] looks whether the client has stopped. The root actor has no
/// "stopped" notification a handle can wait on, and a stop is rare, so a slow poll is enough.
const STOP_POLL: Duration = Duration::from_millis(250);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type EventFn = Arc<dyn Fn(Event, Client) -> BoxFuture<()> + Send + Sync>;
type MessageFn = Arc<dyn Fn(MessageContext) -> BoxFuture<Result<(), HandlerError>> + Send + Sync>;

/// Configures a [`Bot`]: the client (store, server, options) and its handlers.
#[derive(Default)]
pub struct BotBuilder {
    client: ClientBuilder,
    events: Vec<(EventFilter, EventFn)>,
    messages: Vec<MessageFn>,
    own_messages: bool,
}

impl BotBuilder {
    /// Uses this store (the seed's `with_backend`).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.client = self.client.store(store);
        self
    }

    /// Uses (and creates if needed) the SQLite store at `path`.
    pub fn sqlite(mut self, path: impl AsRef<Path>) -> Self {
        self.client = self.client.sqlite(path);
        self
    }

    /// Any other client option: `f` gets the client builder and returns it changed.
    pub fn client(mut self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.client = f(self.client);
        self
    }

    /// Runs `f(event, client)` for every event, one at a time, in its own actor.
    pub fn on_event<F, Fut>(self, f: F) -> Self
    where
        F: Fn(Event, Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_events(EventFilter::all(), f)
    }

    /// [`BotBuilder::on_event`] for the events passing `filter` only (checked by the
    /// broadcaster, so the others are never cloned for this handler).
    pub fn on_events<F, Fut>(mut self, filter: EventFilter, f: F) -> Self
    where
        F: Fn(Event, Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.events
            .push((filter, Arc::new(move |e, c| Box::pin(f(e, c)))));
        self
    }

    /// Runs `f(ctx)` for every decrypted message from someone else (see
    /// [`BotBuilder::include_own_messages`]), one at a time, in its own actor. An error it
    /// returns is logged with the message id; the next message is handled as usual.
    pub fn on_message<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(MessageContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.messages.push(Arc::new(move |ctx| Box::pin(f(ctx))));
        self
    }

    /// Whether message handlers also see what this account sent from its other devices.
    /// Off by default: a bot that answers its own copies would answer itself forever.
    pub fn include_own_messages(mut self, yes: bool) -> Self {
        self.own_messages = yes;
        self
    }

    /// Builds the client and subscribes every handler, without connecting (see
    /// [`Bot::connect`], [`Bot::run`]).
    pub async fn build(self) -> Result<Bot, BotError> {
        let client = self.client.build().await?;
        let mut subscriptions = Vec::new();
        for (filter, f) in self.events {
            let id = client.on_event(filter, move |e, c| f(e, c)).await?;
            subscriptions.push(id);
        }
        for f in self.messages {
            let own = self.own_messages;
            let filter = EventFilter::kinds([EventKind::Message]);
            let id = client
                .on_event(filter, move |event, client| {
                    let f = Arc::clone(&f);
                    async move { handle_message(event, client, own, f).await }
                })
                .await?;
            subscriptions.push(id);
        }
        Ok(Bot {
            client,
            subscriptions,
        })
    }

    /// [`BotBuilder::build`], then [`Bot::connect`].
    pub async fn start(self) -> Result<Bot, BotError> {
        let bot = self.build().await?;
        bot.connect().await?;
        Ok(bot)
    }
}

async fn handle_message(event: Event, client: Client, own: bool, f: MessageFn) {
    let Event::Message(message, info) = event else {
        return;
    };
    if info.source.is_from_me && !own {
        return;
    }
    let id = info.id.clone();
    if let Err(error) = f(MessageContext::new(client, message, info)).await {
        tracing::warn!(message = %id, %error, "message handler failed");
    }
}

/// A client with its handlers subscribed. Cheap to clone through [`Bot::client`].
#[derive(Debug)]
pub struct Bot {
    client: Client,
    subscriptions: Vec<SubscriptionId>,
}

impl Bot {
    /// Starts configuring a bot.
    pub fn builder() -> BotBuilder {
        BotBuilder::default()
    }

    /// The client the bot runs on.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The handlers' subscriptions, in the order they were added (event handlers first).
    pub fn subscriptions(&self) -> &[SubscriptionId] {
        &self.subscriptions
    }

    /// Connects (pairing first on a fresh store: watch for `Event::PairingQrCode`).
    pub async fn connect(&self) -> Result<(), BotError> {
        Ok(self.client.connect().await?)
    }

    /// Connects and waits until the client stops for good: [`Bot::stop`] from another task,
    /// a logout, or a meltdown (the reason is in [`Client::status`]).
    pub async fn run(&self) -> Result<(), BotError> {
        self.connect().await?;
        while self.client.is_running() {
            tokio::time::sleep(STOP_POLL).await;
        }
        Ok(())
    }

    /// Removes the handlers and stops the client.
    pub async fn stop(&self) {
        for id in &self.subscriptions {
            self.client.unsubscribe(*id);
        }
        self.client.stop().await;
    }
}
