//! The ractor supervision tree, events, store and public client API of wa-actors.
