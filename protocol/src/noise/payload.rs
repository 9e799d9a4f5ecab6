//! `ClientPayload` builders for login and registration (transport.md §4), matching what the
//! Baileys peer of the golden vectors sends (`shared/vectors/noise.json` `client_payload`).

use md5::{Digest, Md5};
use prost::Message;
use wa_protobuf::wa::client_payload::user_agent::{AppVersion, Platform, ReleaseChannel};
use wa_protobuf::wa::client_payload::web_info::WebSubPlatform;
use wa_protobuf::wa::client_payload::{
    ConnectReason, ConnectType, DevicePairingRegistrationData, UserAgent, WebInfo,
};
use wa_protobuf::wa::device_props::{self, HistorySyncConfig, PlatformType};
use wa_protobuf::wa::{ClientPayload, DeviceProps};

use crate::crypto::PublicKey;
use crate::signal::DJB_TYPE;

/// The WhatsApp Web version the defaults announce (Baileys' bundled version). An outdated
/// version gets `<failure reason="405">`; update it from the live web client when that happens.
pub const DEFAULT_WA_VERSION: [u32; 3] = [2, 3000, 1035194821];

/// Companion app version in `DeviceProps` (fixed by Baileys, not the WA version).
const DEVICE_PROPS_VERSION: (u32, u32, u32) = (10, 15, 7);

/// Storage quota the companion announces for history sync, in MiB.
const HISTORY_STORAGE_QUOTA_MB: u32 = 10240;

/// How this client presents itself in the `ClientPayload`; shared by login and registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadConfig {
    /// WhatsApp Web version `[primary, secondary, tertiary]`; its `"a.b.c"` MD5 is the build
    /// hash of a registration. Default [`DEFAULT_WA_VERSION`].
    pub version: [u32; 3],
    /// `[os, browser, os version]`, e.g. `["Ubuntu", "Chrome", "22.04.4"]` (the default). The os
    /// becomes `DeviceProps.os`, the browser its platform type (upper-cased enum name, CHROME if
    /// unknown) and the linked-devices list shows both.
    pub browser: [String; 3],
    /// ISO 3166-1 alpha-2 country of the user agent locale. Default `"US"`.
    pub country_code: String,
    /// Ask the phone for the full history on pairing (`DeviceProps.requireFullSync`); with a
    /// `Mac OS` / `Windows` os and the `Desktop` browser it also selects the desktop web
    /// sub-platform ([`web_sub_platform`]). Default `false`.
    pub sync_full_history: bool,
    /// Push name to announce, if any. Default `None`.
    pub push_name: Option<String>,
}

impl Default for PayloadConfig {
    fn default() -> Self {
        Self {
            version: DEFAULT_WA_VERSION,
            browser: ["Ubuntu".into(), "Chrome".into(), "22.04.4".into()],
            country_code: "US".into(),
            sync_full_history: false,
            push_name: None,
        }
    }
}

/// The Signal credentials a new device registers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationData {
    /// Signal registration id (sent as 4 bytes big-endian).
    pub registration_id: u32,
    /// Identity public key (raw 32 bytes).
    pub identity: PublicKey,
    /// Signed pre-key id (sent as 3 bytes big-endian).
    pub signed_prekey_id: u32,
    /// Signed pre-key public key (raw 32 bytes).
    pub signed_prekey: PublicKey,
    /// XEdDSA signature of the signed pre-key by the identity key.
    pub signed_prekey_signature: [u8; 64],
}

fn user_agent(config: &PayloadConfig) -> UserAgent {
    let [primary, secondary, tertiary] = config.version;
    UserAgent {
        platform: Some(Platform::Web as i32),
        app_version: Some(AppVersion {
            primary: Some(primary),
            secondary: Some(secondary),
            tertiary: Some(tertiary),
            ..Default::default()
        }),
        mcc: Some("000".into()),
        mnc: Some("000".into()),
        os_version: Some("0.1".into()),
        device: Some("Desktop".into()),
        os_build_number: Some("0.1".into()),
        release_channel: Some(ReleaseChannel::Release as i32),
        locale_language_iso6391: Some("en".into()),
        locale_country_iso31661_alpha2: Some(config.country_code.clone()),
        ..Default::default()
    }
}

/// The web sub-platform, by Baileys 7's rule (`src/Utils/validate-connection.ts`
/// `getWebInfo`, 7.0.0-rc13): a desktop sub-platform only when full history is asked for *and*
/// the browser is `"Desktop"` on a `Mac OS` or `Windows` os; every other combination is a web
/// browser. The desktop app's sub-platform is what lets the phone send the full history.
pub fn web_sub_platform(config: &PayloadConfig) -> WebSubPlatform {
    let [os, browser, _] = &config.browser;
    match (config.sync_full_history, os.as_str(), browser.as_str()) {
        (true, "Mac OS", "Desktop") => WebSubPlatform::Darwin,
        (true, "Windows", "Desktop") => WebSubPlatform::Win32,
        _ => WebSubPlatform::WebBrowser,
    }
}

fn base(config: &PayloadConfig) -> ClientPayload {
    ClientPayload {
        user_agent: Some(user_agent(config)),
        web_info: Some(WebInfo {
            web_sub_platform: Some(web_sub_platform(config) as i32),
            ..Default::default()
        }),
        push_name: config.push_name.clone(),
        connect_type: Some(ConnectType::WifiUnknown as i32),
        connect_reason: Some(ConnectReason::UserActivated as i32),
        ..Default::default()
    }
}

/// The payload of an already paired device: `user` is the phone number part of our JID,
/// `device` our device id.
pub fn login_payload(config: &PayloadConfig, user: u64, device: u32) -> ClientPayload {
    ClientPayload {
        username: Some(user),
        passive: Some(true),
        device: Some(device),
        pull: Some(true),
        lid_db_migrated: Some(false),
        ..base(config)
    }
}

/// `DeviceProps.platformType` for a browser name: the enum value of that name upper-cased,
/// CHROME for names the enum does not have.
fn platform_type(browser: &str) -> PlatformType {
    PlatformType::from_str_name(&browser.to_uppercase()).unwrap_or(PlatformType::Chrome)
}

/// The serialized `DeviceProps` a registration carries.
pub fn device_props(config: &PayloadConfig) -> DeviceProps {
    let (primary, secondary, tertiary) = DEVICE_PROPS_VERSION;
    DeviceProps {
        os: Some(config.browser[0].clone()),
        version: Some(device_props::AppVersion {
            primary: Some(primary),
            secondary: Some(secondary),
            tertiary: Some(tertiary),
            ..Default::default()
        }),
        platform_type: Some(platform_type(&config.browser[1]) as i32),
        require_full_sync: Some(config.sync_full_history),
        history_sync_config: Some(HistorySyncConfig {
            storage_quota_mb: Some(HISTORY_STORAGE_QUOTA_MB),
            inline_initial_payload_in_e2_ee_msg: Some(true),
            support_call_log_history: Some(false),
            support_bot_user_agent_chat_history: Some(true),
            support_cag_reactions_and_polls: Some(true),
            support_biz_hosted_msg: Some(true),
            support_recent_sync_chunk_message_count_tuning: Some(true),
            support_hosted_group_msg: Some(true),
            support_fbid_bot_chat_history: Some(true),
            support_message_association: Some(true),
            support_group_history: Some(false),
            ..Default::default()
        }),
    }
}

/// MD5 of the version string `"a.b.c"`: the registration's build hash.
pub fn build_hash(version: [u32; 3]) -> [u8; 16] {
    let [a, b, c] = version;
    Md5::digest(format!("{a}.{b}.{c}").as_bytes()).into()
}

/// The payload of a new, not yet paired device, registering its Signal identity.
pub fn registration_payload(
    config: &PayloadConfig,
    registration: &RegistrationData,
) -> ClientPayload {
    let signed_prekey_id = registration.signed_prekey_id.to_be_bytes();
    ClientPayload {
        passive: Some(false),
        pull: Some(false),
        device_pairing_data: Some(DevicePairingRegistrationData {
            e_regid: Some(registration.registration_id.to_be_bytes().to_vec()),
            e_keytype: Some(vec![DJB_TYPE]),
            e_ident: Some(registration.identity.as_bytes().to_vec()),
            e_skey_id: Some(signed_prekey_id[1..].to_vec()),
            e_skey_val: Some(registration.signed_prekey.as_bytes().to_vec()),
            e_skey_sig: Some(registration.signed_prekey_signature.to_vec()),
            build_hash: Some(build_hash(config.version).to_vec()),
            device_props: Some(device_props(config).encode_to_vec()),
        }),
        ..base(config)
    }
}
