//! Media transfers of a client (issue 13): the `media_conn` cache, uploads and downloads over
//! HTTPS, and media fields in and out of messages. The crypto and URL rules are
//! `wa_protocol::media`'s; this module moves the bytes.

mod api;
mod body;
pub mod config;
mod conn_cache;
pub mod error;
mod http;
pub mod message;
mod transfer;

pub use config::MediaConfig;
pub use error::{MediaError, MediaSetupError};
pub use message::{MediaMessage, MediaRef, UploadedMedia};
pub use transfer::Progress;
pub use wa_protocol::media::MediaType;

pub(crate) use transfer::Media;
