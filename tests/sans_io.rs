//! The protocol core must stay sans-IO: no async runtime and no actor framework may reach
//! `wa-protocol` through its normal dependencies.

use std::process::Command;

#[test]
fn protocol_crate_depends_on_neither_tokio_nor_ractor() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "wa-protocol",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"wa-protocol"),
        "unexpected tree output:\n{tree}"
    );
    assert!(
        crates.contains(&"wa-protobuf"),
        "unexpected tree output:\n{tree}"
    );
    for forbidden in ["tokio", "ractor", "mio", "async-std"] {
        assert!(
            !crates.contains(&forbidden),
            "wa-protocol pulls in {forbidden}:\n{tree}"
        );
    }
}
