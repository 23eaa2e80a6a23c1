//! snarkjs `.wtns` (`circom/wtns.rs`): parsed values write back and re-parse equal.
//!
//! The body is `zkbio_core::fuzzing::targets::wtns`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::wtns(data);
});
