//! Why a testkit operation failed.

use wa_protocol::binary::Jid;
use wa_protocol::pairing::adv_primary::CountersignError;
use wa_protocol::pairing::qr_scan::QrParseError;
use wa_protocol::pairing::PairCodeError;
use wa_protocol::signal::SignalError;

/// Why a testkit operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// Binding the listener failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A wait ran out of time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The QR text is not `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`.
    #[error(transparent)]
    InvalidQr(#[from] QrParseError),
    /// No live registration connection was sent this QR ref.
    #[error("no live registration connection was given this QR ref")]
    UnknownQrRef,
    /// A key the companion presented (in its QR code or `companion_hello`) is not the one its
    /// connection registered with.
    #[error("the companion's {0} does not match its registration")]
    KeyMismatch(&'static str),
    /// The registration connection closed before pairing finished.
    #[error("the registration connection closed during pairing")]
    ConnectionClosed,
    /// The client answered `pair-success` with an error iq.
    #[error("client rejected pairing: {code} {text}")]
    PairingRejected {
        /// The `code` attribute of the client's `<error>`.
        code: u16,
        /// The `text` attribute of the client's `<error>`.
        text: String,
    },
    /// The client's `pair-device-sign` reply is malformed or not what the protocol requires.
    #[error("bad pair-device-sign reply: {0}")]
    BadPairReply(&'static str),
    /// The client's `<device-identity>` reply does not countersign what the phone sent (the
    /// device signature included).
    #[error("bad countersignature: {0}")]
    Countersign(#[from] CountersignError),
    /// The client accepted a `pair-success` forged on purpose (it must have rejected it).
    #[error("the client accepted a forged pair-success")]
    ForgeryAccepted,
    /// No companion asked for a phone-number pairing code (no live `companion_hello`).
    #[error("no pending pair-code request")]
    NoPairCodeRequest,
    /// The pair-code crypto failed on the phone's side (bad code, short key).
    #[error("pair code: {0}")]
    PairCode(#[from] PairCodeError),
    /// The companion's key bundle does not open or does not name the right identities (a
    /// wrong code ends here).
    #[error("key bundle: {0}")]
    KeyBundle(&'static str),
    /// The client's `companion_finish` is malformed.
    #[error("bad companion_finish: {0}")]
    BadCompanionFinish(&'static str),
    /// No registered device has this JID.
    #[error("no registered device {0}")]
    UnknownDevice(Jid),
    /// The device never uploaded prekeys, so no session can be started with it.
    #[error("device {0} has no prekeys on the server")]
    NoPrekeys(Jid),
    /// No contact with this phone number was added.
    #[error("no contact {0}")]
    UnknownContact(u64),
    /// No group with this JID was created.
    #[error("no group {0}")]
    UnknownGroup(Jid),
    /// The contact is not a member of the group.
    #[error("the contact is not a member of {0}")]
    NotMember(Jid),
    /// A retry receipt names a message no contact sent.
    #[error("no contact sent message {0}")]
    UnknownMessage(String),
    /// The message was already re-sent to that device as often as a sender does.
    #[error("message {0} was re-sent too often")]
    TooManyResends(String),
    /// A contact's Signal operation failed (a bad bundle, usually).
    #[error("signal: {0}")]
    Signal(#[from] SignalError),
    /// An app-state patch or snapshot did not build or verify.
    #[error("app state: {0}")]
    AppState(#[from] wa_protocol::appstate::AppStateError),
    /// Bytes given as a `Message` protobuf do not decode as one.
    #[error("not a Message protobuf: {0}")]
    BadMessage(#[source] prost::DecodeError),
}
