#!/usr/bin/env bash
# Builds and runs the side-by-side comparison; extra arguments go to the binary
# (`--quick`, a path filter such as `decode/`).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo run --release --quiet -- "$@"
