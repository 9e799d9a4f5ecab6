//! The client's usync request: `<iq xmlns="usync" type="get" to="s.whatsapp.net"><usync sid
//! mode context last index><query>protocols</query><list><user …/>…</list></usync></iq>`.

use crate::binary::{Jid, Node};
use crate::stanza::iq::SERVER;

use super::{UsyncError, MAX_QUERY_USERS, USYNC_XMLNS};

/// The `mode` of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsyncMode {
    /// `query`: device lists and registration lookups.
    Query,
    /// `full`: complete contact info (whatsmeow `GetUserInfo`).
    Full,
}

impl UsyncMode {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Full => "full",
        }
    }
}

/// The `context` of a query: why the client asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsyncContext {
    /// `message`: device lists for a send.
    Message,
    /// `interactive`: a user-initiated lookup (is this number on WhatsApp?).
    Interactive,
    /// `background`: refreshes the client does by itself.
    Background,
}

impl UsyncContext {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Interactive => "interactive",
            Self::Background => "background",
        }
    }
}

/// Which protocols (`<query>` children) a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsyncProtocols {
    /// `<devices version="2"/>`: device lists.
    pub devices: bool,
    /// `<lid/>`: the user's LID.
    pub lid: bool,
    /// `<contact/>`: whether the user (a phone number) is registered.
    pub contact: bool,
}

/// One `<user>` of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryUser {
    /// `<user jid=…/>`: a known user (phone number or LID, no device).
    Jid(Jid),
    /// `<user><contact>+PHONE</contact></user>`: a phone number to look up, as digits.
    Phone(String),
}

/// A usync query to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsyncQuery {
    /// `mode`.
    pub mode: UsyncMode,
    /// `context`.
    pub context: UsyncContext,
    /// The protocols asked for.
    pub protocols: UsyncProtocols,
    /// The users, in order.
    pub users: Vec<QueryUser>,
}

impl UsyncQuery {
    /// Device lists and LIDs of `users` (`mode="query" context="message"`, Baileys
    /// `getUSyncDevices`). Devices in the JIDs are dropped: usync is asked per user.
    pub fn devices<'a>(users: impl IntoIterator<Item = &'a Jid>) -> Self {
        Self {
            mode: UsyncMode::Query,
            context: UsyncContext::Message,
            protocols: UsyncProtocols {
                devices: true,
                lid: true,
                contact: false,
            },
            users: users
                .into_iter()
                .map(|j| QueryUser::Jid(j.to_non_ad()))
                .collect(),
        }
    }

    /// Which of `phones` are registered, and their JIDs and LIDs (`mode="query"
    /// context="interactive"`, whatsmeow `IsOnWhatsApp`). Phones are digits; a leading `+`
    /// and spaces are ignored.
    pub fn contacts<'a>(phones: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            mode: UsyncMode::Query,
            context: UsyncContext::Interactive,
            protocols: UsyncProtocols {
                devices: false,
                lid: true,
                contact: true,
            },
            users: phones
                .into_iter()
                .map(|p| QueryUser::Phone(normalize_phone(p)))
                .collect(),
        }
    }

    /// The `<iq>` without an `id` (the stanza machine assigns one). `sid` is the query's
    /// session id; no client reads it back, so any unique string will do.
    pub fn to_iq(&self, sid: &str) -> Result<Node, UsyncError> {
        if self.users.is_empty() {
            return Err(UsyncError::NoUsers);
        }
        if self.users.len() > MAX_QUERY_USERS {
            return Err(UsyncError::TooManyUsers {
                count: self.users.len(),
                max: MAX_QUERY_USERS,
            });
        }
        let mut protocols = Vec::with_capacity(3);
        if self.protocols.devices {
            protocols.push(Node::build("devices").attr("version", "2").finish());
        }
        if self.protocols.lid {
            protocols.push(Node::new("lid"));
        }
        if self.protocols.contact {
            protocols.push(Node::new("contact"));
        }
        let users = self.users.iter().map(|u| match u {
            QueryUser::Jid(jid) => Node::build("user").attr("jid", jid.clone()).finish(),
            QueryUser::Phone(phone) => Node::build("user")
                .child(Node::build("contact").string(format!("+{phone}")))
                .finish(),
        });
        let usync = Node::build("usync")
            .attr("sid", sid.to_owned())
            .attr("mode", self.mode.as_str())
            .attr("last", "true")
            .attr("index", "0")
            .attr("context", self.context.as_str())
            .child(Node::build("query").children(protocols))
            .child(Node::build("list").children(users))
            .finish();
        Ok(Node::build("iq")
            .attr("xmlns", USYNC_XMLNS)
            .attr("type", "get")
            .attr("to", SERVER)
            .child(usync)
            .finish())
    }
}

/// Digits only: `+1 555-0100` → `15550100`.
pub fn normalize_phone(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}
