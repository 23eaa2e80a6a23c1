//! The one error type of the FFI, and the guard that keeps panics on the Rust side.

use std::panic::{catch_unwind, AssertUnwindSafe};
use zkbio_circuits::statements::image_opening::InputError;
use zkbio_circuits::SynthesisError;
use zkbio_core::groth16::KeyError;

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
        let InputError::WrongSize { what, .. } = &e;
        ZkbioError::invalid(*what, &e)
    }
}

impl From<SynthesisError> for ZkbioError {
    fn from(e: SynthesisError) -> Self {
        match e {
            SynthesisError::Cancelled => ZkbioError::Cancelled,
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
