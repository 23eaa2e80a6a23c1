//! The two face statements from raw inputs, for apps that hold the face crop and the embedding
//! themselves (the vault flows in `face.rs` prove the same statements from a stored record):
//! - face embedding: "`C_emb` commits to the face model's embedding of the image opening
//!   `C_face`", bound to a `binding`; public inputs `[C_face, C_emb, binding]`;
//! - face match: "the embedding of a selfie, by the face model, is within `tau` of the embedding
//!   `C_emb` opens to", bound to a `binding`; public inputs `[C_emb, tau, binding]`.
//!
//! Both run the model's integer inference inside the circuit: the embedding in a
//! [`FaceEmbeddingStatementProof`] is what the circuit computed, never a runtime's output.

use crate::background;
use crate::control::{CancellationToken, Control, ProgressListener};
use crate::error::ZkbioError;
use crate::face::{FaceEmbeddingPublicInputs, FaceMatchPublicInputs, FaceModel};
use crate::materials::{ProvingMaterials, StatementCircuit};
use crate::proof::{verify, Groth16Proof, VerifyingKey};
use crate::values::FieldElement;
use ark_bn254::{Bn254, Fr};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use zeroize::Zeroizing;
use zkbio_circuits::builder::Witness;
use zkbio_circuits::{Circuit, WitnessBuilder};
use zkbio_core::flows::{check_face_match, FlowError};
use zkbio_core::groth16::{prove, MappedKey, Phase, Proof, ProveControl};

/// What the face-embedding prover knows.
#[derive(Clone, uniffi::Record)]
pub struct FaceEmbeddingStatementInput {
    /// The 8-bit grayscale face crop, `image_height × image_width` of the model, row-major.
    pub image: Vec<u8>,
    /// `salt_face`, the salt of `C_face` (secret).
    pub salt_face: Arc<FieldElement>,
    /// `salt_emb`, the salt of the new `C_emb` (secret).
    pub salt_emb: Arc<FieldElement>,
    /// The binding (`binding_for(target)`).
    pub binding: Arc<FieldElement>,
}

impl std::fmt::Debug for FaceEmbeddingStatementInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaceEmbeddingStatementInput { <redacted> }")
    }
}

/// A face-embedding proof from raw inputs, its public inputs, and the opening of its `C_emb`
/// (secret: the app's to keep or wipe).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FaceEmbeddingStatementProof {
    /// The Groth16 proof.
    pub proof: Groth16Proof,
    /// Its public inputs `[C_face, C_emb, binding]`.
    pub public_inputs: FaceEmbeddingPublicInputs,
    /// The embedding `E`, one byte per value as `C_emb` commits it (`e + 128`).
    pub embedding: Vec<u8>,
    /// `salt_emb`, as given.
    pub salt_emb: Arc<FieldElement>,
}

/// What the face-match prover knows.
#[derive(Clone, uniffi::Record)]
pub struct FaceMatchStatementInput {
    /// The selfie, `image_height × image_width` of the model, 8-bit grayscale, row-major.
    pub selfie: Vec<u8>,
    /// The enrolled embedding `E` that `C_emb` opens to, as its bytes (`e + 128`; what
    /// [`FaceEmbeddingStatementProof::embedding`] holds).
    pub embedding: Vec<u8>,
    /// `salt_emb` of `C_emb` (secret).
    pub salt_emb: Arc<FieldElement>,
    /// The threshold: `cosine(model(selfie), E) >= tau / 65536`; 0 to 65535.
    pub tau: i32,
    /// The binding (the relying party's, e.g. `face_match_public_inputs(…).binding`).
    pub binding: Arc<FieldElement>,
}

impl std::fmt::Debug for FaceMatchStatementInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaceMatchStatementInput { <redacted> }")
    }
}

/// A face-match proof from raw inputs and its public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FaceMatchStatementProof {
    /// The Groth16 proof.
    pub proof: Groth16Proof,
    /// Its public inputs `[C_emb, tau, binding]`.
    pub public_inputs: FaceMatchPublicInputs,
    /// The selfie's similarity to `E`, a 16-bit fraction (`>= tau`; 65536 is identical).
    pub similarity: i32,
}

#[uniffi::export]
impl ProvingMaterials {
    /// Material for the face-embedding statement of a face model the [`crate::ModelCache`]
    /// fetched (it shares the model's key mapping).
    #[uniffi::constructor]
    pub fn face_embedding(model: Arc<FaceModel>) -> Arc<Self> {
        let path = format!("face package v{} (embedding)", model.version());
        Self::face(StatementCircuit::FaceEmbedding(model.clone()), path, &model)
    }

    /// Material for the face-match statement of a face model the [`crate::ModelCache`] fetched.
    #[uniffi::constructor]
    pub fn face_match(model: Arc<FaceModel>) -> Arc<Self> {
        let path = format!("face package v{} (match)", model.version());
        Self::face(StatementCircuit::FaceMatch(model.clone()), path, &model)
    }

    /// Proves the face-embedding statement for `input`, on a thread of its own (Kotlin
    /// `suspend`, Swift `async`); `listener` and `cancel` work as for `prove_image_opening`.
    /// Fails with `InvalidInput` (an image of the wrong size, materials for another statement),
    /// `Cancelled`, or `CorruptedArtifact`.
    pub async fn prove_face_embedding_statement(
        self: Arc<Self>,
        input: FaceEmbeddingStatementInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<FaceEmbeddingStatementProof, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let worker = flag.clone();
        background::run(flag, move || self.prove_embedding(input, listener, worker)).await
    }

    /// Proves the face-match statement for `input`, on a thread of its own. A selfie that does
    /// not match `E` at `tau` fails with `FaceNoMatch` (and the exact similarity) before any
    /// proving; otherwise as [`Self::prove_face_embedding_statement`].
    pub async fn prove_face_match_statement(
        self: Arc<Self>,
        input: FaceMatchStatementInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<FaceMatchStatementProof, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let worker = flag.clone();
        background::run(flag, move || self.prove_match(input, listener, worker)).await
    }
}

/// `E` from its committed bytes `e + 128`.
fn embedding_values(bytes: &[u8]) -> Zeroizing<Vec<i8>> {
    Zeroizing::new(bytes.iter().map(|&b| (i16::from(b) - 128) as i8).collect())
}

/// The witness's three public inputs, the prove under `key`, with the witness phase reported.
fn prove_three(
    materials: &ProvingMaterials,
    key: &MappedKey,
    witness: Witness,
    ctl: &Control,
) -> Result<(Proof<Bn254>, [Fr; 3]), ZkbioError> {
    let public: [Fr; 3] = witness
        .public_inputs()
        .try_into()
        .map_err(|_| ZkbioError::Internal {
            why: "the face witness does not have 3 public inputs".into(),
        })?;
    ctl.progress(Phase::Witness, 1.0);
    let proof = prove(&key.view(), witness, &mut rand::rngs::OsRng, ctl)
        .map_err(|e| materials.prove_error(e))?;
    Ok((proof, public))
}

impl ProvingMaterials {
    fn face(circuit: StatementCircuit, key_path: String, model: &FaceModel) -> Arc<Self> {
        let vk = match &circuit {
            StatementCircuit::FaceMatch(_) => model.match_verifying_key(),
            _ => model.embedding_verifying_key(),
        };
        Self::with_circuit(circuit, key_path, vk)
    }

    fn prove_embedding(
        &self,
        input: FaceEmbeddingStatementInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Arc<AtomicBool>,
    ) -> Result<FaceEmbeddingStatementProof, ZkbioError> {
        let StatementCircuit::FaceEmbedding(model) = &self.circuit else {
            return Err(self.wrong_statement("face-embedding"));
        };
        let package = &model.package;
        let statement = package.embedding_statement();
        let FaceEmbeddingStatementInput {
            image,
            salt_face,
            salt_emb,
            binding,
        } = input;
        // From here the crop lives in the circuit's input, wiped on drop.
        let input = statement
            .input(image, salt_face.fr(), salt_emb.fr(), binding.fr())
            .map_err(|e| ZkbioError::invalid("image", e))?;
        let ctl = Control::new(listener, cancel.clone());
        if ctl.is_cancelled() {
            return Err(ZkbioError::Cancelled);
        }
        ctl.progress(Phase::Witness, 0.0);
        let embedding = Zeroizing::new(statement.embedding(&input));
        let mut wb = WitnessBuilder::with_cancel(cancel);
        statement.synthesize(&mut wb, &input)?;
        drop(input);
        let (proof, public) = prove_three(self, package.embedding_key(), wb.finish(), &ctl)?;
        Ok(FaceEmbeddingStatementProof {
            proof: Groth16Proof::from(&proof),
            public_inputs: FaceEmbeddingPublicInputs {
                c_face: FieldElement::new(public[0]),
                c_emb: FieldElement::new(public[1]),
                binding: FieldElement::new(public[2]),
            },
            embedding: embedding
                .iter()
                .map(|&e| (i16::from(e) + 128) as u8)
                .collect(),
            salt_emb,
        })
    }

    fn prove_match(
        &self,
        input: FaceMatchStatementInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Arc<AtomicBool>,
    ) -> Result<FaceMatchStatementProof, ZkbioError> {
        let StatementCircuit::FaceMatch(model) = &self.circuit else {
            return Err(self.wrong_statement("face-match"));
        };
        let package = &model.package;
        let face = package.face();
        let statement = package.match_statement();
        let tau =
            u16::try_from(input.tau).map_err(|_| ZkbioError::invalid("tau", "not in 0..=65535"))?;
        face.check_image(&input.selfie)
            .map_err(|e| ZkbioError::invalid("selfie", e))?;
        let template = embedding_values(&input.embedding);
        face.check_embedding(&template)
            .map_err(|e| ZkbioError::invalid("embedding", e))?;
        let similarity = check_face_match(face, &input.selfie, &template, tau)
            .map_err(|e| ZkbioError::from(FlowError::from(e)))?;
        let ctl = Control::new(listener, cancel.clone());
        if ctl.is_cancelled() {
            return Err(ZkbioError::Cancelled);
        }
        ctl.progress(Phase::Witness, 0.0);
        let input = statement
            .input(
                input.selfie.clone(),
                template.to_vec(),
                input.salt_emb.fr(),
                tau,
                input.binding.fr(),
            )
            .map_err(|e| ZkbioError::invalid("selfie", e))?;
        let mut wb = WitnessBuilder::with_cancel(cancel);
        statement.synthesize(&mut wb, &input)?;
        drop(input);
        let (proof, public) = prove_three(self, package.match_key(), wb.finish(), &ctl)?;
        Ok(FaceMatchStatementProof {
            proof: Groth16Proof::from(&proof),
            public_inputs: FaceMatchPublicInputs::from_array(&public),
            // At most 65536.
            similarity: i32::try_from(similarity).unwrap_or(i32::MAX),
        })
    }
}

/// [`verify`] for a raw-input face-embedding proof (public inputs `[C_face, C_emb, binding]`).
#[uniffi::export]
pub fn verify_face_embedding_statement(
    vk: Arc<VerifyingKey>,
    proof: FaceEmbeddingStatementProof,
) -> Result<(), ZkbioError> {
    let p = &proof.public_inputs;
    let list = vec![p.c_face.clone(), p.c_emb.clone(), p.binding.clone()];
    verify(vk, proof.proof, list)
}

/// [`verify`] for a raw-input face-match proof (public inputs `[C_emb, tau, binding]`).
#[uniffi::export]
pub fn verify_face_match_statement(
    vk: Arc<VerifyingKey>,
    proof: FaceMatchStatementProof,
) -> Result<(), ZkbioError> {
    let p = &proof.public_inputs;
    let list = vec![p.c_emb.clone(), p.tau.clone(), p.binding.clone()];
    verify(vk, proof.proof, list)
}
