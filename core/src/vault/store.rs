//! The vault: a directory of encrypted record files plus a state file.
//!
//! Each record version is its own file, `<id>.<generation as 16 hex digits>.zbv`; the
//! newest generation of an id is the record. A write never modifies a file: it writes the
//! next generation atomically (temporary file, fsync, rename, directory fsync) and only then
//! removes older generations, so after a crash at any point the old or the new version is
//! readable. Opening the vault finishes what a crash interrupted: it deletes temporary
//! files, and older generations once the newest authenticates.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use super::bundle::{EnrollmentBundle, FaceImage, IrisSample, PublicRecord};
use super::codec;
use super::envelope;
use super::keys::{KeyError, KeyId, KeyProvider, VaultKey};
use super::record_id::RecordId;
use super::state::{VaultState, STATE_FILE};
use super::storage::{write_atomically, OsFs, VaultFs, TEMP_SUFFIX};
use super::VaultError;

/// Suffix of record files.
const RECORD_SUFFIX: &str = ".zbv";

/// The key id a new vault starts with.
const FIRST_KEY: KeyId = KeyId(1);

fn record_file(id: &RecordId, generation: u64) -> String {
    format!("{id}.{generation:016x}{RECORD_SUFFIX}")
}

fn parse_record_file(name: &str) -> Option<(RecordId, u64)> {
    let (id, generation) = name.strip_suffix(RECORD_SUFFIX)?.rsplit_once('.')?;
    if generation.len() != 16
        || !generation
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    Some((
        RecordId::new(id).ok()?,
        u64::from_str_radix(generation, 16).ok()?,
    ))
}

/// What the vault knows about a record without decrypting it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    /// The record's id.
    pub id: RecordId,
    /// Its current version number (starts at 1, grows with every write).
    pub generation: u64,
    /// The key its current version is sealed with, if its header is readable.
    pub key_id: Option<KeyId>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    generation: u64,
    key_id: Option<KeyId>,
}

struct Inner {
    state: VaultState,
    records: BTreeMap<RecordId, Entry>,
}

/// The encrypted store of enrollment bundles.
///
/// All methods take `&self` and serialize on an internal lock, so one `Vault` can be shared
/// across threads (as a UniFFI object is). Only one process may open a vault directory.
pub struct Vault {
    fs: Box<dyn VaultFs>,
    keys: Arc<dyn KeyProvider>,
    inner: Mutex<Inner>,
}

impl Vault {
    /// Opens (creating if needed) the vault in `dir`, with keys from `keys`, and finishes
    /// the cleanup of any write or key rotation a crash interrupted. An interrupted rotation
    /// itself is finished by calling [`Vault::rotate_key`] again (see
    /// [`Vault::rotation_pending`]); until then every record stays readable.
    pub fn open(dir: impl Into<PathBuf>, keys: Arc<dyn KeyProvider>) -> Result<Self, VaultError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(VaultError::io(
            "create directory",
            &dir.display().to_string(),
        ))?;
        Self::open_on(Box::new(OsFs::new(dir)), keys)
    }

    /// Opens the vault that already is in `dir`, as [`Vault::open`] does, but never creates
    /// one: for tools that only read, where a mistyped path must be an error rather than a new,
    /// empty vault. `dir` must hold a vault's state file or a record; otherwise the error is
    /// [`VaultError::Io`] of kind [`io::ErrorKind::NotFound`] naming `dir`.
    pub fn open_existing(
        dir: impl Into<PathBuf>,
        keys: Arc<dyn KeyProvider>,
    ) -> Result<Self, VaultError> {
        let dir = dir.into();
        let shown = dir.display().to_string();
        let fs = OsFs::new(dir);
        let names = fs.list().map_err(VaultError::io("open", &shown))?;
        let is_vault = names
            .iter()
            .any(|n| n == STATE_FILE || parse_record_file(n).is_some());
        if !is_vault {
            return Err(VaultError::io("open", &shown)(io::Error::new(
                io::ErrorKind::NotFound,
                "the directory holds no vault",
            )));
        }
        Self::open_on(Box::new(fs), keys)
    }

    /// Opens a vault on any file system (tests put a crash-simulating one underneath).
    pub(crate) fn open_on(
        fs: Box<dyn VaultFs>,
        keys: Arc<dyn KeyProvider>,
    ) -> Result<Self, VaultError> {
        let names = fs.list().map_err(VaultError::io("list", "."))?;
        for temp in names.iter().filter(|n| n.ends_with(TEMP_SUFFIX)) {
            // A temporary file is never the only copy of anything: it is renamed only when
            // complete, so what is left under a temporary name is garbage.
            remove_if_present(fs.as_ref(), temp)?;
        }
        let mut versions: BTreeMap<RecordId, Vec<u64>> = BTreeMap::new();
        for (id, generation) in names.iter().filter_map(|n| parse_record_file(n)) {
            versions.entry(id).or_default().push(generation);
        }
        let mut records = BTreeMap::new();
        for (id, generations) in &versions {
            let newest = generations.iter().copied().max().unwrap_or_default();
            records.insert(
                id.clone(),
                Entry {
                    generation: newest,
                    key_id: read_header(fs.as_ref(), id, newest).map(|h| h.key_id).ok(),
                },
            );
        }
        let state = match fs.read(STATE_FILE) {
            Ok(bytes) => VaultState::decode(&bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A new vault (the state file is written before any record), or one whose
                // state file was lost: continue with the newest key the records use.
                let active_key = records
                    .values()
                    .filter_map(|e| e.key_id)
                    .max()
                    .unwrap_or(FIRST_KEY);
                keys.create_key(active_key)?;
                let state = VaultState {
                    active_key,
                    retiring_key: None,
                };
                write_atomically(fs.as_ref(), STATE_FILE, &state.encode())
                    .map_err(VaultError::io("write", STATE_FILE))?;
                state
            }
            Err(e) => return Err(VaultError::io("read", STATE_FILE)(e)),
        };
        let vault = Self {
            fs,
            keys,
            inner: Mutex::new(Inner { state, records }),
        };
        let mut inner = vault.lock();
        for (id, generations) in versions.iter().filter(|(_, g)| g.len() > 1) {
            // Older versions are deleted only once the newest is known to open, so damage to
            // the newest never costs the previous version too.
            let newest = inner.records.get(id).map_or(0, |e| e.generation);
            if vault.load(&inner, id).is_ok() {
                vault.remove_older(id, generations, newest)?;
            }
        }
        vault.retire_unused_key(&mut inner)?;
        drop(inner);
        Ok(vault)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section updates the index only after the disk change it mirrors
        // succeeded, so a panic inside one cannot leave the index ahead of the disk.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The ids and versions of all records.
    pub fn records(&self) -> Vec<RecordInfo> {
        self.lock()
            .records
            .iter()
            .map(|(id, e)| RecordInfo {
                id: id.clone(),
                generation: e.generation,
                key_id: e.key_id,
            })
            .collect()
    }

    /// Whether a record with this id exists.
    pub fn contains(&self, id: &RecordId) -> bool {
        self.lock().records.contains_key(id)
    }

    /// The key new writes are sealed with.
    pub fn active_key(&self) -> KeyId {
        self.lock().state.active_key
    }

    /// Whether a key rotation was interrupted (some record is sealed under a key other than
    /// the active one, or an old key still awaits deletion); [`Vault::rotate_key`] finishes it.
    pub fn rotation_pending(&self) -> bool {
        let inner = self.lock();
        inner.state.retiring_key.is_some()
            || inner
                .records
                .values()
                .any(|e| e.key_id != Some(inner.state.active_key))
    }

    /// Stores `bundle` as record `id`: a new record, or the next version of an existing
    /// one. The previous version stays on disk until the new one is durable.
    pub fn put(&self, id: &RecordId, bundle: &EnrollmentBundle) -> Result<(), VaultError> {
        let mut inner = self.lock();
        let key_id = inner.state.active_key;
        let key = self.keys.key(key_id)?;
        self.write_version(&mut inner, id, bundle, key_id, &key)?;
        self.cleanup_after_write(&inner, id);
        Ok(())
    }

    /// Changes record `id` through `change` and stores the result as its next version
    /// (e.g. a re-enrollment's new model state). The images are carried over untouched.
    /// `change` runs under the vault's lock: it must not call the vault.
    pub fn update<R>(
        &self,
        id: &RecordId,
        change: impl FnOnce(&mut EnrollmentBundle) -> R,
    ) -> Result<R, VaultError> {
        let mut inner = self.lock();
        let mut bundle = self.load(&inner, id)?;
        let result = change(&mut bundle);
        let key_id = inner.state.active_key;
        let key = self.keys.key(key_id)?;
        self.write_version(&mut inner, id, &bundle, key_id, &key)?;
        self.cleanup_after_write(&inner, id);
        Ok(result)
    }

    /// Decrypts record `id` and lends the whole bundle to `use_it`; every secret buffer is
    /// wiped when `use_it` returns.
    pub fn with_bundle<R>(
        &self,
        id: &RecordId,
        use_it: impl FnOnce(&EnrollmentBundle) -> R,
    ) -> Result<R, VaultError> {
        let bundle = self.load(&self.lock(), id)?;
        Ok(use_it(&bundle))
    }

    /// Decrypts record `id` and lends its iris to `use_it`; wiped when it returns.
    pub fn with_iris<R>(
        &self,
        id: &RecordId,
        use_it: impl FnOnce(&IrisSample) -> R,
    ) -> Result<R, VaultError> {
        self.with_bundle(id, |bundle| use_it(&bundle.iris))
    }

    /// Decrypts record `id` and lends its face image to `use_it`; wiped when it returns.
    pub fn with_face<R>(
        &self,
        id: &RecordId,
        use_it: impl FnOnce(&FaceImage) -> R,
    ) -> Result<R, VaultError> {
        self.with_bundle(id, |bundle| use_it(&bundle.face))
    }

    /// The non-secret part of record `id` (the secret parts are decrypted and wiped at once).
    pub fn public_record(&self, id: &RecordId) -> Result<PublicRecord, VaultError> {
        self.with_bundle(id, EnrollmentBundle::public_part)
    }

    /// Deletes every version of record `id`, oldest first, so that an interrupted removal
    /// leaves the newest version, never an older one resurrected.
    pub fn remove(&self, id: &RecordId) -> Result<(), VaultError> {
        let mut inner = self.lock();
        if !inner.records.contains_key(id) {
            return Err(VaultError::NotFound { id: id.to_string() });
        }
        let mut generations = self.generations_of(id)?;
        generations.sort_unstable();
        for generation in generations {
            remove_if_present(self.fs.as_ref(), &record_file(id, generation))?;
        }
        self.fs.sync_dir().map_err(VaultError::io("sync", "."))?;
        inner.records.remove(id);
        Ok(())
    }

    /// Re-encrypts every record under a new key and deletes the old key; returns the new
    /// key's id. Resumes an interrupted rotation (reusing its new key) if there is one.
    ///
    /// No step leaves a record unreadable: (1) the new key is created in the key store;
    /// (2) each record gets a new version under it, beside the old version; (3) the state
    /// file is switched to the new key (durably); (4) the old versions are deleted; (5) the
    /// old key is deleted. Until (5), both keys exist; every file names its key.
    pub fn rotate_key(&self) -> Result<KeyId, VaultError> {
        let mut inner = self.lock();
        self.retire_unused_key(&mut inner)?;
        let old = inner.state.active_key;
        // A record under a key newer than the active one can only come from an interrupted
        // rotation: finish that one instead of starting another.
        let interrupted = inner
            .records
            .values()
            .filter_map(|e| e.key_id)
            .filter(|k| *k > old)
            .max();
        let target = match interrupted {
            Some(key) => key,
            None => KeyId(
                old.0
                    .checked_add(1)
                    .ok_or(VaultError::Key(KeyError::Backend(
                        "key ids exhausted".into(),
                    )))?,
            ),
        };
        let new_key = match self.keys.key(target) {
            Ok(key) => key,
            Err(KeyError::NotFound(_)) => self.keys.create_key(target)?,
            Err(e) => return Err(e.into()),
        };

        let to_rewrite: Vec<RecordId> = inner
            .records
            .iter()
            .filter(|(_, e)| e.key_id != Some(target))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &to_rewrite {
            let bundle = self.load(&inner, id)?;
            self.write_version(&mut inner, id, &bundle, target, &new_key)?;
        }

        let switched = VaultState {
            active_key: target,
            retiring_key: Some(old),
        };
        write_atomically(self.fs.as_ref(), STATE_FILE, &switched.encode())
            .map_err(VaultError::io("write", STATE_FILE))?;
        inner.state = switched;

        for id in inner.records.keys() {
            let newest = inner.records.get(id).map_or(0, |e| e.generation);
            let generations = self.generations_of(id)?;
            self.remove_older(id, &generations, newest)?;
        }
        self.retire_unused_key(&mut inner)?;
        Ok(target)
    }

    /// Seals `bundle` as the next version of `id` and makes it durable (older versions stay).
    fn write_version(
        &self,
        inner: &mut Inner,
        id: &RecordId,
        bundle: &EnrollmentBundle,
        key_id: KeyId,
        key: &VaultKey,
    ) -> Result<(), VaultError> {
        let generation = inner.records.get(id).map_or(1, |e| e.generation + 1);
        let plaintext = codec::encode(bundle);
        let file = envelope::seal(id, generation, key_id, key, plaintext.as_slice())?;
        drop(plaintext);
        let name = record_file(id, generation);
        write_atomically(self.fs.as_ref(), &name, &file).map_err(VaultError::io("write", &name))?;
        inner.records.insert(
            id.clone(),
            Entry {
                generation,
                key_id: Some(key_id),
            },
        );
        Ok(())
    }

    /// After a successful write, deletes the versions it superseded. A failure here is not
    /// the caller's: the new version is already durable, and the next open or write of this
    /// record deletes what is left.
    fn cleanup_after_write(&self, inner: &Inner, id: &RecordId) {
        let Some(newest) = inner.records.get(id).map(|e| e.generation) else {
            return;
        };
        if let Ok(generations) = self.generations_of(id) {
            let _ = self.remove_older(id, &generations, newest);
        }
    }

    /// The generations of `id` present on disk.
    fn generations_of(&self, id: &RecordId) -> Result<Vec<u64>, VaultError> {
        let names = self.fs.list().map_err(VaultError::io("list", "."))?;
        Ok(names
            .iter()
            .filter_map(|n| parse_record_file(n))
            .filter(|(file_id, _)| file_id == id)
            .map(|(_, generation)| generation)
            .collect())
    }

    /// Deletes the versions of `id` older than `newest`.
    fn remove_older(
        &self,
        id: &RecordId,
        generations: &[u64],
        newest: u64,
    ) -> Result<(), VaultError> {
        let older: Vec<u64> = generations
            .iter()
            .copied()
            .filter(|g| *g < newest)
            .collect();
        if older.is_empty() {
            return Ok(());
        }
        // Make the newest version's directory entry durable before removing the old one,
        // in case this runs after a restart that never synced it.
        self.fs.sync_dir().map_err(VaultError::io("sync", "."))?;
        for generation in older {
            remove_if_present(self.fs.as_ref(), &record_file(id, generation))?;
        }
        self.fs.sync_dir().map_err(VaultError::io("sync", "."))
    }

    /// Deletes the key a finished rotation left behind, once no record uses it.
    fn retire_unused_key(&self, inner: &mut Inner) -> Result<(), VaultError> {
        let Some(retiring) = inner.state.retiring_key else {
            return Ok(());
        };
        // A record whose header is unreadable might use the key: keep it then.
        let maybe_used = inner
            .records
            .values()
            .any(|e| e.key_id.is_none_or(|k| k == retiring));
        if maybe_used || retiring == inner.state.active_key {
            return Ok(());
        }
        self.keys.delete_key(retiring)?;
        let cleared = VaultState {
            active_key: inner.state.active_key,
            retiring_key: None,
        };
        write_atomically(self.fs.as_ref(), STATE_FILE, &cleared.encode())
            .map_err(VaultError::io("write", STATE_FILE))?;
        inner.state = cleared;
        Ok(())
    }

    /// Reads, authenticates and decodes the current version of `id`.
    fn load(&self, inner: &Inner, id: &RecordId) -> Result<EnrollmentBundle, VaultError> {
        let entry = inner
            .records
            .get(id)
            .ok_or_else(|| VaultError::NotFound { id: id.to_string() })?;
        let name = record_file(id, entry.generation);
        let file = self.fs.read(&name).map_err(VaultError::io("read", &name))?;
        let parsed = envelope::parse(&file, id, entry.generation)?;
        let plaintext = envelope::open(&parsed, id, self.keys.as_ref())?;
        codec::decode(plaintext.as_slice()).map_err(|source| VaultError::Malformed {
            id: id.to_string(),
            source,
        })
    }
}

fn read_header(
    fs: &dyn VaultFs,
    id: &RecordId,
    generation: u64,
) -> Result<envelope::Header, VaultError> {
    let name = record_file(id, generation);
    let file = fs.read(&name).map_err(VaultError::io("read", &name))?;
    Ok(envelope::parse(&file, id, generation)?.header)
}

fn remove_if_present(fs: &dyn VaultFs, name: &str) -> Result<(), VaultError> {
    match fs.remove(name) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(VaultError::io("remove", name)(e)),
        _ => Ok(()),
    }
}
