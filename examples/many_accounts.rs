//! Many accounts in one process, offline: starts `WA_SCALE_N` (default 100) sessions against
//! a wa-testkit fake server running in a second process, waits until all are logged in with
//! their prekeys uploaded and idle, and prints resident memory and live heap per session, the
//! time to log everyone in, and the idle CPU, for the SQLite and the in-memory store.
//!
//! `cargo run --release --example many_accounts`; `WA_SCALE_N=1000` for the full figure
//! (raise `ulimit -n` past twice that), `WA_SCALE_STORES=memory` for one store kind.

#[path = "scale/mod.rs"]
mod scale;

fn main() {
    scale::main(scale::Settings {
        sessions: 100,
        settle_secs: 5,
        cpu_secs: 5,
    });
}
