#!/usr/bin/env bash
# Runs Palermo's whole test suite on a fresh machine: starts what the tests need (PostgreSQL at
# 127.0.0.1:5432, headless Chromium and pdftotext for the report, chromedriver and axe-core for
# the web application's browser and accessibility tests), then `cargo test`. Needs root (it
# installs Debian's Chromium, chromium-driver and poppler-utils and starts PostgreSQL when they
# are not there yet); axe-core is fetched once from npm into a cache folder outside the
# repository. Ends by saying how many checks could not run here (no ../shared datasets, no
# PostgreSQL, no Chromium, no chromedriver, no axe-core) and why; under CI=true such a check
# fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  fi
fi
bash .ci/install-chromium.sh
PALERMO_AXE="$(bash .ci/install-axe.sh)"
export PALERMO_AXE

PALERMO_SKIPPED="$(mktemp)"
export PALERMO_SKIPPED
summary() {
  local status=$?
  local n
  n=$(sort -u "$PALERMO_SKIPPED" | wc -l)
  if [ "$n" -eq 0 ]; then
    echo "test.sh: every reference and environment check ran (none skipped)."
  else
    echo "test.sh: $n tests could not run their check here, by what was missing:"
    sort -u "$PALERMO_SKIPPED" | cut -f2 | sort | uniq -c | sed 's/^/  /'
  fi
  rm -f "$PALERMO_SKIPPED"
  exit "$status"
}
trap summary EXIT

cargo test --workspace
