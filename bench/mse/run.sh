#!/usr/bin/env bash
# Times the default Multiple Systems Estimation procedure on the UK 2013 table
# (six lists): SparseMSE 2.0.1's `estimatepopulation(UKdat)` in R (stepwise,
# nboot = 1000, BCa) and Palermo's `mse` engine doing the same (plus the profile
# interval), on the same machine in the same run, and prints the ratio.
#
# Needs Rscript with SparseMSE 2.0.1 installed in an R library: set
# SPARSEMSE_LIB to that library (default: R's own libraries). Palermo's side is
# built here with cargo (release). Usage: bench/mse/run.sh [PALERMO_REPEATS]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data="${MSE_DATA_DIR:-$root/../shared/data/mse}/UKdat.csv"
repeats="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-mse}"

[ -r "$data" ] || { echo "missing $data" >&2; exit 2; }
command -v Rscript >/dev/null || { echo "Rscript not found" >&2; exit 2; }

cargo build --quiet --release -p mse --example estimate_csv --manifest-path "$root/Cargo.toml"
palermo="$CARGO_TARGET_DIR/release/examples/estimate_csv"

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# Palermo: best of N wall times (each run is the whole procedure from CSV text),
# and the CPU time (user + system, all threads) of that run.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best=""
best_cpu=""
TIMEFORMAT="%U %S"
for _ in $(seq "$repeats"); do
  { time "$palermo" "$data" 1000 1234 >"$tmp/report.json" 2>"$tmp/stderr"; } 2>"$tmp/time"
  secs=$(sed -n 's/^elapsed_seconds //p' "$tmp/stderr")
  cpu=$(awk '{print $1 + $2}' "$tmp/time")
  if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; best_cpu=$cpu; fi
done
palermo_est=$(sed -n 's/^  "estimate": \(.*\),$/\1/p' "$tmp/report.json")

# R: one run of SparseMSE's default.
r_out=$(Rscript -e '
  lib <- Sys.getenv("SPARSEMSE_LIB")
  if (nzchar(lib)) library(SparseMSE, lib.loc = lib) else library(SparseMSE)
  z <- read.csv(commandArgs(TRUE)[1])
  t0 <- proc.time()[["elapsed"]]
  e <- estimatepopulation(z)
  p <- proc.time()
  cat(sprintf("%.3f %.3f %.10f\n", p[["elapsed"]] - t0, p[["user.self"]] + p[["sys.self"]], e$popest))
' "$data")
read -r r_secs r_cpu r_est <<<"$r_out"

echo "SparseMSE estimatepopulation(UKdat), nboot 1000: ${r_secs} s wall, ${r_cpu} s CPU (whole R process), estimate ${r_est}"
echo "Palermo mse (best of ${repeats}), nboot 1000:     ${best} s wall, ${best_cpu} s CPU (all threads), estimate ${palermo_est}"
echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v r="$r_secs" -v p="$best" -v rc="$r_cpu" -v pc="$best_cpu" -v a="$r_est" -v b="$palermo_est" 'BEGIN {
  printf "speed-up: %.0fx wall, %.0fx CPU\n", r / p, rc / pc
  d = (a - b) / a; if (d < 0) d = -d
  printf "point estimates agree to %.2e relative (%s)\n", d, (d < 1e-6 ? "identical within 1e-6" : "DIFFERENT")
}'
