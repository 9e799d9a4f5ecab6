//! JIDs: WhatsApp addresses such as `15551234567@s.whatsapp.net`, `15551234567:3@s.whatsapp.net`
//! (a device), `123456789012345:7@lid`, `120363025246125486@g.us`, `status@broadcast`.
//!
//! String form (whatsmeow `types/jid.go`, Baileys `jid-utils.ts`): `user@server`; with a device,
//! `user:device@server`; with a raw AD agent, `user.agent:device@server` (`user_agent` is also
//! accepted when parsing, as Baileys writes it); interop JIDs as `integrator-user:device@interop`.
//! A JID with an empty user prints as `@server` (the form the server uses in `to`/`from`).

use std::fmt;
use std::str::FromStr;

use super::error::JidError;

/// The server (domain) part of a JID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Server {
    /// `s.whatsapp.net`: phone-number users and their devices.
    DefaultUser,
    /// `g.us`: groups.
    Group,
    /// `c.us`: legacy user server (still used for a few service accounts).
    LegacyUser,
    /// `broadcast`: broadcast lists and `status@broadcast`.
    Broadcast,
    /// `lid`: hidden-user (LID) identities.
    Lid,
    /// `msgr`: Messenger users (FB_JID encoding).
    Messenger,
    /// `interop`: interoperability users (INTEROP_JID encoding).
    Interop,
    /// `newsletter`: channels.
    Newsletter,
    /// `hosted`: hosted (Cloud API) phone-number devices.
    Hosted,
    /// `hosted.lid`: hosted LID devices.
    HostedLid,
    /// `bot`: Meta AI bots.
    Bot,
    /// `call`: call links.
    Call,
    /// Any other server. Build it with [`Server::from`] so known names map to their variants.
    Other(Box<str>),
}

impl Server {
    /// The server name as it appears after the `@`.
    pub fn as_str(&self) -> &str {
        match self {
            Server::DefaultUser => "s.whatsapp.net",
            Server::Group => "g.us",
            Server::LegacyUser => "c.us",
            Server::Broadcast => "broadcast",
            Server::Lid => "lid",
            Server::Messenger => "msgr",
            Server::Interop => "interop",
            Server::Newsletter => "newsletter",
            Server::Hosted => "hosted",
            Server::HostedLid => "hosted.lid",
            Server::Bot => "bot",
            Server::Call => "call",
            Server::Other(s) => s,
        }
    }

    /// The AD-JID domain type byte for servers that have one (0, 1, 128, 129).
    pub fn domain_type(&self) -> Option<u8> {
        match self {
            Server::DefaultUser => Some(DOMAIN_WHATSAPP),
            Server::Lid => Some(DOMAIN_LID),
            Server::Hosted => Some(DOMAIN_HOSTED),
            Server::HostedLid => Some(DOMAIN_HOSTED_LID),
            _ => None,
        }
    }
}

impl From<&str> for Server {
    fn from(s: &str) -> Self {
        match s {
            "s.whatsapp.net" => Server::DefaultUser,
            "g.us" => Server::Group,
            "c.us" => Server::LegacyUser,
            "broadcast" => Server::Broadcast,
            "lid" => Server::Lid,
            "msgr" => Server::Messenger,
            "interop" => Server::Interop,
            "newsletter" => Server::Newsletter,
            "hosted" => Server::Hosted,
            "hosted.lid" => Server::HostedLid,
            "bot" => Server::Bot,
            "call" => Server::Call,
            other => Server::Other(other.into()),
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// AD-JID domain type of `s.whatsapp.net`.
pub const DOMAIN_WHATSAPP: u8 = 0;
/// AD-JID domain type of `lid`.
pub const DOMAIN_LID: u8 = 1;
/// AD-JID domain type of `hosted`.
pub const DOMAIN_HOSTED: u8 = 128;
/// AD-JID domain type of `hosted.lid`.
pub const DOMAIN_HOSTED_LID: u8 = 129;

/// A WhatsApp address. `Display` and `Debug` both print it as WhatsApp writes it
/// (`15550000001:1@s.whatsapp.net`), so logged stanzas and events stay readable.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    /// The user part (phone number, LID, group id, ...); empty for server JIDs like `@s.whatsapp.net`.
    pub user: String,
    /// The server part.
    pub server: Server,
    /// Raw AD agent (domain type byte) for `s.whatsapp.net` JIDs decoded with an unknown domain
    /// type; 0 otherwise.
    pub agent: u8,
    /// Device number; 0 is the primary device (and is not printed).
    pub device: u16,
    /// Interop integrator id (only for `interop` JIDs).
    pub integrator: u16,
}

impl Jid {
    /// `user@server`.
    pub fn new(user: impl Into<String>, server: Server) -> Self {
        Jid {
            user: user.into(),
            server,
            agent: 0,
            device: 0,
            integrator: 0,
        }
    }

    /// A phone-number user `user@s.whatsapp.net`.
    pub fn pn(user: impl Into<String>) -> Self {
        Jid::new(user, Server::DefaultUser)
    }

    /// A LID user `user@lid`.
    pub fn lid(user: impl Into<String>) -> Self {
        Jid::new(user, Server::Lid)
    }

    /// A group `id@g.us`.
    pub fn group(id: impl Into<String>) -> Self {
        Jid::new(id, Server::Group)
    }

    /// The bare server JID `@s.whatsapp.net`, the usual `to` of IQs.
    pub fn server_jid() -> Self {
        Jid::new("", Server::DefaultUser)
    }

    /// `status@broadcast`.
    pub fn status_broadcast() -> Self {
        Jid::new("status", Server::Broadcast)
    }

    /// The same JID with device `device`.
    #[must_use]
    pub fn with_device(mut self, device: u16) -> Self {
        self.device = device;
        self
    }

    /// The user JID without agent and device (`user:3@s.whatsapp.net` → `user@s.whatsapp.net`).
    #[must_use]
    pub fn to_non_ad(&self) -> Self {
        Jid {
            user: self.user.clone(),
            server: self.server.clone(),
            agent: 0,
            device: 0,
            integrator: self.integrator,
        }
    }

    /// True when user and server are equal, ignoring agent and device.
    pub fn same_user(&self, other: &Jid) -> bool {
        self.user == other.user && self.server == other.server
    }

    /// The AD-JID domain type byte: the server's, or the raw agent for `s.whatsapp.net`.
    pub fn domain_type(&self) -> Option<u8> {
        match self.server {
            Server::DefaultUser if self.agent != 0 => Some(self.agent),
            _ => self.server.domain_type(),
        }
    }

    /// True for `g.us` JIDs.
    pub fn is_group(&self) -> bool {
        self.server == Server::Group
    }

    /// True for `s.whatsapp.net` JIDs.
    pub fn is_pn(&self) -> bool {
        self.server == Server::DefaultUser
    }

    /// True for `lid` JIDs.
    pub fn is_lid(&self) -> bool {
        self.server == Server::Lid
    }

    /// True for `hosted` and `hosted.lid` JIDs.
    pub fn is_hosted(&self) -> bool {
        matches!(self.server, Server::Hosted | Server::HostedLid)
    }

    /// True for `newsletter` JIDs.
    pub fn is_newsletter(&self) -> bool {
        self.server == Server::Newsletter
    }

    /// True for `broadcast` JIDs (including `status@broadcast`).
    pub fn is_broadcast(&self) -> bool {
        self.server == Server::Broadcast
    }

    /// True for `status@broadcast`.
    pub fn is_status_broadcast(&self) -> bool {
        self.server == Server::Broadcast && self.user == "status"
    }

    /// True for bot JIDs: `@bot`, or the Meta AI numbers on `s.whatsapp.net`/`c.us`
    /// (`1313555xxxx`, `131655500xx`; whatsmeow `IsBot`).
    pub fn is_bot(&self) -> bool {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let bot_number = (self.user.len() == 11
            && self.user.starts_with("1313555")
            && digits(&self.user))
            || (self.user.len() == 11 && self.user.starts_with("131655500") && digits(&self.user));
        self.server == Server::Bot
            || (matches!(self.server, Server::DefaultUser | Server::LegacyUser)
                && bot_number
                && self.device == 0)
    }

    /// True for server JIDs with no user (`@s.whatsapp.net`, `@g.us`).
    pub fn is_server(&self) -> bool {
        self.user.is_empty()
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.server == Server::Interop && self.integrator != 0 {
            write!(f, "{}-", self.integrator)?;
        }
        f.write_str(&self.user)?;
        if self.agent != 0 {
            write!(f, ".{}:{}", self.agent, self.device)?;
        } else if self.device != 0 {
            write!(f, ":{}", self.device)?;
        }
        write!(f, "@{}", self.server)
    }
}

impl fmt::Debug for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jid({self})")
    }
}

impl FromStr for Jid {
    type Err = JidError;

    /// Parses `user[.agent|_agent][:device]@server`, `integrator-user:device@interop`, or a bare
    /// `server` (no `@`) as a server JID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts = JidParts::parse(s)?;
        Ok(parts.to_jid())
    }
}

/// A parsed JID string that still borrows its text and remembers which optional parts were
/// written. The encoder needs both: it writes strings that look like JIDs in JID form without
/// allocating, and an explicit `:0` device selects the AD_JID form (as Baileys does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JidParts<'a> {
    pub user: &'a str,
    pub server: &'a str,
    pub agent: Option<u8>,
    pub device: Option<u16>,
    pub integrator: Option<u16>,
}

impl<'a> JidParts<'a> {
    /// Splits a JID string; see [`Jid::from_str`] for the accepted forms.
    pub fn parse(s: &'a str) -> Result<Self, JidError> {
        let Some((mut user, server)) = s.split_once('@') else {
            return Ok(JidParts {
                user: "",
                server: non_empty_server(s)?,
                agent: None,
                device: None,
                integrator: None,
            });
        };
        if server.contains('@') {
            return Err(JidError::TooManyAt);
        }
        let server = non_empty_server(server)?;
        let mut integrator = None;
        if server == "interop" {
            if let Some((int, rest)) = user.split_once('-') {
                integrator = Some(
                    parse_decimal::<u16>(int).ok_or_else(|| JidError::BadIntegrator(int.into()))?,
                );
                user = rest;
            }
        }
        let mut device = None;
        if let Some((rest, dev)) = user.split_once(':') {
            device =
                Some(parse_decimal::<u16>(dev).ok_or_else(|| JidError::BadDevice(dev.into()))?);
            user = rest;
        }
        let mut agent = None;
        if let Some(at) = user.find(['.', '_']) {
            let (rest, ag) = (&user[..at], &user[at + 1..]);
            agent = Some(parse_decimal::<u8>(ag).ok_or_else(|| JidError::BadAgent(ag.into()))?);
            user = rest;
        }
        Ok(JidParts {
            user,
            server,
            agent,
            device,
            integrator,
        })
    }

    /// The owned [`Jid`]. An agent equal to the server's own domain type is dropped, and an
    /// agent on `s.whatsapp.net` that names another domain moves the JID to that server, which
    /// is how it decodes after a round trip through the AD_JID encoding.
    pub fn to_jid(self) -> Jid {
        let mut server = Server::from(self.server);
        let mut agent = self.agent.unwrap_or(0);
        if server == Server::DefaultUser {
            match agent {
                DOMAIN_LID => server = Server::Lid,
                DOMAIN_HOSTED => server = Server::Hosted,
                DOMAIN_HOSTED_LID => server = Server::HostedLid,
                _ => {}
            }
        }
        if server.domain_type() == Some(agent)
            || (server != Server::DefaultUser && server.domain_type().is_some())
        {
            agent = 0;
        }
        Jid {
            user: self.user.to_owned(),
            server,
            agent,
            device: self.device.unwrap_or(0),
            integrator: self.integrator.unwrap_or(0),
        }
    }
}

fn non_empty_server(s: &str) -> Result<&str, JidError> {
    if s.is_empty() {
        Err(JidError::EmptyServer)
    } else {
        Ok(s)
    }
}

/// Plain ASCII decimal (no sign, no spaces), within `T`'s range.
fn parse_decimal<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
#[path = "jid_tests.rs"]
mod tests;
