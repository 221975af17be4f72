#!/usr/bin/env bash
# Import benchmark, in one run on the same CSV (synthetic, ROWS rows, default 1,000,000):
#   1. `palermo import` into the embedded SQLite store (release build, the real command);
#   2. the physical reference: the sqlite3 shell's `.import` of the same CSV into a plain table
#      with no constraints, no index and no validation, in a fresh file;
#   3. the ratio of 1 to 2;
#   4. `palermo import` into PostgreSQL, when PALERMO_BENCH_PG names a server database to connect
#      to (e.g. postgres://postgres@127.0.0.1:5432/test): the import goes into a fresh database
#      created for the run and dropped after it, so nobody else's data is touched.
# The machine's load (uptime) is printed before and after: numbers from a busy machine are low.
# Usage: [PALERMO_BENCH_PG=URL] bench/import/run.sh [ROWS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
rows="${1:-1000000}"
work="$(mktemp -d)"
pg_admin="${PALERMO_BENCH_PG:-}"
pg_name="palermo_bench_$$"
cleanup() {
    if [[ -n "$pg_admin" ]]; then
        psql -q -X "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" > /dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p cli
bin="${CARGO_TARGET_DIR:-$root/target}/release/palermo"
python3 "$here/gen.py" "$rows" > "$work/records.csv"
size=$(stat -c %s "$work/records.csv")

# Seconds a command takes (wall clock), its output discarded.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" > "$work/out.txt"
    end=$(date +%s.%N)
    python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end"
}
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):,.0f}')" "$rows" "$1"; }

echo "rows: $rows ($((size / 1000000)) MB), load before: $(uptime | sed 's/.*load average: //')"

"$bin" init "$work/obs" --country XDL > /dev/null
palermo_secs=$(seconds "$bin" --dir "$work/obs" import --source bench --kind ngo --mapping "$here/mapping.toml" "$work/records.csv")
head -3 "$work/out.txt"
echo "palermo into SQLite:    $(printf '%6.2f' "$palermo_secs") s  $(rate "$palermo_secs") rows/s"

if command -v sqlite3 > /dev/null; then
    # The same semicolon-separated file, header skipped, into a table of nine untyped columns.
    sqlite_import() {
        sqlite3 "$work/reference.db" <<SQL
CREATE TABLE records (case_id, identified, gender, age, nationality, forms, first_name, last_name, born);
.mode csv
.separator ";"
.import --skip 1 $work/records.csv records
SQL
    }
    reference_secs=$(seconds sqlite_import)
    stored=$(sqlite3 "$work/reference.db" "SELECT count(*) FROM records")
    [[ "$stored" == "$rows" ]] || { echo "sqlite3 .import stored $stored rows, not $rows" >&2; exit 1; }
    echo "sqlite3 .import:        $(printf '%6.2f' "$reference_secs") s  $(rate "$reference_secs") rows/s"
    python3 -c "import sys; print(f'palermo / sqlite3:      {float(sys.argv[2]) / float(sys.argv[1]):.2f}')" \
        "$palermo_secs" "$reference_secs"
else
    echo "sqlite3 .import:        not measured (no sqlite3 on PATH; install the sqlite3 shell)"
fi

if [[ -n "$pg_admin" ]]; then
    psql -q -X "$pg_admin" -c "CREATE DATABASE $pg_name" > /dev/null
    pg_url="${pg_admin%/*}/$pg_name"
    "$bin" init "$work/obs-pg" --country XDL > /dev/null
    pg_secs=$(seconds "$bin" --dir "$work/obs-pg" --database "$pg_url" import --source bench --kind ngo \
        --mapping "$here/mapping.toml" "$work/records.csv")
    stored=$(psql -X -t -A "$pg_url" -c "SELECT count(*) FROM person_records")
    [[ "$stored" == "$rows" ]] || { echo "PostgreSQL holds $stored records, not $rows" >&2; exit 1; }
    echo "palermo into PostgreSQL: $(printf '%5.2f' "$pg_secs") s  $(rate "$pg_secs") rows/s"
else
    echo "palermo into PostgreSQL: not measured (set PALERMO_BENCH_PG, e.g. postgres://postgres@127.0.0.1:5432/test)"
fi
echo "load after: $(uptime | sed 's/.*load average: //')"
