//! A record's plaintext, the vault's bundle encoding (`vault/codec.rs`): it is canonical, so
//! whatever decodes re-encodes to the same bytes.
//!
//! The body is `zkbio_core::fuzzing::targets::vault_bundle`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::vault_bundle(data);
});
