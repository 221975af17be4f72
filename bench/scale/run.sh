#!/usr/bin/env bash
# Scale study: for each size N and seed, `palermo demo D --size N --seed S`, then
# `palermo --dir D run`, measured against the simulation's truth: linkage quality with its
# ceiling, namesake rates, the estimate and its interval against the truth and against the same
# MSE on the true capture histories of the linked lists, review items, wall and CPU time, peak
# memory, database size. Prints one Markdown table row per run (see README.md).
# Usage: bench/scale/run.sh [SIZES] [SEEDS]   e.g. bench/scale/run.sh "3000 30000" "1 2"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
sizes="${1:-3000 10000 30000 100000 300000 1000000}"
seeds="${2:-1 2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p cli
bin="${CARGO_TARGET_DIR:-$root/target}/release/palermo"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| N | seed | precision / recall (ceiling) | persons counted / seen | namesakes: name, name+birth date | estimate [95% interval] | MSE on true histories, same method [BCa] | same model on true histories | review listed / left off | demo wall | run wall / CPU | peak memory | database |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for seed in $seeds; do
  for n in $sizes; do
    dir="$work/d$n-$seed"
    start=$(date +%s.%N)
    "$bin" demo "$dir" --size "$n" --seed "$seed" > /dev/null
    demo_wall=$(python3 -c "import time,sys; print(f'{time.time() - float(sys.argv[1]):.1f} s')" "$start")
    # Exit 1: the demo's malformed rows are quarantined, as intended.
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$bin" --dir "$dir" --format json run > "$work/run.json" || [ $? -eq 1 ]
    python3 "$here/true_lists.py" "$dir/truth.json" hotline > "$work/true.csv"
    "$bin" --format json estimate --counts "$work/true.csv" --seed "$seed" > "$work/true.json"
    method=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; print('fixed:' + ','.join(m) if m else 'main')" "$dir/out/estimate.json")
    "$bin" --format json estimate --counts "$work/true.csv" --nboot 0 --method "$method" > "$work/same.json"
    n_total=$(grep -m1 '"n_total"' "$dir/truth.json" | tr -dc '0-9')
    db=$(du -b "$dir/palermo.db" | cut -f1)
    python3 "$here/row.py" "$n_total" "$seed" "$work/run.json" "$work/true.json" "$work/same.json" "$work/time.txt" "$demo_wall" "$db"
    rm -rf "$dir"
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
