#!/usr/bin/env bash
# Utility of each method of `palermo publish` on the demo: mean absolute error of the published
# counts against the true ones for audited suppression, controlled rounding (base 3, 5) and
# differential privacy (ε 0.25, 0.5, 1, 2; R fresh draws each). Prints Markdown (see UTILITY.md).
#
# Usage: bench/publish/utility.sh [SIZE ...]   (default sizes: 3000 30000; env SEED=2008, R=20)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"
cargo build --quiet -p app --example publish_utility
BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/examples/publish_utility"
for size in "${@:-3000 30000}"; do
  for s in $size; do
    echo "### Demo of $s"
    echo
    "$BIN" "$s" "${SEED:-2008}" "${R:-20}"
    echo
  done
done
