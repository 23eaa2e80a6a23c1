//! The record file format: every alteration is detected, and each failure has its own error.

use std::sync::Arc;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fixtures::{bundle, encoded, id, reenrolled};
use super::sim_fs::SimFs;
use crate::vault::{
    InMemoryKeyProvider, KeyError, KeyId, KeyProvider, RecordId, Vault, VaultError, VaultKey,
};

/// A vault on a simulated disk, with its disk and key store exposed.
fn vault() -> (Vault, SimFs, Arc<InMemoryKeyProvider>) {
    let fs = SimFs::new(0);
    let keys = Arc::new(InMemoryKeyProvider::new());
    let vault = Vault::open_on(Box::new(fs.clone()), keys.clone()).expect("open");
    (vault, fs, keys)
}

fn file_of(id: &str, generation: u64) -> String {
    format!("{id}.{generation:016x}.zbv")
}

fn read(vault: &Vault, record: &RecordId) -> Result<(), VaultError> {
    vault.with_bundle(record, |_| ())
}

/// Whether `err` is a detection (not an I/O or lookup failure).
fn is_detection(err: &VaultError) -> bool {
    matches!(
        err,
        VaultError::Tampered { .. }
            | VaultError::WrongKey { .. }
            | VaultError::Misplaced { .. }
            | VaultError::Truncated { .. }
            | VaultError::NotARecord { .. }
            | VaultError::UnknownFormatVersion { .. }
            | VaultError::Key(KeyError::NotFound(_))
    )
}

#[test]
fn every_header_byte_and_thousands_of_random_body_bytes_altered_are_detected() {
    let (vault, fs, _keys) = vault();
    let alice = id("alice");
    vault.put(&alice, &bundle(1)).expect("put");
    let name = file_of("alice", 1);
    let original = fs.file(&name).expect("record file");
    let header_end = 67 + "alice".len();

    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut positions: Vec<usize> = (0..header_end).collect();
    positions.extend(original.len() - 16..original.len());
    positions.extend(
        (0..3000).map(|_| header_end + (rng.next_u64() as usize) % (original.len() - header_end)),
    );

    for &at in &positions {
        let mut altered = original.clone();
        altered[at] ^= 1 + (rng.next_u32() % 255) as u8;
        fs.overwrite(&name, altered);
        let err = read(&vault, &alice).expect_err("an altered record opened");
        assert!(is_detection(&err), "byte {at}: unexpected error {err}");
    }
    fs.overwrite(&name, original);
    read(&vault, &alice).expect("the restored record opens again");
    eprintln!(
        "tamper: {} single-byte alterations of a {}-byte record, all detected",
        positions.len(),
        fs.file(&name).map_or(0, |f| f.len())
    );
}

#[test]
fn swapped_files_of_two_records_are_refused_even_with_rewritten_headers() {
    let (vault, fs, _keys) = vault();
    let (alice, carol) = (id("alice"), id("carol"));
    vault.put(&alice, &bundle(1)).expect("put");
    vault.put(&carol, &bundle(2)).expect("put");
    let alice_file = fs.file(&file_of("alice", 1)).expect("file");

    fs.overwrite(&file_of("carol", 1), alice_file.clone());
    match read(&vault, &carol) {
        Err(VaultError::Misplaced { found_id, .. }) => assert_eq!(found_id, "alice"),
        other => panic!("expected Misplaced, got {other:?}"),
    }
    // Same file with the header's id rewritten to match: authentication fails.
    let mut relabeled = alice_file;
    relabeled[39..44].copy_from_slice(b"carol");
    fs.overwrite(&file_of("carol", 1), relabeled);
    assert!(matches!(
        read(&vault, &carol),
        Err(VaultError::Tampered { .. })
    ));
}

#[test]
fn an_old_version_put_back_as_the_newest_is_refused() {
    let (vault, fs, _keys) = vault();
    let alice = id("alice");
    vault.put(&alice, &bundle(1)).expect("put");
    let first = fs.file(&file_of("alice", 1)).expect("file");
    vault.update(&alice, |b| reenrolled(b, 1)).expect("update");
    assert!(
        fs.file(&file_of("alice", 1)).is_none(),
        "superseded version deleted"
    );

    fs.overwrite(&file_of("alice", 2), first.clone());
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::Misplaced {
            found_generation: 1,
            ..
        })
    ));
    let mut relabeled = first;
    relabeled[30..38].copy_from_slice(&2u64.to_be_bytes());
    fs.overwrite(&file_of("alice", 2), relabeled);
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::Tampered { .. })
    ));
}

#[test]
fn wrong_and_missing_keys_give_their_own_errors() {
    let (vault, _fs, keys) = vault();
    let alice = id("alice");
    vault.put(&alice, &bundle(1)).expect("put");
    let right = keys.key(KeyId(1)).expect("key");

    keys.set_key(KeyId(1), VaultKey::generate().expect("random"));
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::WrongKey { key: KeyId(1), .. })
    ));
    keys.delete_key(KeyId(1)).expect("delete");
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::Key(KeyError::NotFound(KeyId(1))))
    ));
    keys.set_key(KeyId(1), right);
    assert_eq!(
        vault.with_bundle(&alice, encoded).expect("read"),
        encoded(&bundle(1))
    );
}

#[test]
fn truncated_files_unknown_versions_and_foreign_files_give_their_own_errors() {
    let (vault, fs, _keys) = vault();
    let alice = id("alice");
    vault.put(&alice, &bundle(1)).expect("put");
    let name = file_of("alice", 1);
    let original = fs.file(&name).expect("file");
    let header_end = 67 + "alice".len();

    for cut in [
        0,
        5,
        9,
        10,
        40,
        header_end - 1,
        header_end,
        header_end + 1000,
        original.len() - 1,
    ] {
        fs.overwrite(&name, original[..cut].to_vec());
        match read(&vault, &alice) {
            Err(VaultError::Truncated { len, .. }) => assert_eq!(len, cut),
            other => panic!("cut at {cut}: expected Truncated, got {other:?}"),
        }
    }
    for version in [0u16, 1, 3, 0xffff] {
        let mut other_version = original.clone();
        other_version[8..10].copy_from_slice(&version.to_be_bytes());
        fs.overwrite(&name, other_version);
        match read(&vault, &alice) {
            Err(VaultError::UnknownFormatVersion { version: found, .. }) => {
                assert_eq!(found, version)
            }
            other => panic!("version {version}: expected UnknownFormatVersion, got {other:?}"),
        }
    }
    let mut foreign = original.clone();
    foreign[..8].copy_from_slice(b"NOTVAULT");
    fs.overwrite(&name, foreign);
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::NotARecord { .. })
    ));
    let mut trailing = original;
    trailing.push(0);
    fs.overwrite(&name, trailing);
    assert!(matches!(
        read(&vault, &alice),
        Err(VaultError::Tampered { .. })
    ));
    assert!(matches!(
        read(&vault, &id("nobody")),
        Err(VaultError::NotFound { .. })
    ));
}

#[test]
fn a_damaged_state_file_stops_the_open() {
    let (vault, fs, keys) = vault();
    drop(vault);
    let mut state = fs.file("vault.state").expect("state file");
    state[12] ^= 0x40;
    fs.overwrite("vault.state", state);
    assert!(matches!(
        Vault::open_on(Box::new(fs.clone()), keys),
        Err(VaultError::CorruptState("checksum mismatch"))
    ));
}
