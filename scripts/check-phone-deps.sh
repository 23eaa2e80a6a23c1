#!/usr/bin/env bash
# The phone library (zkbio-ffi, every target platform) must not link the desktop-only crates:
# revm (the embedded EVM behind zkbio-core's `evm` feature, for the CLI, the demo and tests) and
# ureq (the blocking HTTP fetcher behind `http-fetcher`; phones fetch through the host app) and
# tokio (an async runtime: alloy's provider would bring one; the registry client keeps a blocking
# transport instead, see core/src/registry/rpc.rs).
# Extra arguments go to `cargo tree`: `scripts/check-phone-deps.sh --features zkbio-core/evm`
# must fail, which shows the check can.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree -p zkbio-ffi -e normal --target all --prefix none "$@" | sed "s/ (\*)$//" | sort -u)
status=0
for crate in revm ureq tokio; do
  if grep -E "^${crate}(-[a-z-]+)? v" <<<"$tree"; then
    echo "check-phone-deps: zkbio-ffi links ${crate} (above): keep it behind a feature zkbio-ffi does not enable" >&2
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "check-phone-deps: zkbio-ffi links none of revm, ureq, tokio ($(grep -c . <<<"$tree") crates)"
fi
exit "$status"
