#!/usr/bin/env bash
# Builds build/ZkbioFFI.xcframework (static libzkbio_ffi wrapped as ZkbioFFI.framework for iOS
# devices, the iOS simulator and, for `swift test`, macOS), generates Sources/Zkbio/Zkbio.swift
# from the library, zips the XCFramework and writes its SwiftPM checksum.
#
# Runs on macOS with Xcode and Rust (rustup). Set ZKBIO_WITH_MACOS=0 to skip the macOS slice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
profile=release-mobile
name=ZkbioFFI
build=$here/build
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

device=aarch64-apple-ios
sims=(aarch64-apple-ios-sim x86_64-apple-ios)
macs=()
if [ "${ZKBIO_WITH_MACOS:-1}" = 1 ]; then
  macs=(aarch64-apple-darwin x86_64-apple-darwin)
fi
all=("$device" "${sims[@]}" "${macs[@]}")
rustup target add "${all[@]}"

cd "$root"
for t in "${all[@]}"; do
  cargo rustc --profile "$profile" -p zkbio-ffi --lib --crate-type staticlib --target "$t"
done
lib() { echo "$target/$1/$profile/libzkbio_ffi.a"; }

rm -rf "$build"
mkdir -p "$build/gen"
# Bindings first, from the unstripped library: UniFFI reads the interface from its symbols.
cargo run --quiet -p uniffi-bindgen --bin uniffi-bindgen-swift -- "$(lib "$device")" "$build/gen" \
  --swift-sources --headers --modulemap --xcframework \
  --module-name "$name" --modulemap-filename module.modulemap
mkdir -p "$here/Sources/Zkbio"
mv "$build/gen/Zkbio.swift" "$here/Sources/Zkbio/Zkbio.swift"

# One static library per platform: the simulator's and macOS's architectures lipo'd together.
mkdir -p "$build/ios" "$build/ios-simulator" "$build/macos"
cp "$(lib "$device")" "$build/ios/libzkbio_ffi.a"
lipo -create $(for t in "${sims[@]}"; do lib "$t"; done) -output "$build/ios-simulator/libzkbio_ffi.a"
if [ ${#macs[@]} -gt 0 ]; then
  lipo -create $(for t in "${macs[@]}"; do lib "$t"; done) -output "$build/macos/libzkbio_ffi.a"
fi

plist() { # $1 = file, $2 = platform-specific keys
  cat > "$1" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleDevelopmentRegion</key><string>en</string>
  <key>CFBundleExecutable</key><string>$name</string>
  <key>CFBundleIdentifier</key><string>org.zkbio.$name</string>
  <key>CFBundleInfoDictionaryVersion</key><string>6.0</string>
  <key>CFBundleName</key><string>$name</string>
  <key>CFBundlePackageType</key><string>FMWK</string>
  <key>CFBundleShortVersionString</key><string>0.1.0</string>
  <key>CFBundleVersion</key><string>1</string>
  $2
</dict>
</plist>
PLIST
}

# Wraps a platform's static library as $name.framework: the framework's module map gives the C
# module a unique name (no clash with other XCFrameworks' `module.modulemap` in Xcode's shared
# include directory). iOS frameworks are shallow; macOS frameworks use the versioned layout.
framework() { # $1 = platform dir under build/, $2 = ios|macos
  local dir=$build/$1 fw bin
  fw=$dir/$name.framework
  if [ "$2" = macos ]; then
    bin=$fw/Versions/A/$name
    mkdir -p "$fw/Versions/A/Headers" "$fw/Versions/A/Modules" "$fw/Versions/A/Resources"
    cp "$dir/libzkbio_ffi.a" "$bin"
    cp "$build/gen/$name.h" "$fw/Versions/A/Headers/"
    cp "$build/gen/module.modulemap" "$fw/Versions/A/Modules/"
    plist "$fw/Versions/A/Resources/Info.plist" "<key>LSMinimumSystemVersion</key><string>$MACOSX_DEPLOYMENT_TARGET</string>"
    ln -s A "$fw/Versions/Current"
    for item in "$name" Headers Modules Resources; do ln -s "Versions/Current/$item" "$fw/$item"; done
  else
    bin=$fw/$name
    mkdir -p "$fw/Headers" "$fw/Modules"
    cp "$dir/libzkbio_ffi.a" "$bin"
    cp "$build/gen/$name.h" "$fw/Headers/"
    cp "$build/gen/module.modulemap" "$fw/Modules/"
    plist "$fw/Info.plist" "<key>MinimumOSVersion</key><string>$IPHONEOS_DEPLOYMENT_TARGET</string>"
  fi
  # After binding generation: drop debug symbols (global symbols stay: the app links them).
  strip -S "$bin"
  echo "-framework $fw"
}

args=$(framework ios ios; framework ios-simulator ios)
if [ ${#macs[@]} -gt 0 ]; then
  args="$args $(framework macos macos)"
fi
# shellcheck disable=SC2086 # $args is a list of options
xcodebuild -create-xcframework $args -output "$build/$name.xcframework"

(cd "$build" && ditto -c -k --sequesterRsrc --keepParent "$name.xcframework" "$name.xcframework.zip")
swift package --package-path "$here" compute-checksum "$build/$name.xcframework.zip" \
  > "$build/$name.xcframework.zip.checksum"
echo "$build/$name.xcframework"
echo "$build/$name.xcframework.zip (checksum $(cat "$build/$name.xcframework.zip.checksum"))"
