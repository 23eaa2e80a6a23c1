#!/usr/bin/env bash
# The README's re-enrollment walkthrough, from scratch, on a local anvil: a publisher ships model
# versions 1 and 2 as signed packages (INSECURE development keys), served over HTTP with byte
# ranges; the registry's owner deploys it with version 1 and a scanner; the scanner enrolls a
# subject; the subject's phone (a desktop vault here) enrolls, and after the owner registers
# version 2, re-enrolls from the stored image without a scanner. cli/tests/walkthrough.rs runs it,
# so the README's commands stay true.
#
#   bash scripts/walkthrough.sh [WORKDIR]
#
# Needs anvil (npm ci --prefix tools/js). ZKBIO names the zkbio binary (default: built here with
# cargo build --release). Exits non-zero if any step fails; the last line is `walkthrough ok`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
if [ -z "${ZKBIO:-}" ]; then
  cargo build --quiet --release -p zkbio-cli --manifest-path "$root/Cargo.toml"
  ZKBIO=$root/target/release/zkbio
fi
zkbio() { "$ZKBIO" "$@"; }
# `value NAME`: the value of the (maybe indented) output line `NAME value` on stdin.
value() { sed -n "s/^ *$1 //p" | head -n 1; }

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
# `wait_for FILE PATTERN`: until a background process has printed PATTERN (10 s at most).
wait_for() {
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "walkthrough: no '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

echo "== a local chain (anvil, chain id 31337) and a package server"
"$root/contracts/anvil.sh" --port 0 > anvil.log 2>&1 &
pids+=($!)
wait_for anvil.log "Listening on"
RPC=http://$(sed -n 's/^Listening on //p' anvil.log | head -n 1)
mkdir -p www
"$ZKBIO" serve www --addr 127.0.0.1:0 > serve.log 2>&1 &
pids+=($!)
wait_for serve.log "^url "
URL=$(value url < serve.log)

# Keys (test-only: anvil's funded accounts 0 and 2, and two fixed development keys) and the
# addresses they sign for.
OWNER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
WALLET_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
SCANNER_KEY=0x0202020202020202020202020202020202020202020202020202020202020202
PUB_KEY=0x4242424242424242424242424242424242424242424242424242424242424242
WALLET=$(zkbio key address --key $WALLET_KEY | value address)
SCANNER=$(zkbio key address --key $SCANNER_KEY | value address)
PUB=$(zkbio key address --key $PUB_KEY | value address)

echo "== the publisher: model versions 1 and 2 (different models), signed"
zkbio package dev-iris --out www/v1 --version 1 --variant 1 --publisher-key $PUB_KEY
zkbio package dev-iris --out www/v2 --version 2 --variant -1 --publisher-key $PUB_KEY

echo "== the owner: a registry with model version 1 and the scanner"
REG=$(zkbio registry deploy --rpc "$RPC" --key $OWNER_KEY --vk www/v1/verification_key.json \
  --kind iris --version 1 --model www/v1/model.bin --scanner "$SCANNER" | tee deploy.log | value registry)
cat deploy.log

echo "== the scanner enrolls the subject; the phone imports the transfer into its vault"
zkbio scanner enroll --scanner-key $SCANNER_KEY --chain-id 31337 --registry "$REG" \
  --subject "$WALLET" --out t.bin
zkbio vault import --vault v --record me --transfer t.bin --scanner "$SCANNER"

echo "== the phone enrolls with version 1"
zkbio registry enroll --rpc "$RPC" --key $WALLET_KEY --registry "$REG" --vault v --record me \
  --package "$URL/v1" --publisher "$PUB" --version 1

echo "== the owner registers version 2; the phone re-enrolls from the stored image"
zkbio registry add-model --rpc "$RPC" --key $OWNER_KEY --registry "$REG" --kind iris \
  --version 2 --model www/v2/model.bin --vk www/v2/verification_key.json
zkbio registry reenroll --rpc "$RPC" --key $WALLET_KEY --registry "$REG" --vault v --record me \
  --package "$URL/v2" --publisher "$PUB" --version 2

echo "== the registry's record and the vault agree"
zkbio registry status --rpc "$RPC" --registry "$REG" --subject "$WALLET" | tee status.log
zkbio vault status --vault v --record me | tee vault.log
chain_code=$(value C_code < status.log)
vault_code=$(value c_code < vault.log)
if [ "$(value iris_version < vault.log)" != 2 ] || [ -z "$chain_code" ] ||
  [ "$chain_code" != "$vault_code" ]; then
  echo "walkthrough: the registry's C_code ($chain_code) is not the vault's version 2 code ($vault_code)" >&2
  exit 1
fi
echo "walkthrough ok"
