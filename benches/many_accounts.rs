//! Memory per idle session: 1,000 sessions (`WA_SCALE_N`) in this process against a fake
//! server in a second one; prints marginal RSS and live heap per session, time to all logged
//! in and idle CPU, for the SQLite and the in-memory store (see `examples/scale`). A one-shot
//! measurement, not a criterion loop: the figures are states, not rates.
//!
//! Outside `cargo bench` (as `cargo test --benches` runs it) it does a 5-session smoke run.

#[path = "../examples/scale/mod.rs"]
mod scale;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    scale::main(if bench {
        scale::Settings {
            sessions: 1000,
            settle_secs: 12,
            cpu_secs: 10,
        }
    } else {
        scale::Settings {
            sessions: 5,
            settle_secs: 0,
            cpu_secs: 0,
        }
    });
}
