//! The conformance suites, one module per vector file schema (see ../shared/vectors/README.md).
//!
//! Shared by the `conformance` example and `tests/conformance.rs`, which runs every suite on
//! `../shared/vectors` as part of the test command.

#![allow(dead_code)]

pub mod app_state;
pub mod binary_node;
pub mod media;
pub mod node_json;
pub mod noise;
pub mod pairing;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod scripted_rng;
pub mod sender_keys;
pub mod signal_1to1;

/// Outcome of checking one or more vector files.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases whose every check held.
    pub passed: usize,
    /// One line per failed case: `case-name: reason`.
    pub failures: Vec<String>,
}

impl Report {
    /// Records one case: passed when `result` is `Ok`.
    pub fn case(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(reason) => self.failures.push(format!("{name}: {reason}")),
        }
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failures.extend(other.failures);
    }
}

type SuiteFn = fn(&Value, &mut Report) -> Result<(), String>;

/// Every suite: name, default file in the vector folder, checker.
pub const SUITES: &[(&str, &str, SuiteFn)] = &[
    ("binary-node", "binary-node.json", binary_node::check),
    ("noise", "noise.json", noise::check),
    ("signal-1to1", "signal-1to1.json", signal_1to1::check),
    ("sender-keys", "sender-keys.json", sender_keys::check),
    ("pairing", "pairing.json", pairing::check),
    ("media", "media.json", media::check),
    ("app-state", "app-state.json", app_state::check),
];

/// `../shared/vectors` relative to the workspace root, overridable with `WA_VECTORS_DIR`.
pub fn default_vector_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WA_VECTORS_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors")
}

/// Runs `suite` over the vector file at `path`.
pub fn run_file(suite: &str, path: &Path) -> Result<Report, String> {
    let (_, _, check) = SUITES
        .iter()
        .find(|(name, _, _)| *name == suite)
        .ok_or_else(|| format!("unknown suite `{suite}`"))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let mut report = Report::default();
    check(&json, &mut report)?;
    Ok(report)
}

/// Helpers for reading vector JSON.
#[allow(dead_code)]
pub mod json {
    use serde_json::Value;

    /// The field `key` of `v` as a string.
    pub fn str<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("missing string field `{key}`"))
    }

    /// The field `key` of `v`, hex-decoded.
    pub fn hex(v: &Value, key: &str) -> Result<Vec<u8>, String> {
        ::hex::decode(str(v, key)?).map_err(|e| format!("field `{key}` is not hex: {e}"))
    }

    /// The field `key` of `v`, hex-decoded into exactly `N` bytes.
    pub fn hex_n<const N: usize>(v: &Value, key: &str) -> Result<[u8; N], String> {
        let bytes = hex(v, key)?;
        <[u8; N]>::try_from(bytes.as_slice())
            .map_err(|_| format!("field `{key}` has {} bytes, want {N}", bytes.len()))
    }

    /// The field `key` of `v` as an array.
    pub fn arr<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
        v.get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("missing array field `{key}`"))
    }

    /// The field `key` of `v` as an unsigned integer.
    pub fn u64(v: &Value, key: &str) -> Result<u64, String> {
        v.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("missing integer field `{key}`"))
    }

    /// Fails with a message naming `what` when `got != want`, showing both in hex.
    pub fn eq_bytes(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "{what} differs: got {}, want {}",
                ::hex::encode(got),
                ::hex::encode(want)
            ))
        }
    }
}
