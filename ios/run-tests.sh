#!/usr/bin/env bash
# Runs the Swift tests on a Mac: builds the XCFramework (with its macOS slice), makes the INSECURE
# dev keys the tests load, and runs `swift test`. For the iOS simulator instead, see README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
ZKBIO_WITH_MACOS=1 "$here/build-xcframework.sh"

keys=$here/build/keys
mkdir -p "$keys"
cd "$root"
cargo build --quiet -p zkbio-ffi --example dev-key
"$target/debug/examples/dev-key" 4x16 swift-small "$keys/image-4x16.zpk"
"$target/debug/examples/dev-key" 32x128 swift-large "$keys/image-32x128.zpk"

ZKBIO_TEST_KEYS=$keys swift test --package-path "$here"
