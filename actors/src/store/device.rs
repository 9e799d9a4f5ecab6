//! The device identity: keys and account facts a client creates once and reuses forever.

use rand_core::CryptoRngCore;
use wa_protocol::crypto::KeyPair;
use wa_protocol::signal::generate_registration_id;
use zeroize::Zeroizing;

use super::{AccountId, Store, StoreResult};
use crate::wire::Jid;

/// The current signed prekey: the protocol crate's type, so signing it (`SignedPreKey::new`,
/// over the `0x05`-typed public key) has one definition for the client and the fake server.
pub use wa_protocol::signal::SignedPreKey;

/// Everything that identifies this companion device, as persisted in a [`Store`].
///
/// `jid`/`lid` are `None` until pairing succeeds. `Debug` prints no private key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceData {
    /// Static key of the Noise handshake (the server recognises the device by it).
    pub noise_key: KeyPair,
    /// Signal identity key pair.
    pub identity_key: KeyPair,
    /// Signal registration id (14 bits, never 0: `wa_protocol::signal::generate_registration_id`).
    pub registration_id: u32,
    /// The current signed prekey.
    pub signed_pre_key: SignedPreKey,
    /// Secret shared with the primary at pairing to MAC the ADV identity.
    pub adv_secret_key: Zeroizing<[u8; 32]>,
    /// The account's phone-number JID with this device's number, once paired.
    pub jid: Option<Jid>,
    /// The account's LID with this device's number, once paired.
    pub lid: Option<Jid>,
    /// Platform reported by the primary at pairing.
    pub platform: String,
    /// The account's push name.
    pub push_name: String,
    /// Business name reported at pairing (empty for personal accounts).
    pub business_name: String,
    /// The encoded `ADVSignedDeviceIdentity` received at pairing (sent back in `<device-identity>`).
    pub adv_signed_identity: Option<Vec<u8>>,
}

impl std::fmt::Debug for DeviceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceData")
            .field("noise_public", &self.noise_key.public)
            .field("identity_public", &self.identity_key.public)
            .field("registration_id", &self.registration_id)
            .field("signed_pre_key", &self.signed_pre_key)
            .field("jid", &self.jid.as_ref().map(ToString::to_string))
            .field("lid", &self.lid.as_ref().map(ToString::to_string))
            .field("platform", &self.platform)
            .field("push_name", &self.push_name)
            .finish_non_exhaustive()
    }
}

impl DeviceData {
    /// A fresh, unpaired identity: new Noise and identity keys, a registration id, signed
    /// prekey 1 and an ADV secret, all drawn from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let noise_key = KeyPair::generate(rng);
        let identity_key = KeyPair::generate(rng);
        let registration_id = generate_registration_id(rng);
        let signed_pre_key = SignedPreKey::generate(&identity_key, 1, rng);
        let mut adv = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(adv.as_mut());
        Self {
            noise_key,
            identity_key,
            registration_id,
            signed_pre_key,
            adv_secret_key: adv,
            jid: None,
            lid: None,
            platform: String::new(),
            push_name: String::new(),
            business_name: String::new(),
            adv_signed_identity: None,
        }
    }

    /// True once pairing has stored the account JID.
    pub fn is_paired(&self) -> bool {
        self.jid.is_some()
    }
}

/// Loads or creates the device identity of an account.
pub struct Device;

impl Device {
    /// Returns the stored identity of `account`, or generates, saves and returns a new one.
    /// The flag is true when the identity was created by this call.
    pub async fn load_or_create<R: CryptoRngCore + Send>(
        store: &dyn Store,
        account: &AccountId,
        rng: &mut R,
    ) -> StoreResult<(DeviceData, bool)> {
        if let Some(existing) = store.load_device(account).await? {
            tracing::debug!(%account, "loaded stored device identity");
            return Ok((existing, false));
        }
        let fresh = crate::keygen::off_workers(rng, DeviceData::generate).await;
        store.save_device(account, &fresh).await?;
        tracing::info!(%account, "created a new device identity");
        Ok((fresh, true))
    }
}
