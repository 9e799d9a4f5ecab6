//! The versioned binary layout of stored Signal records.
//!
//! Every record starts with a 3-byte magic naming its kind and a format version byte; fields
//! follow in a fixed order: integers big-endian, byte strings as `u32` length ‖ bytes, optional
//! values behind a presence byte. A hand-rolled layout (rather than prost) keeps the records
//! independent of the wire protobufs and lets a reader reject any other version explicitly.

use zeroize::Zeroize;

use super::error::SignalError;
use crate::crypto::{KeyPair, PublicKey};

/// Builds a stored record.
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// Starts a record with its magic and version.
    pub(crate) fn record(magic: &[u8; 3], version: u8) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(magic);
        buf.push(version);
        Self { buf }
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn raw(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    pub(crate) fn key32(&mut self, v: &[u8; 32]) {
        self.buf.extend_from_slice(v);
    }

    pub(crate) fn public(&mut self, v: &PublicKey) {
        self.buf.extend_from_slice(v.as_bytes());
    }

    pub(crate) fn key_pair(&mut self, v: &KeyPair) {
        let mut private = v.private.to_bytes();
        self.buf.extend_from_slice(&private);
        private.zeroize();
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a stored record; every read is bounds-checked and fails with a typed error.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Checks the magic and version and positions after them.
    pub(crate) fn record(
        bytes: &'a [u8],
        magic: &[u8; 3],
        version: u8,
        what: &'static str,
    ) -> Result<Self, SignalError> {
        let Some((head, rest)) = bytes.split_first_chunk::<4>() else {
            return Err(SignalError::BadRecord {
                what,
                reason: "shorter than its header",
            });
        };
        if &head[..3] != magic {
            return Err(SignalError::BadRecord {
                what,
                reason: "wrong magic",
            });
        }
        if head[3] != version {
            return Err(SignalError::RecordVersion {
                what,
                version: head[3],
            });
        }
        Ok(Self { rest, what })
    }

    fn err(&self, reason: &'static str) -> SignalError {
        SignalError::BadRecord {
            what: self.what,
            reason,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SignalError> {
        if self.rest.len() < n {
            return Err(self.err("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], SignalError> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.err("truncated"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8, SignalError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn bool(&mut self) -> Result<bool, SignalError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.err("bad flag byte")),
        }
    }

    pub(crate) fn u32(&mut self) -> Result<u32, SignalError> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    pub(crate) fn key32(&mut self) -> Result<[u8; 32], SignalError> {
        self.array::<32>()
    }

    pub(crate) fn public(&mut self) -> Result<PublicKey, SignalError> {
        Ok(PublicKey(self.array::<32>()?))
    }

    pub(crate) fn key_pair(&mut self) -> Result<KeyPair, SignalError> {
        let mut private = self.array::<32>()?;
        let pair = KeyPair::from_private_bytes(private);
        private.zeroize();
        Ok(pair)
    }

    /// A count of following items, bounded so a corrupt record cannot ask for huge allocations.
    pub(crate) fn count(&mut self, max: u32) -> Result<usize, SignalError> {
        let n = self.u32()?;
        if n > max {
            return Err(self.err("count above bound"));
        }
        usize::try_from(n).map_err(|_| self.err("count overflow"))
    }

    pub(crate) fn end(&self) -> Result<(), SignalError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.err("trailing bytes"))
        }
    }
}
