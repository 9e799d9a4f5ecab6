//! The server's shared state: devices, live connections, recordings, pairing and prekeys.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, watch};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::crypto::PublicKey;

use crate::account::PresenceBook;
use crate::behaviour::Behaviour;
use crate::certs::ServerIdentity;
use crate::connection::Command;
use crate::contact::ContactState;
use crate::delivery::ClientReceipt;
use crate::directory::DirectoryState;
use crate::faults::Faults;
use crate::groups::GroupState;
use crate::outgoing::Outgoing;
use crate::own_phone::OwnPhones;
use crate::phone::Phone;
use crate::prekeys::UploadedKeys;
use crate::queue::Queue;
use crate::registration::{PairCodeRequest, Registration};
use crate::server::LoginRecord;

/// A device (phone number, device id) the server accepts logins from.
pub(crate) type DeviceKey = (u64, u32);

/// A device allowed to log in.
#[derive(Debug, Clone)]
pub(crate) struct DeviceEntry {
    /// The Noise static key its login must present.
    pub noise_key: PublicKey,
    /// Its phone-number JID (with device).
    pub jid: Jid,
    /// Its LID (with device).
    pub lid: Jid,
}

pub(crate) struct Live {
    pub id: u64,
    pub commands: mpsc::UnboundedSender<Command>,
    /// The device logged in on this connection, once `<success>` was sent.
    pub device: Option<DeviceKey>,
}

pub(crate) struct State {
    pub devices: HashMap<DeviceKey, DeviceEntry>,
    pub behaviour: Behaviour,
    pub live: Vec<Live>,
    pub received: Vec<(u64, Node)>,
    pub logins: Vec<LoginRecord>,
    pub accepted_at: Vec<Instant>,
    pub next_conn: u64,
    pub next_phone: u64,
    /// Registration connections, by connection id.
    pub registrations: HashMap<u64, Registration>,
    /// Phones by number: one number keeps one identity.
    pub phones: HashMap<u64, Phone>,
    /// The phone that scans QR codes unless a test names another.
    pub default_phone: Option<u64>,
    /// Server-sent iqs awaiting the client's answer, by (connection, iq id).
    pub pending: HashMap<(u64, String), oneshot::Sender<Node>>,
    /// `companion_hello` requests in arrival order, each with whether a code was entered for it.
    pub code_requests: Vec<(PairCodeRequest, bool)>,
    /// `companion_finish` iqs, by connection.
    pub code_finishes: HashMap<u64, Node>,
    /// One-time and signed prekeys uploaded by logged-in devices.
    pub prekeys: HashMap<DeviceKey, UploadedKeys>,
    /// Stanzas for our devices, acked or not.
    pub queue: Queue,
    /// The fault plan and its drops.
    pub faults: Faults,
    /// Drops decided on client `<message>`s ([`FakeServer::set_send_fault_plan`]).
    pub send_faults: Faults,
    /// Client `<message>`s seen, the sequence number of the send fault plan.
    pub client_messages_seen: u64,
    /// Receipts our devices sent.
    pub client_receipts: Vec<ClientReceipt>,
    /// Acks that matched nothing queued.
    pub unmatched_acks: Vec<Node>,
    /// Simulated contacts by phone number.
    pub contacts: HashMap<u64, ContactState>,
    /// Groups by JID string.
    pub groups: HashMap<String, GroupState>,
    /// Messages our clients sent, and the acks the test asked for.
    pub outgoing: Outgoing,
    /// Our accounts' phones as receivers.
    pub own_phones: OwnPhones,
    /// Our accounts' phones' app state (collections, keys), by phone number.
    pub app_states: crate::app_state::PhoneAppStates,
    /// History the phones send after pairing, and what they sent.
    pub history: crate::history::HistoryAuto,
    /// Contacts' companion devices, for usync.
    pub directory: DirectoryState,
    /// Contacts' presence, for subscriptions.
    pub presence: PresenceBook,
    /// The media host `media_conn` names, once a test started one.
    pub media: Option<crate::media_host::MediaHost>,
}

impl State {
    pub fn new(first_phone: u64) -> Self {
        Self {
            devices: HashMap::new(),
            behaviour: Behaviour::default(),
            live: Vec::new(),
            received: Vec::new(),
            logins: Vec::new(),
            accepted_at: Vec::new(),
            next_conn: 0,
            next_phone: first_phone,
            registrations: HashMap::new(),
            phones: HashMap::new(),
            default_phone: None,
            pending: HashMap::new(),
            code_requests: Vec::new(),
            code_finishes: HashMap::new(),
            prekeys: HashMap::new(),
            queue: Queue::default(),
            faults: Faults::default(),
            send_faults: Faults::default(),
            client_messages_seen: 0,
            client_receipts: Vec::new(),
            unmatched_acks: Vec::new(),
            media: None,
            contacts: HashMap::new(),
            groups: HashMap::new(),
            outgoing: Outgoing::default(),
            own_phones: OwnPhones::default(),
            app_states: Default::default(),
            history: Default::default(),
            directory: DirectoryState::default(),
            presence: PresenceBook::default(),
        }
    }

    /// A fresh phone number.
    pub fn next_phone(&mut self) -> u64 {
        self.next_phone += 1;
        self.next_phone
    }

    pub fn is_live(&self, conn: u64) -> bool {
        self.live.iter().any(|l| l.id == conn)
    }

    /// Queues `command` on connection `conn`; false when it is gone.
    pub fn send_to(&self, conn: u64, command: Command) -> bool {
        self.live
            .iter()
            .find(|l| l.id == conn)
            .is_some_and(|l| l.commands.send(command).is_ok())
    }

    /// The registered device a JID (phone number or LID, with device) names.
    pub fn device_key(&self, jid: &Jid) -> Option<DeviceKey> {
        let by_pn = jid
            .user
            .parse::<u64>()
            .ok()
            .map(|u| (u, u32::from(jid.device)))
            .filter(|k| jid.is_pn() && self.devices.contains_key(k));
        by_pn.or_else(|| {
            self.devices
                .iter()
                .find(|(_, d)| d.lid.user == jid.user && d.lid.device == jid.device)
                .map(|(k, _)| *k)
        })
    }
}

pub(crate) struct Shared {
    pub identity: ServerIdentity,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
}

impl Shared {
    pub fn new(identity: ServerIdentity, first_phone: u64) -> Self {
        let (changed, _) = watch::channel(0);
        Self {
            identity,
            state: Mutex::new(State::new(first_phone)),
            changed,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not wedge every later call: take the data anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter after a change.
    pub fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver that sees every later [`Shared::notify`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
