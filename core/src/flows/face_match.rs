//! The face match (registry kind 1, `verifyFaceMatch`): prove that a fresh selfie matches the
//! registered face embedding at the relying party's `tau`, bound to the relying party's address
//! and challenge, revealing neither the selfie nor `E`.
//!
//! A selfie of the wrong size is [`FlowError::InvalidInput`] and one that does not match is
//! [`FlowError::FaceNoMatch`], both before any witness or proof ([`super::check_face_match`]
//! is the statement's own rule). The proof says nothing about liveness: the selfie is whatever
//! the app fed the model (the app's attestation of its camera pipeline is outside the proof).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use alloy_primitives::{Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use zeroize::Zeroizing;
use zkbio_circuits::gadgets::cosine::tau_fr;
use zkbio_circuits::{Circuit, WitnessBuilder};

use super::face::check_face_match;
use super::face_embedding::{opening_commitment, prove_error, synthesis_error};
use super::face_package::FaceModelPackage;
use super::iris::Control;
use super::transfer::fr_of;
use super::{FlowError, RegistryTarget};
use crate::groth16::{prove, Phase, ProveControl};
use crate::registry::{binding, RegistryContract, TxRequest};
use crate::vault::{RecordId, Vault};

/// What a relying party asks for: a match at `tau` for its fresh `challenge`, verified by its
/// own `verifyFaceMatch` call (the binding names the relying party, the caller of that call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaceMatchRequest {
    /// The registry.
    pub target: RegistryTarget,
    /// The relying party's address (`msg.sender` of `verifyFaceMatch`).
    pub relying_party: Address,
    /// The relying party's challenge (the binding's nonce; the registry consumes it).
    pub challenge: U256,
    /// The similarity threshold, a 16-bit fraction (`tau / 65536`).
    pub tau: u16,
}

/// A face-match proof and the `verifyFaceMatch` call the relying party sends.
#[derive(Clone, Debug)]
pub struct FaceMatchProof {
    /// What it was made for.
    pub request: FaceMatchRequest,
    /// The record's subject (whose registered `C_emb` it matches).
    pub subject: Address,
    /// The face model version.
    pub version: u32,
    /// The Groth16 proof.
    pub proof: Proof<Bn254>,
    /// `[C_emb, tau, binding]`.
    pub public_inputs: [Fr; 3],
    /// `verifyFaceMatch(subject, challenge, tau, proof)`, for the relying party's wallet.
    pub tx: TxRequest,
    /// The selfie's similarity to `E`, a 16-bit fraction (`>= tau`).
    pub similarity: u32,
}

/// The public inputs a face-match proof for `request` must verify against, given the subject's
/// registered `c_emb` (what the registry's `verifyFaceMatch` checks).
pub fn face_match_public_inputs(c_emb: Fr, request: &FaceMatchRequest) -> [Fr; 3] {
    [
        c_emb,
        tau_fr(request.tau),
        binding(
            request.target.chain_id,
            request.target.registry,
            request.relying_party,
            request.challenge,
        ),
    ]
}

/// Proves that `selfie` (the face model's input size, 8-bit grayscale, row-major) matches
/// record `id`'s registered face embedding at `request.tau`, bound to the relying party and its
/// challenge; returns the proof and the `verifyFaceMatch` call.
///
/// Refused before any proving: a selfie of the wrong size ([`FlowError::InvalidInput`]), a
/// record with no registered embedding ([`FlowError::NoFaceEmbedding`]), a package of another
/// face version than the record's ([`FlowError::FaceVersionMismatch`]), and a selfie that does
/// not match ([`FlowError::FaceNoMatch`] with its similarity). `ctl` gets progress and can
/// cancel; setting `cancel` also stops the witness computation.
pub fn prove_face_match(
    vault: &Vault,
    id: &RecordId,
    package: &FaceModelPackage,
    selfie: &[u8],
    request: &FaceMatchRequest,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<FaceMatchProof, FlowError> {
    let _span = tracing::info_span!("prove_face_match", version = package.version()).entered();
    crate::log::flow_result(
        "prove_face_match",
        prove_face_match_traced(vault, id, package, selfie, request, ctl, cancel),
    )
}

fn prove_face_match_traced(
    vault: &Vault,
    id: &RecordId,
    package: &FaceModelPackage,
    selfie: &[u8],
    request: &FaceMatchRequest,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<FaceMatchProof, FlowError> {
    let face = package.face();
    face.check_image(selfie)
        .map_err(|e| FlowError::InvalidInput(e.to_string()))?;
    let ctl = Control {
        outer: ctl,
        cancel: cancel.clone(),
    };
    let statement = package.match_statement();
    let version = package.version();
    let [_, _, b] = face_match_public_inputs(Fr::from(0u64), request);
    ctl.progress(Phase::Witness, 0.0);
    let timer = crate::log::Timed::start("witness");
    let (witness, similarity, subject) = vault.with_bundle(id, |bundle| {
        let state = bundle
            .face_model
            .as_ref()
            .ok_or(FlowError::NoFaceEmbedding)?;
        if state.version != version {
            return Err(FlowError::FaceVersionMismatch {
                registered: state.version,
                offered: version,
            });
        }
        let opening = state.opening.as_ref().ok_or(FlowError::NoFaceEmbedding)?;
        if opening.embedding().len() != face.dim() {
            return Err(FlowError::InvalidInput(format!(
                "the stored face embedding has {} values, the face model makes {}",
                opening.embedding().len(),
                face.dim()
            )));
        }
        if opening_commitment(opening)? != fr_of(&state.c_emb.to_be_bytes()) {
            return Err(FlowError::CommitmentMismatch { what: "C_emb" });
        }
        // Stored as e + 128 (C_emb's bytes).
        let template: Zeroizing<Vec<i8>> = Zeroizing::new(
            opening
                .embedding()
                .iter()
                .map(|&byte| (i16::from(byte) - 128) as i8)
                .collect(),
        );
        let similarity = check_face_match(face, selfie, &template, request.tau)?;
        if ctl.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        let input = statement
            .input(
                selfie.to_vec(),
                template.to_vec(),
                fr_of(opening.salt().expose()),
                request.tau,
                b,
            )
            .map_err(|e| FlowError::InvalidInput(e.to_string()))?;
        let mut wb = WitnessBuilder::with_cancel(cancel.clone());
        statement
            .synthesize(&mut wb, &input)
            .map_err(synthesis_error)?;
        Ok((wb.finish(), similarity, bundle.subject))
    })??;
    let public: [Fr; 3] = witness
        .public_inputs()
        .try_into()
        .map_err(|_| FlowError::Key("the witness does not have 3 public inputs".into()))?;
    ctl.progress(Phase::Witness, 1.0);
    timer.done();
    let proof = prove(
        &package.match_key().view(),
        witness,
        &mut rand::rngs::OsRng,
        &ctl,
    )
    .map_err(prove_error)?;
    let tx = RegistryContract::new(request.target.registry).verify_face_match(
        subject,
        request.challenge,
        public[1],
        &proof,
    );
    Ok(FaceMatchProof {
        request: *request,
        subject,
        version,
        proof,
        public_inputs: public,
        tx,
        similarity,
    })
}
