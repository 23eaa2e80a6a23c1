//! A model package's `manifest.json` (`package/manifest.rs`): a parsed manifest prints and
//! re-parses equal, and its signature check returns, never panics.
//!
//! The body is `zkbio_core::fuzzing::targets::manifest`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::manifest(data);
});
