//! The image-opening statement: "I know an image, mask and salt opening `C_img`", bound to a
//! `binding`. Public inputs, in order: `C_img`, `binding` (docs/PROTOCOL.md).

use crate::background;
use crate::control::{CancellationToken, Control, ProgressListener};
use crate::error::ZkbioError;
use crate::field;
use crate::materials::{ProvingMaterials, StatementCircuit};
use crate::proof::Groth16Proof;
use crate::values::FieldElement;
use ark_bn254::Fr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::{Circuit, WitnessBuilder};
use zkbio_core::groth16::{prove, Phase, ProveControl};

/// What the prover knows.
#[derive(Clone, uniffi::Record)]
pub struct ImageOpeningInput {
    /// The normalized iris image, `rows x cols` bytes, row-major.
    pub image: Vec<u8>,
    /// Its mask, `rows x cols` bits row-major (1 = valid iris pixel), packed MSB-first
    /// (`np.packbits` order): `ceil(rows * cols / 8)` bytes, padding bits zero.
    pub mask: Vec<u8>,
    /// `salt_img`, the commitment's salt (secret).
    pub salt: Arc<FieldElement>,
    /// The binding (docs/PROTOCOL.md: `keccak256(abi.encode(chain_id, registry, wallet, nonce)) >> 8`).
    pub binding: Arc<FieldElement>,
}

impl std::fmt::Debug for ImageOpeningInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImageOpeningInput { <redacted> }")
    }
}

/// The statement's public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ImageOpeningPublicInputs {
    /// `C_img = Commit(IrisImage, [rows, cols], image || pack_bits(mask); salt)`.
    pub c_img: Arc<FieldElement>,
    /// The binding, as given.
    pub binding: Arc<FieldElement>,
}

impl ImageOpeningPublicInputs {
    /// In the verifier's order: `[C_img, binding]`.
    pub(crate) fn to_list(&self) -> Vec<Arc<FieldElement>> {
        vec![self.c_img.clone(), self.binding.clone()]
    }
}

/// A proof of the image-opening statement and the public inputs it is valid for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ImageOpeningProof {
    /// The Groth16 proof.
    pub proof: Groth16Proof,
    /// Its public inputs.
    pub public_inputs: ImageOpeningPublicInputs,
}

#[uniffi::export]
impl ProvingMaterials {
    /// Proves the image-opening statement for `input`, on a thread of its own (Kotlin: a
    /// `suspend fun`, Swift: an `async` method). `listener` receives progress on that thread;
    /// `cancel` stops the proof (as does dropping the call). Fails with `InvalidInput` (wrong
    /// image or mask size, malformed salt or binding, materials for another statement),
    /// `Cancelled`, or `CorruptedArtifact` (a key made for another circuit).
    pub async fn prove_image_opening(
        self: Arc<Self>,
        input: ImageOpeningInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<ImageOpeningProof, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let worker_flag = flag.clone();
        background::run(flag, move || {
            self.prove_image_opening_blocking(input, listener, worker_flag)
        })
        .await
    }
}

impl ProvingMaterials {
    fn prove_image_opening_blocking(
        &self,
        input: ImageOpeningInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Arc<AtomicBool>,
    ) -> Result<ImageOpeningProof, ZkbioError> {
        let StatementCircuit::ImageOpening(stmt, key) = &self.circuit else {
            return Err(self.wrong_statement("image-opening"));
        };
        let ImageOpeningInput {
            image,
            mask,
            salt,
            binding,
        } = input;
        let (salt, binding): (Fr, Fr) = (salt.fr(), binding.fr());
        let mask = field::unpack_bits("mask", &mask, stmt.rows * stmt.cols)?;
        // From here the image, mask and salt live in the circuit's input, wiped on drop.
        let input = stmt.input(image, mask, salt, binding)?;
        let ctl = Control::new(listener, cancel.clone());
        if ctl.is_cancelled() {
            return Err(ZkbioError::Cancelled);
        }
        ctl.progress(Phase::Witness, 0.0);
        let witness = witness(stmt, &input, cancel)?;
        drop(input);
        // `[C_img, binding]`, as the circuit computed them.
        let public = match witness.public_inputs() {
            [c_img, binding] => [*c_img, *binding],
            other => {
                return Err(ZkbioError::Internal {
                    why: format!("the witness has {} public inputs, not 2", other.len()),
                })
            }
        };
        ctl.progress(Phase::Witness, 1.0);
        let proof = prove(&key.view(), witness, &mut rand::rngs::OsRng, &ctl)
            .map_err(|e| self.prove_error(e))?;
        Ok(ImageOpeningProof {
            proof: Groth16Proof::from(&proof),
            public_inputs: ImageOpeningPublicInputs {
                c_img: FieldElement::new(public[0]),
                binding: FieldElement::new(public[1]),
            },
        })
    }
}

/// The witness, stopping at the circuit's next checkpoint once `cancel` is set.
fn witness(
    stmt: &ImageOpening,
    input: &<ImageOpening as Circuit>::Input,
    cancel: Arc<AtomicBool>,
) -> Result<zkbio_circuits::builder::Witness, ZkbioError> {
    let mut wb = WitnessBuilder::with_cancel(cancel);
    stmt.synthesize(&mut wb, input)?;
    Ok(wb.finish())
}
