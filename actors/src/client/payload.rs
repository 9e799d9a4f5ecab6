//! Which `ClientPayload` a device sends at the end of the handshake: login once paired,
//! registration before.

use prost::Message;
use wa_protocol::noise::{login_payload, registration_payload, PayloadConfig, RegistrationData};

use crate::store::DeviceData;

/// The serialized payload for `device`, or `None` when a paired identity has a JID whose user
/// part is not a phone number (the login payload carries it as an integer).
pub(crate) fn client_payload(config: &PayloadConfig, device: &DeviceData) -> Option<Vec<u8>> {
    match &device.jid {
        Some(jid) => {
            let user: u64 = jid.user.parse().ok()?;
            Some(login_payload(config, user, u32::from(jid.device)).encode_to_vec())
        }
        None => {
            let reg = RegistrationData {
                registration_id: device.registration_id,
                identity: device.identity_key.public,
                signed_prekey_id: device.signed_pre_key.id,
                signed_prekey: device.signed_pre_key.key_pair.public,
                signed_prekey_signature: device.signed_pre_key.signature,
            };
            Some(registration_payload(config, &reg).encode_to_vec())
        }
    }
}
