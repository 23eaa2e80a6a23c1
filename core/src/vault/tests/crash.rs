//! Crash injection: a crash at every step of a write, an update and a key rotation, under
//! many random choices of what survives (see `sim_fs`), never loses a record.
//!
//! Each trial: fork the prepared disk, arm a crash at step `n`, run the operation, reboot
//! (power loss in 3 of 4 trials, process kill otherwise; in 1 of 3 trials a second crash
//! hits the recovery itself), reopen, and check that every record is readable and equals
//! either its old or its new content — then that the vault still works and leaves no stale
//! file or key behind.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::fixtures::{bundle, encoded, id, reenrolled};
use super::sim_fs::{CrashingKeys, SimFs};
use crate::vault::storage::{OsFs, VaultFs};
use crate::vault::{InMemoryKeyProvider, KeyId, RecordId, Vault, VaultError};

/// Random outcomes tried per crash step.
const SEEDS_PER_STEP_WRITE: u64 = 50;
const SEEDS_PER_STEP_ROTATION: u64 = 30;

/// A prepared disk and key store, and the records it holds.
struct Prepared {
    fs: SimFs,
    keys: InMemoryKeyProvider,
    records: Vec<(RecordId, Vec<u8>)>,
}

/// Alice (two versions written, so her generation is 2), Bob and Carol under key 1.
fn prepared() -> Prepared {
    let fs = SimFs::new(0);
    let keys = Arc::new(InMemoryKeyProvider::new());
    let vault = Vault::open_on(Box::new(fs.clone()), keys.clone()).expect("open");
    let mut alice = bundle(1);
    vault.put(&id("alice"), &alice).expect("put");
    vault
        .update(&id("alice"), |b| reenrolled(b, 1))
        .expect("update");
    reenrolled(&mut alice, 1);
    vault.put(&id("bob"), &bundle(2)).expect("put");
    vault.put(&id("carol"), &bundle(3)).expect("put");
    drop(vault);
    Prepared {
        fs,
        keys: keys.snapshot(),
        records: vec![
            (id("alice"), encoded(&alice)),
            (id("bob"), encoded(&bundle(2))),
            (id("carol"), encoded(&bundle(3))),
        ],
    }
}

fn crashing(fs: &SimFs, keys: &Arc<InMemoryKeyProvider>) -> Arc<CrashingKeys> {
    Arc::new(CrashingKeys {
        keys: keys.clone(),
        fs: fs.clone(),
    })
}

/// What a trial hands its check.
struct AfterCrash<'a> {
    vault: Vault,
    keys: Arc<InMemoryKeyProvider>,
    disk: SimFs,
    what: &'a str,
}

/// Runs `op` with a crash at every step and `seeds` random outcomes per step, calling `check`
/// on the reopened vault. Returns (steps, trials).
fn crash_everywhere(
    prepared: &Prepared,
    seeds: u64,
    op: &dyn Fn(&Vault) -> Result<(), VaultError>,
    check: &mut dyn FnMut(AfterCrash<'_>),
) -> (u64, u64) {
    // A dry run counts the operation's steps.
    let fs = prepared.fs.fork(0);
    let keys = Arc::new(prepared.keys.snapshot());
    let vault = Vault::open_on(Box::new(fs.clone()), crashing(&fs, &keys)).expect("open");
    fs.arm(None);
    op(&vault).expect("the operation succeeds without a crash");
    let steps = fs.steps();
    assert!(steps > 0);

    let mut trials = 0;
    for crash_at in 1..=steps {
        for seed in 0..seeds {
            let fs = prepared.fs.fork(crash_at * 10_000 + seed);
            let keys = Arc::new(prepared.keys.snapshot());
            let vault = Vault::open_on(Box::new(fs.clone()), crashing(&fs, &keys))
                .expect("open before the crash");
            fs.arm(Some(crash_at));
            let _ = op(&vault);
            assert!(fs.crashed(), "step {crash_at} of {steps} was never reached");
            drop(vault);

            let mut disk = fs.reboot(seed % 4 != 3);
            if seed % 3 == 1 {
                disk.arm(Some(1 + seed % 5));
                let _ = Vault::open_on(Box::new(disk.clone()), crashing(&disk, &keys));
                disk = disk.reboot(true);
            }
            let what = format!("crash at step {crash_at}/{steps}, seed {seed}");
            let vault = Vault::open_on(Box::new(disk.clone()), keys.clone())
                .unwrap_or_else(|e| panic!("{what}: reopening failed: {e}"));
            check(AfterCrash {
                vault,
                keys,
                disk,
                what: &what,
            });
            trials += 1;
        }
    }
    (steps, trials)
}

/// The files on disk: exactly one version per record plus the state file.
fn assert_no_stale_files(disk: &SimFs, records: usize, what: &str) {
    let names = disk.list().expect("list");
    let record_files = names.iter().filter(|n| n.ends_with(".zbv")).count();
    assert_eq!(
        record_files, records,
        "{what}: stale record files: {names:?}"
    );
    assert_eq!(
        names.len(),
        records + 1,
        "{what}: unexpected files: {names:?}"
    );
}

fn read(vault: &Vault, record: &RecordId, what: &str) -> Vec<u8> {
    vault
        .with_bundle(record, encoded)
        .unwrap_or_else(|e| panic!("{what}: record {record} unreadable: {e}"))
}

#[test]
fn a_crash_at_any_step_of_an_update_keeps_the_old_or_the_new_version() {
    let prepared = prepared();
    let (alice, old_alice) = prepared.records[0].clone();
    let mut new_alice_bundle = bundle(1);
    reenrolled(&mut new_alice_bundle, 1);
    new_alice_bundle.iris_model.as_mut().expect("model").version = 3;
    let new_alice = encoded(&new_alice_bundle);
    let (mut old_seen, mut new_seen) = (0, 0);

    let op = |vault: &Vault| {
        vault.update(&alice, |b| {
            b.iris_model.as_mut().expect("model").version = 3
        })
    };
    let (steps, trials) = crash_everywhere(&prepared, SEEDS_PER_STEP_WRITE, &op, &mut |after| {
        let got = read(&after.vault, &alice, after.what);
        if got == old_alice {
            old_seen += 1;
        } else if got == new_alice {
            new_seen += 1;
        } else {
            panic!(
                "{}: alice is neither her old nor her new version",
                after.what
            );
        }
        for (record, content) in &prepared.records[1..] {
            assert_eq!(
                &read(&after.vault, record, after.what),
                content,
                "{}: {record} changed",
                after.what
            );
        }
        assert_no_stale_files(&after.disk, 3, after.what);
        after
            .vault
            .update(&alice, |b| reenrolled(b, 9))
            .expect("the vault still takes updates");
        assert_no_stale_files(&after.disk, 3, after.what);
    });
    eprintln!("crash/update: {steps} steps x {SEEDS_PER_STEP_WRITE} = {trials} trials: {old_seen} old, {new_seen} new, 0 lost");
    assert_eq!(old_seen + new_seen, trials);
    assert!(old_seen > 0 && new_seen > 0, "both outcomes should occur");
}

#[test]
fn a_crash_at_any_step_of_a_first_write_leaves_the_record_absent_or_whole() {
    let prepared = prepared();
    let dave = id("dave");
    let dave_content = encoded(&bundle(4));
    let (mut absent, mut whole) = (0, 0);

    let op = |vault: &Vault| vault.put(&dave, &bundle(4));
    let (steps, trials) = crash_everywhere(&prepared, SEEDS_PER_STEP_WRITE, &op, &mut |after| {
        if after.vault.contains(&dave) {
            assert_eq!(read(&after.vault, &dave, after.what), dave_content);
            whole += 1;
        } else {
            absent += 1;
        }
        for (record, content) in &prepared.records {
            assert_eq!(
                &read(&after.vault, record, after.what),
                content,
                "{}: {record} changed",
                after.what
            );
        }
    });
    eprintln!("crash/first write: {steps} steps x {SEEDS_PER_STEP_WRITE} = {trials} trials: {absent} absent, {whole} whole, 0 torn");
    assert!(absent > 0 && whole > 0, "both outcomes should occur");
}

#[test]
fn a_crash_at_any_step_of_a_key_rotation_never_leaves_a_record_unreadable() {
    let prepared = prepared();
    let mut under_new_key = 0;
    let mut mixed = 0;

    let op = |vault: &Vault| vault.rotate_key().map(|_| ());
    let (steps, trials) = crash_everywhere(&prepared, SEEDS_PER_STEP_ROTATION, &op, &mut |after| {
        let keys_used: Vec<Option<KeyId>> =
            after.vault.records().iter().map(|r| r.key_id).collect();
        for (record, content) in &prepared.records {
            assert_eq!(
                &read(&after.vault, record, after.what),
                content,
                "{}: {record} changed",
                after.what
            );
        }
        assert!(
            keys_used
                .iter()
                .all(|k| *k == Some(KeyId(1)) || *k == Some(KeyId(2))),
            "{}: records under unexpected keys {keys_used:?}",
            after.what
        );
        if keys_used.iter().all(|k| *k == Some(KeyId(2))) {
            under_new_key += 1;
        } else if keys_used.contains(&Some(KeyId(2))) {
            mixed += 1;
        }
        // Finishing (or redoing) the rotation leaves every record under one key, and that
        // key alone in the key store.
        let active = after
            .vault
            .rotate_key()
            .unwrap_or_else(|e| panic!("{}: rotation did not resume: {e}", after.what));
        assert!(!after.vault.rotation_pending(), "{}", after.what);
        for (record, content) in &prepared.records {
            assert_eq!(
                &read(&after.vault, record, after.what),
                content,
                "{}: {record} changed",
                after.what
            );
        }
        assert!(
            after
                .vault
                .records()
                .iter()
                .all(|r| r.key_id == Some(active)),
            "{}",
            after.what
        );
        assert_eq!(
            after.keys.key_ids(),
            vec![active],
            "{}: a retired key was left behind",
            after.what
        );
        assert_no_stale_files(&after.disk, 3, after.what);
    });
    eprintln!(
        "crash/rotation: {steps} steps x {SEEDS_PER_STEP_ROTATION} = {trials} trials: {under_new_key} all under the new key, {mixed} mixed, {} all under the old key, 0 unreadable",
        trials - under_new_key - mixed
    );
    assert!(
        mixed > 0,
        "crashes in the middle of the rewrite should leave mixed vaults"
    );
}

/// The real file system underneath, with the process "killed" (every later call fails) at
/// step `crash_at`: checks the same write path against real files, renames and fsyncs.
struct StopAt {
    inner: OsFs,
    steps: AtomicU64,
    crash_at: u64,
}

impl StopAt {
    fn step(&self) -> std::io::Result<()> {
        if self.steps.fetch_add(1, Ordering::SeqCst) + 1 >= self.crash_at {
            return Err(std::io::Error::other("process killed"));
        }
        Ok(())
    }
}

impl VaultFs for StopAt {
    fn list(&self) -> std::io::Result<Vec<String>> {
        self.inner.list()
    }
    fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        self.inner.read(name)
    }
    fn write_new(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.step()?;
        self.inner.write_new(name, bytes)
    }
    fn sync_file(&self, name: &str) -> std::io::Result<()> {
        self.step()?;
        self.inner.sync_file(name)
    }
    fn rename(&self, from: &str, to: &str) -> std::io::Result<()> {
        self.step()?;
        self.inner.rename(from, to)
    }
    fn remove(&self, name: &str) -> std::io::Result<()> {
        self.step()?;
        self.inner.remove(name)
    }
    fn sync_dir(&self) -> std::io::Result<()> {
        self.step()?;
        self.inner.sync_dir()
    }
}

#[test]
fn on_real_files_a_rotation_stopped_at_any_step_loses_nothing() {
    let contents: Vec<Vec<u8>> = (0..3).map(|i| encoded(&bundle(i))).collect();
    let ids = [id("a"), id("b"), id("c")];
    let mut trials = 0;
    for crash_at in 1u64.. {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = Arc::new(InMemoryKeyProvider::new());
        let vault = Vault::open(dir.path(), keys.clone()).expect("open");
        for (i, record) in ids.iter().enumerate() {
            vault.put(record, &bundle(i as u64)).expect("put");
        }
        drop(vault);
        let stopping = StopAt {
            inner: OsFs::new(dir.path().to_path_buf()),
            steps: AtomicU64::new(0),
            crash_at,
        };
        let vault = Vault::open_on(Box::new(stopping), keys.clone()).expect("open");
        let finished = vault.rotate_key().is_ok();
        drop(vault);

        let vault = Vault::open(dir.path(), keys.clone()).expect("reopen");
        for (record, content) in ids.iter().zip(&contents) {
            assert_eq!(
                &read(&vault, record, &format!("stop at {crash_at}")),
                content
            );
        }
        vault.rotate_key().expect("rotation resumes");
        assert_eq!(keys.key_ids(), vec![vault.active_key()]);
        trials += 1;
        if finished {
            break;
        }
    }
    eprintln!("crash/rotation on real files: {trials} trials (every step, then one without a crash), 0 lost");
    assert!(trials > 10);
}
