//! The QR code text a companion shows for each `<ref>` of `pair-device`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// How long the first QR code is shown before the next ref is used.
pub const FIRST_QR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// How long every later QR code is shown; when the refs run out the client disconnects.
pub const NEXT_QR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// What the QR text is prefixed with so the phone's camera app opens WhatsApp.
pub const QR_URL_PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// The companion web client type sent in the QR text and in the pair-code hello
/// (whatsmeow `PairClientType`, Baileys `CompanionWebClientType`), from the browser config
/// `[os, browser name, version]`.
pub fn companion_platform_id(os: &str, browser: &str) -> &'static str {
    match browser {
        "Chrome" => "1",
        "Edge" => "2",
        "Firefox" => "3",
        "IE" => "4",
        "Opera" => "5",
        "Safari" => "6",
        // A desktop app: the UWP build on Windows, Electron elsewhere.
        "Desktop" if os == "Windows" => "8",
        "Desktop" => "7",
        _ => "9",
    }
}

/// The public parts of a fresh companion that go into every QR code.
#[derive(Clone, Copy, Debug)]
pub struct QrKeys<'a> {
    /// Noise static public key (raw 32 bytes).
    pub noise_public: &'a [u8; 32],
    /// Signal identity public key (raw 32 bytes).
    pub identity_public: &'a [u8; 32],
    /// ADV secret: the phone will HMAC the signed identity with it.
    pub adv_secret: &'a [u8; 32],
}

/// The four comma-separated fields (`ref,noise,identity,adv`) every QR form starts with.
pub fn qr_4field(reference: &str, keys: &QrKeys<'_>) -> String {
    format!(
        "{reference},{},{},{}",
        STANDARD.encode(keys.noise_public),
        STANDARD.encode(keys.identity_public),
        STANDARD.encode(keys.adv_secret)
    )
}

/// The current QR text: the URL form with the companion platform id as a fifth field.
pub fn qr_url(reference: &str, keys: &QrKeys<'_>, platform_id: &str) -> String {
    format!(
        "{QR_URL_PREFIX}{},{platform_id}",
        qr_4field(reference, keys)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_ids_follow_the_browser_table() {
        assert_eq!(companion_platform_id("Ubuntu", "Chrome"), "1");
        assert_eq!(companion_platform_id("Mac OS", "Safari"), "6");
        assert_eq!(companion_platform_id("Windows", "Desktop"), "8");
        assert_eq!(companion_platform_id("Mac OS", "Desktop"), "7");
        assert_eq!(companion_platform_id("Linux", "Lynx"), "9");
    }

    #[test]
    fn qr_fields_are_padded_standard_base64() {
        let keys = QrKeys {
            noise_public: &[0xfb; 32],
            identity_public: &[0; 32],
            adv_secret: &[0xff; 32],
        };
        let four = qr_4field("2@r+/=", &keys);
        let parts: Vec<&str> = four.split(',').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0], "2@r+/=");
        assert!(parts[1].starts_with("+/") && parts[1].ends_with('='));
        assert_eq!(parts[2], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        assert_eq!(
            qr_url("2@r+/=", &keys, "1"),
            format!("{QR_URL_PREFIX}{four},1")
        );
    }
}
