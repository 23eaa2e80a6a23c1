//! snarkjs `.zkey` (`circom/zkey.rs` in zkbio-circuits): a parsed key writes back and re-parses
//! equal.
//!
//! The body is `zkbio_core::fuzzing::targets::zkey`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::zkey(data);
});
