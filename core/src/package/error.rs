//! The package module's typed errors.

use std::io;

use alloy_primitives::Address;

use super::manifest::ModelKind;

/// Why a fetcher could not deliver bytes (what a host's networking reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The connection failed or dropped; trying again may work.
    #[error("network error: {0}")]
    Network(String),
    /// The server answered with this HTTP status.
    #[error("server answered HTTP {0}")]
    Status(u16),
    /// The resource does not exist (a local package directory without the file; an HTTP
    /// server answers [`FetchError::Status`] 404 instead).
    #[error("{0} not found")]
    NotFound(String),
    /// The server ignored a request for bytes from a non-zero offset, so a download cannot
    /// resume there.
    #[error(
        "the server must support HTTP range requests (it answered a request for bytes from a \
         non-zero offset with the whole file)"
    )]
    RangeNotSupported,
    /// The request cannot work as made (bad URL, a reply that breaks the fetch contract).
    #[error("invalid request or reply: {0}")]
    Invalid(String),
}

impl FetchError {
    /// Whether the same request may succeed later (a dropped connection, a server error).
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Network(_) => true,
            FetchError::Status(status) => *status >= 500 || *status == 408 || *status == 429,
            FetchError::NotFound(_) | FetchError::RangeNotSupported | FetchError::Invalid(_) => {
                false
            }
        }
    }
}

/// Why a model package was refused or could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// `manifest.json` is not valid JSON of the manifest's shape.
    #[error("manifest is not valid: {0}")]
    ManifestJson(#[from] serde_json::Error),
    /// `manifest.json` is larger than any real manifest.
    #[error("manifest is {len} bytes, more than the {max} allowed")]
    ManifestTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The manifest's `format` is not one this code reads.
    #[error("manifest format {0} is not supported")]
    UnsupportedFormat(u32),
    /// The manifest breaks a structural rule (roles, names, sizes).
    #[error("manifest is invalid: {0}")]
    InvalidManifest(String),
    /// The manifest carries no publisher signature.
    #[error("manifest is not signed")]
    Unsigned,
    /// The signature is malformed or does not recover a public key.
    #[error("manifest signature is invalid")]
    BadSignature,
    /// The manifest was signed by a key the caller does not trust.
    #[error("manifest is signed by {publisher}, not a trusted publisher")]
    UntrustedPublisher {
        /// The address that signed it.
        publisher: Address,
    },
    /// The package is for another kind of model than the registry pin.
    #[error("package is a {found:?} model, the registry pins a {expected:?} model")]
    KindMismatch {
        /// The pin's kind.
        expected: ModelKind,
        /// The manifest's kind.
        found: ModelKind,
    },
    /// The package is another version than the registry pin.
    #[error("package is version {found}, the registry pins version {expected}")]
    VersionMismatch {
        /// The pin's version.
        expected: u32,
        /// The manifest's version.
        found: u32,
    },
    /// The model's keccak256 (claimed by the manifest, or computed from the model file)
    /// differs from the registry pin.
    #[error(
        "model hash 0x{} differs from the registry's 0x{}",
        hex::encode(found),
        hex::encode(expected)
    )]
    ModelHashMismatch {
        /// The registry's hash.
        expected: [u8; 32],
        /// The manifest's or the file's hash.
        found: [u8; 32],
    },
    /// An artifact's bytes do not have the manifest's SHA3-256 digest.
    #[error(
        "artifact `{artifact}` has SHA3-256 {}, the manifest says {}",
        hex::encode(found),
        hex::encode(expected)
    )]
    DigestMismatch {
        /// The artifact's name.
        artifact: String,
        /// The manifest's digest.
        expected: [u8; 32],
        /// The digest of the bytes.
        found: [u8; 32],
    },
    /// An artifact's bytes do not have the manifest's size.
    #[error("artifact `{artifact}` is {found} bytes, the manifest says {expected}")]
    SizeMismatch {
        /// The artifact's name.
        artifact: String,
        /// The manifest's size.
        expected: u64,
        /// The actual size.
        found: u64,
    },
    /// Downloading an artifact failed (after retries, for retryable errors).
    #[error("downloading `{artifact}` failed: {source}")]
    Fetch {
        /// The artifact's name.
        artifact: String,
        /// The fetcher's error.
        source: FetchError,
    },
    /// A check before the proving key's download refused the package (the model or the key's
    /// header does not fit: another kind, image shape or circuit).
    #[error("artifact `{artifact}` refused before the proving key downloads: {why}")]
    Rejected {
        /// The file the check refused.
        artifact: String,
        /// Why.
        why: String,
    },
    /// The proving key's compressed transport form did not expand into the pinned key.
    #[error("expanding `{artifact}` failed: {source}")]
    Transport {
        /// The transport file's name.
        artifact: String,
        /// What failed.
        #[source]
        source: crate::groth16::key_transport::TransportError,
    },
    /// The observer asked to stop; the partial download is kept for a later resume.
    #[error("download cancelled")]
    Cancelled,
    /// The package does not fit in the cache even when everything else is evicted.
    #[error("package needs {needed} bytes, the cache holds at most {limit}")]
    CacheTooSmall {
        /// The package's total size.
        needed: u64,
        /// The cache's limit.
        limit: u64,
    },
    /// A file operation failed.
    #[error("{op} `{path}` failed: {source}")]
    Io {
        /// The operation.
        op: &'static str,
        /// The path.
        path: String,
        /// The OS error.
        source: io::Error,
    },
}

impl PackageError {
    pub(crate) fn io<'a>(
        op: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(io::Error) -> Self + 'a {
        move |source| Self::Io {
            op,
            path: path.display().to_string(),
            source,
        }
    }
}
