//! Entry points for the fuzz targets (`fuzz/`) into parsers of untrusted bytes that are private
//! to the crate: the vault's record file, its plaintext encoding and its state file.
//!
//! Compiled only with the `fuzzing` feature (and in this crate's tests), so the formats stay
//! private API. Each function is a thin wrapper: the fuzz targets check the real code.
//! [`targets`] holds the fuzz targets' bodies, shared with the seed replay test.

mod cursor;
pub mod targets;

pub use cursor::Cursor;

use crate::vault::codec::{self, CodecError};
use crate::vault::envelope;
use crate::vault::state::VaultState;
use crate::vault::{EnrollmentBundle, KeyId, KeyProvider, RecordId, VaultError, VaultKey};

/// Decodes a record's plaintext (the vault's bundle encoding).
pub fn decode_bundle(plaintext: &[u8]) -> Result<EnrollmentBundle, CodecError> {
    codec::decode(plaintext)
}

/// Encodes a bundle as a record's plaintext.
pub fn encode_bundle(bundle: &EnrollmentBundle) -> Vec<u8> {
    codec::encode(bundle).as_slice().to_vec()
}

/// Splits a record file stored as record `id`, version `generation`, checking what needs no key;
/// returns the header's key id.
pub fn parse_record(file: &[u8], id: &RecordId, generation: u64) -> Result<KeyId, VaultError> {
    envelope::parse(file, id, generation).map(|p| p.header.key_id)
}

/// Parses and decrypts a record file with a key from `keys`; returns the plaintext.
pub fn open_record(
    file: &[u8],
    id: &RecordId,
    generation: u64,
    keys: &dyn KeyProvider,
) -> Result<Vec<u8>, VaultError> {
    let parsed = envelope::parse(file, id, generation)?;
    Ok(envelope::open(&parsed, id, keys)?.as_slice().to_vec())
}

/// Seals `plaintext` as record `id`, version `generation`, under `key` (seeds for the fuzzers).
pub fn seal_record(
    id: &RecordId,
    generation: u64,
    key_id: KeyId,
    key: &VaultKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    envelope::seal(id, generation, key_id, key, plaintext)
}

/// Decodes the vault's state file: the active key and the retiring one, if any.
pub fn decode_state(bytes: &[u8]) -> Result<(KeyId, Option<KeyId>), VaultError> {
    VaultState::decode(bytes).map(|s| (s.active_key, s.retiring_key))
}

/// Encodes a state file.
pub fn encode_state(active_key: KeyId, retiring_key: Option<KeyId>) -> Vec<u8> {
    VaultState {
        active_key,
        retiring_key,
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::InMemoryKeyProvider;

    #[test]
    fn hooks_round_trip_the_private_formats() {
        let state = encode_state(KeyId(4), Some(KeyId(3)));
        assert_eq!(decode_state(&state).unwrap(), (KeyId(4), Some(KeyId(3))));

        let id = RecordId::new("alice").unwrap();
        let key = VaultKey::from_slice(&[9u8; 32]).unwrap();
        let keys = InMemoryKeyProvider::new();
        keys.set_key(KeyId(2), key.clone());
        let file = seal_record(&id, 5, KeyId(2), &key, b"plain").unwrap();
        assert_eq!(parse_record(&file, &id, 5).unwrap(), KeyId(2));
        assert_eq!(open_record(&file, &id, 5, &keys).unwrap(), b"plain");
        assert!(matches!(
            parse_record(&file, &id, 6),
            Err(VaultError::Misplaced { .. })
        ));
        assert!(decode_bundle(b"plain").is_err());
    }
}
