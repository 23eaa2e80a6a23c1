//! The encrypted biometric vault: the enrollment bundles a phone keeps, sealed with
//! XChaCha20-Poly1305 under a key from the host's key store.
//!
//! - [`Vault`] stores [`EnrollmentBundle`]s as records; reads lend the decrypted bundle to a
//!   closure ([`Vault::with_iris`], [`Vault::with_bundle`], …) and wipe it when it returns.
//! - [`KeyProvider`] is the host's key store (Keychain / Android Keystore); the
//!   [`InMemoryKeyProvider`] and [`FileKeyProvider`] are for desktop tools and tests only.
//! - Writes are atomic and crash-safe; updates and key rotations keep the previous version
//!   readable until the new one is durable (see [`store`] for the protocol and
//!   [`envelope`] for the file format).
//!
//! Secrets are held in wiping containers ([`SecretVec`], [`Salt`], [`VaultKey`]). The
//! guarantee covers heap buffers; copies the compiler makes on the stack, and what the OS
//! keeps of deleted files on flash storage, are beyond what a library can wipe.

pub mod bundle;
pub mod codec;
pub mod envelope;
pub mod error;
pub mod keys;
pub mod record_id;
pub mod secret;
pub(crate) mod state;
mod storage;
pub mod store;

#[cfg(test)]
mod tests;

pub use bundle::{
    Address, BundleError, CodeOpening, EmbeddingOpening, EnrollmentBundle, FaceImage,
    FaceModelState, FieldBytes, IrisModelState, IrisSample, PublicRecord, Signature65,
};
pub use error::VaultError;
pub use keys::{FileKeyProvider, InMemoryKeyProvider, KeyError, KeyId, KeyProvider, VaultKey};
pub use record_id::RecordId;
pub use secret::{Salt, SecretValue, SecretVec};
pub use store::{RecordInfo, Vault};
