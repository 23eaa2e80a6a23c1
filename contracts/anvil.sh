#!/usr/bin/env bash
# The pinned anvil (npm @foundry-rs/anvil-linux-amd64 1.7.1, installed by npm ci --prefix tools/js).
# Listens on 127.0.0.1 only unless the caller passes --host: ./contracts/anvil.sh --port 8545
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
anvil="$here/../tools/js/node_modules/.bin/anvil"
if [ ! -x "$anvil" ]; then
  echo "anvil.sh: $anvil not found: run npm ci --prefix tools/js" >&2
  exit 1
fi
case " $* " in
  *" --host "* | *" --host="*) exec "$anvil" "$@" ;;
  *) exec "$anvil" --host 127.0.0.1 "$@" ;;
esac
