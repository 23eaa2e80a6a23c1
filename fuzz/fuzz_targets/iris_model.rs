//! An iris model file (`model.bin` of a package, `models/iris/canonical.rs` in zkbio-circuits):
//! whatever decodes re-encodes to the same bytes.
//!
//! The body is `zkbio_core::fuzzing::targets::iris_model`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::iris_model(data);
});
