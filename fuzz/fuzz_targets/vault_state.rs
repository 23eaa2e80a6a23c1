//! The vault's state file (`vault/state.rs`): whatever decodes re-encodes to the same bytes.
//!
//! The body is `zkbio_core::fuzzing::targets::vault_state`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::vault_state(data);
});
