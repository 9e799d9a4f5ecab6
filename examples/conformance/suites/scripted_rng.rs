//! A random source that replays recorded bytes, so a replay draws exactly the key pairs a
//! vector recorded (`generated_keypairs`) and must consume all of them.

use rand::{CryptoRng, RngCore};

/// Hands out queued bytes in order; reading past the end is recorded as an error.
#[derive(Default)]
pub struct ScriptedRng {
    bytes: Vec<u8>,
    pos: usize,
    /// Set when a draw asked for more bytes than were queued.
    pub overrun: bool,
}

impl ScriptedRng {
    /// Queues `bytes` to be returned in order.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            pos: 0,
            overrun: false,
        }
    }

    /// Bytes queued but not drawn.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Fails unless every queued byte was drawn and nothing more.
    pub fn check_consumed(&self, what: &str) -> Result<(), String> {
        if self.overrun {
            return Err(format!(
                "{what}: drew more randomness than the vector recorded"
            ));
        }
        if self.remaining() != 0 {
            return Err(format!(
                "{what}: {} recorded random bytes were not drawn",
                self.remaining()
            ));
        }
        Ok(())
    }
}

impl RngCore for ScriptedRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest.iter_mut() {
            match self.bytes.get(self.pos) {
                Some(&b) => {
                    *d = b;
                    self.pos += 1;
                }
                None => {
                    *d = 0;
                    self.overrun = true;
                }
            }
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for ScriptedRng {}
