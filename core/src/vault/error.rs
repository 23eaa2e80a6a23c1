//! The vault's typed errors.

use std::io;

use super::bundle::BundleError;
use super::codec::CodecError;
use super::keys::{KeyError, KeyId};

/// Why a vault operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No record has this id.
    #[error("no vault record `{id}`")]
    NotFound {
        /// The record asked for.
        id: String,
    },
    /// The key the host returned for the record's key id is not the key that sealed it
    /// (or the record's key-check bytes were altered).
    #[error("record `{id}`: {key} from the key store is not the key that sealed it")]
    WrongKey {
        /// The record.
        id: String,
        /// The key id the record names.
        key: KeyId,
    },
    /// Authentication failed: the ciphertext, tag or authenticated header was changed.
    #[error("record `{id}` failed authentication: it was altered or corrupted")]
    Tampered {
        /// The record.
        id: String,
    },
    /// The file is an intact record of another record id or version, put in this one's
    /// place (e.g. two records' files swapped, or an old version renamed as the newest).
    #[error("file of record `{id}` holds record `{found_id}` version {found_generation}")]
    Misplaced {
        /// The record whose file it is.
        id: String,
        /// The record id inside the file.
        found_id: String,
        /// The version inside the file.
        found_generation: u64,
    },
    /// The file ends before its header or its body does.
    #[error("record `{id}` is truncated: {len} bytes, needs {needed}")]
    Truncated {
        /// The record.
        id: String,
        /// The file's length.
        len: usize,
        /// The length its header needs (or the minimum to read the header).
        needed: usize,
    },
    /// The file does not start with the vault's magic bytes.
    #[error("file of record `{id}` is not a vault record")]
    NotARecord {
        /// The record.
        id: String,
    },
    /// The record's format version is not one this code reads.
    #[error("record `{id}` has unknown format version {version}")]
    UnknownFormatVersion {
        /// The record.
        id: String,
        /// The version in the file.
        version: u16,
    },
    /// The record authenticated but its content did not decode (a writer bug).
    #[error("record `{id}` content is malformed: {source}")]
    Malformed {
        /// The record.
        id: String,
        /// What was wrong.
        source: CodecError,
    },
    /// The vault's state file is damaged.
    #[error("vault state file is damaged: {0}")]
    CorruptState(&'static str),
    /// A record id is not 1 to 64 of `[A-Za-z0-9_-]`.
    #[error("invalid record id {0:?}")]
    InvalidRecordId(String),
    /// A bundle or one of its parts was refused.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The host key store failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A file operation failed.
    #[error("vault {op} of `{file}` failed: {source}")]
    Io {
        /// The operation.
        op: &'static str,
        /// The file name inside the vault directory.
        file: String,
        /// The OS error.
        source: io::Error,
    },
}

impl VaultError {
    pub(crate) fn io<'a>(op: &'static str, file: &'a str) -> impl FnOnce(io::Error) -> Self + 'a {
        move |source| Self::Io {
            op,
            file: file.to_owned(),
            source,
        }
    }
}
