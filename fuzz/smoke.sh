#!/usr/bin/env bash
# Short libFuzzer run of every target without cargo-fuzz: builds the targets with nightly and
# the sanitizer-coverage flags cargo-fuzz would pass, then runs each for SECONDS (default 25).
# A crash stops the script and leaves its input in fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh            # every target, 25 s each
#   fuzz/smoke.sh 60 node_decode message_stanza
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-25}"
shift || true
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does.
cargo +nightly build --release --target "$triple"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls fuzz_targets | sed 's/\.rs$//'))
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t (${seconds}s)"
  log="artifacts/$t/last-run.log"
  if ! "target/$triple/release/$t" "corpus/$t" -max_total_time="$seconds" \
    -artifact_prefix="artifacts/$t/" -rss_limit_mb=2048 >"$log" 2>&1; then
    echo "crash in $t:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  grep -E "^Done" "$log" || true
done
