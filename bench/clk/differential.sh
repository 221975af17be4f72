#!/usr/bin/env bash
# Differential test of Palermo's encoder against clkhash: random Unicode records and 36 random
# schemas (every text encoding, blakeHash / doubleHash with and without prevent_singularity,
# n-grams of 1-5 with and without positions, exact, numeric integers and decimals, both
# strategies, key sizes, lengths that are not powers of two). Prints any schema whose encodings
# differ; exits 1 if one does.
#
# Usage: bench/clk/differential.sh   (env: SCRATCH=/work/scratch-clk, N_RECORDS=400)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SCRATCH="${SCRATCH:-/work/scratch-clk}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-clk}"
VENV="$SCRATCH/venv"
WORK="$SCRATCH/differential"
mkdir -p "$WORK"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet clkhash==0.18.3 anonlink==0.15.3 recordlinkage==0.16
(cd "$REPO" && cargo build --quiet --release -p clk --example clkbench)
OURS="$CARGO_TARGET_DIR/release/examples/clkbench"
cd "$WORK"
printf 'differential-secret' > secret.txt
"$VENV/bin/python" "$HERE/peer.py" fuzz . "${N_RECORDS:-400}"
same=0; differ=0
for schema in fuzz-schema-*.json; do
  k="${schema#fuzz-schema-}"; k="${k%.json}"
  "$VENV/bin/python" "$REPO/crates/clk/tests/fixtures/make_golden.py" "$schema" fuzz.csv secret.txt > "clkhash-$k.json"
  "$OURS" encode "$schema" secret.txt fuzz.csv "palermo-$k.json" > /dev/null
  if cmp -s "clkhash-$k.json" "palermo-$k.json"; then same=$((same + 1)); else differ=$((differ + 1)); echo "differs: $schema"; fi
done
echo "differential: $same schemas bit-identical, $differ differ"
[ "$differ" -eq 0 ]
