//! The vault's state file (core/src/vault/state.rs): whatever decodes re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::fuzzing::{decode_state, encode_state};

fuzz_target!(|data: &[u8]| {
    if let Ok((active, retiring)) = decode_state(data) {
        assert_eq!(encode_state(active, retiring), data);
    }
});
