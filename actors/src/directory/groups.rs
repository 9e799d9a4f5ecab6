//! Group metadata: one group (cache first) and the groups we are in.

use wa_protocol::binary::Jid;
use wa_protocol::groups::{group_info_iq, joined_groups_iq, parse_group_info, parse_joined_groups};
use wa_protocol::stanza::notification::GroupInfo;

use super::{unix_now, Directory, QueryError};

impl Directory {
    pub(super) fn remember_group(&self, info: &GroupInfo) {
        for p in &info.participants {
            if let Some(alt) = &p.alt {
                if p.jid.is_lid() {
                    self.learn_lid(alt, &p.jid);
                } else {
                    self.learn_lid(&p.jid, alt);
                }
            }
        }
        self.0
            .groups
            .insert(info.jid.to_non_ad(), (unix_now(), info.clone()));
    }

    /// `group`'s metadata (subject, participants, addressing mode…), from the cache when
    /// fresh, else from the server (`w:g2` `<query request="interactive"/>`).
    pub async fn group_info(&self, group: &Jid) -> Result<GroupInfo, QueryError> {
        if let Some(info) = self.cached_group(group) {
            return Ok(info);
        }
        let reply = self
            .0
            .live
            .iq(group_info_iq(group), self.0.iq_timeout)
            .await?;
        let info = parse_group_info(&reply, group)?;
        self.remember_group(&info);
        self.flush().await;
        Ok(info)
    }

    /// Every group this account is in, always from the server (`<participating>`); each
    /// refreshes the group cache.
    pub async fn joined_groups(&self) -> Result<Vec<GroupInfo>, QueryError> {
        let reply = self
            .0
            .live
            .iq(joined_groups_iq(), self.0.iq_timeout)
            .await?;
        let groups = parse_joined_groups(&reply)?;
        for g in &groups {
            self.remember_group(g);
        }
        self.flush().await;
        Ok(groups)
    }
}
