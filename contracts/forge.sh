#!/usr/bin/env bash
# The pinned forge (npm @foundry-rs/forge-linux-amd64 1.7.1, installed by npm ci --prefix tools/js),
# run in this Foundry project whatever the caller's directory: ./contracts/forge.sh test
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
forge="$here/../tools/js/node_modules/.bin/forge"
if [ ! -x "$forge" ]; then
  echo "forge.sh: $forge not found: run npm ci --prefix tools/js" >&2
  exit 1
fi
cd "$here"
exec "$forge" "$@"
