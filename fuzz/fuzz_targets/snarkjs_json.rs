//! snarkjs JSON (`circom/json.rs`), the same bytes as `proof.json`, `verification_key.json` and
//! `public.json`: whatever parses converts to points or field elements with typed errors, and
//! what converts writes back and converts to the same values. Accepted: one of the three
//! converted.
//!
//! The body is `zkbio_core::fuzzing::targets::snarkjs_json`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::snarkjs_json(data);
});
