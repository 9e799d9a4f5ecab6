//! The app state of our accounts' phones: one key shared with our devices after pairing,
//! five collections with real contents, the sync iq answered with snapshots (through the
//! media host, when one runs) and patches whose MACs and LTHash are right, our clients'
//! patches verified, applied and announced to the account's other devices, and a corrupted
//! MAC on request. Every patch and snapshot is built with `wa_protocol::appstate`. The sync
//! iq itself is answered in [`sync`].

mod sync;

pub(crate) use sync::sync_iq;

use std::collections::{BTreeMap, HashMap};

use wa_protobuf::wa;
use wa_protocol::appstate::{
    decode_patch, encode_patch, is_collection, CollectionState, ExpandedKeys, Operation,
    OutgoingMutation,
};
use wa_protocol::binary::{Jid, Node};

use crate::envelope::{enc_node, padded};
use crate::error::TestkitError;
use crate::server::{random_id, unix_now, FakeServer};
use crate::state::{DeviceKey, State};

/// Patches per sync answer; more set `has_more_patches`, so clients must loop.
pub(crate) const PAGE: usize = 8;

/// A one-shot corruption of the next sync answer for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppStateCorruption {
    /// The first patch of the next answer carries a wrong patch MAC.
    PatchMac,
    /// The next snapshot carries a wrong MAC.
    SnapshotMac,
}

#[derive(Debug, Default)]
pub(crate) struct ServerCollection {
    pub(crate) state: CollectionState,
    /// The live records by index MAC (what a snapshot holds).
    pub(crate) records: BTreeMap<[u8; 32], wa::SyncdRecord>,
    /// Every patch, oldest first, with its version set.
    pub(crate) patches: Vec<wa::SyncdPatch>,
}

impl ServerCollection {
    /// Verifies `patch` (version set) against the collection, then applies it.
    pub(crate) fn apply(
        &mut self,
        name: &str,
        patch: wa::SyncdPatch,
        keys: &HashMap<Vec<u8>, ExpandedKeys>,
    ) -> Result<Vec<wa_protocol::appstate::DecodedMutation>, TestkitError> {
        let (next, muts) = decode_patch(name, &self.state, &patch, None, keys)?;
        for (m, raw) in muts.iter().zip(&patch.mutations) {
            match m.operation {
                Operation::Set => {
                    if let Some(r) = &raw.record {
                        self.records.insert(m.index_mac, r.clone());
                    }
                }
                Operation::Remove => {
                    self.records.remove(&m.index_mac);
                }
            }
        }
        self.state = next;
        self.patches.push(patch);
        Ok(muts)
    }
}

/// A mutation one of our clients uploaded, as the phone decoded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMutation {
    /// The collection.
    pub collection: String,
    /// The index array.
    pub index: Vec<String>,
    /// The value.
    pub value: wa::SyncActionValue,
}

#[derive(Debug)]
pub(crate) struct PhoneAppState {
    pub(crate) key_id: Vec<u8>,
    pub(crate) key_data: [u8; 32],
    pub(crate) keys: HashMap<Vec<u8>, ExpandedKeys>,
    pub(crate) collections: HashMap<String, ServerCollection>,
    pub(crate) corrupt: Option<AppStateCorruption>,
    /// Serve patches with their mutations in an external blob (needs the media host).
    pub(crate) external: bool,
    pub(crate) received: Vec<ReceivedMutation>,
    pub(crate) requests: Vec<(String, u64, bool)>,
    pub(crate) shared: bool,
}

impl PhoneAppState {
    pub(crate) fn new() -> Self {
        let key_data: [u8; 32] = rand::random();
        let mut key_id = vec![0, 0, 0, 1];
        key_id.extend(rand::random::<[u8; 2]>());
        Self {
            keys: HashMap::from([(key_id.clone(), ExpandedKeys::expand(&key_data))]),
            key_id,
            key_data,
            collections: HashMap::new(),
            corrupt: None,
            external: false,
            received: Vec::new(),
            requests: Vec::new(),
            shared: false,
        }
    }
}

/// Every account's phone app state, by phone number.
#[derive(Debug, Default)]
pub(crate) struct PhoneAppStates {
    pub(crate) phones: HashMap<u64, PhoneAppState>,
    /// See [`FakeServer::set_app_state_share_after_pairing`].
    pub(crate) share_after_pairing: bool,
}

fn phone_of(account: &Jid) -> Result<u64, TestkitError> {
    account
        .user
        .parse()
        .map_err(|_| TestkitError::UnknownDevice(account.clone()))
}

fn entry(st: &mut State, phone: u64) -> &mut PhoneAppState {
    st.app_states
        .phones
        .entry(phone)
        .or_insert_with(PhoneAppState::new)
}

/// The API version whatsmeow's builders use per action (`appstate/encode.go`).
fn api_version(action: &str) -> i32 {
    match action {
        "pin_v1" => 5,
        "archive" | "markChatAsRead" => 3,
        "setting_pushName" => 1,
        _ => 2,
    }
}

/// The companion devices of account `phone`, except `except`.
fn companions(st: &State, phone: u64, except: Option<DeviceKey>) -> Vec<DeviceKey> {
    let mut v: Vec<DeviceKey> = st
        .devices
        .keys()
        .filter(|k| k.0 == phone && k.1 != 0 && Some(**k) != except)
        .copied()
        .collect();
    v.sort_unstable();
    v
}

/// Queues `<notification type="server_sync"><collection name version/></notification>`.
pub(crate) fn announce(
    st: &mut State,
    phone: u64,
    collection: &str,
    version: u64,
    except: Option<DeviceKey>,
) {
    for d in companions(st, phone, except) {
        let child = Node::build("collection")
            .attr("name", collection.to_owned())
            .attr("version", version.to_string())
            .finish();
        let node = crate::stanzas::notification(
            "server_sync",
            &Jid::server_jid(),
            None,
            &random_id(),
            unix_now(),
            vec![child],
        );
        st.enqueue(d, node);
    }
}

/// Sends the phone's key share to `devices` of account `phone`, starting sessions from their
/// bundles where the phone has none.
fn share_keys(st: &mut State, phone: u64, devices: &[DeviceKey]) -> Result<(), TestkitError> {
    let ps = entry(st, phone);
    ps.shared = true;
    let message = wa::Message {
        protocol_message: Some(Box::new(wa::ProtocolMessage {
            r#type: Some(6),
            app_state_sync_key_share: Some(wa::AppStateSyncKeyShare {
                keys: vec![wa::AppStateSyncKey {
                    key_id: Some(wa::AppStateSyncKeyId {
                        key_id: Some(ps.key_id.clone()),
                    }),
                    key_data: Some(wa::AppStateSyncKeyData {
                        key_data: Some(ps.key_data.to_vec()),
                        fingerprint: None,
                        timestamp: Some(unix_now() as i64 * 1000),
                    }),
                }],
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    let plaintext = padded(&message);
    for d in devices {
        let has = crate::own_phone::phone_device(st, phone)
            .sessions
            .get(d)
            .is_some_and(wa_protocol::signal::SessionRecord::has_session);
        let bundle = if has {
            None
        } else {
            Some(
                crate::prekeys::take_bundle(st, *d)
                    .ok_or_else(|| TestkitError::NoPrekeys(crate::contact::device_jid(st, *d)))?,
            )
        };
        let dev = crate::own_phone::phone_device(st, phone);
        let mut session = dev.sessions.get(d).cloned().unwrap_or_default();
        if let Some(b) = bundle {
            session = session.initiate(&dev.identity, &b, &mut rand::rngs::OsRng)?;
        }
        let (ct, session) = session.encrypt(&plaintext)?;
        dev.sessions.insert(*d, session);
        let node = Node::build("message")
            .attr("id", random_id())
            .attr("from", Jid::pn(phone.to_string()))
            .attr("type", "text")
            .attr("t", unix_now().to_string())
            .children(vec![enc_node(
                ct.enc_type(),
                ct.serialized().to_vec(),
                None,
            )])
            .finish();
        st.enqueue(*d, node);
    }
    Ok(())
}

/// After `device` uploaded prekeys: the phone shares its key once, when asked to do so
/// after pairing.
pub(crate) fn after_prekey_upload(st: &mut State, device: DeviceKey) {
    let first = st.prekeys.get(&device).is_some_and(|k| k.uploads == 1);
    if !(st.app_states.share_after_pairing && first && device.1 != 0) {
        return;
    }
    if let Err(e) = share_keys(st, device.0, &[device]) {
        tracing::debug!(error = %e, "app-state key share after pairing failed");
    }
}

impl FakeServer {
    /// Makes a change on the phone of `account`: one SET of `index` with `value` in
    /// `collection`, as a new patch. Once the phone shared its keys, our devices get a
    /// `server_sync` notification. Returns the collection's new version.
    pub fn app_state_set(
        &self,
        account: &Jid,
        collection: &str,
        index: &[&str],
        value: wa::SyncActionValue,
    ) -> Result<u64, TestkitError> {
        self.app_state_change(account, collection, index, value, true)
    }

    /// [`FakeServer::app_state_set`] without the notification: our devices learn of it only
    /// when they next fetch, or when an upload built on the older version is refused (409).
    pub fn app_state_set_unannounced(
        &self,
        account: &Jid,
        collection: &str,
        index: &[&str],
        value: wa::SyncActionValue,
    ) -> Result<u64, TestkitError> {
        self.app_state_change(account, collection, index, value, false)
    }

    fn app_state_change(
        &self,
        account: &Jid,
        collection: &str,
        index: &[&str],
        value: wa::SyncActionValue,
        notify: bool,
    ) -> Result<u64, TestkitError> {
        if !is_collection(collection) {
            return Err(
                wa_protocol::appstate::AppStateError::UnknownCollection(collection.into()).into(),
            );
        }
        let phone = phone_of(account)?;
        let version = {
            let mut st = self.shared.state();
            let ps = entry(&mut st, phone);
            let (key_id, keys) = (ps.key_id.clone(), &ps.keys);
            let coll = ps.collections.entry(collection.to_owned()).or_default();
            let m = OutgoingMutation {
                operation: Operation::Set,
                index: index.iter().map(|s| s.to_string()).collect(),
                value,
                version: api_version(index.first().copied().unwrap_or_default()),
                iv: rand::random(),
            };
            let (mut patch, next) =
                encode_patch(collection, &coll.state, &key_id, &keys[&key_id], &[m])?;
            patch.version = Some(wa::SyncdVersion {
                version: Some(next.version),
            });
            coll.apply(collection, patch, keys)?;
            let version = coll.state.version;
            if ps.shared && notify {
                announce(&mut st, phone, collection, version, None);
            }
            version
        };
        self.shared.notify();
        Ok(version)
    }

    /// The phone of `account` sends its app-state key to every companion device of the
    /// account (`protocolMessage.appStateSyncKeyShare`, Signal-encrypted from device 0), as
    /// after pairing. Returns how many devices it was sent to.
    pub fn app_state_share_keys(&self, account: &Jid) -> Result<usize, TestkitError> {
        let phone = phone_of(account)?;
        let n = {
            let mut st = self.shared.state();
            let devices = companions(&st, phone, None);
            share_keys(&mut st, phone, &devices)?;
            devices.len()
        };
        self.shared.notify();
        Ok(n)
    }

    /// When `on`, the phone shares its app-state key with each new companion of any of our
    /// accounts as soon as that device first uploads its prekeys (right after pairing), as a
    /// real phone does. Off by default so other tests see no extra message.
    pub fn set_app_state_share_after_pairing(&self, on: bool) {
        self.shared.state().app_states.share_after_pairing = on;
    }

    /// When `on` and a media host runs, patches sent to `account`'s devices carry their
    /// mutations as an external blob (`externalMutations`), as large patches do.
    pub fn app_state_external_patches(&self, account: &Jid, on: bool) -> Result<(), TestkitError> {
        let phone = phone_of(account)?;
        entry(&mut self.shared.state(), phone).external = on;
        Ok(())
    }

    /// Corrupts the next sync answer to `account`'s devices once.
    pub fn app_state_corrupt_next(
        &self,
        account: &Jid,
        corruption: AppStateCorruption,
    ) -> Result<(), TestkitError> {
        let phone = phone_of(account)?;
        entry(&mut self.shared.state(), phone).corrupt = Some(corruption);
        Ok(())
    }

    /// The mutations our clients uploaded for `account`, as the phone verified and decoded
    /// them, in order.
    pub fn app_state_received(&self, account: &Jid) -> Vec<ReceivedMutation> {
        let Ok(phone) = phone_of(account) else {
            return Vec::new();
        };
        entry(&mut self.shared.state(), phone).received.clone()
    }

    /// Every sync request `account`'s devices made: `(collection, version, return_snapshot)`.
    pub fn app_state_requests(&self, account: &Jid) -> Vec<(String, u64, bool)> {
        let Ok(phone) = phone_of(account) else {
            return Vec::new();
        };
        entry(&mut self.shared.state(), phone).requests.clone()
    }

    /// The phone's version of `collection` for `account`.
    pub fn app_state_version(&self, account: &Jid, collection: &str) -> u64 {
        let Ok(phone) = phone_of(account) else {
            return 0;
        };
        let mut st = self.shared.state();
        entry(&mut st, phone)
            .collections
            .get(collection)
            .map_or(0, |c| c.state.version)
    }
}
