#!/usr/bin/env bash
# One row of the scale study on a demo that already exists (made once by `palermo demo D --size N
# --seed S`, reusable: `run` imports only what it has not imported yet), as run.sh prints for a
# fresh one: `palermo --dir D --format json run`, then the same MSE on the true capture histories
# (computed once per demo, kept beside it as D.true.csv and D.true.json).
# Usage: bench/scale/measure.sh D SEED TAG   (BIN=path/to/palermo to measure another build;
# the run's JSON and timings go to D-TAG/ beside D)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1%/}"; seed="$2"; tag="$3"
bin="${BIN:-${CARGO_TARGET_DIR:-$here/../../target}/release/palermo}"
work="$dir-$tag"; mkdir -p "$work"
# Exit 1: the demo's malformed rows are quarantined, as intended.
/usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" nice "$bin" --dir "$dir" --format json run > "$work/run.json" || [ $? -eq 1 ]
if [ ! -f "$dir.true.json" ]; then
  python3 "$here/true_lists.py" "$dir/truth.json" hotline > "$dir.true.csv"
  nice "$bin" --format json estimate --counts "$dir.true.csv" --seed "$seed" > "$dir.true.json"
fi
method=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; print('fixed:' + ','.join(m) if m else 'main')" "$dir/out/estimate.json")
nice "$bin" --format json estimate --counts "$dir.true.csv" --nboot 0 --method "$method" > "$work/same.json"
n_total=$(grep -m1 '"n_total"' "$dir/truth.json" | tr -dc '0-9')
db=$(du -b "$dir/palermo.db" | cut -f1)
python3 "$here/row.py" "$n_total" "$seed" "$work/run.json" "$dir.true.json" "$work/same.json" "$work/time.txt" "-" "$db"
