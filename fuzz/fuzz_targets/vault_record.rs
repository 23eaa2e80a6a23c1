//! The vault's encrypted record file (core/src/vault/envelope.rs): parsed as the record its
//! header names, decrypted with the seeds' key, and the plaintext decoded; a decoded bundle
//! re-encodes to the same plaintext.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::fuzzing::{decode_bundle, encode_bundle, open_record, parse_record};
use zkbio_core::vault::{InMemoryKeyProvider, KeyId, RecordId, VaultError, VaultKey};
use zkbio_fuzz::VAULT_KEY;

fuzz_target!(|data: &[u8]| {
    let probe = RecordId::new("probe").expect("valid id");
    // Learn the record the header names (a file is only opened as the record it names).
    let (id, generation) = match parse_record(data, &probe, 0) {
        Err(VaultError::Misplaced {
            found_id,
            found_generation,
            ..
        }) => match RecordId::new(found_id) {
            Ok(id) => (id, found_generation),
            Err(_) => return,
        },
        _ => return,
    };
    let key_id = parse_record(data, &id, generation).expect("the header's own id and version");
    let keys = InMemoryKeyProvider::new();
    keys.set_key(key_id, VaultKey::from_slice(&VAULT_KEY).expect("32 bytes"));
    keys.set_key(
        KeyId(key_id.0.wrapping_add(1)),
        VaultKey::from_slice(&[1; 32]).expect("32"),
    );
    let Ok(plaintext) = open_record(data, &id, generation, &keys) else {
        return;
    };
    if let Ok(bundle) = decode_bundle(&plaintext) {
        assert!(
            encode_bundle(&bundle) == plaintext,
            "the bundle encoding does not round-trip"
        );
    }
});
