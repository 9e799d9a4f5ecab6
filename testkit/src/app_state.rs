//! The app state of our accounts' phones: one key shared with our devices after pairing,
//! five collections with real contents, the sync iq answered with snapshots (through the
//! media host, when one runs) and patches whose MACs and LTHash are right, our clients'
//! patches verified, applied and announced to the account's other devices, and a corrupted
//! MAC on request. Every patch and snapshot is built with `wa_protocol::appstate`.

use std::collections::{BTreeMap, HashMap};

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::appstate::iq::{parse_sync_request, sync_result, CollectionResult};
use wa_protocol::appstate::{
    decode_patch, encode_patch, encode_snapshot, is_collection, CollectionState, ExpandedKeys,
    Operation, OutgoingMutation,
};
use wa_protocol::binary::{Jid, Node};
use wa_protocol::media::MediaType;
use wa_protocol::stanza::iq::server_error_reply;

use crate::envelope::{enc_node, padded};
use crate::error::TestkitError;
use crate::handlers::result;
use crate::server::{random_id, unix_now, FakeServer};
use crate::state::{DeviceKey, Shared, State};

/// Patches per sync answer; more set `has_more_patches`, so clients must loop.
const PAGE: usize = 8;

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
struct ServerCollection {
    state: CollectionState,
    /// The live records by index MAC (what a snapshot holds).
    records: BTreeMap<[u8; 32], wa::SyncdRecord>,
    /// Every patch, oldest first, with its version set.
    patches: Vec<wa::SyncdPatch>,
}

impl ServerCollection {
    /// Verifies `patch` (version set) against the collection, then applies it.
    fn apply(
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
    key_id: Vec<u8>,
    key_data: [u8; 32],
    keys: HashMap<Vec<u8>, ExpandedKeys>,
    collections: HashMap<String, ServerCollection>,
    corrupt: Option<AppStateCorruption>,
    received: Vec<ReceivedMutation>,
    requests: Vec<(String, u64, bool)>,
    shared: bool,
}

impl PhoneAppState {
    fn new() -> Self {
        let key_data: [u8; 32] = rand::random();
        let mut key_id = vec![0, 0, 0, 1];
        key_id.extend(rand::random::<[u8; 2]>());
        Self {
            keys: HashMap::from([(key_id.clone(), ExpandedKeys::expand(&key_data))]),
            key_id,
            key_data,
            collections: HashMap::new(),
            corrupt: None,
            received: Vec::new(),
            requests: Vec::new(),
            shared: false,
        }
    }
}

/// Every account's phone app state, by phone number.
#[derive(Debug, Default)]
pub(crate) struct PhoneAppStates(HashMap<u64, PhoneAppState>);

fn phone_of(account: &Jid) -> Result<u64, TestkitError> {
    account
        .user
        .parse()
        .map_err(|_| TestkitError::UnknownDevice(account.clone()))
}

fn entry(st: &mut State, phone: u64) -> &mut PhoneAppState {
    st.app_states
        .0
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
fn announce(st: &mut State, phone: u64, collection: &str, version: u64, except: Option<DeviceKey>) {
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
            if ps.shared {
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
            let ps = entry(&mut st, phone);
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
            let devices = companions(&st, phone, None);
            for d in &devices {
                let has = crate::own_phone::phone_device(&mut st, phone)
                    .sessions
                    .get(d)
                    .is_some_and(wa_protocol::signal::SessionRecord::has_session);
                let bundle = if has {
                    None
                } else {
                    Some(crate::prekeys::take_bundle(&mut st, *d).ok_or_else(|| {
                        TestkitError::NoPrekeys(crate::contact::device_jid(&st, *d))
                    })?)
                };
                let dev = crate::own_phone::phone_device(&mut st, phone);
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
            devices.len()
        };
        self.shared.notify();
        Ok(n)
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

fn snapshot_blob(
    st: &State,
    name: &str,
    ps: &mut PhoneAppState,
) -> Result<Option<Vec<u8>>, TestkitError> {
    let Some(media) = st.media.clone() else {
        return Ok(None);
    };
    let coll = &ps.collections[name];
    let (mut snapshot, _) = encode_snapshot(
        name,
        coll.state.version,
        &ps.key_id,
        &ps.keys[&ps.key_id],
        coll.records.values().cloned().collect(),
    )?;
    if ps.corrupt == Some(AppStateCorruption::SnapshotMac) {
        ps.corrupt = None;
        if let Some(m) = snapshot.mac.as_mut().and_then(|m| m.first_mut()) {
            *m ^= 1;
        }
    }
    let stored = media.store(MediaType::AppState, &snapshot.encode_to_vec());
    let blob = wa::ExternalBlobReference {
        media_key: Some(stored.info.media_key.as_bytes().to_vec()),
        direct_path: Some(stored.direct_path),
        handle: None,
        file_size_bytes: Some(stored.info.file_length),
        file_sha256: Some(stored.info.file_sha256.to_vec()),
        file_enc_sha256: Some(stored.info.file_enc_sha256.to_vec()),
    };
    Ok(Some(blob.encode_to_vec()))
}

/// Answers a client's `w:sync:app:state` iq.
pub(crate) fn sync_iq(shared: &Shared, device: Option<DeviceKey>, id: &str, node: &Node) -> Node {
    let Some(device) = device else {
        return server_error_reply(id, 401, "not-authorized");
    };
    let requests = match parse_sync_request(node) {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(error = %e, "refused sync iq");
            return server_error_reply(id, 400, "bad-request");
        }
    };
    let phone = device.0;
    let mut st = shared.state();
    let mut results = Vec::new();
    let mut announcements = Vec::new();
    for req in requests {
        let mut ps = st
            .app_states
            .0
            .remove(&phone)
            .unwrap_or_else(PhoneAppState::new);
        ps.requests
            .push((req.name.clone(), req.version, req.return_snapshot));
        let name = req.name.clone();
        ps.collections.entry(name.clone()).or_default();
        let r = answer(&st, &mut ps, req, &mut announcements);
        st.app_states.0.insert(phone, ps);
        match r {
            Ok(r) => results.push(r),
            Err(e) => {
                tracing::debug!(error = %e, collection = %name, "refused app-state patch");
                results.push(CollectionResult {
                    name,
                    error_code: Some(400),
                    ..Default::default()
                });
            }
        }
    }
    for (name, version) in announcements {
        announce(&mut st, phone, &name, version, Some(device));
    }
    drop(st);
    shared.notify();
    result(id, vec![sync_result(&results)])
}

fn answer(
    st: &State,
    ps: &mut PhoneAppState,
    req: wa_protocol::appstate::iq::CollectionRequest,
    announcements: &mut Vec<(String, u64)>,
) -> Result<CollectionResult, TestkitError> {
    let name = req.name.clone();
    if !req.patches.is_empty() {
        let coll = ps.collections.get_mut(&name).expect("made above");
        if req.version != coll.state.version {
            return Ok(CollectionResult {
                name,
                version: coll.state.version,
                error_code: Some(409),
                ..Default::default()
            });
        }
        for bytes in &req.patches {
            let mut patch = wa_protocol::appstate::decode::parse_patch(bytes)?;
            patch.version = Some(wa::SyncdVersion {
                version: Some(coll.state.version + 1),
            });
            let muts = coll.apply(&name, patch, &ps.keys)?;
            ps.received
                .extend(muts.into_iter().map(|m| ReceivedMutation {
                    collection: name.clone(),
                    index: m.index,
                    value: m.value,
                }));
        }
        announcements.push((name.clone(), coll.state.version));
        return Ok(CollectionResult {
            name,
            version: coll.state.version,
            ..Default::default()
        });
    }
    let version = ps.collections[&name].state.version;
    if req.return_snapshot && version > 0 {
        if let Some(blob) = snapshot_blob(st, &name, ps)? {
            return Ok(CollectionResult {
                name,
                version,
                snapshot: Some(blob),
                ..Default::default()
            });
        }
    }
    let from = if req.return_snapshot { 0 } else { req.version };
    let coll = &ps.collections[&name];
    let newer: Vec<&wa::SyncdPatch> = coll
        .patches
        .iter()
        .filter(|p| p.version.as_ref().and_then(|v| v.version).unwrap_or(0) > from)
        .collect();
    let has_more = newer.len() > PAGE;
    let mut patches: Vec<wa::SyncdPatch> = newer.into_iter().take(PAGE).cloned().collect();
    if ps.corrupt == Some(AppStateCorruption::PatchMac) && !patches.is_empty() {
        ps.corrupt = None;
        if let Some(b) = patches[0].patch_mac.as_mut().and_then(|m| m.first_mut()) {
            *b ^= 1;
        }
    }
    let last = patches
        .last()
        .and_then(|p| p.version.as_ref().and_then(|v| v.version))
        .unwrap_or(from);
    Ok(CollectionResult {
        name,
        version: last,
        has_more_patches: has_more,
        patches: patches.iter().map(|p| p.encode_to_vec()).collect(),
        ..Default::default()
    })
}
