//! The one error type of the FFI, and the guard that keeps panics on the Rust side.

use std::panic::{catch_unwind, AssertUnwindSafe};
use zkbio_circuits::statements::image_opening::InputError;
use zkbio_circuits::SynthesisError;
use zkbio_core::flows::FlowError;
use zkbio_core::groth16::{KeyError, ProveError};
use zkbio_core::package::PackageError;
use zkbio_core::vault::{self, VaultError};

/// Why a call failed. Kotlin: `ZkbioException` (sealed, one subclass per variant);
/// Swift: `ZkbioError` (an enum conforming to `Error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ZkbioError {
    /// An argument is malformed or does not fit the statement (wrong image size, a field element
    /// that is not 32 bytes or not below the modulus, a proof point off the curve, ...).
    #[error("invalid {what}: {why}")]
    InvalidInput {
        /// Which argument, e.g. `image`, `salt`, `proof.a.x`, `public_inputs`.
        what: String,
        /// What is wrong with it.
        why: String,
    },
    /// A file was read but is not what it must be (bad header, truncated, made for another
    /// circuit). Fetch it again; do not retry with the same file.
    #[error("corrupted artifact {path}: {why}")]
    CorruptedArtifact {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// The proof does not verify for these public inputs under this verifying key.
    #[error("the proof does not verify")]
    VerificationFailed,
    /// The operation was cancelled (`CancellationToken.cancel()`, or the caller dropped
    /// the async call).
    #[error("cancelled")]
    Cancelled,
    /// A file could not be opened or read.
    #[error("I/O error on {path}: {why}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        why: String,
    },
    /// A bug in zkbio (e.g. a caught panic); report it.
    #[error("internal error: {why}")]
    Internal {
        /// What happened.
        why: String,
    },
    /// The vault holds no record with this id.
    #[error("no vault record `{id}`")]
    RecordNotFound {
        /// The record id.
        id: String,
    },
    /// A record with this id already exists; importing never overwrites one.
    #[error("vault record `{id}` already exists")]
    RecordExists {
        /// The record id.
        id: String,
    },
    /// The key store returned a key that is not the one that sealed this record: the host's
    /// key store lost or replaced the vault key (e.g. after a backup restore to another device).
    #[error("vault record `{id}`: the key store's key is not the key that sealed it")]
    WrongKey {
        /// The record id.
        id: String,
    },
    /// A vault file failed authentication or its structure is damaged (altered on disk,
    /// truncated, swapped with another record's file). Nothing of it is used.
    #[error("{what} is altered or damaged: {why}")]
    Tampered {
        /// What was refused, e.g. `record me`, `vault state`.
        what: String,
        /// Why.
        why: String,
    },
    /// The host's [`crate::VaultKeyStore`] failed (or has no key for records that need one).
    #[error("key store: {why}")]
    KeyStore {
        /// What it reported.
        why: String,
        /// Whether trying again later may work (device locked, user authentication needed).
        retryable: bool,
    },
    /// An enrollment transfer does not decode, or its scanner signature is malformed.
    #[error("invalid enrollment transfer: {why}")]
    InvalidTransfer {
        /// What is wrong with it.
        why: String,
    },
    /// A commitment does not open with the data that came with it (`C_img` or `C_face` of a
    /// transfer whose images or salts were changed; `C_code` of a proof's opening).
    #[error("{what} does not match the committed data")]
    CommitmentMismatch {
        /// Which commitment: `C_img`, `C_face` or `C_code`.
        what: String,
    },
    /// The enrollment was signed by an address that is not one of the trusted scanners.
    #[error(
        "the enrollment was signed by {}, which is not a trusted scanner",
        hex0x(scanner)
    )]
    UntrustedScanner {
        /// The recovered signer, 20 bytes.
        scanner: Vec<u8>,
    },
    /// The package manifest was signed by an address that is not a trusted publisher.
    #[error(
        "the package is signed by {}, not a trusted publisher",
        hex0x(publisher)
    )]
    UntrustedPublisher {
        /// The signer, 20 bytes.
        publisher: Vec<u8>,
    },
    /// The model's keccak256 (the manifest's claim, checked before any download, or the
    /// downloaded file's) differs from the registry's pin.
    #[error(
        "model hash {} differs from the registry's {}",
        hex0x(found),
        hex0x(expected)
    )]
    ModelHashMismatch {
        /// The pinned hash, 32 bytes.
        expected: Vec<u8>,
        /// The manifest's or file's hash, 32 bytes.
        found: Vec<u8>,
    },
    /// The model package was refused: the manifest is malformed or unsigned, or names another
    /// model kind or version than the pin.
    #[error("model package refused: {why}")]
    PackageRejected {
        /// Why.
        why: String,
    },
    /// Downloading a package file failed (after the retries, for retryable failures). The
    /// partial file is kept: fetching again resumes it.
    #[error("downloading `{artifact}` failed: {why}")]
    DownloadFailed {
        /// The file.
        artifact: String,
        /// The [`crate::Fetcher`]'s error.
        why: String,
        /// Whether trying again later may work (network errors, HTTP 5xx, 408, 429).
        retryable: bool,
    },
    /// The registry only accepts `enroll`/`reenroll` from the enrolled subject's own wallet.
    #[error(
        "wallet {} is not the enrolled subject {}",
        hex0x(wallet),
        hex0x(subject)
    )]
    WalletNotSubject {
        /// The wallet asked for, 20 bytes.
        wallet: Vec<u8>,
        /// The record's subject, 20 bytes.
        subject: Vec<u8>,
    },
    /// Enrollment was asked for a record that already has a registered iris code.
    #[error("already enrolled with iris model version {version}; use re-enrollment")]
    AlreadyEnrolled {
        /// The registered model version.
        version: i64,
    },
    /// A registry read failed: the host's transport, the node (a JSON-RPC error, a revert) or
    /// the answer's decoding.
    #[error("registry: {why}")]
    Registry {
        /// What failed.
        why: String,
        /// Whether trying again may work (the transport failed).
        retryable: bool,
    },
    /// Re-enrollment was asked for a record with no registered iris code.
    #[error("not enrolled yet; use enrollment")]
    NotEnrolled,
    /// A re-enrollment (or a confirmation) must move to a newer model version.
    #[error("model version {offered} is not newer than the registered version {current}")]
    NotNewer {
        /// The registered version.
        current: i64,
        /// The offered version.
        offered: i64,
    },
    /// The selfie does not match the registered face embedding at `tau`: refused before any
    /// proving (no proof of it can exist).
    #[error("the selfie does not match: similarity {} below tau {tau} (in 1/65536)", similarity.map_or("<= 0".to_string(), |s| s.to_string()))]
    FaceNoMatch {
        /// The cosine similarity as a 16-bit fraction (`similarity / 65536`); `null`/`nil`
        /// when the embeddings point apart (dot product `<= 0`).
        similarity: Option<i32>,
        /// The threshold asked for, a 16-bit fraction.
        tau: i32,
    },
    /// The record has no confirmed face embedding: register one first
    /// (`register_face_embedding`, then `confirm_face_embedding`).
    #[error("no face embedding is registered in this record; register one first")]
    NoFaceEmbedding,
    /// A face match must use the face model version the record's embedding was registered with.
    #[error("the record's face embedding is of face model version {registered}, the package is version {offered}")]
    FaceVersionMismatch {
        /// The record's face version.
        registered: i64,
        /// The package's version.
        offered: i64,
    },
}

/// What an exception the app did not declare (thrown by its implementation of a foreign trait)
/// says: the first line of what UniFFI passes on (Kotlin passes the whole stack trace).
pub(crate) fn unexpected_reason(e: uniffi::UnexpectedUniFFICallbackError) -> String {
    let first = e.reason.lines().next().unwrap_or_default().trim();
    format!("unexpected exception from the app: {first}")
}

/// `0x` and lowercase hex.
pub(crate) fn hex0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl ZkbioError {
    /// [`ZkbioError::InvalidInput`] from anything printable.
    pub(crate) fn invalid(what: impl Into<String>, why: impl ToString) -> Self {
        ZkbioError::InvalidInput {
            what: what.into(),
            why: why.to_string(),
        }
    }

    /// A key file's error: I/O problems are [`ZkbioError::Io`], the rest is corruption.
    pub(crate) fn key(path: &str, e: KeyError) -> Self {
        match e {
            KeyError::Io(io) => ZkbioError::Io {
                path: path.into(),
                why: io.to_string(),
            },
            other => ZkbioError::CorruptedArtifact {
                path: path.into(),
                why: other.to_string(),
            },
        }
    }
}

impl From<InputError> for ZkbioError {
    fn from(e: InputError) -> Self {
        match &e {
            InputError::WrongSize { what, .. } => ZkbioError::invalid(*what, &e),
            InputError::Geometry(_) => ZkbioError::invalid("geometry", &e),
        }
    }
}

impl From<SynthesisError> for ZkbioError {
    fn from(e: SynthesisError) -> Self {
        match e {
            SynthesisError::Cancelled => ZkbioError::Cancelled,
            SynthesisError::Geometry(g) => ZkbioError::invalid("geometry", g),
        }
    }
}

impl From<vault::KeyError> for ZkbioError {
    fn from(e: vault::KeyError) -> Self {
        ZkbioError::KeyStore {
            retryable: matches!(e, vault::KeyError::Unavailable(_)),
            why: e.to_string(),
        }
    }
}

impl From<VaultError> for ZkbioError {
    fn from(e: VaultError) -> Self {
        let why = e.to_string();
        match e {
            VaultError::NotFound { id } => ZkbioError::RecordNotFound { id },
            VaultError::WrongKey { id, .. } => ZkbioError::WrongKey { id },
            VaultError::Tampered { id }
            | VaultError::Misplaced { id, .. }
            | VaultError::Truncated { id, .. }
            | VaultError::NotARecord { id }
            | VaultError::UnknownFormatVersion { id, .. }
            | VaultError::Malformed { id, .. } => ZkbioError::Tampered {
                what: format!("vault record `{id}`"),
                why,
            },
            VaultError::CorruptState(_) => ZkbioError::Tampered {
                what: "the vault state file".into(),
                why,
            },
            VaultError::InvalidRecordId(_) => ZkbioError::invalid("record_id", why),
            VaultError::Bundle(b) => ZkbioError::invalid("bundle", b),
            VaultError::Key(k) => k.into(),
            VaultError::Io { op, file, source } => ZkbioError::Io {
                path: file,
                why: format!("{op}: {source}"),
            },
        }
    }
}

impl From<PackageError> for ZkbioError {
    fn from(e: PackageError) -> Self {
        let why = e.to_string();
        match e {
            PackageError::ManifestJson(_)
            | PackageError::ManifestTooLarge { .. }
            | PackageError::UnsupportedFormat(_)
            | PackageError::InvalidManifest(_)
            | PackageError::Unsigned
            | PackageError::BadSignature
            | PackageError::KindMismatch { .. }
            | PackageError::VersionMismatch { .. }
            | PackageError::Rejected { .. } => ZkbioError::PackageRejected { why },
            PackageError::UntrustedPublisher { publisher } => ZkbioError::UntrustedPublisher {
                publisher: publisher.to_vec(),
            },
            PackageError::ModelHashMismatch { expected, found } => ZkbioError::ModelHashMismatch {
                expected: expected.to_vec(),
                found: found.to_vec(),
            },
            PackageError::DigestMismatch { artifact, .. }
            | PackageError::SizeMismatch { artifact, .. }
            | PackageError::Transport { artifact, .. } => ZkbioError::CorruptedArtifact {
                path: artifact,
                why,
            },
            PackageError::Fetch { artifact, source } => ZkbioError::DownloadFailed {
                artifact,
                retryable: source.is_retryable(),
                why: source.to_string(),
            },
            PackageError::Cancelled => ZkbioError::Cancelled,
            PackageError::CacheTooSmall { .. } => ZkbioError::invalid("cache_limit_bytes", why),
            PackageError::Io { op, path, source } => ZkbioError::Io {
                path,
                why: format!("{op}: {source}"),
            },
        }
    }
}

impl From<FlowError> for ZkbioError {
    fn from(e: FlowError) -> Self {
        let why = e.to_string();
        match e {
            FlowError::Vault(v) => v.into(),
            FlowError::Package(p) => p.into(),
            FlowError::Bundle(b) => ZkbioError::invalid("bundle", b),
            FlowError::Transfer(_)
            | FlowError::Signature(_)
            | FlowError::AttestationExpired { .. } => ZkbioError::InvalidTransfer { why },
            FlowError::VkHashMismatch { .. } => ZkbioError::PackageRejected { why },
            FlowError::CommitmentMismatch { what } => {
                ZkbioError::CommitmentMismatch { what: what.into() }
            }
            FlowError::UntrustedScanner { scanner } => ZkbioError::UntrustedScanner {
                scanner: scanner.to_vec(),
            },
            FlowError::RecordExists { id } => ZkbioError::RecordExists { id },
            FlowError::ImageSize { .. } => ZkbioError::invalid("model", why),
            FlowError::WalletNotSubject { wallet, subject } => ZkbioError::WalletNotSubject {
                wallet: wallet.to_vec(),
                subject: subject.to_vec(),
            },
            FlowError::AlreadyEnrolled { version } => ZkbioError::AlreadyEnrolled {
                version: i64::from(version),
            },
            FlowError::NotEnrolled => ZkbioError::NotEnrolled,
            FlowError::NotNewer { current, offered } => ZkbioError::NotNewer {
                current: i64::from(current),
                offered: i64::from(offered),
            },
            FlowError::WrongKind(_) => ZkbioError::PackageRejected { why },
            FlowError::Model(_) | FlowError::ModelFamily { .. } => ZkbioError::CorruptedArtifact {
                path: "model file".into(),
                why,
            },
            FlowError::Key(_) => ZkbioError::CorruptedArtifact {
                path: "proving key".into(),
                why,
            },
            FlowError::Prove(ProveError::Cancelled) | FlowError::Cancelled => ZkbioError::Cancelled,
            FlowError::Prove(
                ProveError::KeyMismatch { .. }
                | ProveError::UnsafeKey(_)
                | ProveError::CorruptedKey,
            )
            | FlowError::UnsafeKey(_) => ZkbioError::CorruptedArtifact {
                path: "proving key".into(),
                why,
            },
            FlowError::Prove(ProveError::Unsatisfied(_)) => ZkbioError::Internal { why },
            FlowError::FaceNoMatch { similarity, tau } => ZkbioError::FaceNoMatch {
                // At most 65536.
                similarity: similarity.map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
                tau: i32::from(tau),
            },
            FlowError::InvalidInput(_) => ZkbioError::invalid("input", why),
            FlowError::FaceImageSize { .. } => ZkbioError::invalid("model", why),
            FlowError::NoFaceEmbedding => ZkbioError::NoFaceEmbedding,
            FlowError::FaceVersionMismatch {
                registered,
                offered,
            } => ZkbioError::FaceVersionMismatch {
                registered: i64::from(registered),
                offered: i64::from(offered),
            },
        }
    }
}

/// Runs `f`, turning a panic into [`ZkbioError::Internal`] so that none unwinds into foreign code
/// (or silently ends a worker thread).
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, ZkbioError>) -> Result<T, ZkbioError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(ZkbioError::Internal {
            why: format!("panic: {why}"),
        })
    })
}
