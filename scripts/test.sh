#!/usr/bin/env bash
# The project's test command (README): installs the independent reference implementations the
# tests compare against, then runs every test. Works on a fresh machine with Rust, Node.js 18+ and
# Python 3.11 (open-iris 1.11.2 pins numpy 1.24, which has no wheels for newer Pythons).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# snarkjs, circomlibjs, solc (pinned in tools/js/package-lock.json).
npm ci --prefix tools/js --no-audit --no-fund --loglevel=error

# One snarkjs powers of tau (power 10, one phase-1 contribution, and prepared for phase 2) shared
# by the ceremony tests (zkbio_tests::ceremony_ptau): `prepare phase2` is snarkjs's slowest step,
# so it runs once here rather than in each test.
ptau_dir="$root/target/test-ptau"
if [ ! -f "$ptau_dir/pot10_final.ptau" ]; then
  rm -rf "$ptau_dir" && mkdir -p "$ptau_dir"
  snarkjs() { node "$root/tools/js/node_modules/snarkjs/build/cli.cjs" "$@" >/dev/null; }
  snarkjs powersoftau new bn128 10 "$ptau_dir/pot0.ptau"
  snarkjs powersoftau contribute "$ptau_dir/pot0.ptau" "$ptau_dir/pot10_phase1.ptau" \
    --name="zkbio test phase 1" -e="zkbio test phase 1 entropy"
  snarkjs powersoftau prepare phase2 "$ptau_dir/pot10_phase1.ptau" "$ptau_dir/prepared.tmp"
  mv "$ptau_dir/prepared.tmp" "$ptau_dir/pot10_final.ptau"
fi
export ZKBIO_TEST_PTAU_DIR="$ptau_dir"

# open-iris 1.11.2 in its own virtualenv, and the vectors the differential test compares against.
venv="$root/target/openiris-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/openiris/requirements.txt
vectors="$root/target/openiris-vectors"
rm -rf "$vectors"
"$venv/bin/python" tests/openiris/gen_vectors.py "$vectors"
export ZKBIO_OPENIRIS_VECTORS="$vectors"

# tensorflow-cpu (model maker) and ai-edge-litert 2.3 (the oracle: BUILTIN_REF kernels) in their own
# virtualenv, and random int8 TFLite models with LiteRT's outputs for the differential test.
tflite_venv="$root/target/tflite-venv"
if [ ! -x "$tflite_venv/bin/python" ]; then
  python3 -m venv "$tflite_venv"
fi
"$tflite_venv/bin/pip" install --quiet --disable-pip-version-check -r tests/tflite/requirements.txt
tflite_vectors="$root/target/tflite-vectors"
rm -rf "$tflite_vectors"
"$tflite_venv/bin/python" tests/tflite/gen_models.py "$tflite_vectors" --random 40
export ZKBIO_TFLITE_VECTORS="$tflite_vectors"
export ZKBIO_TFLITE_PYTHON="$tflite_venv/bin/python"  # circuits/tests/iris_v2_litert.rs runs LiteRT live

# Solidity: the registry's forge tests (forge and anvil come from npm, pinned in tools/js).
bash contracts/forge.sh test

# z3-solver for the gadget uniqueness proofs (circuits/src/uniqueness), in its own virtualenv
# (pinned in tests/uniqueness/requirements.txt; the proofs take under a minute).
z3venv="$root/target/z3-venv"
if [ ! -x "$z3venv/bin/python" ]; then
  python3 -m venv "$z3venv"
fi
"$z3venv/bin/pip" install --quiet --disable-pip-version-check -r tests/uniqueness/requirements.txt
export ZKBIO_Z3_PYTHON="$z3venv/bin/python"

cargo test --workspace --all-targets "$@"

# Fuzz smoke run: every libFuzzer target in fuzz/ for ZKBIO_FUZZ_SMOKE_SECONDS seconds from its
# committed seeds (builds the fuzz crate once, about 500 CPU-seconds; cargo-fuzz from crates.io if
# absent). Off by default for its build cost: the cargo test above already replays every committed
# corpus file through the targets' bodies (tests/tests/fuzz_seeds.rs). Campaigns: docs/FUZZING.md.
fuzz_secs=${ZKBIO_FUZZ_SMOKE_SECONDS:-0}
if [ "$fuzz_secs" -gt 0 ]; then
  bash scripts/fuzz.sh "$fuzz_secs"
fi

# Kotlin bindings on the JVM: JNA from Debian, kotlinc from npm (pinned in bindings/kotlin).
if [ ! -f /usr/share/java/jna.jar ]; then
  apt-get update -qq && apt-get install -y -qq libjna-java >/dev/null
fi
npm ci --prefix bindings/kotlin --no-audit --no-fund --loglevel=error
bash bindings/kotlin/run-tests.sh
