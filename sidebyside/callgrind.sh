#!/usr/bin/env bash
# Instruction counts per call of each path, both sides, under callgrind: repeatable on a loaded
# machine where wall-clock medians are not. Prints the same table as run.sh, in instructions
# (Ir) per call. Optional argument: a path filter such as `decode_view/`.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/wa-sidebyside"
# Same results first (panics with the first difference otherwise).
"$bin" check
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
count() { # path side iters -> Ir per call
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_loop*' \
    --callgrind-out-file="$out/cg" "$bin" callgrind "$1" "$2" "$3" >/dev/null 2>&1
  awk -v n="$3" '/^totals:/ { printf "%.0f", $2 / n }' "$out/cg"
}
echo "| path | ours (Ir/call) | wacore 0.7 (Ir/call) | wacore / ours |"
echo "| --- | ---: | ---: | ---: |"
for p in $("$bin" list); do
  if [[ -n "${1:-}" && "$p" != *"$1"* ]]; then continue; fi
  case "$p" in
    *usync*|signal/*) n=20 ;;
    *) n=500 ;;
  esac
  a="$(count "$p" ours "$n")"
  b="$(count "$p" wacore "$n")"
  awk -v p="$p" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %d | %d | %.2f |\n", p, a, b, b / a }'
done
