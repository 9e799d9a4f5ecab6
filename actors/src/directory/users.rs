//! usync lookups: device lists (cache first) and phone-number registration.

use wa_protocol::binary::Jid;
use wa_protocol::usync::{
    parse_result, query::normalize_phone, ContactStatus, UserDevices, UsyncQuery, UsyncUser,
    MAX_QUERY_USERS,
};

use super::devices::{encode, CachedDevices};
use super::{unix_now, Directory, QueryError};
use crate::store::{Batch, Namespace};

/// Whether one phone number is on WhatsApp (from [`Directory::is_on_whatsapp`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnWhatsApp {
    /// The number asked about, digits only.
    pub query: String,
    /// Its JID (`…@s.whatsapp.net`) as the server names it.
    pub jid: Jid,
    /// Its LID, when the server sent it.
    pub lid: Option<Jid>,
    /// Registered on WhatsApp.
    pub is_in: bool,
}

fn sid() -> String {
    format!("{:016x}", rand::random::<u64>())
}

impl Directory {
    async fn usync(&self, query: UsyncQuery) -> Result<Vec<UsyncUser>, QueryError> {
        let iq = query.to_iq(&sid())?;
        let reply = self.0.live.iq(iq, self.0.iq_timeout).await?;
        let users = parse_result(&reply)?;
        for u in &users {
            if let Some((pn, lid)) = u.lid_mapping() {
                self.learn_lid(&pn, &lid);
            }
        }
        Ok(users)
    }

    /// The device lists of `users` (devices in the JIDs are ignored), from the cache when
    /// fresh, else from one usync query per [`MAX_QUERY_USERS`] users missing. Users the
    /// server has no list for are left out; the rest come in the order asked. What is fetched
    /// is cached and stored before this returns.
    pub async fn user_devices(&self, users: &[Jid]) -> Result<Vec<UserDevices>, QueryError> {
        let mut wanted: Vec<Jid> = Vec::with_capacity(users.len());
        for u in users {
            let u = u.to_non_ad();
            if !wanted.contains(&u) {
                wanted.push(u);
            }
        }
        let mut found: Vec<UserDevices> = Vec::with_capacity(wanted.len());
        let missing: Vec<Jid> = wanted
            .iter()
            .filter(|u| match self.cached_devices(u) {
                Some(d) => {
                    found.push(d);
                    false
                }
                None => true,
            })
            .cloned()
            .collect();
        if !missing.is_empty() {
            for chunk in missing.chunks(MAX_QUERY_USERS) {
                let fetched = self.fetch_devices(chunk).await?;
                found.extend(fetched);
            }
            self.flush().await;
        }
        let rank = |d: &UserDevices| wanted.iter().position(|u| *u == d.user);
        found.sort_by_key(|d| rank(d).unwrap_or(usize::MAX));
        Ok(found)
    }

    async fn fetch_devices(&self, users: &[Jid]) -> Result<Vec<UserDevices>, QueryError> {
        let replies = self.usync(UsyncQuery::devices(users)).await?;
        let now = unix_now();
        let mut out = Vec::with_capacity(replies.len());
        for list in replies.iter().filter_map(UsyncUser::user_devices) {
            // Only what was asked is cached: a reply cannot plant lists for other users.
            if !users.contains(&list.user) {
                continue;
            }
            let cached = CachedDevices {
                fetched_at: now,
                devices: list.clone(),
            };
            self.0.persist.write(Batch::new().put(
                Namespace::DEVICE_LISTS,
                list.user.to_string().into_bytes(),
                encode(&cached),
            ));
            self.0.devices.insert(list.user.clone(), cached);
            out.push(list);
        }
        Ok(out)
    }

    /// Which of `phones` (international numbers, `+`, spaces and dashes ignored) are on
    /// WhatsApp, with their JIDs and LIDs (learned into the LID map). Numbers the server does
    /// not answer for are left out.
    pub async fn is_on_whatsapp(&self, phones: &[&str]) -> Result<Vec<OnWhatsApp>, QueryError> {
        let mut out = Vec::with_capacity(phones.len());
        for chunk in phones.chunks(MAX_QUERY_USERS) {
            for u in self
                .usync(UsyncQuery::contacts(chunk.iter().copied()))
                .await?
            {
                let Some(status) = u.contact else { continue };
                let query = u
                    .contact_query
                    .as_deref()
                    .map(|q| normalize_phone(q.split('@').next().unwrap_or_default()))
                    .unwrap_or_else(|| u.jid.user.clone());
                let (jid, lid) = match u.lid_mapping() {
                    Some((pn, lid)) => (pn, Some(lid)),
                    None => (u.jid.clone(), u.lid.clone()),
                };
                out.push(OnWhatsApp {
                    query,
                    jid,
                    lid,
                    is_in: status == ContactStatus::In,
                });
            }
        }
        self.flush().await;
        Ok(out)
    }
}
