//! A compact table for the memory store's one-time prekeys.
//!
//! A new device keeps its 812 private prekeys for as long as the server may hand them out.
//! In a general `BTreeMap` entry each costs two heap blocks and well over a hundred bytes of
//! overhead; here the values of one width lie back to back in one buffer in key order, and
//! the keys and write times are kept per *run*: a stretch of records whose ids follow one
//! another and that were written at the same second. Prekeys are minted in batches of
//! consecutive ids, so a device's whole set is a handful of runs and each key costs nothing
//! beyond its value. The buffer holds private keys, so it is zeroized when it moves or drops.

use zeroize::Zeroize;

/// Key width: prekey ids are big-endian `u32`s.
pub(super) const KEY: usize = 4;
/// Values added per reallocation.
const GROW: usize = 64;

/// Records with keys `first .. first + len`, at `at .. at + len` in the value buffer, all
/// written at `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first: u32,
    at: usize,
    len: usize,
    time: i64,
}

impl Run {
    /// One past the last key, widened so `u32::MAX` fits.
    fn end(&self) -> u64 {
        u64::from(self.first) + self.len as u64
    }
}

#[derive(Default)]
pub(super) struct Packed {
    width: Option<usize>,
    values: Vec<u8>,
    runs: Vec<Run>,
}

impl Drop for Packed {
    fn drop(&mut self) {
        self.values.zeroize();
    }
}

fn id(key: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(key.try_into().ok()?))
}

/// Where a key is: found in run `r` at record `i`, or would go before run `r` at record `i`.
enum Place {
    Found { r: usize, i: usize },
    Vacant { r: usize, i: usize },
}

impl Packed {
    /// Whether `key`/`value` can live here: a 4-byte key and the width of the values already
    /// here (any width while empty).
    pub(super) fn fits(&self, key: &[u8], value: &[u8]) -> bool {
        key.len() == KEY && self.width.is_none_or(|w| w == value.len())
    }

    fn width(&self) -> usize {
        self.width.unwrap_or(0)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.runs.iter().map(|r| r.len).sum()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    fn place(&self, key: u32) -> Place {
        let r = self.runs.partition_point(|run| run.first <= key);
        if let Some(run) = r.checked_sub(1).map(|p| self.runs[p]) {
            if u64::from(key) < run.end() {
                return Place::Found {
                    r: r - 1,
                    i: run.at + (key - run.first) as usize,
                };
            }
            return Place::Vacant {
                r,
                i: run.at + run.len,
            };
        }
        Place::Vacant { r: 0, i: 0 }
    }

    fn value(&self, i: usize) -> Vec<u8> {
        let w = self.width();
        self.values[i * w..(i + 1) * w].to_vec()
    }

    /// The value and write time under `key`.
    pub(super) fn get(&self, key: &[u8]) -> Option<(Vec<u8>, i64)> {
        match self.place(id(key)?) {
            Place::Found { r, i } => Some((self.value(i), self.runs[r].time)),
            Place::Vacant { .. } => None,
        }
    }

    /// Inserts or replaces; the caller checked [`Packed::fits`]. Returns the old value.
    pub(super) fn insert(&mut self, key: &[u8], value: &[u8], time: i64) -> Option<(Vec<u8>, i64)> {
        let key = id(key)?;
        self.width.get_or_insert(value.len());
        let w = self.width();
        match self.place(key) {
            Place::Found { r, i } => {
                let old = (self.value(i), self.runs[r].time);
                self.values[i * w..(i + 1) * w].copy_from_slice(value);
                if old.1 != time {
                    // The record leaves its run for one of its own (with its new time).
                    let r = self.split_out(r, key);
                    self.runs[r].time = time;
                    self.merge_around(r);
                }
                Some(old)
            }
            Place::Vacant { r, i } => {
                self.grow_for_one();
                let at = i * w;
                self.values.splice(at..at, value.iter().copied());
                for run in &mut self.runs[r..] {
                    run.at += 1;
                }
                self.runs.insert(
                    r,
                    Run {
                        first: key,
                        at: i,
                        len: 1,
                        time,
                    },
                );
                self.merge_around(r);
                None
            }
        }
    }

    /// Splits run `r` so that `key` (inside it) is a run of one; returns that run's index.
    fn split_out(&mut self, r: usize, key: u32) -> usize {
        let run = self.runs[r];
        let before = (key - run.first) as usize;
        let after = run.len - before - 1;
        let mut parts = Vec::with_capacity(3);
        if before > 0 {
            parts.push(Run { len: before, ..run });
        }
        let single = parts.len();
        parts.push(Run {
            first: key,
            at: run.at + before,
            len: 1,
            time: run.time,
        });
        if after > 0 {
            parts.push(Run {
                first: key + 1,
                at: run.at + before + 1,
                len: after,
                time: run.time,
            });
        }
        self.runs.splice(r..=r, parts);
        r + single
    }

    /// Joins run `r` with its neighbours where keys follow on and times agree.
    fn merge_around(&mut self, mut r: usize) {
        if r > 0 && Self::joins(&self.runs[r - 1], &self.runs[r]) {
            self.runs[r - 1].len += self.runs[r].len;
            self.runs.remove(r);
            r -= 1;
        }
        if r + 1 < self.runs.len() && Self::joins(&self.runs[r], &self.runs[r + 1]) {
            self.runs[r].len += self.runs[r + 1].len;
            self.runs.remove(r + 1);
        }
    }

    fn joins(a: &Run, b: &Run) -> bool {
        a.end() == u64::from(b.first) && a.time == b.time
    }

    /// Grows the buffer by hand so the old allocation is wiped, not just freed; in steps of
    /// [`GROW`] values rather than doubling, so a full batch wastes little capacity.
    fn grow_for_one(&mut self) {
        let w = self.width();
        let need = self.values.len() + w;
        if need <= self.values.capacity() {
            return;
        }
        let mut bigger = Vec::with_capacity(need.max(self.values.capacity() + GROW * w));
        bigger.extend_from_slice(&self.values);
        self.values.zeroize();
        self.values = bigger;
    }

    /// Removes `key`, returning its value and write time.
    pub(super) fn remove(&mut self, key: &[u8]) -> Option<(Vec<u8>, i64)> {
        let key = id(key)?;
        let Place::Found { r, i } = self.place(key) else {
            return None;
        };
        let old = (self.value(i), self.runs[r].time);
        let w = self.width();
        self.values.drain(i * w..(i + 1) * w);
        // `drain` shifted the tail down; the value past the end still holds a stale copy.
        self.values.spare_capacity_mut()[..w].fill(std::mem::MaybeUninit::new(0));
        let single = self.split_out(r, key);
        self.runs.remove(single);
        for run in &mut self.runs[single..] {
            run.at -= 1;
        }
        if self.runs.is_empty() {
            self.width = None;
        }
        Some(old)
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub(super) fn scan(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, i64)> {
        if prefix.len() > KEY {
            return Vec::new();
        }
        let mut lo = [0u8; KEY];
        let mut hi = [0xffu8; KEY];
        lo[..prefix.len()].copy_from_slice(prefix);
        hi[..prefix.len()].copy_from_slice(prefix);
        let (lo, hi) = (u32::from_be_bytes(lo), u32::from_be_bytes(hi));
        let mut out = Vec::new();
        for run in &self.runs {
            if run.end() <= u64::from(lo) || run.first > hi {
                continue;
            }
            let from = run.first.max(lo);
            let to = (run.end() - 1).min(u64::from(hi)) as u32;
            for key in from..=to {
                let i = run.at + (key - run.first) as usize;
                out.push((key.to_be_bytes().to_vec(), self.value(i), run.time));
            }
        }
        out
    }

    /// Takes every record out.
    pub(super) fn take_all(&mut self) -> Vec<(Vec<u8>, Vec<u8>, i64)> {
        let all = self.scan(&[]);
        self.values.zeroize();
        self.values = Vec::new();
        self.runs.clear();
        self.width = None;
        all
    }

    /// Removes the records written before `cutoff`; returns how many.
    pub(super) fn prune(&mut self, cutoff: i64) -> usize {
        let w = self.width();
        let mut kept = Vec::with_capacity(self.values.len());
        let mut runs = Vec::with_capacity(self.runs.len());
        let mut removed = 0;
        for run in &self.runs {
            if run.time < cutoff {
                removed += run.len;
                continue;
            }
            runs.push(Run {
                at: kept.len() / w.max(1),
                ..*run
            });
            kept.extend_from_slice(&self.values[run.at * w..(run.at + run.len) * w]);
        }
        // Runs that were apart stay apart: what lay between them had keys between theirs.
        self.values.zeroize();
        self.values = kept;
        self.runs = runs;
        if self.runs.is_empty() {
            self.width = None;
        }
        removed
    }

    #[cfg(test)]
    pub(super) fn runs(&self) -> usize {
        self.runs.len()
    }
}
