//! A compact table for the memory store's one-time prekeys.
//!
//! A new device keeps its 812 private prekeys for as long as the server may hand them out.
//! In a general `BTreeMap` entry each costs two heap blocks and well over a hundred bytes of
//! overhead; here records of one width lie back to back in one buffer sorted by id, with 12
//! bytes beside each value (the id and the write time). The buffer holds private keys, so it is zeroized when it moves or drops.

use zeroize::Zeroize;

/// Key width: prekey ids are big-endian `u32`s.
pub(super) const KEY: usize = 4;
/// Bytes of the write time (unix seconds, `i64`) kept per record for pruning.
const TIME: usize = 8;
/// Records added per reallocation.
const GROW: usize = 64;

/// Records `[key; 4][written: i64 BE][value; width]`, sorted by key.
#[derive(Default)]
pub(super) struct Packed {
    width: Option<usize>,
    buf: Vec<u8>,
}

impl Drop for Packed {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl Packed {
    /// Whether `key`/`value` can live here: a 4-byte key and the width of the values already
    /// here (any width while empty).
    pub(super) fn fits(&self, key: &[u8], value: &[u8]) -> bool {
        key.len() == KEY && self.width.is_none_or(|w| w == value.len())
    }

    fn stride(&self) -> usize {
        KEY + TIME + self.width.unwrap_or(0)
    }

    pub(super) fn len(&self) -> usize {
        match self.stride() {
            0 => 0,
            s => self.buf.len() / s,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn key_at(&self, i: usize) -> &[u8] {
        let at = i * self.stride();
        &self.buf[at..at + KEY]
    }

    /// `Ok(index)` of `key`, or `Err(index)` where it would go.
    fn find(&self, key: &[u8]) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.key_at(mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn record(&self, i: usize) -> (Vec<u8>, Vec<u8>, i64) {
        let at = i * self.stride();
        let rec = &self.buf[at..at + self.stride()];
        let mut time = [0u8; TIME];
        time.copy_from_slice(&rec[KEY..KEY + TIME]);
        (
            rec[..KEY].to_vec(),
            rec[KEY + TIME..].to_vec(),
            i64::from_be_bytes(time),
        )
    }

    /// The value and write time under `key`.
    pub(super) fn get(&self, key: &[u8]) -> Option<(Vec<u8>, i64)> {
        let i = self.find(key).ok()?;
        let (_, value, time) = self.record(i);
        Some((value, time))
    }

    /// Inserts or replaces; the caller checked [`Packed::fits`]. Returns the old value.
    pub(super) fn insert(&mut self, key: &[u8], value: &[u8], time: i64) -> Option<(Vec<u8>, i64)> {
        self.width.get_or_insert(value.len());
        let stride = self.stride();
        let mut rec = Vec::with_capacity(stride);
        rec.extend_from_slice(key);
        rec.extend_from_slice(&time.to_be_bytes());
        rec.extend_from_slice(value);
        let out = match self.find(key) {
            Ok(i) => {
                let old = self.record(i);
                self.buf[i * stride..(i + 1) * stride].copy_from_slice(&rec);
                Some((old.1, old.2))
            }
            Err(i) => {
                self.grow_for_one();
                let at = i * stride;
                self.buf.splice(at..at, rec.iter().copied());
                None
            }
        };
        rec.zeroize();
        out
    }

    /// Grows the buffer by hand so the old allocation is wiped, not just freed; in steps of
    /// [`GROW`] records rather than doubling, so a full batch wastes little capacity.
    fn grow_for_one(&mut self) {
        let need = self.buf.len() + self.stride();
        if need <= self.buf.capacity() {
            return;
        }
        let mut bigger = Vec::with_capacity(need.max(self.buf.capacity() + GROW * self.stride()));
        bigger.extend_from_slice(&self.buf);
        self.buf.zeroize();
        self.buf = bigger;
    }

    /// Removes `key`, returning its value and write time.
    pub(super) fn remove(&mut self, key: &[u8]) -> Option<(Vec<u8>, i64)> {
        let i = self.find(key).ok()?;
        let (_, value, time) = self.record(i);
        let stride = self.stride();
        self.buf.drain(i * stride..(i + 1) * stride);
        // `drain` shifted the tail down; the stride past the end still holds a stale copy.
        self.buf.spare_capacity_mut()[..stride].fill(std::mem::MaybeUninit::new(0));
        if self.buf.is_empty() {
            self.width = None;
        }
        Some((value, time))
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub(super) fn scan(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, i64)> {
        let start = match self.find(prefix) {
            Ok(i) | Err(i) => i,
        };
        (start..self.len())
            .take_while(|&i| self.key_at(i).starts_with(prefix))
            .map(|i| self.record(i))
            .collect()
    }

    /// Takes every record out.
    pub(super) fn take_all(&mut self) -> Vec<(Vec<u8>, Vec<u8>, i64)> {
        let all = self.scan(&[]);
        self.buf.zeroize();
        self.buf = Vec::new();
        self.width = None;
        all
    }

    /// Removes the records written before `cutoff`; returns how many.
    pub(super) fn prune(&mut self, cutoff: i64) -> usize {
        let old: Vec<Vec<u8>> = self
            .scan(&[])
            .into_iter()
            .filter(|(_, _, t)| *t < cutoff)
            .map(|(k, _, _)| k)
            .collect();
        for key in &old {
            self.remove(key);
        }
        old.len()
    }
}
