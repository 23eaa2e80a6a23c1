//! The scanner's enrollment transfer (`flows/transfer.rs`): whatever decodes re-encodes to the
//! same bytes, and its check (commitments, EIP-712 signature recovery) returns, never panics.
//!
//! The body is `zkbio_core::fuzzing::targets::transfer`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::transfer(data);
});
