//! Signal paths of wa-protocol against the published wacore-libsignal 0.7 on identical inputs:
//! parties from the same key bytes, the same random draws on both sides, messages checked for
//! byte equality and for each library reading the other's before anything is timed.
//!
//! wacore works through async store traits; here every store holds one record in memory and a
//! load is a clone (a cache hit), and in timed loops writes are dropped so each call repeats
//! the same work. Our timed calls do the same: a copy of the record (the load), then the
//! operation in place on it, so both sides pay one record copy per call.

mod dm;
mod group;
mod parties;
mod stores;
mod wacore_ops;

use crate::Path;

/// The plaintext of every message: about a padded short text.
const PLAINTEXT: &[u8] = &[0x42; 100];

/// The Signal paths; `check` first asserts that both sides agree.
pub fn paths(check: bool) -> Vec<Path> {
    let mut out = dm::paths(check);
    out.extend(group::paths(check));
    out
}
