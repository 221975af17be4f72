#!/usr/bin/env bash
# Import benchmark: rows per second for a 1,000,000-row CSV into the embedded SQLite store,
# through the real command (`palermo import`), release build. Usage: bench/import/run.sh [ROWS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
rows="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p cli
bin="${CARGO_TARGET_DIR:-$root/target}/release/palermo"
python3 "$here/gen.py" "$rows" > "$work/records.csv"
"$bin" init "$work/obs" --country XDL > /dev/null
start=$(date +%s.%N)
"$bin" --dir "$work/obs" import --source bench --kind ngo --mapping "$here/mapping.toml" "$work/records.csv" > "$work/summary.txt"
end=$(date +%s.%N)
head -3 "$work/summary.txt"
python3 - "$start" "$end" "$rows" "$(stat -c %s "$work/records.csv")" <<'PY'
import sys
start, end, rows, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
secs = end - start
print(f"imported {rows:,} rows ({size / 1e6:.0f} MB) into SQLite in {secs:.2f} s: {rows / secs:,.0f} rows/s")
PY
