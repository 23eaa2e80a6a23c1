//! What the flows refuse, and why.

use alloy_primitives::Address;

use crate::groth16::key_file::KeyError;
use crate::groth16::{KeyStructureError, ProveError};
use crate::package::PackageError;
use crate::registry::RegistryError;
use crate::vault::{BundleError, VaultError};

/// Why a flow step failed. Every variant is raised before anything is stored or submitted.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The vault refused (missing record, wrong key, tampered file, I/O).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A model package was refused.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// A bundle part was refused (wrong size, value out of the field).
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The enrollment transfer does not decode.
    #[error("enrollment transfer: {0}")]
    Transfer(String),
    /// A commitment does not open with the data it came with (`C_img`, `C_face`, `C_code`).
    #[error("{what} does not match the committed data")]
    CommitmentMismatch {
        /// Which commitment.
        what: &'static str,
    },
    /// The scanner signature does not recover (malformed, high `s`, bad `v`).
    #[error("scanner signature: {0}")]
    Signature(RegistryError),
    /// The signature recovers to an address that is not a trusted scanner.
    #[error("the enrollment was signed by {scanner}, which is not a trusted scanner")]
    UntrustedScanner {
        /// The recovered signer.
        scanner: Address,
    },
    /// The scanner's attestation expired: the registry would refuse the enrollment.
    #[error("the scanner's attestation expired at {deadline} (Unix seconds; now {now})")]
    AttestationExpired {
        /// Its deadline.
        deadline: u64,
        /// This device's time.
        now: u64,
    },
    /// The package's verification key is not the one the registry pinned for its version.
    #[error(
        "the package's verification key hash 0x{} is not the registry's 0x{}",
        hex::encode(found),
        hex::encode(pinned)
    )]
    VkHashMismatch {
        /// The registry's `vkHash` for the version.
        pinned: [u8; 32],
        /// The package key's hash.
        found: [u8; 32],
    },
    /// A record with this id already exists; importing never overwrites one.
    #[error("record {id} already exists")]
    RecordExists {
        /// The record id.
        id: String,
    },
    /// The model's image size differs from the stored iris.
    #[error("the model takes {model_rows}x{model_cols} images, the stored iris is {rows}x{cols}")]
    ImageSize {
        /// Model rows.
        model_rows: usize,
        /// Model columns.
        model_cols: usize,
        /// Stored rows.
        rows: usize,
        /// Stored columns.
        cols: usize,
    },
    /// The registry only accepts `enroll`/`reenroll` from the subject's own wallet.
    #[error("wallet {wallet} is not the enrolled subject {subject}")]
    WalletNotSubject {
        /// The wallet asked for.
        wallet: Address,
        /// The record's subject.
        subject: Address,
    },
    /// An enrollment was asked for a record that already has a registered iris code.
    #[error("already enrolled with iris model version {version}; use re-enrollment")]
    AlreadyEnrolled {
        /// The registered version.
        version: u32,
    },
    /// A re-enrollment was asked for a record with no registered iris code.
    #[error("not enrolled yet; use enrollment")]
    NotEnrolled,
    /// A re-enrollment must move to a newer model version.
    #[error("model version {offered} is not newer than the registered version {current}")]
    NotNewer {
        /// The registered version.
        current: u32,
        /// The package's version.
        offered: u32,
    },
    /// The package is not of the kind the flow needs (an iris package for the iris flows, a
    /// face package for the face flows); the kind it holds.
    #[error("the package holds a {0} model, not the kind this flow needs")]
    WrongKind(&'static str),
    /// The model file does not parse.
    #[error("model file: {0}")]
    Model(String),
    /// The model file is not a model of the family its package's manifest states (e.g. a
    /// `.tflite` file in a filter-bank package, or a code rule the network's cells cannot meet).
    #[error("model file: not an iris model of family {family}: {why}")]
    ModelFamily {
        /// The manifest's family (`filter-bank`, `tflite`).
        family: &'static str,
        /// Why the file is not one.
        why: String,
    },
    /// The proving key does not open, or was made for another circuit.
    #[error("proving key: {0}")]
    Key(String),
    /// The package's proving key is forgeable or degenerate (e.g. no phase-2 contribution).
    #[error("unsafe proving key: {0}")]
    UnsafeKey(#[from] KeyStructureError),
    /// Proving failed (cancelled, or the witness does not satisfy the key's circuit).
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// Stopped by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The selfie does not match the enrolled face embedding at `tau`: refused before proving
    /// (no proof of it can exist).
    #[error("the selfie does not match: similarity {} below tau {tau} (in 1/65536)", similarity.map_or("<= 0".to_string(), |s| s.to_string()))]
    FaceNoMatch {
        /// The similarity as a 16-bit fraction (`None`: the embeddings' dot product is `<= 0`).
        similarity: Option<u32>,
        /// The threshold asked for.
        tau: u16,
    },
    /// An input has the wrong size for the model (e.g. a selfie that is not the face model's
    /// input size).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The stored face crop is not the face model's input size.
    #[error("the face model takes {model_height}x{model_width} crops, the stored face is {height}x{width}")]
    FaceImageSize {
        /// Model input height.
        model_height: usize,
        /// Model input width.
        model_width: usize,
        /// Stored height.
        height: usize,
        /// Stored width.
        width: usize,
    },
    /// The record has no registered face embedding (or not its opening): register one first.
    #[error("no face embedding is registered in this record; register one first")]
    NoFaceEmbedding,
    /// A face match must use the face model version the record's embedding was registered with.
    #[error("the record's face embedding is of face model version {registered}, the package is version {offered}")]
    FaceVersionMismatch {
        /// The record's face version.
        registered: u32,
        /// The package's version.
        offered: u32,
    },
}

impl From<super::FaceMatchError> for FlowError {
    fn from(e: super::FaceMatchError) -> Self {
        match e {
            super::FaceMatchError::FaceNoMatch { similarity, tau } => {
                FlowError::FaceNoMatch { similarity, tau }
            }
            super::FaceMatchError::InvalidInput(e) => FlowError::InvalidInput(e.to_string()),
        }
    }
}

impl From<KeyError> for FlowError {
    fn from(e: KeyError) -> Self {
        FlowError::Key(e.to_string())
    }
}
