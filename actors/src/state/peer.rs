//! Peer messages: protocol messages to our own phone only (device 0 of our account), sent
//! as themselves, not as a `deviceSentMessage` copy (whatsmeow `SendPeerMessage`):
//! `<message to=<own non-AD> type="text" category="peer"><enc/></message>`. The on-demand
//! history request is one.

use tokio::sync::oneshot;
use wa_protobuf::wa;
use wa_protocol::binary::{Jid, Node};
use wa_protocol::signal::{pad, signal_address, LocalIdentity, PreKeyBundle};

use super::encrypt::start_session;
use super::keys::load_session;
use crate::send::SendError;
use crate::store::{AccountId, Batch, DeviceData, Namespace, Store};

/// A peer message to encrypt, store the session of, and write.
pub(crate) struct PeerJob {
    pub id: String,
    pub message: wa::Message,
    /// The phone's bundle, when there was no session.
    pub bundle: Option<PreKeyBundle>,
    pub reply: oneshot::Sender<Result<(), SendError>>,
}

/// Our phone: device 0 of our own user.
pub(crate) fn own_phone(device: &DeviceData) -> Option<Jid> {
    device.jid.as_ref().map(Jid::to_non_ad)
}

/// The stanza for `job` and the batch with the phone's new session.
pub(crate) async fn encrypt_peer(
    store: &dyn Store,
    account: &AccountId,
    device: &DeviceData,
    job: &PeerJob,
) -> Result<(Node, Batch), SendError> {
    let phone = own_phone(device).ok_or(SendError::NotPaired)?;
    let address = signal_address(&phone);
    let local = LocalIdentity {
        key_pair: device.identity_key.clone(),
        registration_id: device.registration_id,
    };
    let mut batch = Batch::new();
    let mut record = load_session(store, account, &address).await?;
    if !record.has_session() {
        let bundle = job.bundle.as_ref().ok_or(SendError::NoDevices)?;
        (record, batch) = start_session(&record, &local, bundle, &address, batch)?;
    }
    let plaintext = pad(
        &prost::Message::encode_to_vec(&job.message),
        &mut rand::rngs::OsRng,
    );
    let (ciphertext, record) = record.encrypt(&plaintext).map_err(SendError::Encrypt)?;
    batch = batch.put(Namespace::SESSIONS, address, record.to_bytes());
    let enc_type = ciphertext.enc_type();
    let enc = Node::build("enc")
        .attr("v", "2")
        .attr("type", enc_type)
        .bytes(ciphertext.serialized().to_vec())
        .finish();
    let identity = device
        .adv_signed_identity
        .clone()
        .filter(|_| enc_type == "pkmsg")
        .map(|b| Node::build("device-identity").bytes(b).finish());
    let stanza = Node::build("message")
        .attr("id", job.id.clone())
        .attr("to", phone)
        .attr("type", "text")
        .attr("category", "peer")
        .children(std::iter::once(enc).chain(identity))
        .finish();
    Ok((stanza, batch))
}
