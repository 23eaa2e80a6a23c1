#!/usr/bin/env bash
# Runs the Kotlin tests of the zkbio bindings, and of the platform pieces shipped in android/
# (android/zkbio/src/platform/kotlin/org/zkbio/platform/*.kt: all but the android/ subdirectory,
# which needs the Android SDK), on the JVM against the host library:
# builds libzkbio_ffi, the dev-key fixture tool and the zkbio CLI (for the flow fixtures: INSECURE
# dev model packages and a scanner's enrollment transfer), generates the Kotlin bindings from the
# built library (UniFFI library mode), compiles them with the tests, runs them. Exits non-zero on
# failure; the last line is `N passed, M failed`.
#
# Needs: Rust, Java 17+, Node.js/npm (kotlinc comes from npm's kotlin-compiler, pinned in
# package-lock.json), and JNA (Debian: apt-get install libjna-java; or set JNA_JAR).
# Environment: CARGO_TARGET_DIR (default: the workspace's target/), JNA_JAR,
# ZKBIO_CARGO_PROFILE (default dev; e.g. release-mobile to measure the phone build's latencies),
# ZKBIO_FULL_KEY (optional 128x512 image-opening .zpk: also measures cancellation at full size),
# ZKBIO_REUSE_FIXTURES=1 (keep the keys and packages of an earlier run: for iterating on the tests;
# anvil and the registry are always fresh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
profile=${ZKBIO_CARGO_PROFILE:-dev}
case "$profile" in
  dev) profile_dir=debug ;;
  release) profile_dir=release ;;
  *) profile_dir=$profile ;;
esac
out=$target/kotlin-tests
lib=$target/$profile_dir/libzkbio_ffi.so

jna=${JNA_JAR:-/usr/share/java/jna.jar}
if [ ! -f "$jna" ]; then
  echo "JNA not found at $jna: apt-get install libjna-java, or set JNA_JAR" >&2
  exit 1
fi

cd "$root"
echo "== building libzkbio_ffi, dev-key, zkbio (fixtures) and uniffi-bindgen"
# One cargo invocation over the whole workspace, with examples (so dev-dependencies count): the
# feature set of scripts/test.sh's `cargo test --workspace --all-targets`, whose compiled crates it
# reuses (it only links the four into target/debug). Building the packages one by one
# (`cargo build -p …`) would compile zkbio-core again for each package's own feature set. The
# phone's own feature set (no `evm`) is linted by .ci/run and checked by scripts/check-phone-deps.sh.
cargo build --quiet --workspace --lib --bins --examples
if [ "$profile" != dev ]; then
  cargo build --quiet --profile "$profile" -p zkbio-ffi --lib
fi

zkbio=$target/debug/zkbio
flows=$out/flows
# Test-only keys and addresses: never use them anywhere else.
publisher_key=4242424242424242424242424242424242424242424242424242424242424242
scanner_key=0202020202020202020202020202020202020202020202020202020202020202
subject=0x3333333333333333333333333333333333333333
registry=0x7777777777777777777777777777777777777777
chain_id=31337
# `field NAME FILE`: the value of the CLI's output line `NAME value`.
field() { sed -n "s/^$1 //p" "$2" | head -n 1; }
if [ "${ZKBIO_REUSE_FIXTURES:-0}" = 1 ] && [ -f "$flows/fixtures.properties" ]; then
  echo "== reusing the keys and packages in $out (ZKBIO_REUSE_FIXTURES=1)"
  rm -rf "$out/gen" "$out/classes"
  mkdir -p "$out/gen" "$out/classes"
else
rm -rf "$out"
mkdir -p "$out/keys" "$out/flows" "$out/gen" "$out/classes"
echo "== INSECURE dev keys (test fixtures)"
"$target/debug/examples/dev-key" 4x16 kotlin-small "$out/keys/image-4x16.zpk"
"$target/debug/examples/dev-key" 32x128 kotlin-large "$out/keys/image-32x128.zpk"

echo "== INSECURE dev iris-model packages v1, v2 (a filter bank and a TFLite network) and an enrollment transfer (test fixtures)"
# Two versions of the tiny model (variants 1 and -1), each from a setup of its own.
"$zkbio" package dev-iris --out "$flows/v1" --version 1 --variant 1 --seed kotlin-v1 \
  --publisher-key "$publisher_key" > "$flows/v1.txt"
# v2 also offers its key's compressed transport form (circuit.zpkz), which the app expands.
"$zkbio" package dev-iris --out "$flows/v2" --version 2 --variant -1 --seed kotlin-v2 \
  --publisher-key "$publisher_key" --compressed-key > "$flows/v2.txt"
# v2 of the other family: the int8 TFLite network of the same 12x24 image size
# (circuits/tests/data/iris_v2/iris_v2_tiny.tflite, made by tests/iris_v2/make_model.py), with
# the development code rule.
"$zkbio" package dev-iris --family tflite --tflite "$root/circuits/tests/data/iris_v2/iris_v2_tiny.tflite" \
  --out "$flows/v2-tflite" --version 2 --seed kotlin-v2-tflite \
  --publisher-key "$publisher_key" > "$flows/v2-tflite.txt"
"$zkbio" scanner enroll --scanner-key "$scanner_key" --chain-id "$chain_id" \
  --registry "$registry" --subject "$subject" --sample tiny --out "$flows/transfer.bin" \
  > "$flows/transfer.txt"
echo "== INSECURE dev face package v1 (the tiny 8x8 face model), a transfer with its face crop, selfies (test fixtures)"
"$zkbio" package dev-face --model tiny --out "$flows/face1" --version 1 --seed kotlin-face-v1 \
  --publisher-key "$publisher_key" > "$flows/face1.txt"
# The enrolled face is synthetic identity 1; a selfie is a camera-like perturbed copy of it, and
# identity 0 is someone else (zkbio_core::sample; the tiny model separates them at DEV_TAU).
"$zkbio" scanner enroll --scanner-key "$scanner_key" --chain-id "$chain_id" \
  --registry "$registry" --subject "$subject" --sample tiny --face-side 8 --face-identity 1 \
  --out "$flows/face-transfer.bin" > "$flows/face-transfer.txt"
"$zkbio" face sample --side 8 --identity 1 --selfie-seed 5 --out "$flows/selfie-match.png" > /dev/null
"$zkbio" face sample --side 8 --identity 0 --out "$flows/selfie-other.png" > /dev/null
cat > "$flows/fixtures.properties" <<EOF
face.dir=$flows/face1
face.modelHash=$(field model_hash "$flows/face1.txt")
face.transfer=$flows/face-transfer.bin
face.selfie=$flows/selfie-match.png
face.other=$flows/selfie-other.png
transfer=$flows/transfer.bin
scanner=$(field scanner "$flows/transfer.txt")
subject=$subject
chainId=$chain_id
registry=$registry
publisher=$(field publisher "$flows/v1.txt")
v1.dir=$flows/v1
v1.modelHash=$(field model_hash "$flows/v1.txt")
v2.dir=$flows/v2
v2.modelHash=$(field model_hash "$flows/v2.txt")
v2tflite.dir=$flows/v2-tflite
v2tflite.modelHash=$(field model_hash "$flows/v2-tflite.txt")
EOF
fi

# The independent verifier (snarkjs) and the node (anvil), pinned in tools/js.
tools=$root/tools/js/node_modules
snarkjs=$tools/snarkjs/build/cli.cjs
if [ ! -f "$snarkjs" ] || [ ! -x "$tools/.bin/anvil" ]; then
  npm ci --prefix "$root/tools/js" --no-audit --no-fund --loglevel=error
fi

echo "== anvil, registries with INSECURE dev iris versions 1 and 2 (v2 a filter bank, or a TFLite network), transfers for them (test fixtures)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root/contracts/anvil.sh" --port "$port" --chain-id "$chain_id" --silent &
anvil_pid=$!
trap 'kill "$anvil_pid" 2>/dev/null || true' EXIT
rpc=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
# anvil's well-known dev accounts 0 (the registry's owner) and 1 (the subject's wallet): test-only.
owner_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
chain_subject=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
"$zkbio" registry deploy --rpc "$rpc" --key "$owner_key" --vk "$flows/v1/verification_key.json" \
  --kind iris --version 1 --model "$flows/v1/model.bin" \
  --scanner "$(sed -n 's/^scanner=//p' "$flows/fixtures.properties")" > "$flows/deploy.txt"
chain_registry=$(field registry "$flows/deploy.txt")
"$zkbio" registry add-model --rpc "$rpc" --key "$owner_key" --registry "$chain_registry" \
  --vk "$flows/v2/verification_key.json" --kind iris --version 2 --model "$flows/v2/model.bin" \
  > "$flows/add-v2.txt"
# Face model version 1 in both face kinds (its two statements' real verifiers).
for kind in face-embedding face; do
  vk=$flows/face1/embedding_vk.json
  if [ "$kind" = face ]; then vk=$flows/face1/match_vk.json; fi
  "$zkbio" registry add-model --rpc "$rpc" --key "$owner_key" --registry "$chain_registry" \
    --vk "$vk" --kind "$kind" --version 1 --model "$flows/face1/model.tflite" > "$flows/add-$kind.txt"
done
"$zkbio" scanner enroll --scanner-key "$scanner_key" --chain-id "$chain_id" \
  --registry "$chain_registry" --subject "$chain_subject" --sample tiny \
  --out "$flows/chain-transfer.bin" > "$flows/chain-transfer.txt"
# A second registry for the upgrade across families: iris v1 (the filter bank) and v2 (the TFLite
# network, registered from its .tflite), and a transfer for it.
"$zkbio" registry deploy --rpc "$rpc" --key "$owner_key" --vk "$flows/v1/verification_key.json" \
  --kind iris --version 1 --model "$flows/v1/model.bin" \
  --scanner "$(sed -n 's/^scanner=//p' "$flows/fixtures.properties")" > "$flows/deploy-tflite.txt"
tflite_registry=$(field registry "$flows/deploy-tflite.txt")
"$zkbio" registry add-model --rpc "$rpc" --key "$owner_key" --registry "$tflite_registry" \
  --vk "$flows/v2-tflite/verification_key.json" --kind iris --version 2 \
  --model "$flows/v2-tflite/model.tflite" > "$flows/add-v2-tflite.txt"
"$zkbio" scanner enroll --scanner-key "$scanner_key" --chain-id "$chain_id" \
  --registry "$tflite_registry" --subject "$chain_subject" --sample tiny \
  --out "$flows/chain-tflite-transfer.bin" > "$flows/chain-tflite-transfer.txt"
cat > "$flows/chain.properties" <<EOF
rpc=$rpc
registry=$chain_registry
subject=$chain_subject
transfer=$flows/chain-transfer.bin
tflite.registry=$tflite_registry
tflite.transfer=$flows/chain-tflite-transfer.bin
EOF

echo "== generating the Kotlin bindings from $lib"
"$target/debug/uniffi-bindgen" generate --library "$lib" --language kotlin \
  --out-dir "$out/gen" --no-format

echo "== compiling"
kotlinc=$here/node_modules/kotlin-compiler/bin/kotlinc
if [ ! -f "$kotlinc" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
kotlin_lib=$here/node_modules/kotlin-compiler/lib
cp="$jna:$kotlin_lib/kotlinx-coroutines-core-jvm.jar"
bash "$kotlinc" -nowarn -jvm-target 17 -cp "$cp" -d "$out/classes" \
  $(find "$out/gen" -name '*.kt') $(find "$root/android/zkbio/src/platform/kotlin/org/zkbio/platform" -maxdepth 1 -name '*.kt') \
  $(find "$here/src/test/kotlin" -name '*.kt')

echo "== running"
java -cp "$out/classes:$cp:$kotlin_lib/kotlin-stdlib.jar" \
  -Djna.library.path="$(dirname "$lib")" \
  -Dzkbio.flows="$flows/fixtures.properties" \
  -Dzkbio.snarkjs="$snarkjs" \
  -Dzkbio.chain="$flows/chain.properties" \
  -Dzkbio.cli="$zkbio" \
  org.zkbio.test.MainKt "$out/keys"
