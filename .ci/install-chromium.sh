#!/usr/bin/env bash
# Installs Debian's Chromium for the report crate's browser test (headless rendering of
# out/report.html), unless /usr/bin/chromium is already there. Idempotent; quiet; exits non-zero
# when the install fails or leaves no browser behind. Needs root (CI runs as root).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# With its recommended packages: they bring the fonts (fonts-liberation) the page is drawn in.
apt-get install -y -qq chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium is still missing after apt-get install" >&2
  exit 1
fi
