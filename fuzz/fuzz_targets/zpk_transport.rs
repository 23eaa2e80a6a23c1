//! Compressed proving-key transport (`groth16/key_transport.rs`): expanding hostile bytes never
//! panics nor allocates beyond one batch ahead of the input; what expands is a valid `.zpk` of
//! its header's length whose digest is the one returned, and compressing it again expands to the
//! same key.
//!
//! The body is `zkbio_core::fuzzing::targets::zpk_transport`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::zpk_transport(data);
});
