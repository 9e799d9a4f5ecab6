//! Tag bytes of the binary node format (identical in whatsmeow `binary/token/token.go`, Baileys
//! `TAGS` and whatsapp-rust `wacore-binary`).

/// Empty list, or an absent/empty string.
pub const LIST_EMPTY: u8 = 0;
/// Next byte indexes double-byte dictionary 0.
pub const DICTIONARY_0: u8 = 236;
/// Next byte indexes double-byte dictionary 3 (the last).
pub const DICTIONARY_3: u8 = 239;
/// user, device u16, integrator u16, server (`interop`).
pub const INTEROP_JID: u8 = 245;
/// user, device u16, server (`msgr`).
pub const FB_JID: u8 = 246;
/// domain type u8, device u8, user.
pub const AD_JID: u8 = 247;
/// List with a u8 size.
pub const LIST_8: u8 = 248;
/// List with a u16 big-endian size.
pub const LIST_16: u8 = 249;
/// user (or LIST_EMPTY), server.
pub const JID_PAIR: u8 = 250;
/// Hex-packed string (`0-9A-F`).
pub const HEX_8: u8 = 251;
/// Raw bytes with a u8 length.
pub const BINARY_8: u8 = 252;
/// Raw bytes with a 20-bit length in 3 bytes.
pub const BINARY_20: u8 = 253;
/// Raw bytes with a u32 big-endian length.
pub const BINARY_32: u8 = 254;
/// Nibble-packed string (`0-9-.`).
pub const NIBBLE_8: u8 = 255;
/// Longest string that is packed.
pub const PACKED_MAX: usize = 127;
