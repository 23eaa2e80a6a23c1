//! The encrypted vault on the phone: [`ZkbioVault`] over `zkbio_core::vault::Vault`, with its key
//! in the host's key store ([`VaultKeyStore`], implemented by the app over the iOS Keychain or the
//! Android Keystore).

use crate::error::{guard, ZkbioError};
use crate::values::{self, Address, FieldElement};
use std::sync::Arc;
use zeroize::Zeroizing;
use zkbio_core::flows;
use zkbio_core::vault::{FieldBytes, KeyError, KeyId, KeyProvider, RecordId, Vault, VaultKey};

/// A stored commitment (canonical by construction) as a field element.
fn field_element(c: FieldBytes) -> Arc<FieldElement> {
    use ark_ff::PrimeField;
    FieldElement::new(ark_bn254::Fr::from_be_bytes_mod_order(&c.to_be_bytes()))
}

/// Why a [`VaultKeyStore`] call failed (Kotlin: `KeyStoreException`, thrown by the app's
/// implementation; Swift: `KeyStoreError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// The store will not answer now (device locked, user authentication needed); the call may
    /// work later.
    #[error("the key store is unavailable: {why}")]
    Unavailable {
        /// The store's reason.
        why: String,
    },
    /// Any other failure.
    #[error("the key store failed: {why}")]
    Failed {
        /// The store's reason.
        why: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyStoreError::Failed {
            why: crate::error::unexpected_reason(e),
        }
    }
}

/// The host's secure key storage for the vault's keys (Kotlin interface, Swift protocol):
/// the iOS Keychain, or the Android Keystore (e.g. the key bytes wrapped by a Keystore key).
///
/// Contract: a key is 32 random bytes; once `create_key` or `get_key` returned a key for an
/// id, every later `get_key(id)` returns the same bytes until `delete_key(id)`, including after
/// the app or the device restarts. Called on the thread of the vault call.
#[uniffi::export(foreign)]
pub trait VaultKeyStore: Send + Sync {
    /// The key stored under `key_id`, or `null`/`nil` if there is none.
    fn get_key(&self, key_id: i64) -> Result<Option<Vec<u8>>, KeyStoreError>;

    /// The key under `key_id`; if there is none, first generate 32 random bytes (a CSPRNG:
    /// `SecureRandom`, `SecRandomCopyBytes`) and store them durably. Never replace an existing
    /// key: records are sealed with it.
    fn create_key(&self, key_id: i64) -> Result<Vec<u8>, KeyStoreError>;

    /// Forget the key under `key_id` (the vault calls it after a key rotation, once no record
    /// uses it). Succeed if there is none.
    fn delete_key(&self, key_id: i64) -> Result<(), KeyStoreError>;
}

/// The app's key store as the core's [`KeyProvider`].
struct HostKeys(Arc<dyn VaultKeyStore>);

fn key_error(e: KeyStoreError) -> KeyError {
    match e {
        KeyStoreError::Unavailable { why } => KeyError::Unavailable(why),
        KeyStoreError::Failed { why } => KeyError::Backend(why),
    }
}

/// The key out of the bytes the host returned; the host's copy on the Rust side is wiped.
fn vault_key(bytes: Vec<u8>) -> Result<VaultKey, KeyError> {
    VaultKey::from_slice(&Zeroizing::new(bytes))
}

impl KeyProvider for HostKeys {
    fn key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        match self.0.get_key(i64::from(id.0)).map_err(key_error)? {
            Some(bytes) => vault_key(bytes),
            None => Err(KeyError::NotFound(id)),
        }
    }

    fn create_key(&self, id: KeyId) -> Result<VaultKey, KeyError> {
        vault_key(self.0.create_key(i64::from(id.0)).map_err(key_error)?)
    }

    fn delete_key(&self, id: KeyId) -> Result<(), KeyError> {
        self.0.delete_key(i64::from(id.0)).map_err(key_error)
    }
}

/// A record id: 1 to 64 of `[A-Za-z0-9_-]`.
pub(crate) fn record_id(id: &str) -> Result<RecordId, ZkbioError> {
    RecordId::new(id).map_err(ZkbioError::from)
}

/// What [`ZkbioVault::import_enrollment`] stored (all public values).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ImportedEnrollment {
    /// The enrolled subject's address: the wallet that must send `enroll`.
    pub subject: Arc<Address>,
    /// `C_img`.
    pub c_img: Arc<FieldElement>,
    /// `C_face`.
    pub c_face: Arc<FieldElement>,
    /// The scanner that signed the enrollment.
    pub scanner: Arc<Address>,
    /// The chain of the registry the scanner signed for.
    pub chain_id: i64,
    /// The registry the scanner signed for: put it in the `ProofTarget` of the `prove_*` calls.
    pub registry: Arc<Address>,
}

/// A registered model state: which model version made a commitment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ModelCommitment {
    /// The model version.
    pub version: i64,
    /// The commitment (`C_code` or `C_emb`).
    pub commitment: Arc<FieldElement>,
}

/// The non-secret part of a vault record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct EnrollmentRecord {
    /// The enrolled subject's address.
    pub subject: Arc<Address>,
    /// `C_img`.
    pub c_img: Arc<FieldElement>,
    /// `C_face`.
    pub c_face: Arc<FieldElement>,
    /// The scanner's EIP-712 signature (65 bytes `r || s || v`).
    pub scanner_signature: Vec<u8>,
    /// The confirmed iris model state (`C_code`), once an iris code was registered.
    pub iris_model: Option<ModelCommitment>,
    /// The face model state (`C_emb`), once an embedding was registered.
    pub face_model: Option<ModelCommitment>,
}

impl From<zkbio_core::vault::PublicRecord> for EnrollmentRecord {
    fn from(r: zkbio_core::vault::PublicRecord) -> Self {
        let state = |(version, c): (u32, FieldBytes)| ModelCommitment {
            version: i64::from(version),
            commitment: field_element(c),
        };
        EnrollmentRecord {
            subject: Address::new(r.subject),
            c_img: field_element(r.c_img),
            c_face: field_element(r.c_face),
            scanner_signature: r.scanner_sig.0.to_vec(),
            iris_model: r.iris_model.map(state),
            face_model: r.face_model.map(state),
        }
    }
}

/// The encrypted store of enrollments on the phone (XChaCha20-Poly1305, key in the host's key
/// store). Open one per directory for the app's lifetime and share it: it is thread-safe. Only
/// one process may open a directory.
#[derive(uniffi::Object)]
pub struct ZkbioVault {
    pub(crate) vault: Vault,
    dir: String,
}

impl std::fmt::Debug for ZkbioVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZkbioVault({})", self.dir)
    }
}

#[uniffi::export]
impl ZkbioVault {
    /// Opens (creating if needed) the vault in directory `dir`, with its keys in `key_store`
    /// (asks it to create the first key of a new vault), and finishes the cleanup of any write
    /// a crash interrupted. Use a directory excluded from cloud backups: the records are
    /// useless without the key store's key. Fails with `Io`, `KeyStore` or `Tampered`.
    #[uniffi::constructor]
    pub fn open(dir: String, key_store: Arc<dyn VaultKeyStore>) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let vault = Vault::open(&dir, Arc::new(HostKeys(key_store)))?;
            Ok(Arc::new(ZkbioVault { vault, dir }))
        })
    }

    /// Checks the scanner's enrollment transfer and stores it as the new record `record_id`:
    /// both commitments are recomputed from the images and salts, and the scanner's EIP-712
    /// signature must recover to one of `trusted_scanners` (20-byte addresses, e.g. read from
    /// the registry's `isScanner`). Nothing unchecked is stored, and an existing record is
    /// never overwritten. `transfer` is wiped on the Rust side once read.
    ///
    /// Fails with `InvalidTransfer` (does not decode, malformed signature),
    /// `CommitmentMismatch` (images, salts or commitments changed), `UntrustedScanner`,
    /// `RecordExists`, `InvalidInput` (record id, addresses), or a vault error.
    pub fn import_enrollment(
        &self,
        record_id: String,
        transfer: Vec<u8>,
        trusted_scanners: Vec<Arc<Address>>,
    ) -> Result<ImportedEnrollment, ZkbioError> {
        let transfer = Zeroizing::new(transfer);
        guard(|| {
            let id = self::record_id(&record_id)?;
            let trusted = values::addresses(&trusted_scanners);
            let imported = flows::import_enrollment(&self.vault, &id, &transfer, &trusted)?;
            Ok(ImportedEnrollment {
                subject: Address::new(imported.record.subject),
                c_img: field_element(imported.record.c_img),
                c_face: field_element(imported.record.c_face),
                scanner: Address::new(imported.scanner),
                chain_id: i64::try_from(imported.target.chain_id)
                    .map_err(|_| ZkbioError::invalid("transfer", "chain id above 2^63"))?,
                registry: Address::new(imported.target.registry),
            })
        })
    }

    /// The non-secret part of record `record_id` (the record is decrypted and its secrets
    /// wiped at once). Fails with `RecordNotFound`, `WrongKey`, `Tampered`, `KeyStore`.
    pub fn public_record(&self, record_id: String) -> Result<EnrollmentRecord, ZkbioError> {
        guard(|| {
            let id = self::record_id(&record_id)?;
            Ok(self.vault.public_record(&id)?.into())
        })
    }

    /// The ids of all records, in ascending order (nothing is decrypted).
    pub fn records(&self) -> Vec<String> {
        self.vault
            .records()
            .into_iter()
            .map(|r| r.id.as_str().to_owned())
            .collect()
    }

    /// Deletes every version of record `record_id`. Fails with `RecordNotFound` or `Io`.
    pub fn remove(&self, record_id: String) -> Result<(), ZkbioError> {
        guard(|| Ok(self.vault.remove(&self::record_id(&record_id)?)?))
    }

    /// Re-encrypts every record under a new key from the key store and then deletes the old
    /// key; returns the new key's id. An interrupted rotation is resumed by calling it again;
    /// no step leaves a record unreadable.
    pub fn rotate_key(&self) -> Result<i64, ZkbioError> {
        guard(|| Ok(i64::from(self.vault.rotate_key()?.0)))
    }
}
