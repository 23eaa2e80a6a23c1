//! `uniffi-bindgen-swift <lib> <out> --swift-sources --headers --modulemap ...` (iOS packaging).
fn main() {
    uniffi::uniffi_bindgen_swift()
}
