//! The typed queries of [`Client`]: device lists, registration lookups and group metadata,
//! answered by the shared [`Directory`] (cache first where the data allows).

use wa_protocol::binary::Jid;
use wa_protocol::stanza::notification::GroupInfo;

use super::handle::Client;
use crate::directory::{Directory, OnWhatsApp, QueryError, UserDevices};

impl Client {
    /// The directory behind these queries: the LID ↔ phone-number map and the caches, shared
    /// with the send path.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The device lists (and LIDs) of `users`, from the cache when fresh, else from the
    /// server. Users without a list (not on WhatsApp) are left out.
    pub async fn user_devices(&self, users: &[Jid]) -> Result<Vec<UserDevices>, QueryError> {
        self.directory.user_devices(users).await
    }

    /// Which of `phones` (international numbers) are on WhatsApp, with their JIDs and LIDs.
    pub async fn is_on_whatsapp(&self, phones: &[&str]) -> Result<Vec<OnWhatsApp>, QueryError> {
        self.directory.is_on_whatsapp(phones).await
    }

    /// A group's metadata: subject, participants (with their other address), addressing
    /// mode. Cached until a `w:gp2` change of the group or the configured age.
    pub async fn group_info(&self, group: &Jid) -> Result<GroupInfo, QueryError> {
        self.directory.group_info(group).await
    }

    /// Every group this account is in, from the server.
    pub async fn joined_groups(&self) -> Result<Vec<GroupInfo>, QueryError> {
        self.directory.joined_groups().await
    }
}
