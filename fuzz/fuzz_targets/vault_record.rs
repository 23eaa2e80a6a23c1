//! The vault's encrypted record file (`vault/envelope.rs`): parsed as the record its header
//! names, decrypted with [`VAULT_KEY`] (or a wrong key under the next id), and the plaintext
//! decoded; a decoded bundle re-encodes to the same plaintext. Accepted: it decrypted.
//!
//! The body is `zkbio_core::fuzzing::targets::vault_record`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::vault_record(data);
});
