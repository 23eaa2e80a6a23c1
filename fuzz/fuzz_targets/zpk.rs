//! `.zpk` proving-key header and view (`groth16/key_file.rs`): a header-checked view reads every
//! point without panicking, and a decoded key re-encodes to the same bytes.
//!
//! The body is `zkbio_core::fuzzing::targets::zpk`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::zpk(data);
});
