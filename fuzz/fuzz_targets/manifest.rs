//! A model package's `manifest.json` (core/src/package/manifest.rs): a parsed manifest prints
//! and re-parses equal, and its signature check returns, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::package::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = Manifest::from_json(data) else {
        return;
    };
    let again =
        Manifest::from_json(manifest.to_json().as_bytes()).expect("printed manifest parses");
    assert_eq!(again, manifest);
    let _ = manifest.canonical_encoding();
    let _ = manifest.publisher();
});
