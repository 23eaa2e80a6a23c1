//! Registering the face embedding (registry kind 2, `registerFaceEmbedding`): prove that the
//! face model's embedding `E` of the scanner-signed face crop opens `C_emb`, then, once the
//! registry accepted the call, store `(face version, C_emb, E, salt_emb)` in the vault.
//!
//! `salt_emb` is derived, not drawn: `SHA3-512("zkbio/salt-emb/v1" || salt_face || u32 version)`
//! reduced mod `r` (docs/PROTOCOL.md), as `salt_code` is from `salt_img`. Proving again for the
//! same version gives the same `C_emb` and opening, so an app that dies between the registry's
//! acceptance and [`confirm_face_embedding`] can prove again and confirm.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use alloy_primitives::{Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_ff::PrimeField;
use ark_groth16::Proof;
use sha3::{Digest, Sha3_512};
use zeroize::{Zeroize, Zeroizing};
use zkbio_circuits::gadgets::commitment::{commit, int8_byte, CommitKind, Geometry};
use zkbio_circuits::{Circuit, WitnessBuilder};

use super::face_package::FaceModelPackage;
use super::iris::Control;
use super::transfer::{field_bytes, fr_of};
use super::{FlowError, RegistryTarget};
use crate::groth16::{prove, Phase, ProveControl, ProveError};
use crate::registry::{binding, RegistryContract, TxRequest};
use crate::vault::{EmbeddingOpening, EnrollmentBundle, FaceModelState, RecordId, Salt, Vault};

/// A proof of the face-embedding statement, the `registerFaceEmbedding` call that submits it,
/// and the opening of its `C_emb`.
#[derive(Clone, Debug)]
pub struct FaceEmbeddingProof {
    /// The registry it is bound to.
    pub target: RegistryTarget,
    /// The sending wallet (the subject).
    pub wallet: Address,
    /// The wallet's registry nonce the binding used.
    pub nonce: U256,
    /// The face model version.
    pub version: u32,
    /// The Groth16 proof.
    pub proof: Proof<Bn254>,
    /// `[C_face, C_emb, binding]`.
    pub public_inputs: [Fr; 3],
    /// The registry call, `{to, data, value}` for the subject's wallet.
    pub tx: TxRequest,
    /// `(E as bytes e + 128, salt_emb)`: for the vault once the registry accepted the call
    /// ([`confirm_face_embedding`]). Wiped on drop.
    pub opening: EmbeddingOpening,
}

/// `salt_emb = SHA3-512("zkbio/salt-emb/v1" || salt_face || u32 version) mod r` (see the
/// module docs for why it is derived).
pub fn derive_salt_emb(salt_face: &Salt, version: u32) -> Fr {
    let mut digest = Sha3_512::new()
        .chain_update(b"zkbio/salt-emb/v1")
        .chain_update(salt_face.expose())
        .chain_update(version.to_be_bytes())
        .finalize();
    let salt = Fr::from_be_bytes_mod_order(&digest);
    digest.as_mut_slice().zeroize();
    salt
}

/// `C_emb = Commit(FaceEmbedding, [D], bytes; salt)` of an opening's bytes (`e + 128`).
pub(super) fn opening_commitment(opening: &EmbeddingOpening) -> Result<Fr, FlowError> {
    let bytes = opening.embedding();
    let geometry = Geometry::new(&[bytes.len()])
        .map_err(|e| FlowError::InvalidInput(format!("face embedding: {e}")))?;
    Ok(commit(
        CommitKind::FaceEmbedding,
        &geometry,
        bytes,
        fr_of(opening.salt().expose()),
    ))
}

/// Refuses, before any proving, what the registry would refuse or what cannot be proved.
fn check_request(
    bundle: &EnrollmentBundle,
    package: &FaceModelPackage,
    wallet: Address,
) -> Result<(), FlowError> {
    if wallet != bundle.subject {
        return Err(FlowError::WalletNotSubject {
            wallet,
            subject: bundle.subject,
        });
    }
    // The registry's registerFaceEmbedding needs an enrolled record.
    if bundle.iris_model.is_none() {
        return Err(FlowError::NotEnrolled);
    }
    if let Some(current) = &bundle.face_model {
        if package.version() <= current.version {
            return Err(FlowError::NotNewer {
                current: current.version,
                offered: package.version(),
            });
        }
    }
    let face = package.face();
    let (height, width) = (
        usize::from(bundle.face.height()),
        usize::from(bundle.face.width()),
    );
    if (height, width) != (face.height(), face.width()) {
        return Err(FlowError::FaceImageSize {
            model_height: face.height(),
            model_width: face.width(),
            height,
            width,
        });
    }
    Ok(())
}

/// A synthesis stops early only when cancelled, or for a model whose shape cannot be committed.
pub(super) fn synthesis_error(e: zkbio_circuits::SynthesisError) -> FlowError {
    match e {
        zkbio_circuits::SynthesisError::Cancelled => FlowError::Cancelled,
        other => FlowError::Model(other.to_string()),
    }
}

/// Maps the prover's refusals onto the flow's errors.
pub(super) fn prove_error(e: ProveError) -> FlowError {
    match e {
        ProveError::Cancelled => FlowError::Cancelled,
        ProveError::KeyMismatch { .. } => FlowError::Key(format!(
            "the package's key is not for this face model's circuit: {e}"
        )),
        other => FlowError::Prove(other),
    }
}

/// Proves that record `id`'s scanner-signed face crop, through `package`'s face model, gives an
/// embedding committed in `C_emb`, bound to `(target, wallet, nonce)` (`nonce` =
/// `nonces(wallet)` read just before); returns the proof, the `registerFaceEmbedding` call and
/// the opening. Nothing is stored: call [`confirm_face_embedding`] once the registry accepted it.
///
/// Refused before any proving: a wallet that is not the subject, a record not enrolled yet (the
/// registry needs an iris enrollment first), a version not newer than the record's face
/// version, a stored crop of another size than the model's input. `ctl` gets progress and can
/// cancel; setting `cancel` also stops the witness computation. The decrypted crop exists only
/// while the witness is computed.
#[allow(clippy::too_many_arguments)]
pub fn register_face_embedding(
    vault: &Vault,
    id: &RecordId,
    package: &FaceModelPackage,
    target: RegistryTarget,
    wallet: Address,
    nonce: U256,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<FaceEmbeddingProof, FlowError> {
    let _span =
        tracing::info_span!("register_face_embedding", version = package.version()).entered();
    crate::log::flow_result(
        "register_face_embedding",
        register_face_embedding_traced(vault, id, package, target, wallet, nonce, ctl, cancel),
    )
}

#[allow(clippy::too_many_arguments)]
fn register_face_embedding_traced(
    vault: &Vault,
    id: &RecordId,
    package: &FaceModelPackage,
    target: RegistryTarget,
    wallet: Address,
    nonce: U256,
    ctl: &dyn ProveControl,
    cancel: Arc<AtomicBool>,
) -> Result<FaceEmbeddingProof, FlowError> {
    let ctl = Control {
        outer: ctl,
        cancel: cancel.clone(),
    };
    let statement = package.embedding_statement();
    let version = package.version();
    let b = binding(target.chain_id, target.registry, wallet, nonce);
    ctl.progress(Phase::Witness, 0.0);
    let timer = crate::log::Timed::start("witness");
    let (witness, embedding, salt_emb, subject, c_face) = vault.with_bundle(id, |bundle| {
        check_request(bundle, package, wallet)?;
        let salt_emb = derive_salt_emb(&bundle.salt_face, version);
        // The input owns a copy of the crop and wipes it on drop.
        let input = statement
            .input(
                bundle.face.pixels().to_vec(),
                fr_of(bundle.salt_face.expose()),
                salt_emb,
                b,
            )
            .map_err(|e| FlowError::InvalidInput(e.to_string()))?;
        if ctl.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        let embedding = Zeroizing::new(statement.embedding(&input));
        let mut wb = WitnessBuilder::with_cancel(cancel.clone());
        statement
            .synthesize(&mut wb, &input)
            .map_err(synthesis_error)?;
        Ok((
            wb.finish(),
            embedding,
            salt_emb,
            bundle.subject,
            bundle.c_face,
        ))
    })??;
    let public: [Fr; 3] = witness
        .public_inputs()
        .try_into()
        .map_err(|_| FlowError::Key("the witness does not have 3 public inputs".into()))?;
    // The registry holds the scanner-signed C_face; the witness recomputed it from the crop.
    if field_bytes(&public[0], "C_face")? != c_face {
        return Err(FlowError::CommitmentMismatch { what: "C_face" });
    }
    ctl.progress(Phase::Witness, 1.0);
    timer.done();
    let proof = prove(
        &package.embedding_key().view(),
        witness,
        &mut rand::rngs::OsRng,
        &ctl,
    )
    .map_err(prove_error)?;
    let tx = RegistryContract::new(target.registry)
        .register_face_embedding(subject, version, public[1], &proof);
    let salt = Salt::from_be_bytes(field_bytes(&salt_emb, "salt_emb")?.to_be_bytes())?;
    let opening = EmbeddingOpening::new(embedding.iter().map(|&e| int8_byte(e)).collect(), salt)?;
    Ok(FaceEmbeddingProof {
        target,
        wallet,
        nonce,
        version,
        proof,
        public_inputs: public,
        tx,
        opening,
    })
}

/// Records in the vault that the registry accepted `proof`'s call. See
/// [`record_face_embedding`].
pub fn confirm_face_embedding(
    vault: &Vault,
    id: &RecordId,
    proof: &FaceEmbeddingProof,
) -> Result<(), FlowError> {
    record_face_embedding(
        vault,
        id,
        proof.version,
        &proof.public_inputs[1],
        &proof.opening,
    )
}

/// Stores `(version, c_emb, opening)` as record `id`'s face model state, once the registry
/// holds that `C_emb`. The opening is checked against `c_emb` first, and a state never moves
/// to an older version; every other field of the record is kept.
pub fn record_face_embedding(
    vault: &Vault,
    id: &RecordId,
    version: u32,
    c_emb: &Fr,
    opening: &EmbeddingOpening,
) -> Result<(), FlowError> {
    if opening_commitment(opening)? != *c_emb {
        return Err(FlowError::CommitmentMismatch { what: "C_emb" });
    }
    let current = vault.with_bundle(id, |b| b.face_model.as_ref().map(|m| m.version))?;
    if let Some(current) = current {
        if version < current {
            return Err(FlowError::NotNewer {
                current,
                offered: version,
            });
        }
    }
    let state = FaceModelState {
        version,
        c_emb: field_bytes(c_emb, "C_emb")?,
        opening: Some(opening.clone()),
    };
    vault.update(id, move |bundle| bundle.face_model = Some(state))?;
    Ok(())
}
