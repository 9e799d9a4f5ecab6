//! One TLS stack: rustls with the ring provider. aws-lc (which tokio-tungstenite's and
//! tokio-rustls' default features pull in), native-tls and OpenSSL must not reach any crate of
//! the workspace.

use std::process::Command;

#[test]
fn only_rustls_with_ring_is_linked() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--workspace",
            "-e",
            "normal,build",
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
        crates.contains(&"rustls"),
        "unexpected tree output:\n{tree}"
    );
    assert!(crates.contains(&"ring"), "unexpected tree output:\n{tree}");
    for forbidden in [
        "aws-lc-rs",
        "aws-lc-sys",
        "native-tls",
        "openssl",
        "openssl-sys",
    ] {
        assert!(
            !crates.contains(&forbidden),
            "{forbidden} is in the dependency tree"
        );
    }
}
