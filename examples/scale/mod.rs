//! Many idle accounts in one process, measured: shared by `examples/many_accounts.rs` and
//! `benches/many_accounts.rs`.
//!
//! The binary plays three roles, chosen by `WA_SCALE_ROLE`: unset, it runs one measuring child
//! per store kind (so one kind's freed memory cannot flatter the next); `client` measures one
//! store kind; `server` is the fake server (see `server.rs`), which the client starts as its
//! own child, so the figures count the client side only.
//!
//! Settings (environment): `WA_SCALE_N` sessions, `WA_SCALE_STORES` (`sqlite,memory`),
//! `WA_SCALE_SETTLE_SECS` idle time before measuring, `WA_SCALE_CPU_SECS` the idle-CPU window.

mod alloc;
mod client;
mod procfs;
mod server;

use std::process::Command;

/// Selects the role of this process.
const ROLE: &str = "WA_SCALE_ROLE";

/// What the measuring process is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Sessions to start.
    pub sessions: usize,
    /// Seconds to leave the sessions idle before measuring memory.
    pub settle_secs: u64,
    /// Seconds over which idle CPU is measured.
    pub cpu_secs: u64,
}

impl Settings {
    fn from_env(defaults: Settings) -> Settings {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            sessions: var("WA_SCALE_N", defaults.sessions as u64) as usize,
            settle_secs: var("WA_SCALE_SETTLE_SECS", defaults.settle_secs),
            cpu_secs: var("WA_SCALE_CPU_SECS", defaults.cpu_secs),
        }
    }
}

/// Runs the role this process was started in.
pub fn main(defaults: Settings) {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => server::serve(),
        Ok("client") => {
            let kind = std::env::var("WA_SCALE_STORE").unwrap_or_else(|_| "sqlite".into());
            client::measure(&kind, Settings::from_env(defaults));
        }
        _ => {
            let stores =
                std::env::var("WA_SCALE_STORES").unwrap_or_else(|_| "sqlite,memory".into());
            for kind in stores.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                let status = Command::new(std::env::current_exe().expect("own path"))
                    .env(ROLE, "client")
                    .env("WA_SCALE_STORE", kind)
                    .env(
                        "WA_SCALE_N",
                        Settings::from_env(defaults).sessions.to_string(),
                    )
                    .env(
                        "WA_SCALE_SETTLE_SECS",
                        Settings::from_env(defaults).settle_secs.to_string(),
                    )
                    .env(
                        "WA_SCALE_CPU_SECS",
                        Settings::from_env(defaults).cpu_secs.to_string(),
                    )
                    .status()
                    .expect("measuring child");
                assert!(status.success(), "the {kind} run failed: {status}");
            }
        }
    }
}
