#!/usr/bin/env bash
# Import benchmark, in one run on the same CSV (synthetic, ROWS rows, default 1,000,000):
#   1. `palermo import` into the embedded SQLite store (release build, the real command);
#   2. the physical reference: the sqlite3 shell's `.import` of the same CSV into a plain table
#      with no constraints, no index and no validation, in a fresh file;
#   3. the ratio of 1 to 2;
#   4. `palermo import` into PostgreSQL, when PALERMO_BENCH_PG names a server database to connect
#      to (e.g. postgres://postgres@127.0.0.1:5432/test): each import goes into a fresh database
#      created for the run and dropped after it, so nobody else's data is touched.
# Each is timed RUNS times (default 3), interleaved, and the best time counts: on a machine shared
# with other jobs the best run is the one least slowed by them. Every time is printed, and the
# machine's load (uptime) before and after.
# Usage: [PALERMO_BENCH_PG=URL] [RUNS=3] bench/import/run.sh [ROWS]
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

# Seconds a command takes, its output discarded: wall clock, then CPU (user + system, all threads),
# as "wall/cpu".
seconds() {
    local times
    times=$( { TIMEFORMAT='%R %U %S'; time "$@" > "$work/out.txt"; } 2>&1 )
    python3 -c "import sys; w, u, s = map(float, sys.argv[1:]); print(f'{w:.2f}/{u + s:.2f}')" $times
}
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):,.0f}')" "$rows" "$1"; }

best() { printf '%s\n' "$@" | sort -g | head -1; }
wall() { echo "${1%/*}"; }
cpu() { echo "${1#*/}"; }
have_sqlite3=$(command -v sqlite3 > /dev/null && echo yes || echo no)

# The same semicolon-separated file, header skipped, into a table of nine untyped columns.
sqlite_import() {
    rm -f "$work/reference.db"
    sqlite3 "$work/reference.db" <<SQL
CREATE TABLE records (case_id, identified, gender, age, nationality, forms, first_name, last_name, born);
.mode csv
.separator ";"
.import --skip 1 $work/records.csv records
SQL
}

palermo_sqlite() {
    rm -rf "$work/obs"
    "$bin" init "$work/obs" --country XDL > /dev/null
    seconds "$bin" --dir "$work/obs" import --source bench --kind ngo --mapping "$here/mapping.toml" "$work/records.csv"
}

palermo_postgres() {
    psql -q -X "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" > /dev/null 2>&1
    psql -q -X "$pg_admin" -c "CREATE DATABASE $pg_name" > /dev/null
    rm -rf "$work/obs-pg"
    "$bin" init "$work/obs-pg" --country XDL > /dev/null
    seconds "$bin" --dir "$work/obs-pg" --database "$pg_url" import --source bench --kind ngo \
        --mapping "$here/mapping.toml" "$work/records.csv"
    local stored
    stored=$(psql -X -t -A "$pg_url" -c "SELECT count(*) FROM person_records")
    [[ "$stored" == "$rows" ]] || { echo "PostgreSQL holds $stored records, not $rows" >&2; exit 1; }
}

echo "rows: $rows ($((size / 1000000)) MB), best of ${RUNS:-3} runs each, load before: $(uptime | sed 's/.*load average: //')"
pg_url="${pg_admin%/*}/$pg_name"
palermo_times=() reference_times=() pg_times=()
for _ in $(seq "${RUNS:-3}"); do
    palermo_times+=("$(palermo_sqlite)")
    if [[ "$have_sqlite3" == yes ]]; then
        reference_times+=("$(seconds sqlite_import)")
        stored=$(sqlite3 "$work/reference.db" "SELECT count(*) FROM records")
        [[ "$stored" == "$rows" ]] || { echo "sqlite3 .import stored $stored rows, not $rows" >&2; exit 1; }
    fi
    if [[ -n "$pg_admin" ]]; then
        pg_times+=("$(palermo_postgres)")
    fi
done
stored=$(sqlite3 "$work/obs/palermo.db" "SELECT rows_stored FROM submissions" 2> /dev/null || echo "?")
echo "palermo stored $stored rows per import into SQLite"
line() {
    printf '%-26s %6.2f s  %9s rows/s  (CPU %.2f s; runs, wall/CPU s: %s)\n' "$1" "$(wall "$2")" "$(rate "$(wall "$2")")" \
        "$(cpu "$2")" "$3"
}
palermo_best=$(best "${palermo_times[@]}")
line "palermo into SQLite:" "$palermo_best" "${palermo_times[*]}"
if [[ "$have_sqlite3" == yes ]]; then
    reference_best=$(best "${reference_times[@]}")
    line "sqlite3 .import:" "$reference_best" "${reference_times[*]}"
    python3 -c "import sys; print(f'palermo / sqlite3:          {float(sys.argv[2]) / float(sys.argv[1]):.2f}')" \
        "$(wall "$palermo_best")" "$(wall "$reference_best")"
else
    echo "sqlite3 .import:           not measured: no sqlite3 on PATH (install the sqlite3 shell, e.g. apt-get install sqlite3)"
fi
if [[ -n "$pg_admin" ]]; then
    line "palermo into PostgreSQL:" "$(best "${pg_times[@]}")" "${pg_times[*]}"
else
    echo "palermo into PostgreSQL:   not measured (set PALERMO_BENCH_PG, e.g. postgres://postgres@127.0.0.1:5432/test)"
fi
echo "load after: $(uptime | sed 's/.*load average: //')"
