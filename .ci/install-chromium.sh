#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser tests (headless rendering of
# out/report.html, printing it to PDF), poppler-utils (pdftotext, which reads the printed PDF's
# text back) and chromium-driver (chromedriver, through which the server's tests drive the web
# application), unless /usr/bin/chromium, /usr/bin/pdftotext and /usr/bin/chromedriver are
# already there. Idempotent; quiet; exits non-zero when the install fails or leaves a tool
# missing. Needs root (CI runs as root).
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/pdftotext ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# With its recommended packages: they bring the fonts (fonts-liberation) the page is drawn in.
# chromium-driver is built from the same source as chromium: the versions match.
apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null

for tool in /usr/bin/chromium /usr/bin/pdftotext /usr/bin/chromedriver; do
  if [ ! -x "$tool" ]; then
    echo "install-chromium: $tool is still missing after apt-get install" >&2
    exit 1
  fi
done
