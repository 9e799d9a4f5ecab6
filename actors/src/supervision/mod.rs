//! Restart policy shared by the supervisors: Fibonacci backoff with jitter and the meltdown
//! limit. Both are plain values driven by the caller's clock and random samples, so they are
//! unit-tested without a runtime. `OnDemand` is the address of a child that runs only while
//! it has work.

mod backoff;
mod meltdown;
mod on_demand;

pub use backoff::{Backoff, BackoffConfig};
pub use meltdown::{MeltdownConfig, RestartWindow};
pub(crate) use on_demand::{LazyChild, OnDemand};
