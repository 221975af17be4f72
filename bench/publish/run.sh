#!/usr/bin/env bash
# Publish bench (issue 12): on the same demo microdata, pac-synth (Synthetic Data Showcase's
# Python package, differentially private aggregate-seeded synthesis) and Palermo's synthesizer,
# k-anonymous and differentially private at the same ε values as pac-synth, side by side: mean
# absolute error of all 1-, 2- and 3-way marginals against the sensitive rows, and wall time of
# the synthesis. Then reads `palermo publish`'s SDMX-CSV file back
# with pysdmx and checks its CTDC export's k with pycanon.
#
# Needs a Python virtual environment outside the repository with the PyPI packages pac-synth,
# pysdmx, pycanon and pandas: python3 -m venv /work/venv-pub && /work/venv-pub/bin/pip install
# pac-synth "pysdmx[data]" pycanon pandas.
# Usage: bench/publish/run.sh   (env: VENV, SIZE, SEED, K, EPSILONS, PROFILE (release, or dev
# to reuse a debug build), SCRATCH, SKIP_BUILD=1 to use the binaries already built)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv="${VENV:-/work/venv-pub}"
size="${SIZE:-3000}"
seed="${SEED:-2008}"
k="${K:-11}"
epsilons="${EPSILONS:-1,4,12}"
profile="${PROFILE:-release}"
scratch="${SCRATCH:-$(mktemp -d)}"

[ -x "$venv/bin/python" ] || { echo "no virtual environment at $venv (see the header of this script)" >&2; exit 2; }
[ -n "${SKIP_BUILD:-}" ] || cargo build --quiet --profile "$profile" -p cli -p app --bin palermo --example synth_bench --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
dir_of_profile=$([ "$profile" = release ] && echo release || echo debug)  # dev and test build into debug/
palermo="$target/$dir_of_profile/palermo"
example="$target/$dir_of_profile/examples/synth_bench"

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); profile $profile"
rm -rf "$scratch/demo"
"$palermo" demo "$scratch/demo" --size "$size" --seed "$seed" --run > /dev/null
"$palermo" --dir "$scratch/demo" publish --by bench > /dev/null
palermo_json=$("$example" "$scratch/demo" "$scratch" "$k" 3 "$epsilons")
"$venv/bin/python" "$root/bench/publish/compare.py" "$scratch" "$scratch/demo/out/public" "$palermo_json" "$k" "$epsilons"
