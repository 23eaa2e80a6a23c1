#!/usr/bin/env bash
# Runs the Kotlin tests of the zkbio bindings on the JVM against the host library:
# builds libzkbio_ffi and the dev-key fixture tool, generates the Kotlin bindings from the built
# library (UniFFI library mode), compiles them with the tests, runs them. Exits non-zero on failure;
# the last line is `N passed, M failed`.
#
# Needs: Rust, Java 17+, Node.js/npm (kotlinc comes from npm's kotlin-compiler, pinned in
# package-lock.json), and JNA (Debian: apt-get install libjna-java; or set JNA_JAR).
# Environment: CARGO_TARGET_DIR (default: the workspace's target/), JNA_JAR,
# ZKBIO_CARGO_PROFILE (default dev; e.g. release-mobile to measure the phone build's latencies),
# ZKBIO_FULL_KEY (optional 128x512 image-opening .zpk: also measures cancellation at full size).
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
echo "== building libzkbio_ffi, dev-key and uniffi-bindgen"
cargo build --quiet --profile "$profile" -p zkbio-ffi --lib
cargo build --quiet -p zkbio-ffi --example dev-key
cargo build --quiet -p uniffi-bindgen --bin uniffi-bindgen

rm -rf "$out"
mkdir -p "$out/keys" "$out/gen" "$out/classes"
echo "== INSECURE dev keys (test fixtures)"
"$target/debug/examples/dev-key" 4x16 kotlin-small "$out/keys/image-4x16.zpk"
"$target/debug/examples/dev-key" 32x128 kotlin-large "$out/keys/image-32x128.zpk"

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
  $(find "$out/gen" -name '*.kt') $(find "$here/src/test/kotlin" -name '*.kt')

echo "== running"
java -cp "$out/classes:$cp:$kotlin_lib/kotlin-stdlib.jar" \
  -Djna.library.path="$(dirname "$lib")" \
  org.zkbio.test.MainKt "$out/keys"
