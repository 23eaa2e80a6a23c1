//! Decrypted buffers are wiped when a use ends.
//!
//! How this is checked without undefined behaviour: memory cannot be inspected after it is
//! freed, so [`SecretVec`](crate::vault::SecretVec)'s drop reports to a test-only,
//! thread-local log (`secret::wipe_log`) the address, length and "all zero?" of each buffer
//! right after wiping it and before freeing it, while the buffer is still owned. The tests
//! note the addresses of the buffers a closure was lent, then check the log has each of them,
//! all zero, by the time the vault call returned.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::fixtures::{bundle, encoded, id, reenrolled};
use super::sim_fs::SimFs;
use crate::vault::secret::wipe_log::{self, Wiped};
use crate::vault::{InMemoryKeyProvider, Vault};

fn vault_with_alice() -> Vault {
    let vault = Vault::open_on(
        Box::new(SimFs::new(0)),
        Arc::new(InMemoryKeyProvider::new()),
    )
    .expect("open");
    let mut b = bundle(1);
    reenrolled(&mut b, 1);
    vault.put(&id("alice"), &b).expect("put");
    vault
}

fn assert_wiped(log: &[Wiped], addr: usize, len: usize, what: &str) {
    assert!(
        log.iter()
            .any(|w| w.addr == addr && w.len == len && w.all_zero),
        "{what} ({len} values at {addr:#x}) was not wiped; log: {log:?}"
    );
}

#[test]
fn images_masks_openings_and_the_plaintext_are_wiped_when_the_use_ends() {
    let vault = vault_with_alice();
    let mut full = bundle(1);
    reenrolled(&mut full, 1);
    let plaintext_len = encoded(&full).len();
    drop(full);
    wipe_log::take();

    let mut lent = Vec::new();
    vault
        .with_bundle(&id("alice"), |b| {
            lent.push((
                b.iris.image().as_ptr() as usize,
                b.iris.image().len(),
                "iris image",
            ));
            lent.push((
                b.iris.mask().as_ptr() as usize,
                b.iris.mask().len(),
                "iris mask",
            ));
            lent.push((
                b.face.pixels().as_ptr() as usize,
                b.face.pixels().len(),
                "face",
            ));
            let code = b
                .iris_model
                .as_ref()
                .and_then(|m| m.opening.as_ref())
                .expect("code opening");
            lent.push((
                code.code_bits().as_ptr() as usize,
                code.code_bits().len(),
                "code bits",
            ));
            let emb = b
                .face_model
                .as_ref()
                .and_then(|m| m.opening.as_ref())
                .expect("embedding opening");
            lent.push((
                emb.embedding().as_ptr() as usize,
                emb.embedding().len(),
                "embedding",
            ));
        })
        .expect("read");
    let log = wipe_log::take();
    for (addr, len, what) in lent {
        assert_wiped(&log, addr, len, what);
    }
    assert!(
        log.iter().any(|w| w.len == plaintext_len),
        "the decrypted record body was not wiped: {log:?}"
    );
    assert!(
        log.iter().all(|w| w.all_zero),
        "a buffer was freed unwiped: {log:?}"
    );
}

#[test]
fn a_panic_inside_the_use_still_wipes_the_image() {
    let vault = vault_with_alice();
    wipe_log::take();
    let mut image_at = 0;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        vault.with_iris(&id("alice"), |iris| {
            image_at = iris.image().as_ptr() as usize;
            panic!("the caller's code failed");
        })
    }));
    assert!(outcome.is_err());
    let log = wipe_log::take();
    assert_wiped(
        &log,
        image_at,
        crate::vault::bundle::IRIS_PIXELS,
        "iris image",
    );
}

#[test]
fn writing_wipes_the_encoded_plaintext() {
    let vault = vault_with_alice();
    let b = bundle(2);
    let plaintext_len = encoded(&b).len();
    wipe_log::take();
    vault.put(&id("bob"), &b).expect("put");
    let log = wipe_log::take();
    assert!(
        log.iter().any(|w| w.len == plaintext_len && w.all_zero),
        "encoded plaintext not wiped: {log:?}"
    );
}
