//! Restart policy shared by the supervisors: Fibonacci backoff with jitter and the meltdown
//! limit. Both are plain values driven by the caller's clock and random samples, so they are
//! unit-tested without a runtime.

mod backoff;
mod meltdown;

pub use backoff::{Backoff, BackoffConfig};
pub use meltdown::{MeltdownConfig, RestartWindow};
