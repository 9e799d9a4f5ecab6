#!/usr/bin/env bash
# libFuzzer runs of every target without cargo-fuzz: builds the targets with nightly and the
# sanitizer-coverage flags cargo-fuzz would pass, then runs each for a time or a number of
# executions. A crash stops the script and leaves its input in fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh                              # every target, 25 s each
#   fuzz/smoke.sh 60 node_decode message_stanza
#   fuzz/smoke.sh runs=10000000 node_decode    # a fixed number of executions instead
#
# The node and frame targets take inputs up to 1 MiB (libFuzzer's default of 4 KiB never
# reaches the zlib path or large lists); the others keep the default.
set -euo pipefail
cd "$(dirname "$0")"
budget="${1:-25}"
shift || true
case "$budget" in
  runs=*) limit="-runs=${budget#runs=}" ;;
  *) limit="-max_total_time=$budget" ;;
esac
# The binaries land in whatever target dir cargo uses; the caller may have moved it.
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$PWD/$target_dir" ;;
esac
triple="$(rustc -vV | sed -n 's/^host: //p')"
# Coverage and the debug checks go on our own crates only: instrumenting curve25519-dalek's
# field arithmetic made the Signal and Noise targets spend 60% of their time in trace-compare
# hooks on code we do not fuzz. Per-package flags need nightly's profile-rustflags; passing
# them with --config keeps fuzz/Cargo.toml readable by stable cargo.
flags='["-Cpasses=sancov-module", "-Cllvm-args=-sanitizer-coverage-level=4",
"-Cllvm-args=-sanitizer-coverage-inline-8bit-counters", "-Cllvm-args=-sanitizer-coverage-pc-table",
"-Cllvm-args=-sanitizer-coverage-trace-compares", "--cfg", "fuzzing", "-Cdebug-assertions",
"-Coverflow-checks"]'
flags="$(echo "$flags" | tr -d '\n')"
config=()
# Not wa-protobuf: profile flags reach a package's build script too, and its prost-build
# script cannot link the coverage hooks. Its decoding is prost's, not ours.
for crate in wa-fuzz wa-protocol; do
  config+=(--config "profile.release.package.$crate.rustflags=$flags")
done
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does.
cargo +nightly -Zprofile-rustflags build --release --target "$triple" --target-dir "$target_dir" \
  "${config[@]}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls fuzz_targets | sed 's/\.rs$//'))
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t ($budget)"
  log="artifacts/$t/last-run.log"
  case "$t" in
    node_decode | node_view | noise_frames | websocket_frames) max_len="-max_len=1048576" ;;
    *) max_len="" ;;
  esac
  # shellcheck disable=SC2086 # max_len is empty or one flag
  if ! "$target_dir/$triple/release/$t" "corpus/$t" "$limit" $max_len \
    -artifact_prefix="artifacts/$t/" -rss_limit_mb=2048 >"$log" 2>&1; then
    echo "crash in $t:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  grep -E "^Done" "$log" || true
done
