//! The `w:sync:app:state` iq, server side: uploads verified and applied (409 on a stale
//! version), fetches answered with a snapshot through the media host or with pages of patches.

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::appstate::encode_snapshot;
use wa_protocol::appstate::iq::{parse_sync_request, sync_result, CollectionResult};
use wa_protocol::binary::Node;
use wa_protocol::media::MediaType;
use wa_protocol::stanza::iq::server_error_reply;

use super::{announce, AppStateCorruption, PhoneAppState, ReceivedMutation, PAGE};
use crate::error::TestkitError;
use crate::handlers::result;
use crate::state::{DeviceKey, Shared, State};

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
    Ok(Some(
        blob_ref(&media, &snapshot.encode_to_vec()).encode_to_vec(),
    ))
}

/// Stores `plain` on the media host as an app-state blob; its reference.
fn blob_ref(media: &crate::media_host::MediaHost, plain: &[u8]) -> wa::ExternalBlobReference {
    let stored = media.store(MediaType::AppState, plain);
    wa::ExternalBlobReference {
        media_key: Some(stored.info.media_key.as_bytes().to_vec()),
        direct_path: Some(stored.direct_path),
        handle: None,
        file_size_bytes: Some(stored.info.file_length),
        file_sha256: Some(stored.info.file_sha256.to_vec()),
        file_enc_sha256: Some(stored.info.file_enc_sha256.to_vec()),
    }
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
            .phones
            .remove(&phone)
            .unwrap_or_else(PhoneAppState::new);
        ps.requests
            .push((req.name.clone(), req.version, req.return_snapshot));
        let name = req.name.clone();
        ps.collections.entry(name.clone()).or_default();
        let r = answer(&st, &mut ps, req, &mut announcements);
        st.app_states.phones.insert(phone, ps);
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
    if let (true, Some(media)) = (ps.external, st.media.clone()) {
        for p in &mut patches {
            let mutations = wa::SyncdMutations {
                mutations: std::mem::take(&mut p.mutations),
            };
            p.external_mutations = Some(blob_ref(&media, &mutations.encode_to_vec()));
        }
    }
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
