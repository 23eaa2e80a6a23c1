//! [`ProvingMaterials`]: one statement's proving material, loaded once and shared.
//!
//! Each statement gets a named constructor and a `prove_*` method with its own input and output
//! records (see `image_opening.rs`). The iris-code statement plugs in the same way:
//!
//! - `Statement::IrisCode { model_version, rows, cols }`, and the constructor
//!   `ProvingMaterials::iris_code(model_path, proving_key_path)`, which loads the model (its
//!   kernels are constants of the circuit) next to the key and checks they belong together;
//! - `prove_iris_code(IrisCodeInput { image, mask, salt_img, salt_code, binding }, listener,
//!   cancel)` returning a record of `Groth16Proof`, `IrisCodePublicInputs` and `IrisCodeOpening`
//!   (the flows' types, `flows.rs`), running `IrisCodeStatement`'s witness with a cancellable
//!   builder, then the same prover (public inputs `[C_img, C_code, binding]`).
//!
//! (The enrollment flows in `flows.rs` already prove the iris-code statement from a vault record.)

use crate::error::{guard, ZkbioError};
use crate::proof::VerifyingKey;
use std::path::Path;
use std::sync::Arc;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::key_check::check_key_view;
use zkbio_core::groth16::{MappedKey, ProveError};

/// What a [`ProvingMaterials`] proves (Kotlin: a sealed class; Swift: an enum).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Statement {
    /// "I know an image, mask and salt opening `C_img`", bound to `binding`. Public inputs:
    /// `C_img`, `binding`. Images are `rows x cols` (the production size is 128 x 512).
    ImageOpening {
        /// Image height.
        rows: i32,
        /// Image width.
        cols: i32,
    },
}

/// The statement as the circuits crate knows it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StatementCircuit {
    ImageOpening(ImageOpening),
}

/// A statement's proving material: the `.zpk` proving key, memory-mapped once (and, for the iris
/// statements, the model). Create one per statement when the app starts and share it: it is
/// thread-safe, and concurrent proofs read the same mapping.
#[derive(uniffi::Object)]
pub struct ProvingMaterials {
    pub(crate) circuit: StatementCircuit,
    pub(crate) key: MappedKey,
    pub(crate) key_path: String,
    vk: Arc<VerifyingKey>,
}

impl std::fmt::Debug for ProvingMaterials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProvingMaterials({:?}, {})", self.circuit, self.key_path)
    }
}

pub(crate) fn dimension(what: &str, v: i32) -> Result<usize, ZkbioError> {
    match usize::try_from(v) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ZkbioError::invalid(what, "must be positive")),
    }
}

impl ProvingMaterials {
    /// Maps the key and checks it has the statement's number of public inputs and none of the
    /// forgeable or degenerate structures (`zkbio_core::groth16::key_check`; reads only the
    /// verification-key section). The rest of the circuit's shape is checked by the prover, on
    /// first use, and every proof is verified under the key before it is returned.
    fn load(circuit: StatementCircuit, proving_key_path: String) -> Result<Arc<Self>, ZkbioError> {
        let key = MappedKey::open(Path::new(&proving_key_path))
            .map_err(|e| ZkbioError::key(&proving_key_path, e))?;
        let expected = match circuit {
            StatementCircuit::ImageOpening(s) => s.public_count(),
        };
        let view = key.view();
        if view.n_public() != expected {
            return Err(ZkbioError::CorruptedArtifact {
                path: proving_key_path,
                why: format!(
                    "the key has {} public inputs; {:?} has {expected}: it was made for another statement",
                    view.n_public(),
                    circuit
                ),
            });
        }
        check_key_view(&view).map_err(|e| ZkbioError::CorruptedArtifact {
            path: proving_key_path.clone(),
            why: format!("unsafe proving key: {e}"),
        })?;
        let vk = VerifyingKey::new(view.verifying_key());
        Ok(Arc::new(ProvingMaterials {
            circuit,
            key,
            key_path: proving_key_path,
            vk,
        }))
    }

    /// The prover's error in the FFI's terms.
    pub(crate) fn prove_error(&self, e: ProveError) -> ZkbioError {
        match e {
            ProveError::Cancelled => ZkbioError::Cancelled,
            ProveError::KeyMismatch { .. } => ZkbioError::CorruptedArtifact {
                path: self.key_path.clone(),
                why: format!("made for another circuit ({e})"),
            },
            ProveError::Unsatisfied(_) => ZkbioError::invalid("input", e),
            ProveError::UnsafeKey(_) | ProveError::CorruptedKey => ZkbioError::CorruptedArtifact {
                path: self.key_path.clone(),
                why: e.to_string(),
            },
        }
    }
}

#[uniffi::export]
impl ProvingMaterials {
    /// Material for the image-opening statement on `rows x cols` images, from the `.zpk` proving
    /// key at `proving_key_path`. Cheap: maps the file and reads its header (no point is read).
    /// Fails with `Io` if the file cannot be opened, `CorruptedArtifact` if it is not a key for
    /// this statement or is forgeable (e.g. a key with no phase-2 contribution).
    #[uniffi::constructor]
    pub fn image_opening(
        proving_key_path: String,
        rows: i32,
        cols: i32,
    ) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let (rows, cols) = (dimension("rows", rows)?, dimension("cols", cols)?);
            if rows.checked_mul(cols).is_none() {
                return Err(ZkbioError::invalid("cols", "rows x cols is too large"));
            }
            Self::load(
                StatementCircuit::ImageOpening(ImageOpening { rows, cols }),
                proving_key_path,
            )
        })
    }

    /// The statement these materials prove.
    pub fn statement(&self) -> Statement {
        match self.circuit {
            StatementCircuit::ImageOpening(s) => Statement::ImageOpening {
                // Both fit: they came in as i32.
                rows: i32::try_from(s.rows).unwrap_or(i32::MAX),
                cols: i32::try_from(s.cols).unwrap_or(i32::MAX),
            },
        }
    }

    /// The verifying key embedded in the proving key (what a verifier of these proofs needs).
    pub fn verifying_key(&self) -> Arc<VerifyingKey> {
        self.vk.clone()
    }
}
