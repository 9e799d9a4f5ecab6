//! Dependency rules checked with `cargo tree`:
//! - the protocol core stays sans-IO: no async runtime and no actor framework reach `wa-protocol`;
//! - the fake server is built on the protocol crates alone: `wa-actors-core` reaches
//!   `wa-testkit` through no edge, dev-dependencies included, so each server-side rule lives in
//!   `wa-protocol` beside the client side it mirrors;
//! - one TLS stack: rustls with the ring provider. aws-lc (which tokio-tungstenite's and
//!   tokio-rustls' default features pull in), native-tls and OpenSSL reach no crate.

use std::process::Command;

/// Crate names printed by `cargo tree --offline <selection> -e <edges> --prefix none`.
fn tree_crates(selection: &[&str], edges: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["tree", "--offline"])
        .args(selection)
        .args(["-e", edges, "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .collect()
}

fn assert_policy(crates: &[String], required: &[&str], forbidden: &[&str]) {
    for name in required {
        assert!(
            crates.iter().any(|c| c == name),
            "{name} missing from the tree: {crates:?}"
        );
    }
    for name in forbidden {
        assert!(
            !crates.iter().any(|c| c == name),
            "{name} is in the dependency tree"
        );
    }
}

#[test]
fn protocol_crate_depends_on_neither_tokio_nor_ractor() {
    let crates = tree_crates(&["-p", "wa-protocol"], "normal");
    assert_policy(
        &crates,
        &["wa-protocol", "wa-protobuf"],
        &["tokio", "ractor", "mio", "async-std"],
    );
}

#[test]
fn testkit_depends_on_the_protocol_crates_only() {
    let crates = tree_crates(&["-p", "wa-testkit"], "normal,build,dev");
    assert_policy(
        &crates,
        &["wa-testkit", "wa-protocol", "wa-protobuf"],
        &["wa-actors-core", "wa-actors", "ractor", "rusqlite"],
    );
}

#[test]
fn only_rustls_with_ring_is_linked() {
    let crates = tree_crates(&["--workspace"], "normal,build");
    assert_policy(
        &crates,
        &["rustls", "ring"],
        &[
            "aws-lc-rs",
            "aws-lc-sys",
            "native-tls",
            "openssl",
            "openssl-sys",
        ],
    );
}
