//! Vault keys and the host service that keeps them.
//!
//! On a phone the key lives in the platform's key store (iOS Keychain, Android Keystore),
//! reached through the foreign trait [`KeyProvider`]. The two providers here are for desktop
//! tools and tests only.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::PathBuf;
use std::sync::Mutex;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::storage::{write_atomically, OsFs, VaultFs};

/// Identifies one vault key. Every record file names the key that sealed it, so records
/// under an old and a new key can coexist while a rotation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key#{}", self.0)
    }
}

/// A 256-bit vault key, wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VaultKey([u8; VaultKey::LEN]);

impl VaultKey {
    /// Key length in bytes.
    pub const LEN: usize = 32;

    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut key = Self([0; Self::LEN]);
        getrandom::fill(&mut key.0).map_err(|e| KeyError::Backend(format!("random: {e}")))?;
        Ok(key)
    }

    /// Copies a key out of `bytes` (e.g. what a host key store returned); the caller
    /// still owns, and should wipe, `bytes`.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        let mut key = Self([0; Self::LEN]);
        if bytes.len() != Self::LEN {
            return Err(KeyError::Malformed { len: bytes.len() });
        }
        key.0.copy_from_slice(bytes);
        Ok(key)
    }

    /// The key bytes, for the cipher.
    pub(crate) fn expose(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// Why a [`KeyProvider`] could not hand out a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The store holds no key with this id.
    #[error("no vault key {0}")]
    NotFound(KeyId),
    /// The store is there but will not answer now (device locked, user authentication
    /// needed); trying again later may work.
    #[error("the key store is unavailable: {0}")]
    Unavailable(String),
    /// The store returned something that is not a 32-byte key.
    #[error("the key store returned a {len}-byte key, expected 32")]
    Malformed {
        /// The length it returned.
        len: usize,
    },
    /// Any other failure of the store.
    #[error("the key store failed: {0}")]
    Backend(String),
}

/// The host's key store, as the vault needs it (a foreign trait on phones).
///
/// Contract: keys are 32 random bytes; once `create_key` or `key` returned a key for an
/// id, every later `key(id)` returns the same bytes until `delete_key(id)`, including
/// after the app or device restarts. The vault only deletes a key after no record uses it.
pub trait KeyProvider: Send + Sync {
    /// The key stored under `id`, or [`KeyError::NotFound`].
    fn key(&self, id: KeyId) -> Result<VaultKey, KeyError>;

    /// The key stored under `id`, first generating and durably storing a random one if
    /// there is none. It must never replace an existing key: records may use it.
    fn create_key(&self, id: KeyId) -> Result<VaultKey, KeyError>;

    /// Forgets the key under `id`; succeeds if there is none.
    fn delete_key(&self, id: KeyId) -> Result<(), KeyError>;
}

/// Keys held in process memory. **For tests and desktop tools only — not for phones**:
/// the keys are gone when the process exits, and so is access to every record.
#[derive(Default)]
pub struct InMemoryKeyProvider {
    keys: Mutex<BTreeMap<KeyId, VaultKey>>,
}

impl InMemoryKeyProvider {
    /// An empty provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `key` under `id`, replacing any key there (tests use this to simulate a
    /// key store that returns the wrong key).
    pub fn set_key(&self, id: KeyId, key: VaultKey) {
        self.lock().insert(id, key);
    }

    /// The ids of the keys held, in ascending order.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.lock().keys().copied().collect()
    }

    /// A provider holding copies of the same keys (tests use it to fork a key store's state).
    pub fn snapshot(&self) -> Self {
        Self {
            keys: Mutex::new(self.lock().clone()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<KeyId, VaultKey>> {
        // A panic while holding this lock cannot leave the map half-updated (every critical
        // section is one map call), so a poisoned lock is still safe to use.
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl KeyProvider for InMemoryKeyProvider {
    fn key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        self.lock().get(&id).cloned().ok_or(KeyError::NotFound(id))
    }

    fn create_key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        let mut keys = self.lock();
        if let Some(key) = keys.get(&id) {
            return Ok(key.clone());
        }
        let key = VaultKey::generate()?;
        keys.insert(id, key.clone());
        Ok(key)
    }

    fn delete_key(&self, id: KeyId) -> Result<(), KeyError> {
        self.lock().remove(&id);
        Ok(())
    }
}

/// Keys in plain files (`key-<id>.bin`, mode 0600 on Unix) in a directory. **For desktop
/// tools and tests only — not for phones**: anyone who can read the directory can read
/// every record, so it protects nothing against a thief of the disk; on a phone use the
/// platform key store through [`KeyProvider`].
pub struct FileKeyProvider {
    fs: OsFs,
    // Serializes get-or-create so two threads never generate two different keys for one id.
    create: Mutex<()>,
}

impl FileKeyProvider {
    /// Keeps keys in `dir`. The directory is created when the first key is, so opening a
    /// provider for a tool that only reads leaves no trace on disk.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, KeyError> {
        Ok(Self {
            fs: OsFs::new(dir.into()),
            create: Mutex::new(()),
        })
    }

    fn file_name(id: KeyId) -> String {
        format!("key-{}.bin", id.0)
    }
}

impl KeyProvider for FileKeyProvider {
    fn key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        match self.fs.read(&Self::file_name(id)) {
            Ok(bytes) => VaultKey::from_slice(&Zeroizing::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KeyError::NotFound(id)),
            Err(e) => Err(KeyError::Backend(e.to_string())),
        }
    }

    fn create_key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        let _guard = self
            .create
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match self.key(id) {
            Err(KeyError::NotFound(_)) => {}
            existing => return existing,
        }
        let key = VaultKey::generate()?;
        fs::create_dir_all(self.fs.dir())
            .map_err(|e| KeyError::Backend(format!("{}: {e}", self.fs.dir().display())))?;
        write_atomically(&self.fs, &Self::file_name(id), key.expose())
            .map_err(|e| KeyError::Backend(e.to_string()))?;
        Ok(key)
    }

    fn delete_key(&self, id: KeyId) -> Result<(), KeyError> {
        match self.fs.remove(&Self::file_name(id)) {
            Ok(()) => self
                .fs
                .sync_dir()
                .map_err(|e| KeyError::Backend(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(KeyError::Backend(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_provider_creates_its_directory_with_the_first_key_only() {
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("keys");
        let provider = FileKeyProvider::open(&dir).expect("open");
        assert_eq!(
            provider.key(KeyId(1)).unwrap_err(),
            KeyError::NotFound(KeyId(1))
        );
        assert!(
            !dir.exists(),
            "opening or reading created the key directory"
        );
        let created = provider.create_key(KeyId(1)).expect("create");
        assert!(dir.join("key-1.bin").is_file());
        assert_eq!(
            provider.key(KeyId(1)).expect("key").expose(),
            created.expose()
        );
    }

    #[test]
    fn file_provider_keeps_keys_across_instances_and_never_replaces_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = FileKeyProvider::open(dir.path()).expect("open");
        let created = first.create_key(KeyId(7)).expect("create");
        let again = first.create_key(KeyId(7)).expect("create again");
        assert_eq!(
            created.expose(),
            again.expose(),
            "create_key replaced an existing key"
        );

        let second = FileKeyProvider::open(dir.path()).expect("reopen");
        assert_eq!(
            second.key(KeyId(7)).expect("key").expose(),
            created.expose()
        );
        assert_eq!(
            second.key(KeyId(8)).unwrap_err(),
            KeyError::NotFound(KeyId(8))
        );

        second.delete_key(KeyId(7)).expect("delete");
        second.delete_key(KeyId(7)).expect("deleting twice is fine");
        assert_eq!(
            first.key(KeyId(7)).unwrap_err(),
            KeyError::NotFound(KeyId(7))
        );
    }

    #[test]
    fn a_short_key_from_the_store_is_refused() {
        assert_eq!(
            VaultKey::from_slice(&[1; 31]).unwrap_err(),
            KeyError::Malformed { len: 31 }
        );
    }

    #[test]
    fn generated_keys_differ() {
        let a = VaultKey::generate().expect("random");
        let b = VaultKey::generate().expect("random");
        assert_ne!(a.expose(), b.expose());
    }
}
