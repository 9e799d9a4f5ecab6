//! Numeric code tables of `<failure>` stanzas: connect-failure reasons and temporary-ban codes.
//!
//! Names and numbers follow whatsmeow `types/events/events.go` (`ConnectFailureReason`,
//! `TempBanReason`) and whatsapp-rust `wacore/src/types/events.rs`; see
//! `shared/protocol/transport.md` §8 and `shared/protocol/events.md`.

use serde::Serialize;

/// Why the server refused a login, from the `reason` attribute of `<failure>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ConnectFailureReason {
    /// 400: generic failure.
    Generic,
    /// 401: the device was logged out; the session must be deleted.
    LoggedOut,
    /// 402: the account is temporarily banned (see [`TempBanReason`]).
    TempBanned,
    /// 403: the primary device is gone ("LOCKED" in WhatsApp Web); logged out.
    MainDeviceGone,
    /// 405: this client version is too old.
    ClientOutdated,
    /// 406: unknown logout ("BANNED" in WhatsApp Web); logged out.
    UnknownLogout,
    /// 409: the user agent was rejected.
    BadUserAgent,
    /// 413: the client access token expired (Messenger only).
    CatExpired,
    /// 414: the client access token is invalid (Messenger only).
    CatInvalid,
    /// 415: not found.
    NotFound,
    /// 418: the server does not know this client.
    ClientUnknown,
    /// 500: the server failed internally; reconnecting is worthwhile.
    InternalServerError,
    /// 501: experimental.
    Experimental,
    /// 503: the service is unavailable; reconnecting is worthwhile.
    ServiceUnavailable,
    /// Any code not listed above, kept verbatim.
    Unknown(i32),
}

impl ConnectFailureReason {
    /// Maps the numeric `reason` attribute to its variant; unlisted codes become `Unknown`.
    pub fn from_code(code: i32) -> Self {
        match code {
            400 => Self::Generic,
            401 => Self::LoggedOut,
            402 => Self::TempBanned,
            403 => Self::MainDeviceGone,
            405 => Self::ClientOutdated,
            406 => Self::UnknownLogout,
            409 => Self::BadUserAgent,
            413 => Self::CatExpired,
            414 => Self::CatInvalid,
            415 => Self::NotFound,
            418 => Self::ClientUnknown,
            500 => Self::InternalServerError,
            501 => Self::Experimental,
            503 => Self::ServiceUnavailable,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code on the wire (inverse of [`Self::from_code`]).
    pub fn code(&self) -> i32 {
        match self {
            Self::Generic => 400,
            Self::LoggedOut => 401,
            Self::TempBanned => 402,
            Self::MainDeviceGone => 403,
            Self::ClientOutdated => 405,
            Self::UnknownLogout => 406,
            Self::BadUserAgent => 409,
            Self::CatExpired => 413,
            Self::CatInvalid => 414,
            Self::NotFound => 415,
            Self::ClientUnknown => 418,
            Self::InternalServerError => 500,
            Self::Experimental => 501,
            Self::ServiceUnavailable => 503,
            Self::Unknown(code) => *code,
        }
    }

    /// True when the session is gone for good and the stored identity must be wiped
    /// (401, 403, 406), as whatsmeow's `IsLoggedOut`.
    pub fn is_logged_out(&self) -> bool {
        matches!(
            self,
            Self::LoggedOut | Self::MainDeviceGone | Self::UnknownLogout
        )
    }

    /// True when the failure is transient on the server's side (500, 503) and the client
    /// should reconnect with backoff. 413 is not included: refreshing a CAT is a Messenger flow
    /// this client does not implement, so reconnecting would fail the same way.
    pub fn should_reconnect(&self) -> bool {
        matches!(self, Self::InternalServerError | Self::ServiceUnavailable)
    }
}

impl std::fmt::Display for ConnectFailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown(code) => write!(f, "unknown ({code})"),
            other => write!(f, "{other:?} ({})", other.code()),
        }
    }
}

/// Why the account is temporarily banned, from the `code` attribute of `<failure reason="402">`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TempBanReason {
    /// 101: sent too many messages to people who don't have you in their address books.
    SentToTooManyPeople,
    /// 102: too many people blocked you.
    BlockedByUsers,
    /// 103: created too many groups with people who don't have you in their address books.
    CreatedTooManyGroups,
    /// 104: sent the same message to too many people.
    SentTooManySameMessage,
    /// 106: sent too many messages to a broadcast list.
    BroadcastList,
    /// Any other code (105 is defined by no reference client and lands here too).
    Unknown(i32),
}

impl TempBanReason {
    /// Maps the numeric `code` attribute to its variant; unlisted codes become `Unknown`.
    pub fn from_code(code: i32) -> Self {
        match code {
            101 => Self::SentToTooManyPeople,
            102 => Self::BlockedByUsers,
            103 => Self::CreatedTooManyGroups,
            104 => Self::SentTooManySameMessage,
            106 => Self::BroadcastList,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code on the wire (inverse of [`Self::from_code`]).
    pub fn code(&self) -> i32 {
        match self {
            Self::SentToTooManyPeople => 101,
            Self::BlockedByUsers => 102,
            Self::CreatedTooManyGroups => 103,
            Self::SentTooManySameMessage => 104,
            Self::BroadcastList => 106,
            Self::Unknown(code) => *code,
        }
    }

    /// A human-readable explanation of the ban, as shown to the account owner.
    pub fn description(&self) -> &'static str {
        match self {
            Self::SentToTooManyPeople => {
                "you sent too many messages to people who don't have you in their address books"
            }
            Self::BlockedByUsers => "too many people blocked you",
            Self::CreatedTooManyGroups => {
                "you created too many groups with people who don't have you in their address books"
            }
            Self::SentTooManySameMessage => "you sent the same message to too many people",
            Self::BroadcastList => "you sent too many messages to a broadcast list",
            Self::Unknown(_) => "you may have violated the terms of service",
        }
    }
}

impl std::fmt::Display for TempBanReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.description(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURE_CODES: [i32; 14] = [
        400, 401, 402, 403, 405, 406, 409, 413, 414, 415, 418, 500, 501, 503,
    ];

    #[test]
    fn every_listed_failure_code_round_trips_and_is_not_unknown() {
        for code in FAILURE_CODES {
            let reason = ConnectFailureReason::from_code(code);
            assert!(
                !matches!(reason, ConnectFailureReason::Unknown(_)),
                "{code}"
            );
            assert_eq!(reason.code(), code);
        }
        assert_eq!(
            ConnectFailureReason::from_code(404),
            ConnectFailureReason::Unknown(404)
        );
        assert_eq!(ConnectFailureReason::Unknown(404).code(), 404);
    }

    #[test]
    fn logged_out_and_reconnect_sets_match_the_transport_table() {
        let logged_out: Vec<i32> = FAILURE_CODES
            .into_iter()
            .filter(|c| ConnectFailureReason::from_code(*c).is_logged_out())
            .collect();
        assert_eq!(logged_out, [401, 403, 406]);
        let reconnect: Vec<i32> = FAILURE_CODES
            .into_iter()
            .filter(|c| ConnectFailureReason::from_code(*c).should_reconnect())
            .collect();
        assert_eq!(reconnect, [500, 503]);
        assert!(!ConnectFailureReason::Unknown(599).should_reconnect());
        assert!(!ConnectFailureReason::Unknown(599).is_logged_out());
    }

    #[test]
    fn temp_ban_codes_round_trip_and_105_is_unknown() {
        for code in [101, 102, 103, 104, 106] {
            let reason = TempBanReason::from_code(code);
            assert!(!matches!(reason, TempBanReason::Unknown(_)), "{code}");
            assert_eq!(reason.code(), code);
        }
        assert_eq!(TempBanReason::from_code(105), TempBanReason::Unknown(105));
        assert!(TempBanReason::from_code(102)
            .to_string()
            .contains("blocked you"));
        assert!(TempBanReason::Unknown(7)
            .description()
            .contains("terms of service"));
    }
}
