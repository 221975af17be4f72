#!/usr/bin/env bash
# Times the Bayesian estimators side by side with their R packages, in one run:
# LCMCR 0.4.14 at the settings of its manual (K = 10, a_alpha = b_alpha = 0.25,
# burnin = 10000, samples = 1000, thinning = 100) on UKdat, NewOrl and Kosovo, and
# dga 2.0.2 (delta = 2^-t, prior 1/N, Nmissing = 0:(20 n)) on UKdat_5 and Ned_5 (where
# R needs gigabytes: the peak memory of both sides is printed for dga).
#
# Palermo's LCMCR is timed on one core with one chain (the same work as R's one
# chain) and on all cores with one chain per core. R runs one chain per call
# (seed 1). Times are wall and CPU (user + system); on a shared, loaded machine
# the CPU ratio is the fair one, and it is the one printed. Needs Rscript with LCMCR and dga installed in an R library: set
# R_REF_LIB to it (default: R's own libraries). Palermo's side is built here
# with cargo (release). Usage: bench/mse/bayes.sh [PALERMO_REPEATS]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data_dir="${MSE_DATA_DIR:-$root/../shared/data/mse}"
repeats="${1:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-mse}"
cores=$(nproc)

command -v Rscript >/dev/null || { echo "Rscript not found" >&2; exit 2; }
cargo build --quiet --release -p mse --example lcmcr_csv --example dga_csv --manifest-path "$root/Cargo.toml"
lcmcr="$CARGO_TARGET_DIR/release/examples/lcmcr_csv"
dga="$CARGO_TARGET_DIR/release/examples/dga_csv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg)"

# Best wall time and best CPU time (user + system, all threads) of N runs of a
# command whose stderr ends with "elapsed_seconds S"; prints "WALL CPU".
best_of() {
  local best="" best_cpu="" secs cpu
  for _ in $(seq "$repeats"); do
    { /usr/bin/time -f "%U %S %M" -o "$tmp/time" "$@" >"$tmp/out.json" 2>"$tmp/err"; } || return 1
    secs=$(sed -n 's/^elapsed_seconds //p' "$tmp/err")
    cpu=$(awk '{print $1 + $2}' "$tmp/time")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; cp "$tmp/out.json" "$tmp/best.json"; fi
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then best_cpu=$cpu; fi
  done
  echo "$best $best_cpu"
}
field() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

r_lcmcr() {
  Rscript -e '
    lib <- Sys.getenv("R_REF_LIB")
    suppressMessages(if (nzchar(lib)) library(LCMCR, lib.loc = lib) else library(LCMCR))
    m <- as.matrix(read.csv(commandArgs(TRUE)[1]))
    t0 <- proc.time()
    s <- lcmCR(m, tabular = TRUE, in_list_label = "1", not_in_list_label = "0", K = 10,
               a_alpha = 0.25, b_alpha = 0.25, seed = 1, verbose = FALSE)
    N <- lcmCR_PostSampl(s, burnin = 10000, samples = 1000, thinning = 100, output = FALSE)
    q <- quantile(N, c(0.025, 0.5, 0.975))
    d <- proc.time() - t0
    cat(sprintf("%.3f %.3f %.0f %.0f %.0f\n", d[["elapsed"]], d[["user.self"]] + d[["sys.self"]], q[2], q[1], q[3]))
  ' "$1"
}

printf '\nLCMCR (K 10, burn-in 10000, 1000 draws, thinning 100); seconds as wall / CPU\n'
printf '%-8s %15s %17s %12s %22s   %s\n' dataset "R 1 chain" "Palermo 1 chain" "ratio (CPU)" "Palermo $cores chains" "median [95%]: R seed 1 | Palermo pooled"
for d in UKdat NewOrl Kosovo; do
  csv="$data_dir/$d.csv"
  read -r r_secs r_cpu r_med r_lo r_hi <<<"$(r_lcmcr "$csv")"
  read -r one one_cpu <<<"$(RAYON_NUM_THREADS=1 best_of "$lcmcr" "$csv" 1 1)"
  read -r all all_cpu <<<"$(best_of "$lcmcr" "$csv" "$cores" 1)"
  p_med=$(field "$tmp/best.json" "round(d['median'])")
  p_lo=$(field "$tmp/best.json" "round(d['interval'][0])")
  p_hi=$(field "$tmp/best.json" "round(d['interval'][1])")
  awk -v d="$d" -v r="$r_secs" -v rc="$r_cpu" -v o="$one" -v oc="$one_cpu" -v a="$all" -v ac="$all_cpu" \
      -v rm="$r_med" -v rl="$r_lo" -v rh="$r_hi" -v pm="$p_med" -v pl="$p_lo" -v ph="$p_hi" 'BEGIN {
    printf "%-8s %6.2f / %5.2fs %7.3f / %5.2fs %11.1fx %10.3f / %6.2fs   %s [%s, %s] | %s [%s, %s]\n", d, r, rc, o, oc, rc / oc, a, ac, rm, rl, rh, pm, pl, ph
  }'
done

r_dga() {
  /usr/bin/time -f "%M" -o "$tmp/r_rss" Rscript -e '
    lib <- Sys.getenv("R_REF_LIB")
    suppressMessages(if (nzchar(lib)) library(dga, lib.loc = lib) else library(dga))
    z <- read.csv(commandArgs(TRUE)[1]); p <- ncol(z) - 1; n <- sum(z$count)
    Y <- array(0, dim = rep(2, p))
    for (r in seq_len(nrow(z))) Y[matrix(as.integer(z[r, 1:p]) + 1, nrow = 1)] <- z$count[r]
    g <- get(load(system.file("data", sprintf("graphs%d.rda", p), package = "dga", lib.loc = if (nzchar(lib)) lib else NULL)))
    t0 <- proc.time()
    w <- bma.cr(Y, 0:(20 * n), 2^-p, g)
    post <- colSums(w)
    d <- proc.time() - t0
    cat(sprintf("%.3f %.3f %.0f\n", d[["elapsed"]], d[["user.self"]] + d[["sys.self"]], n + which(cumsum(post) >= 0.5)[1] - 1))
  ' "$1"
}

printf '\ndga (delta 2^-t, prior 1/N, Nmissing 0..20n); seconds as wall / CPU\n'
printf '%-8s %15s %17s %12s %22s   %s\n' dataset "R" "Palermo 1 core" "ratio (CPU)" "Palermo $cores cores" "median: R | Palermo   peak memory: R | Palermo"
for d in UKdat_5 Ned_5; do
  csv="$data_dir/$d.csv"
  read -r r_secs r_cpu r_med <<<"$(r_dga "$csv")"
  r_mb=$(awk '{printf "%.0f", $1 / 1024}' "$tmp/r_rss")
  read -r one one_cpu <<<"$(RAYON_NUM_THREADS=1 best_of "$dga" "$csv")"
  p_mb=$(awk '{printf "%.0f", $3 / 1024}' "$tmp/time")
  read -r all all_cpu <<<"$(best_of "$dga" "$csv")"
  p_med=$(field "$tmp/best.json" "round(d['median'])")
  awk -v d="$d" -v r="$r_secs" -v rc="$r_cpu" -v o="$one" -v oc="$one_cpu" -v a="$all" -v ac="$all_cpu" -v rm="$r_med" -v pm="$p_med" -v rmb="$r_mb" -v pmb="$p_mb" 'BEGIN {
    printf "%-8s %6.2f / %5.2fs %7.3f / %5.2fs %11.1fx %10.3f / %6.2fs   %s | %s   %s MB | %s MB\n", d, r, rc, o, oc, rc / oc, a, ac, rm, pm, rmb, pmb
  }'
done
echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
