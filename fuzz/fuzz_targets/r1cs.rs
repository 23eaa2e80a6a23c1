//! circom `.r1cs` (`circom/r1cs.rs`): header and system parse, and a parsed system writes back
//! and re-parses equal.
//!
//! The body is `zkbio_core::fuzzing::targets::r1cs`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::r1cs(data);
});
