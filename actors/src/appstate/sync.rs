//! One collection's fetch: snapshot first, then patches, while the server says more remain.
//! Each round is verified completely, then its state and events are committed together.

use std::collections::HashMap;
use std::time::Duration;

use prost::Message as _;
use wa_protobuf::wa;
use wa_protocol::appstate::decode::{parse_mutations, parse_patch, parse_snapshot};
use wa_protocol::appstate::iq::{parse_sync_result, sync_request, CollectionRequest};
use wa_protocol::appstate::{
    decode_patch, decode_snapshot, AppStateError, CollectionState, DecodedMutation, ExpandedKeys,
};

use super::actor::AppStateArgs;
pub(crate) use super::error::SyncError;
use super::events::event_for;
use super::store::{load_keys, load_state, put_state};
use crate::events::Event;
use crate::media::MediaRef;
use crate::store::Batch;

/// How long one sync iq may take.
pub(super) const IQ_TIMEOUT: Duration = Duration::from_secs(30);
/// Most fetch rounds for one collection per sync: a server that always says
/// `has_more_patches` cannot keep us fetching forever.
pub(super) const MAX_ROUNDS: usize = 64;

async fn download(args: &AppStateArgs, reference: &[u8]) -> Result<Vec<u8>, SyncError> {
    let blob = wa::ExternalBlobReference::decode(reference)?;
    Ok(args
        .media
        .download(&MediaRef::from_blob(&blob)?, None)
        .await?)
}

fn events_of(
    collection: &str,
    muts: &[DecodedMutation],
    full: bool,
    push_name: &mut String,
    out: &mut Vec<Event>,
) {
    out.extend(
        muts.iter()
            .map(|m| event_for(collection, m, full, push_name)),
    );
}

/// Fetches `collection` from `start` (the empty state fetches a snapshot) until the server
/// has nothing more, committing each verified round. Returns the final state.
pub(super) async fn sync_collection(
    args: &AppStateArgs,
    collection: &'static str,
    start: Option<CollectionState>,
    push_name: &mut String,
) -> Result<CollectionState, SyncError> {
    let keys: HashMap<Vec<u8>, ExpandedKeys> = load_keys(&*args.store, &args.account_id).await?;
    if keys.is_empty() {
        return Err(SyncError::NoKeys);
    }
    let mut state = match start {
        Some(s) => s,
        None => load_state(&*args.store, &args.account_id, collection).await?,
    };
    let full = state.version == 0;
    for _ in 0..MAX_ROUNDS {
        let request = sync_request(&[CollectionRequest {
            name: collection.to_owned(),
            version: state.version,
            return_snapshot: state.version == 0,
            patches: Vec::new(),
        }]);
        let reply = args.live.iq(request, IQ_TIMEOUT).await?;
        let result = parse_sync_result(&reply)?
            .into_iter()
            .find(|r| r.name == collection)
            .ok_or(AppStateError::MalformedNode("reply lacks the collection"))?;
        if let Some(code) = result.error_code {
            return Err(SyncError::Refused(code));
        }
        let mut next = state.clone();
        let mut events = Vec::new();
        if let Some(reference) = &result.snapshot {
            let snapshot = parse_snapshot(&download(args, reference).await?)?;
            let (s, muts) = decode_snapshot(collection, &snapshot, &keys)?;
            events_of(collection, &muts, true, push_name, &mut events);
            next = s;
        }
        for bytes in &result.patches {
            let patch = parse_patch(bytes)?;
            let version = patch.version.as_ref().and_then(|v| v.version).unwrap_or(0);
            if version <= next.version {
                // Already covered by the snapshot or an earlier round.
                continue;
            }
            let external = match &patch.external_mutations {
                Some(blob) => Some(parse_mutations(
                    &download(args, &blob.encode_to_vec()).await?,
                )?),
                None => None,
            };
            let (s, muts) = decode_patch(collection, &next, &patch, external.as_ref(), &keys)?;
            events_of(collection, &muts, full, push_name, &mut events);
            next = s;
        }
        if next != state {
            let batch = put_state(Batch::new(), collection, &next);
            let broadcaster = args.broadcaster.clone();
            let n = events.len();
            // Stored and published as one step, like the Signal actor's messages.
            args.store
                .apply_then(
                    &args.account_id,
                    batch,
                    Box::new(move || {
                        for e in events {
                            if !broadcaster.publish(e) {
                                tracing::warn!("broadcaster registry closed; event dropped");
                            }
                        }
                    }),
                )
                .await?;
            tracing::debug!(parent: &args.span, collection, version = next.version, events = n, "app state applied");
        }
        state = next;
        if !result.has_more_patches {
            return Ok(state);
        }
    }
    Err(SyncError::TooManyRounds)
}
