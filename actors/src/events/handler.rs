//! The event-handler trait of the callback-style API this crate replaces, kept so existing
//! handlers port with one line (`broadcaster.add_handler(Arc::new(MyHandler))`).

use super::Event;

/// A synchronous event callback. Runs in its own small actor, so a slow or panicking handler
/// never blocks or takes down the broadcaster; a handler that panics is removed.
pub trait EventHandler: Send + Sync + 'static {
    /// Called once per event, in publish order.
    fn handle_event(&self, event: &Event);
}
