//! The iris-code statement from raw inputs: "the iris code of an image opening `C_img`, through
//! this model, is committed in `C_code`", bound to a `binding`. Public inputs, in order:
//! `C_img`, `C_code`, `binding` (docs/PROTOCOL.md). The vault flows (`flows.rs`) prove the same
//! statement from a stored record; this is for apps that hold the image themselves.

use crate::background;
use crate::control::{CancellationToken, Control, ProgressListener};
use crate::error::ZkbioError;
use crate::field;
use crate::flows::{IrisCodeBits, IrisCodeOpening, IrisCodePublicInputs};
use crate::materials::{ProvingMaterials, StatementCircuit};
use crate::proof::{verify, Groth16Proof, VerifyingKey};
use crate::values::FieldElement;
use ark_bn254::Fr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use zkbio_circuits::statements::iris_code::IrisCodeError;
use zkbio_circuits::WitnessBuilder;
use zkbio_core::groth16::{prove, Phase, ProveControl};

/// What the prover knows.
#[derive(Clone, uniffi::Record)]
pub struct IrisCodeInput {
    /// The normalized iris image, `rows x cols` of the model, bytes row-major.
    pub image: Vec<u8>,
    /// Its mask, `rows x cols` bits row-major (1 = valid iris pixel), packed MSB-first
    /// (`np.packbits` order): `ceil(rows * cols / 8)` bytes, padding bits zero.
    pub mask: Vec<u8>,
    /// `salt_img`, the salt of `C_img` (secret).
    pub salt_img: Arc<FieldElement>,
    /// `salt_code`, the salt of the new `C_code` (secret; fresh and random for each code).
    pub salt_code: Arc<FieldElement>,
    /// The binding (`binding_for(target)`).
    pub binding: Arc<FieldElement>,
}

impl std::fmt::Debug for IrisCodeInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IrisCodeInput { <redacted> }")
    }
}

/// A proof of the iris-code statement from raw inputs, its public inputs, and the opening of
/// its `C_code` (secret: the app's to keep or wipe).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct IrisCodeStatementProof {
    /// The Groth16 proof.
    pub proof: Groth16Proof,
    /// Its public inputs `[C_img, C_code, binding]`.
    pub public_inputs: IrisCodePublicInputs,
    /// The `(code, mask, salt_code)` opening of `C_code`.
    pub opening: IrisCodeOpening,
}

#[uniffi::export]
impl ProvingMaterials {
    /// Proves the iris-code statement for `input` under these materials' model, on a thread
    /// of its own (Kotlin `suspend`, Swift `async`): the model's inference runs inside the
    /// circuit, so the code in the opening is what the circuit computed. `listener` and
    /// `cancel` work as for `prove_image_opening`. Fails with `InvalidInput` (wrong image or
    /// mask size, materials for another statement), `Cancelled`, or `CorruptedArtifact`.
    pub async fn prove_iris_code(
        self: Arc<Self>,
        input: IrisCodeInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<IrisCodeStatementProof, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let worker_flag = flag.clone();
        background::run(flag, move || {
            self.prove_iris_code_blocking(input, listener, worker_flag)
        })
        .await
    }
}

impl ProvingMaterials {
    fn prove_iris_code_blocking(
        &self,
        input: IrisCodeInput,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Arc<AtomicBool>,
    ) -> Result<IrisCodeStatementProof, ZkbioError> {
        let StatementCircuit::IrisCode(model) = &self.circuit else {
            return Err(self.wrong_statement("iris-code"));
        };
        let package = &model.package;
        let statement = package.statement();
        let pixels = statement.image_rows() * statement.image_cols();
        let IrisCodeInput {
            image,
            mask,
            salt_img,
            salt_code,
            binding,
        } = input;
        let mask = field::unpack_bits("mask", &mask, pixels)?;
        let (salt_img, salt_code, binding): (Fr, Fr, Fr) =
            (salt_img.fr(), salt_code.fr(), binding.fr());
        // From here the image, mask and salts live in the circuit's input, wiped on drop.
        let input = statement.input(image, mask, salt_img, salt_code, binding)?;
        let ctl = Control::new(listener, cancel.clone());
        if ctl.is_cancelled() {
            return Err(ZkbioError::Cancelled);
        }
        ctl.progress(Phase::Witness, 0.0);
        let (witness, opening) = statement
            .witness_with_opening_using(WitnessBuilder::with_cancel(cancel), &input)
            .map_err(|e| match e {
                IrisCodeError::Input(e) => ZkbioError::from(e),
                IrisCodeError::Synthesis(e) => ZkbioError::from(e),
            })?;
        drop(input);
        let public: [Fr; 3] =
            witness
                .public_inputs()
                .try_into()
                .map_err(|_| ZkbioError::Internal {
                    why: "the iris-code witness does not have 3 public inputs".into(),
                })?;
        ctl.progress(Phase::Witness, 1.0);
        let proof = prove(&package.key().view(), witness, &mut rand::rngs::OsRng, &ctl)
            .map_err(|e| self.prove_error(e))?;
        Ok(IrisCodeStatementProof {
            proof: Groth16Proof::from(&proof),
            public_inputs: IrisCodePublicInputs::from_array(&public),
            opening: IrisCodeOpening {
                bits: IrisCodeBits::new(opening.code_bits(), opening.mask_bits()),
                salt_code: FieldElement::new(opening.salt()),
            },
        })
    }
}

/// [`verify`] for a raw-input iris-code proof (public inputs `[C_img, C_code, binding]`).
#[uniffi::export]
pub fn verify_iris_code_statement(
    vk: Arc<VerifyingKey>,
    proof: IrisCodeStatementProof,
) -> Result<(), ZkbioError> {
    verify(vk, proof.proof, proof.public_inputs.to_list())
}
