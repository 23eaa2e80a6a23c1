//! Round trips on the real file system.

use std::sync::Arc;

use super::fixtures::{bundle, encoded, id, reenrolled};
use crate::vault::codec::{self, CodecError};
use crate::vault::{FileKeyProvider, KeyError, KeyId, KeyProvider, Vault, VaultError};

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect();
    names.sort();
    names
}

#[test]
fn records_round_trip_across_reopen_and_updates_keep_the_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_dir = tempfile::tempdir().expect("tempdir");
    let alice = id("alice");
    let original = bundle(1);
    {
        let keys = Arc::new(FileKeyProvider::open(key_dir.path()).expect("keys"));
        let vault = Vault::open(dir.path(), keys).expect("open");
        vault.put(&alice, &original).expect("put");
        let stored = vault.with_bundle(&alice, encoded).expect("read");
        assert_eq!(stored, encoded(&original));
    }
    // A new process: new provider instance on the same key store, new vault instance.
    let keys = Arc::new(FileKeyProvider::open(key_dir.path()).expect("keys"));
    let vault = Vault::open(dir.path(), keys).expect("reopen");
    assert_eq!(
        vault.with_bundle(&alice, encoded).expect("read"),
        encoded(&original)
    );
    assert_eq!(
        vault.public_record(&alice).expect("public"),
        original.public_part()
    );

    let mut expected = original.clone();
    reenrolled(&mut expected, 1);
    vault.update(&alice, |b| reenrolled(b, 1)).expect("update");
    assert_eq!(
        vault.with_bundle(&alice, encoded).expect("read"),
        encoded(&expected)
    );
    let image = vault
        .with_iris(&alice, |iris| iris.image().to_vec())
        .expect("iris");
    assert_eq!(
        image,
        original.iris.image(),
        "an update must carry the image over"
    );
    assert_eq!(
        vault
            .public_record(&alice)
            .expect("public")
            .iris_model
            .map(|m| m.0),
        Some(2)
    );
    assert_eq!(vault.records()[0].generation, 2);
    assert_eq!(
        files_in(dir.path()),
        vec![
            "alice.0000000000000002.zbv".to_owned(),
            "vault.state".to_owned()
        ],
        "the superseded version must be deleted once the new one is durable"
    );

    vault.remove(&alice).expect("remove");
    assert!(!vault.contains(&alice));
    assert!(matches!(
        vault.with_iris(&alice, |_| ()),
        Err(VaultError::NotFound { .. })
    ));
    assert_eq!(files_in(dir.path()), vec!["vault.state".to_owned()]);
}

#[test]
fn rotation_on_disk_moves_every_record_to_the_new_key_and_deletes_the_old_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_dir = tempfile::tempdir().expect("tempdir");
    let keys = Arc::new(FileKeyProvider::open(key_dir.path()).expect("keys"));
    let vault = Vault::open(dir.path(), keys.clone()).expect("open");
    let ids = [id("a"), id("b"), id("c")];
    for (i, record) in ids.iter().enumerate() {
        vault.put(record, &bundle(i as u64)).expect("put");
    }
    assert_eq!(vault.active_key(), KeyId(1));
    assert_eq!(vault.rotate_key().expect("rotate"), KeyId(2));
    assert!(!vault.rotation_pending());
    assert_eq!(
        keys.key(KeyId(1)).unwrap_err(),
        KeyError::NotFound(KeyId(1))
    );
    for (i, record) in ids.iter().enumerate() {
        assert_eq!(
            vault.with_bundle(record, encoded).expect("read"),
            encoded(&bundle(i as u64))
        );
    }
    assert!(vault
        .records()
        .iter()
        .all(|r| r.key_id == Some(KeyId(2)) && r.generation == 2));
    assert_eq!(
        files_in(dir.path()).len(),
        ids.len() + 1,
        "old copies must be gone"
    );
}

#[test]
fn codec_round_trips_every_optional_part_and_refuses_non_canonical_content() {
    let mut full = bundle(7);
    reenrolled(&mut full, 7);
    let mut bare = bundle(8);
    bare.iris_model = None;
    for b in [&full, &bare, &bundle(9)] {
        let bytes = encoded(b);
        let decoded = codec::decode(&bytes).expect("decode");
        assert_eq!(encoded(&decoded), bytes);
    }
    let bytes = encoded(&bare);
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        codec::decode(&trailing).unwrap_err(),
        CodecError::Trailing(1)
    );
    assert_eq!(
        codec::decode(&bytes[..bytes.len() - 1]).unwrap_err(),
        CodecError::Short
    );
    // The last byte of `bare` is the face-model flag: 2 is neither absent nor present.
    let mut bad_flag = bytes.clone();
    *bad_flag.last_mut().expect("non-empty") = 2;
    assert_eq!(
        codec::decode(&bad_flag).unwrap_err(),
        CodecError::Invalid("presence flag")
    );
}

#[test]
fn a_code_opening_with_set_padding_bits_is_refused() {
    let mut b = bundle(3);
    b.face_model = None;
    let bytes = encoded(&b);
    // The fixture's code has 1,003 bits, packed into 126 bytes whose last holds 3 bits.
    // Layout tail: code 126 | mask 126 | salt_code 32 | face flag 1.
    let code_last = bytes.len() - 1 - 32 - 126 - 1;
    let mut padded = bytes.clone();
    padded[code_last] |= 0x80;
    assert_eq!(
        codec::decode(&padded).unwrap_err(),
        CodecError::Invalid("bit padding")
    );
    assert!(codec::decode(&bytes).is_ok());
}

#[test]
fn vault_and_providers_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Vault>();
    shareable::<FileKeyProvider>();
    shareable::<crate::vault::InMemoryKeyProvider>();
    shareable::<std::sync::Arc<dyn KeyProvider>>();
}

/// Regression (found by the `vault_bundle` fuzz target): 11 bytes naming a 65535 x 65528 face
/// made decode allocate, zero and wipe a 4 GiB buffer before noticing the input does not hold it.
/// The size is checked first now, so no secret buffer larger than the input is ever made.
#[test]
fn a_hostile_face_size_allocates_nothing_before_the_length_check() {
    let input = [
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xf8, 0x4f,
    ];
    crate::vault::secret::wipe_log::take();
    assert_eq!(codec::decode(&input).unwrap_err(), CodecError::Short);
    let largest = crate::vault::secret::wipe_log::take()
        .iter()
        .map(|w| w.len)
        .max()
        .unwrap_or(0);
    assert!(
        largest <= input.len(),
        "decode made a {largest}-element secret buffer from {} bytes",
        input.len()
    );
}

#[test]
fn open_existing_refuses_a_directory_without_a_vault_and_creates_nothing() {
    let parent = tempfile::tempdir().expect("tempdir");
    let keys = || Arc::new(FileKeyProvider::open(parent.path().join("keys")).expect("keys"));
    let missing = parent.path().join("typo");
    let not_found = |r: Result<Vault, VaultError>| match r {
        Err(VaultError::Io {
            op: "open", source, ..
        }) => source.kind() == std::io::ErrorKind::NotFound,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("opened a vault that does not exist"),
    };
    assert!(not_found(Vault::open_existing(&missing, keys())));
    assert!(!missing.exists() && !parent.path().join("keys").exists());
    // An empty or unrelated directory is no vault either, and stays as it was.
    let other = parent.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("notes.txt"), b"x").expect("write");
    assert!(not_found(Vault::open_existing(&other, keys())));
    assert_eq!(files_in(&other), ["notes.txt"]);

    // A vault made by `open` opens, with its record.
    let dir = parent.path().join("vault");
    let alice = id("alice");
    Vault::open(&dir, keys())
        .expect("create")
        .put(&alice, &bundle(1))
        .expect("put");
    let vault = Vault::open_existing(&dir, keys()).expect("open existing");
    assert!(vault.contains(&alice));
}
