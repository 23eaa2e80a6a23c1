#!/usr/bin/env bash
# Builds libzkbio_ffi.so for arm64-v8a, armeabi-v7a and x86_64 (profile release-mobile, 16 KiB
# page alignment for Android 15+ devices), generates the Kotlin bindings from the unstripped
# library, then strips the copies packaged in zkbio/src/main/jniLibs.
#
# Needs: the Android NDK (r26+; ANDROID_NDK_HOME), cargo-ndk (`cargo install cargo-ndk`), and
# the Rust targets (added below). Then: `gradle :zkbio:assembleRelease` (see README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
profile=release-mobile
api=${ANDROID_MIN_SDK:-24}
ndk=${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}
if [ -z "$ndk" ] || [ ! -d "$ndk" ]; then
  echo "set ANDROID_NDK_HOME to the Android NDK" >&2
  exit 1
fi
export ANDROID_NDK_HOME=$ndk
command -v cargo-ndk >/dev/null || { echo "cargo install cargo-ndk" >&2; exit 1; }

# ABI -> Rust target.
abis=(arm64-v8a armeabi-v7a x86_64)
triples=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
rustup target add "${triples[@]}"

cd "$root"
# 16 KiB pages: Google Play requires ELF segments aligned for them (Android 15+).
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
cargo ndk --platform "$api" -t arm64-v8a -t armeabi-v7a -t x86_64 \
  build --profile "$profile" -p zkbio-ffi --lib
unset RUSTFLAGS

# Bindings first: UniFFI reads the interface from the library's symbols.
kotlin_out=$here/zkbio/src/main/kotlin
rm -rf "$kotlin_out"
cargo run --quiet -p uniffi-bindgen --bin uniffi-bindgen -- generate \
  --library "$target/aarch64-linux-android/$profile/libzkbio_ffi.so" \
  --language kotlin --out-dir "$kotlin_out"

strip_tool=$(ls "$ndk"/toolchains/llvm/prebuilt/*/bin/llvm-strip | head -n 1)
jni=$here/zkbio/src/main/jniLibs
rm -rf "$jni"
for i in "${!abis[@]}"; do
  mkdir -p "$jni/${abis[$i]}"
  cp "$target/${triples[$i]}/$profile/libzkbio_ffi.so" "$jni/${abis[$i]}/"
  "$strip_tool" --strip-unneeded "$jni/${abis[$i]}/libzkbio_ffi.so"
done
ls -l "$jni"/*/libzkbio_ffi.so
echo "Kotlin bindings: $kotlin_out"
