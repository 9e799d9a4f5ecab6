//! WhatsApp plaintext padding around the serialized `Message` protobuf (`<enc v="2">`).

use rand_core::CryptoRngCore;

use super::error::SignalError;

/// Appends `p` copies of byte `p`, with `p = random & 0x0F` or 15 when that is 0 (whatsmeow
/// `padMessage`), so 1..=15 bytes.
pub fn pad(message: &[u8], rng: &mut impl CryptoRngCore) -> Vec<u8> {
    let mut byte = [0u8; 1];
    rng.fill_bytes(&mut byte);
    let mut p = byte[0] & 0x0f;
    if p == 0 {
        p = 0x0f;
    }
    pad_with(message, p)
}

/// Appends `p` copies of byte `p` (a pad length chosen by the caller, 1..=16).
pub fn pad_with(message: &[u8], p: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + usize::from(p));
    out.extend_from_slice(message);
    out.resize(message.len() + usize::from(p), p);
    out
}

/// Strips the padding: the last byte `p` (1..=16, as Baileys pads up to 16) gives its length,
/// and every pad byte must equal `p`.
pub fn unpad(padded: &[u8]) -> Result<&[u8], SignalError> {
    let Some(&p) = padded.last() else {
        return Err(SignalError::BadPadding);
    };
    let n = usize::from(p);
    if !(1..=16).contains(&p) || n > padded.len() {
        return Err(SignalError::BadPadding);
    }
    let (body, pad) = padded.split_at(padded.len() - n);
    if pad.iter().all(|&b| b == p) {
        Ok(body)
    } else {
        Err(SignalError::BadPadding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_roundtrips_and_unpad_accepts_one_to_sixteen() {
        let mut rng = rand::rngs::OsRng;
        for _ in 0..64 {
            let padded = pad(b"hello", &mut rng);
            let p = padded.len() - 5;
            assert!((1..=15).contains(&p));
            assert_eq!(unpad(&padded), Ok(&b"hello"[..]));
        }
        for p in 1..=16u8 {
            assert_eq!(unpad(&pad_with(b"x", p)), Ok(&b"x"[..]));
        }
        assert_eq!(unpad(&pad_with(b"x", 17)), Err(SignalError::BadPadding));
        assert_eq!(unpad(b""), Err(SignalError::BadPadding));
        assert_eq!(unpad(&[0]), Err(SignalError::BadPadding));
        assert_eq!(unpad(&[3, 3]), Err(SignalError::BadPadding));
        assert_eq!(unpad(&[1, 2, 3, 2]), Err(SignalError::BadPadding));
    }
}
