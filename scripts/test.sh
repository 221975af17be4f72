#!/usr/bin/env bash
# Runs Palermo's whole test suite on a fresh machine: starts what the tests need (PostgreSQL at
# 127.0.0.1:5432, headless Chromium for the report), then `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  fi
fi
bash .ci/install-chromium.sh

cargo test --workspace
