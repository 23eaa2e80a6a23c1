//! A record's plaintext, the vault's bundle encoding (core/src/vault/codec.rs): it is canonical,
//! so whatever decodes re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::fuzzing::{decode_bundle, encode_bundle};

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = decode_bundle(data) {
        let _ = bundle.public_part();
        assert!(
            encode_bundle(&bundle) == data,
            "the bundle encoding does not round-trip"
        );
    }
});
