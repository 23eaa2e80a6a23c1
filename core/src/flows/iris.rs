//! The iris-code flows: regenerate, prove (enrollment or re-enrollment), confirm.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use alloy_primitives::{Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_ff::PrimeField;
use ark_groth16::Proof;
use sha3::{Digest, Sha3_512};
use zeroize::Zeroize;
use zkbio_circuits::gadgets::commitment::Geometry;
use zkbio_circuits::statements::iris_code::code_commitment;
use zkbio_circuits::WitnessBuilder;

use super::model::IrisModelPackage;
use super::transfer::{field_bytes, fr_of};
use super::FlowError;
use super::IrisStatement;
use crate::groth16::{prove, Phase, ProveControl, ProveError};
use crate::iris::IrisCode;
use crate::registry::{binding, RegistryContract, ScannerSignature, TxRequest};
use crate::vault::{
    CodeOpening, EnrollmentBundle, IrisModelState, IrisSample, RecordId, Salt, Vault,
};

/// Which registry call the proof is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IrisPurpose {
    /// `enroll`: the first iris code, with the scanner's signature.
    Enroll,
    /// `reenroll`: a newer model version's code for the stored `C_img`.
    Reenroll,
}

/// A registry deployment: the chain and the contract an enrollment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegistryTarget {
    /// The chain id.
    pub chain_id: u64,
    /// The registry's address.
    pub registry: Address,
}

/// Where and by whom the proof will be submitted: the `binding` public input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrisProofRequest {
    /// Which call.
    pub purpose: IrisPurpose,
    /// The registry's chain.
    pub chain_id: u64,
    /// The registry.
    pub registry: Address,
    /// The wallet that sends the call; the registry requires it to be the subject.
    pub wallet: Address,
    /// `nonces(wallet)` read from the registry just before proving.
    pub nonce: U256,
}

impl IrisProofRequest {
    /// A request for `purpose` on `target`, sent by `wallet` with its registry nonce `nonce`.
    pub fn new(purpose: IrisPurpose, target: RegistryTarget, wallet: Address, nonce: U256) -> Self {
        Self {
            purpose,
            chain_id: target.chain_id,
            registry: target.registry,
            wallet,
            nonce,
        }
    }
}

/// A proof of the iris-code statement, the call that submits it, and the opening of its
/// `C_code`.
#[derive(Clone, Debug)]
pub struct IrisCodeProof {
    /// What it was made for.
    pub request: IrisProofRequest,
    /// The model version.
    pub version: u32,
    /// The Groth16 proof.
    pub proof: Proof<Bn254>,
    /// `[C_img, C_code, binding]`.
    pub public_inputs: [Fr; 3],
    /// The registry call (`enroll` or `reenroll`), `{to, data, value}` for any wallet.
    pub tx: TxRequest,
    /// `(code, mask, salt_code)`: for whoever needs the plain code, and for the vault once the
    /// registry accepted the call ([`confirm_iris_code`]). Wiped on drop.
    pub opening: CodeOpening,
    /// The code's geometry in `C_code`'s tag (`[probe rows, probe cols, filters, 2]`), which
    /// checking the opening against `C_code` needs.
    pub code_geometry: Geometry,
}

/// `salt_code = SHA3-512("zkbio/salt-code/v1" || salt_img || u32 version) mod r`
/// (see the module docs of [`crate::flows`] for why it is derived).
pub fn derive_salt_code(salt_img: &Salt, version: u32) -> Fr {
    let mut digest = Sha3_512::new()
        .chain_update(b"zkbio/salt-code/v1")
        .chain_update(salt_img.expose())
        .chain_update(version.to_be_bytes())
        .finalize();
    let salt = Fr::from_be_bytes_mod_order(&digest);
    digest.as_mut_slice().zeroize();
    salt
}

fn check_shape(model: &IrisModelPackage, iris: &IrisSample) -> Result<(), FlowError> {
    let statement = model.statement();
    let (model_rows, model_cols) = (statement.image_rows(), statement.image_cols());
    if (iris.rows(), iris.cols()) != (model_rows, model_cols) {
        return Err(FlowError::ImageSize {
            model_rows,
            model_cols,
            rows: iris.rows(),
            cols: iris.cols(),
        });
    }
    Ok(())
}

/// The iris code of record `id`'s stored image under `model` (no proof): e.g. to compare with
/// a fresh capture, or to hand to a service together with a proof made later. The decrypted
/// image is wiped when this returns.
pub fn regenerate_iris_code(
    vault: &Vault,
    id: &RecordId,
    model: &IrisModelPackage,
) -> Result<IrisCode, FlowError> {
    vault.with_iris(id, |iris| {
        check_shape(model, iris)?;
        model.statement().infer(iris.image(), iris.mask())
    })?
}

/// Refuses, before any proving, what the registry would refuse.
fn check_request(
    bundle: &EnrollmentBundle,
    model: &IrisModelPackage,
    request: &IrisProofRequest,
) -> Result<(), FlowError> {
    if request.wallet != bundle.subject {
        return Err(FlowError::WalletNotSubject {
            wallet: request.wallet,
            subject: bundle.subject,
        });
    }
    check_shape(model, &bundle.iris)?;
    match (request.purpose, &bundle.iris_model) {
        (IrisPurpose::Enroll, Some(current)) => Err(FlowError::AlreadyEnrolled {
            version: current.version,
        }),
        (IrisPurpose::Enroll, None) => {
            super::transfer::check_deadline(bundle.scanner_deadline, super::transfer::unix_now())
        }
        (IrisPurpose::Reenroll, None) => Err(FlowError::NotEnrolled),
        (IrisPurpose::Reenroll, Some(current)) if model.version() <= current.version => {
            Err(FlowError::NotNewer {
                current: current.version,
                offered: model.version(),
            })
        }
        _ => Ok(()),
    }
}

/// Combines the caller's control with a cancellation flag the witness builder also watches.
pub(super) struct Control<'a> {
    pub(super) outer: &'a dyn ProveControl,
    pub(super) cancel: Arc<AtomicBool>,
}

impl ProveControl for Control<'_> {
    fn progress(&self, phase: Phase, fraction: f32) {
        self.outer.progress(phase, fraction);
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.outer.is_cancelled()
    }
}

/// Proves that record `id`'s iris, through `model`, gives a code committed in `C_code`, bound
/// to `request`; returns the proof, its public inputs, the registry call and the opening.
///
/// The decrypted image exists only while the witness is computed. `ctl` gets progress and can
/// cancel between units of work; setting `cancel` also stops the witness computation (between
/// probe rows). Nothing is stored: call [`confirm_iris_code`] once the registry accepted it.
pub fn prove_iris_code(
    vault: &Vault,
    id: &RecordId,
    model: &IrisModelPackage,
    request: &IrisProofRequest,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<IrisCodeProof, FlowError> {
    let _span = tracing::info_span!("prove_iris_code", version = model.version()).entered();
    crate::log::flow_result(
        "prove_iris_code",
        prove_iris_code_traced(vault, id, model, request, ctl, cancel),
    )
}

/// Whether the stored image still opens the record's `C_img` (committed natively): asked only
/// when the prover refused a witness, to tell a changed image from any other fault.
fn image_opens_record(
    vault: &Vault,
    id: &RecordId,
    statement: &IrisStatement,
) -> Result<bool, FlowError> {
    vault.with_bundle(id, |bundle| {
        let input = statement
            .input(
                bundle.iris.image().to_vec(),
                bundle.iris.mask().to_vec(),
                fr_of(bundle.salt_img.expose()),
                // Neither enters C_img.
                Fr::from(0u64),
                Fr::from(0u64),
            )
            .map_err(|e| FlowError::Model(e.to_string()))?;
        let [c_img, ..] = statement
            .public_inputs(&input)
            .map_err(|e| FlowError::Model(e.to_string()))?;
        Ok(field_bytes(&c_img, "C_img")? == bundle.c_img)
    })?
}

fn prove_iris_code_traced(
    vault: &Vault,
    id: &RecordId,
    model: &IrisModelPackage,
    request: &IrisProofRequest,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<IrisCodeProof, FlowError> {
    let ctl = Control {
        outer: ctl,
        cancel: cancel.clone(),
    };
    let statement = model.statement();
    let version = model.version();
    let b = binding(
        request.chain_id,
        request.registry,
        request.wallet,
        request.nonce,
    );
    ctl.progress(Phase::Witness, 0.0);
    let timer = crate::log::Timed::start("witness");
    let (witness, opening, bundle_public) = vault.with_bundle(id, |bundle| {
        check_request(bundle, model, request)?;
        let salt_code = derive_salt_code(&bundle.salt_img, version);
        // The input owns copies of the image and mask and wipes them on drop.
        let input = statement
            .input(
                bundle.iris.image().to_vec(),
                bundle.iris.mask().to_vec(),
                fr_of(bundle.salt_img.expose()),
                salt_code,
                b,
            )
            .map_err(|e| FlowError::Model(e.to_string()))?;
        if ctl.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        // The record's C_img, not the image committed natively again: the circuit enforces it.
        let c_img = fr_of(&bundle.c_img.to_be_bytes());
        let wb = WitnessBuilder::with_cancel(cancel.clone());
        let (witness, opening) = statement
            .witness_with_opening_for_commitment(wb, &input, c_img)
            .map_err(|e| match e {
                zkbio_circuits::statements::iris_code::IrisCodeError::Synthesis(_) => {
                    FlowError::Cancelled
                }
                other => FlowError::Model(other.to_string()),
            })?;
        let sig =
            ScannerSignature::from_bytes(&bundle.scanner_sig.0).map_err(FlowError::Signature)?;
        Ok((
            witness,
            opening,
            (
                bundle.subject,
                bundle.c_img,
                bundle.c_face,
                bundle.scanner_deadline,
                sig,
            ),
        ))
    })??;
    let (subject, _, c_face, deadline, sig) = bundle_public;
    let public: [Fr; 3] = witness
        .public_inputs()
        .try_into()
        .map_err(|_| FlowError::Key("the witness does not have 3 public inputs".into()))?;
    ctl.progress(Phase::Witness, 1.0);
    timer.done();
    let proof = match prove(&model.key().view(), witness, &mut rand::rngs::OsRng, &ctl) {
        Ok(proof) => proof,
        Err(ProveError::Cancelled) => return Err(FlowError::Cancelled),
        // The witness took the record's C_img; an image that does not open it is refused here.
        Err(ProveError::Unsatisfied(_)) if !image_opens_record(vault, id, statement)? => {
            return Err(FlowError::CommitmentMismatch { what: "C_img" })
        }
        Err(other) => return Err(FlowError::Prove(other)),
    };
    let registry = RegistryContract::new(request.registry);
    let c_code = public[1];
    let tx = match request.purpose {
        IrisPurpose::Enroll => registry.enroll(
            subject,
            public[0],
            fr_of(&c_face.to_be_bytes()),
            deadline,
            &sig,
            version,
            c_code,
            &proof,
        ),
        IrisPurpose::Reenroll => registry.reenroll(subject, version, c_code, &proof),
    };
    let salt = Salt::from_be_bytes(field_bytes(&opening.salt(), "salt_code")?.to_be_bytes())?;
    let code_geometry = opening.geometry();
    let opening = CodeOpening::new(
        opening.code_bits().to_vec(),
        opening.mask_bits().to_vec(),
        salt,
    )?;
    Ok(IrisCodeProof {
        request: *request,
        version,
        proof,
        public_inputs: public,
        tx,
        opening,
        code_geometry,
    })
}

/// [`prove_iris_code`] for the first registration (`enroll`).
pub fn prove_enrollment(
    vault: &Vault,
    id: &RecordId,
    model: &IrisModelPackage,
    target: RegistryTarget,
    wallet: Address,
    nonce: U256,
    ctl: &dyn ProveControl,
) -> Result<IrisCodeProof, FlowError> {
    let request = IrisProofRequest::new(IrisPurpose::Enroll, target, wallet, nonce);
    prove_iris_code(vault, id, model, &request, ctl, Arc::default())
}

/// [`prove_iris_code`] for a model upgrade (`reenroll`).
pub fn prove_reenrollment(
    vault: &Vault,
    id: &RecordId,
    model: &IrisModelPackage,
    target: RegistryTarget,
    wallet: Address,
    nonce: U256,
    ctl: &dyn ProveControl,
) -> Result<IrisCodeProof, FlowError> {
    let request = IrisProofRequest::new(IrisPurpose::Reenroll, target, wallet, nonce);
    prove_iris_code(vault, id, model, &request, ctl, Arc::default())
}

/// Records in the vault that the registry accepted `proof`'s call: the record's iris model
/// state becomes `(version, C_code, opening)`. See [`record_iris_code`].
pub fn confirm_iris_code(
    vault: &Vault,
    id: &RecordId,
    proof: &IrisCodeProof,
) -> Result<(), FlowError> {
    record_iris_code(
        vault,
        id,
        proof.version,
        &proof.public_inputs[1],
        &proof.code_geometry,
        &proof.opening,
    )
}

/// Stores `(version, c_code, opening)` as record `id`'s iris model state, once the registry
/// holds that `C_code`. The image and every other field are kept. The opening is checked
/// against `c_code` (a commitment to a code of `code_geometry`) first, and a state never moves
/// to an older version.
pub fn record_iris_code(
    vault: &Vault,
    id: &RecordId,
    version: u32,
    c_code: &Fr,
    code_geometry: &Geometry,
    opening: &CodeOpening,
) -> Result<(), FlowError> {
    let salt = fr_of(opening.salt().expose());
    let opened = code_commitment(
        code_geometry,
        opening.code_bits(),
        opening.mask_bits(),
        salt,
    );
    if opened != *c_code {
        return Err(FlowError::CommitmentMismatch { what: "C_code" });
    }
    let current = vault.with_bundle(id, |b| b.iris_model.as_ref().map(|m| m.version))?;
    if let Some(current) = current {
        if version < current {
            return Err(FlowError::NotNewer {
                current,
                offered: version,
            });
        }
    }
    let state = IrisModelState {
        version,
        c_code: field_bytes(c_code, "C_code")?,
        opening: Some(opening.clone()),
    };
    vault.update(id, move |bundle| bundle.iris_model = Some(state))?;
    Ok(())
}
