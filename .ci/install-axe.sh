#!/usr/bin/env bash
# Fetches axe-core (the accessibility rules the server's browser tests run in Chromium) from npm
# into a cache folder outside the repository, unless it is there already: the pinned version's
# tarball is checked against its pinned sha512 integrity (the value npm's lock files record;
# `npm pack` checks the registry's own too), and only axe.min.js is kept. Never node_modules,
# never in git. Prints the path of axe.min.js. Idempotent; needs npm only when fetching.
#
#   AXE_DIR  where to keep it (default: ${XDG_CACHE_HOME:-$HOME/.cache}/palermo/axe-core-<version>)
set -euo pipefail

VERSION=4.14.1
INTEGRITY='sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=='

dir="${AXE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/palermo/axe-core-$VERSION}"
target="$dir/axe.min.js"
if [ -s "$target" ]; then
  echo "$target"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-axe: npm is needed to fetch axe-core $VERSION (apt-get install npm)" >&2
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tarball="$scratch/axe-core-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "install-axe: axe-core-$VERSION.tgz does not match its pinned integrity ($actual)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$scratch" package/axe.min.js package/LICENSE
mkdir -p "$dir"
cp "$scratch/package/LICENSE" "$dir/LICENSE"
cp "$scratch/package/axe.min.js" "$target.partial"
mv "$target.partial" "$target"
echo "$target"
