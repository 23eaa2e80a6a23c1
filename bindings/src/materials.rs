//! [`ProvingMaterials`]: one statement's proving material, loaded once and shared.
//!
//! Each statement gets named constructors and a `prove_*` method with its own input and output
//! records: the image opening (`image_opening.rs`) and the iris code (`iris_code.rs`; the
//! materials hold the model, whose kernels are constants of the circuit, next to its key) and
//! the two face statements (`face_statements.rs`; the face model and both keys). The vault flows
//! in `flows.rs` and `face.rs` prove the same statements from a stored record instead.

use crate::error::{guard, ZkbioError};
use crate::face::FaceModel;
use crate::packages::IrisModel;
use crate::proof::VerifyingKey;
use std::path::Path;
use std::sync::Arc;
use zkbio_circuits::models::iris::IrisModel as CoreIrisModel;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;
use zkbio_core::flows::{FlowError, IrisModelPackage};
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
    /// "The iris code of an image opening `C_img`, through model `model_version`, is committed
    /// in `C_code`", bound to `binding`. Public inputs: `C_img`, `C_code`, `binding`.
    IrisCode {
        /// The model's version (as registered).
        model_version: i64,
        /// The model's name.
        model_name: String,
        /// Image height the model takes.
        rows: i32,
        /// Image width the model takes.
        cols: i32,
    },
    /// "`C_emb` commits to the face model's embedding of the image opening `C_face`", bound to
    /// `binding`. Public inputs: `C_face`, `C_emb`, `binding`.
    FaceEmbedding {
        /// The face model's version (as registered).
        model_version: i64,
        /// Height of the face crops the model takes.
        height: i32,
        /// Their width.
        width: i32,
        /// Values in the embedding.
        dim: i32,
    },
    /// "The face model's embedding of a selfie is within `tau` of the embedding `C_emb` opens
    /// to", bound to `binding`. Public inputs: `C_emb`, `tau`, `binding`.
    FaceMatch {
        /// The face model's version (as registered).
        model_version: i64,
        /// Height of the selfies the model takes.
        height: i32,
        /// Their width.
        width: i32,
        /// Values in the embedding.
        dim: i32,
    },
}

/// The statement as the circuits crate knows it, with its key.
pub(crate) enum StatementCircuit {
    ImageOpening(ImageOpening, MappedKey),
    /// The model package holds the mapped key.
    IrisCode(Arc<IrisModel>),
    /// The face model holds both face statements' mapped keys.
    FaceEmbedding(Arc<FaceModel>),
    FaceMatch(Arc<FaceModel>),
}

/// A statement's proving material: the `.zpk` proving key, memory-mapped once (and, for the iris
/// statements, the model). Create one per statement when the app starts and share it: it is
/// thread-safe, and concurrent proofs read the same mapping.
#[derive(uniffi::Object)]
pub struct ProvingMaterials {
    pub(crate) circuit: StatementCircuit,
    pub(crate) key_path: String,
    vk: Arc<VerifyingKey>,
}

impl std::fmt::Debug for ProvingMaterials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ProvingMaterials({:?}, {})",
            self.statement(),
            self.key_path
        )
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
    fn load(circuit: ImageOpening, proving_key_path: String) -> Result<Arc<Self>, ZkbioError> {
        let key = MappedKey::open(Path::new(&proving_key_path))
            .map_err(|e| ZkbioError::key(&proving_key_path, e))?;
        let expected = circuit.public_count();
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
            circuit: StatementCircuit::ImageOpening(circuit, key),
            key_path: proving_key_path,
            vk,
        }))
    }

    fn iris(model: Arc<IrisModel>, key_path: String) -> Arc<Self> {
        let vk = model.verifying_key();
        Self::with_circuit(StatementCircuit::IrisCode(model), key_path, vk)
    }

    pub(crate) fn with_circuit(
        circuit: StatementCircuit,
        key_path: String,
        vk: Arc<VerifyingKey>,
    ) -> Arc<Self> {
        Arc::new(ProvingMaterials {
            circuit,
            key_path,
            vk,
        })
    }

    /// `InvalidInput` for a `prove_*` call these materials cannot serve (`which` statement).
    pub(crate) fn wrong_statement(&self, which: &str) -> ZkbioError {
        let method = match self.circuit {
            StatementCircuit::ImageOpening(..) => "prove_image_opening",
            StatementCircuit::IrisCode(_) => "prove_iris_code",
            StatementCircuit::FaceEmbedding(_) => "prove_face_embedding_statement",
            StatementCircuit::FaceMatch(_) => "prove_face_match_statement",
        };
        ZkbioError::invalid(
            "materials",
            format!("these materials do not prove the {which} statement; use {method}"),
        )
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
            Self::load(ImageOpening { rows, cols }, proving_key_path)
        })
    }

    /// Material for the iris-code statement of the model in file `model_path` (the package's
    /// canonical `model.bin`), registered as `model_version`, with the `.zpk` proving key at
    /// `proving_key_path`. Checks that the key was made for this model's circuit (public
    /// inputs, constraint count) and is not forgeable. Fails with `Io`, `CorruptedArtifact`
    /// (a malformed model file, a key for another circuit or an unsafe one) or `InvalidInput`.
    /// Prefer [`Self::from_iris_model`] with a model the `ModelCache` fetched and checked
    /// against the registry's pin.
    #[uniffi::constructor]
    pub fn iris_code(
        model_path: String,
        proving_key_path: String,
        model_version: i64,
    ) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let version = crate::packages::version("model_version", model_version)?;
            let bytes = std::fs::read(&model_path).map_err(|e| ZkbioError::Io {
                path: model_path.clone(),
                why: e.to_string(),
            })?;
            let model = CoreIrisModel::from_canonical_bytes(&bytes).map_err(|e| {
                ZkbioError::CorruptedArtifact {
                    path: model_path.clone(),
                    why: e.to_string(),
                }
            })?;
            let key = MappedKey::open(Path::new(&proving_key_path))
                .map_err(|e| ZkbioError::key(&proving_key_path, e))?;
            let package =
                IrisModelPackage::new(version, model, key, None).map_err(|e| match e {
                    FlowError::Key(why) => ZkbioError::CorruptedArtifact {
                        path: proving_key_path.clone(),
                        why,
                    },
                    FlowError::UnsafeKey(e) => ZkbioError::CorruptedArtifact {
                        path: proving_key_path.clone(),
                        why: format!("unsafe proving key: {e}"),
                    },
                    other => other.into(),
                })?;
            Ok(Self::iris(
                Arc::new(IrisModel { package }),
                proving_key_path,
            ))
        })
    }

    /// Material for the iris-code statement of a model the [`crate::ModelCache`] fetched (it
    /// shares the model's key mapping).
    #[uniffi::constructor]
    pub fn from_iris_model(model: Arc<IrisModel>) -> Arc<Self> {
        let path = format!("model package v{}", model.version());
        Self::iris(model, path)
    }

    /// The statement these materials prove.
    pub fn statement(&self) -> Statement {
        match &self.circuit {
            StatementCircuit::ImageOpening(s, _) => Statement::ImageOpening {
                // Both fit: they came in as i32.
                rows: i32::try_from(s.rows).unwrap_or(i32::MAX),
                cols: i32::try_from(s.cols).unwrap_or(i32::MAX),
            },
            StatementCircuit::IrisCode(m) => Statement::IrisCode {
                model_version: m.version(),
                model_name: m.name(),
                rows: m.image_rows(),
                cols: m.image_cols(),
            },
            StatementCircuit::FaceEmbedding(m) => Statement::FaceEmbedding {
                model_version: m.version(),
                height: m.image_height(),
                width: m.image_width(),
                dim: m.embedding_dim(),
            },
            StatementCircuit::FaceMatch(m) => Statement::FaceMatch {
                model_version: m.version(),
                height: m.image_height(),
                width: m.image_width(),
                dim: m.embedding_dim(),
            },
        }
    }

    /// The verifying key embedded in the proving key (what a verifier of these proofs needs).
    pub fn verifying_key(&self) -> Arc<VerifyingKey> {
        self.vk.clone()
    }
}
