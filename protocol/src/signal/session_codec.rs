//! The stored form of a [`SessionRecord`]: magic `WSR`, format version 1, the current session
//! (if any), then the archived ones, most recent first.

use super::super::codec::{Reader, Writer};
use super::super::error::SignalError;
use super::super::ratchet::SessionState;
use super::{SessionRecord, MAX_PREVIOUS_SESSIONS};

const MAGIC: &[u8; 3] = b"WSR";
const VERSION: u8 = 1;

impl SessionRecord {
    /// Serializes the record for the store (magic `WSR`, format version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::record(MAGIC, VERSION);
        match &self.current {
            Some(s) => {
                w.bool(true);
                s.write(&mut w);
            }
            None => w.bool(false),
        }
        w.u32(self.previous.len() as u32);
        for s in &self.previous {
            s.write(&mut w);
        }
        w.finish()
    }

    /// Reads a record written by [`SessionRecord::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignalError> {
        let mut r = Reader::record(bytes, MAGIC, VERSION, "session")?;
        let current = if r.bool()? {
            Some(SessionState::read(&mut r)?)
        } else {
            None
        };
        let n = r.count(MAX_PREVIOUS_SESSIONS as u32)?;
        let mut previous = Vec::with_capacity(n);
        for _ in 0..n {
            previous.push(SessionState::read(&mut r)?);
        }
        r.end()?;
        Ok(Self { current, previous })
    }
}
