#!/usr/bin/env bash
# Load benchmark of `palermo serve` (wrk, Debian's package, against 127.0.0.1 only; every phase
# bounded in time):
#   1. a demo observatory of SIZE victims (default 1,000,000; seed 1) made and run into a fresh
#      PostgreSQL database created for the benchmark and dropped after it (`palermo --database URL
#      demo D --size SIZE --seed 1 --run`, release build);
#   2. the dashboard's API (`GET /api/v1/dashboard`, what the dashboard reads) and the dashboard
#      page, CLIENTS concurrent clients (default 50) for DURATION (default 30s) each: requests per
#      second, p50 / p99 latency;
#   3. a login storm: CLIENTS clients post wrong passwords for one account for STORM (default 20s):
#      requests per second, p50 / p99, answers by status (throttling must hold: a handful of 401,
#      then 429); then the server still answers /healthz, the stormed account is still locked
#      even with its right password, and another account signs in.
# Prints a Markdown table, the machine's load (uptime) before and after, and the row counts in
# PostgreSQL. Usage:
#   [PALERMO_BENCH_PG=postgres://postgres@127.0.0.1:5432/test] [SIZE=1000000] [CLIENTS=50]
#   [DURATION=30s] [STORM=20s] [PALERMO_BIN=path/to/palermo] bench/serve/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
size="${SIZE:-1000000}"
clients="${CLIENTS:-50}"
duration="${DURATION:-30s}"
storm="${STORM:-20s}"
pg_admin="${PALERMO_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
pg_name="palermo_serve_bench_$$"
pg_url="${pg_admin%/*}/$pg_name"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2> /dev/null || true
        wait "$server_pid" 2> /dev/null || true
    fi
    psql -q -X "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" > /dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

command -v wrk > /dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
# PALERMO_BIN: a palermo binary already built (otherwise the release build is made here).
bin="${PALERMO_BIN:-}"
if [[ -z "$bin" ]]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p cli
    bin="${CARGO_TARGET_DIR:-$root/target}/release/palermo"
fi
load() { uptime | sed 's/.*load average: //'; }
echo "load before: $(load) ($(nproc) cores)"

psql -q -X "$pg_admin" -c "CREATE DATABASE $pg_name" > /dev/null
obs="$work/obs"
started=$(date +%s)
"$bin" --database "$pg_url" demo "$obs" --size "$size" --seed 1 --run > "$work/demo.log" 2>&1 || {
    status=$?
    # Exit 1 is "rows refused"; the demo's planted malformed rows are expected.
    [[ $status -eq 1 ]] || { cat "$work/demo.log" >&2; exit "$status"; }
}
echo "demo + run into PostgreSQL: $(($(date +%s) - started)) s"
records=$(psql -X -t -A "$pg_url" -c "SELECT count(*) FROM person_records")
submissions=$(psql -X -t -A "$pg_url" -c "SELECT count(*) FROM submissions")
echo "PostgreSQL holds $records person records from $submissions submissions"

password="bench password $$ $(date +%s)"
for account in "bench_admin administrator" "bench_victim analyst" "bench_other analyst"; do
    read -r name role <<< "$account"
    echo "$password" | "$bin" --dir "$obs" --database "$pg_url" user add "$name" --role "$role" > /dev/null
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" --dir "$obs" --database "$pg_url" serve --addr "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
    curl -sf "$base/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "$base/healthz" > /dev/null || { cat "$work/serve.log" >&2; exit 1; }
curl -sf "$base/api/v1/dashboard" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["published"], "nothing published"; print("dashboard: total", d["statistics"]["total"], "bytes", len(json.dumps(d)))'

# "requests/s p50 p99" of a wrk run's output (--latency).
summary() {
    python3 - "$1" << 'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: (.*)", text)
total = re.search(r"(\d+) requests in", text).group(1)
print(f"{float(rps):,.0f} | {ms(p['50']):.1f} ms | {ms(p['99']):.1f} ms | {int(total):,} | "
      f"{errors.group(1) if errors else 0} non-2xx/3xx{'; socket errors ' + socket.group(1) if socket else ''}")
PY
}

echo
echo "| what | clients | duration | requests/s | p50 | p99 | requests | errors |"
echo "|---|---|---|---|---|---|---|---|"
wrk -t2 -c"$clients" -d"$duration" --latency "$base/api/v1/dashboard" > "$work/api.txt"
echo "| GET /api/v1/dashboard | $clients | $duration | $(summary "$work/api.txt") |"
wrk -t2 -c"$clients" -d"$duration" --latency "$base/dashboard" > "$work/page.txt"
echo "| GET /dashboard (page) | $clients | $duration | $(summary "$work/page.txt") |"

# One login form's token (the same in its cookie and its field), reused by every login below.
curl -s "$base/login" > "$work/login.html"
token=$(grep -o 'name="csrf" value="[^"]*"' "$work/login.html" | head -1 | sed 's/.*value="//; s/"$//')
# The API as a signed-in analyst: each request also finds its session in PostgreSQL.
session=$(curl -s -D - -o /dev/null -b "__Host-palermo_login=$token" --data-urlencode "csrf=$token" \
    --data-urlencode "name=bench_other" --data-urlencode "password=$password" "$base/login" |
    grep -i '^set-cookie: __Host-palermo_session=' | sed 's/^[^=]*=//; s/;.*//' | tr -d '\r')
[[ -n "$session" ]] || { echo "could not sign in bench_other" >&2; exit 1; }
wrk -t2 -c"$clients" -d"$duration" --latency -H "Cookie: __Host-palermo_session=$session" \
    "$base/api/v1/dashboard" > "$work/api-session.txt"
echo "| GET /api/v1/dashboard, signed in (session in PostgreSQL) | $clients | $duration | $(summary "$work/api-session.txt") |"

LOGIN_NAME=bench_victim LOGIN_TOKEN="$token" \
    wrk -t2 -c"$clients" -d"$storm" --latency -s "$here/storm.lua" "$base" > "$work/storm.txt"
echo "| POST /login, wrong password, one account | $clients | $storm | $(summary "$work/storm.txt") |"
echo
echo "login storm, answers by status: $(grep '^status' "$work/storm.txt" | sort | awk '{printf "%s×%s ", $3, $2}')"

login() { # name password -> HTTP status of the login form's answer
    curl -s -o /dev/null -w '%{http_code}' -b "__Host-palermo_login=$token" \
        --data-urlencode "csrf=$token" --data-urlencode "name=$1" --data-urlencode "password=$2" "$base/login"
}
health=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
victim=$(login bench_victim "$password")
other=$(login bench_other "$password")
echo "after the storm: /healthz $health; the stormed account with its right password $victim (429: still locked); another account $other (303: signed in)"
kill -0 "$server_pid" 2> /dev/null && echo "the server is still up"
echo "load after: $(load)"
[[ "$health" == 200 && "$victim" == 429 && "$other" == 303 ]] || { echo "the login storm broke something" >&2; exit 1; }
