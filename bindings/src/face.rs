//! The face flows (issue 13) as single calls over `zkbio_core::flows`: fetch a face model
//! package, register the face embedding once, then prove a face match per relying party's
//! challenge.
//!
//! The lifecycle, after the iris enrollment: [`crate::ModelCache::fetch_face_model`] (checked
//! against the registry's [`FacePins`] of both face kinds, `RegistryReader.face_pins`) →
//! [`register_face_embedding`] → the subject's wallet sends [`FaceEmbeddingProof::tx`]
//! (`registerFaceEmbedding`) → once accepted, [`confirm_face_embedding`] (the vault keeps
//! `(face version, C_emb, E, salt_emb)`). Then, for each relying party's fresh challenge:
//! [`prove_face_match`] → the relying party sends [`FaceMatchProof::tx`] (`verifyFaceMatch`).
//!
//! The proofs say nothing about liveness: the selfie is whatever the app fed the model. An app
//! that needs liveness sends its platform's attestation of the capture alongside the proof.

use crate::background;
use crate::control::{CancellationToken, Control, ProgressListener};
use crate::error::{guard, ZkbioError};
use crate::flows::{ProofTarget, TxRequest};
use crate::packages::{self, HostFetcher, ModelCache, Observer};
use crate::proof::{verify, Groth16Proof, VerifyingKey};
use crate::values::{self, Address, Bytes32, FieldElement, Uint256};
use crate::vault::{record_id, ZkbioVault};
use crate::{DownloadListener, Fetcher};
use std::sync::Arc;
use zkbio_core::flows::{self, FaceModelPackage, FaceRegistryPins, RegistryTarget};
use zkbio_core::package::{verify_manifest, ModelKind, RegistryPin};

/// What the registry holds for one face model version, in both face kinds
/// (`modelVersion(FaceEmbedding, v)` and `modelVersion(Face, v)`; `RegistryReader.face_pins`
/// reads them). A face package must match all four hashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FacePins {
    /// The face model version (1 to 2^32 - 1, as the registry's `uint32`).
    pub version: i64,
    /// `modelHash` of the face-embedding kind (keccak256 of the `.tflite`).
    pub embedding_model_hash: Arc<Bytes32>,
    /// `vkHash` of the face-embedding kind (the `registerFaceEmbedding` verifier's key).
    pub embedding_vk_hash: Arc<Bytes32>,
    /// `modelHash` of the face-match kind (the same `.tflite`).
    pub match_model_hash: Arc<Bytes32>,
    /// `vkHash` of the face-match kind (the `verifyFaceMatch` verifier's key).
    pub match_vk_hash: Arc<Bytes32>,
}

impl FacePins {
    fn core(&self) -> FaceRegistryPins {
        FaceRegistryPins {
            embedding_model_hash: self.embedding_model_hash.array(),
            embedding_vk_hash: self.embedding_vk_hash.array(),
            match_model_hash: self.match_model_hash.array(),
            match_vk_hash: self.match_vk_hash.array(),
        }
    }
}

/// One face model version, verified and ready: the face model and both face statements'
/// memory-mapped proving keys. Share it; it is thread-safe.
#[derive(uniffi::Object)]
pub struct FaceModel {
    pub(crate) package: FaceModelPackage,
}

impl std::fmt::Debug for FaceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaceModel(v{})", self.package.version())
    }
}

fn int(v: usize) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

#[uniffi::export]
impl FaceModel {
    /// The face model version (as registered).
    pub fn version(&self) -> i64 {
        i64::from(self.package.version())
    }

    /// keccak256 of the `.tflite` (the registry's model hash of both face kinds).
    pub fn model_hash(&self) -> Arc<Bytes32> {
        Bytes32::new(self.package.model_hash())
    }

    /// The face-embedding statement's `vkHash` (registry kind 2).
    pub fn embedding_vk_hash(&self) -> Arc<Bytes32> {
        Bytes32::new(self.package.embedding_vk_hash())
    }

    /// The face-match statement's `vkHash` (registry kind 1).
    pub fn match_vk_hash(&self) -> Arc<Bytes32> {
        Bytes32::new(self.package.match_vk_hash())
    }

    /// Height of the 8-bit grayscale face crops (and selfies) the model takes.
    pub fn image_height(&self) -> i32 {
        int(self.package.face().height())
    }

    /// Width of the face crops the model takes; a selfie is `image_height × image_width` bytes,
    /// row-major.
    pub fn image_width(&self) -> i32 {
        int(self.package.face().width())
    }

    /// Values in the model's embedding `E`.
    pub fn embedding_dim(&self) -> i32 {
        int(self.package.face().dim())
    }

    /// The verifying key of face-embedding proofs (public inputs `[C_face, C_emb, binding]`).
    pub fn embedding_verifying_key(&self) -> Arc<VerifyingKey> {
        VerifyingKey::new(self.package.embedding_key().view().verifying_key())
    }

    /// The verifying key of face-match proofs (public inputs `[C_emb, tau, binding]`).
    pub fn match_verifying_key(&self) -> Arc<VerifyingKey> {
        VerifyingKey::new(self.package.match_key().view().verifying_key())
    }
}

#[uniffi::export]
impl ModelCache {
    /// Obtains a face model package and opens it, on a thread of its own (Kotlin `suspend`,
    /// Swift `async`), as `fetch_iris_model` does an iris one: `manifest_json` must be signed by
    /// one of `trusted_publishers`, a face package of `pins.version` with the pinned model hash,
    /// before anything downloads; every file's size and digests are checked; the face model
    /// parses and both keys' headers match the face statements before the first key
    /// downloads; at the end both registry kinds' pins must match (model hashes:
    /// `ModelHashMismatch`; `vkHash`es: `PackageRejected`). The options' iris image shape does
    /// not apply. `listener` and `cancel` work as for `fetch_iris_model`.
    #[allow(clippy::too_many_arguments)]
    pub async fn fetch_face_model(
        self: Arc<Self>,
        manifest_json: String,
        base_url: String,
        pins: FacePins,
        trusted_publishers: Vec<Arc<Address>>,
        fetcher: Arc<dyn Fetcher>,
        listener: Option<Arc<dyn DownloadListener>>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<FaceModel>, ZkbioError> {
        let flag = cancel.map(|c| c.flag()).unwrap_or_default();
        let observer = Observer {
            listener,
            cancel: flag.clone(),
        };
        background::run(flag, move || {
            let pin = RegistryPin {
                kind: ModelKind::Face,
                version: packages::version("pins.version", pins.version)?,
                model_hash: pins.embedding_model_hash.array(),
            };
            let trusted = values::addresses(&trusted_publishers);
            let manifest = verify_manifest(manifest_json.as_bytes(), &pin, &trusted)?;
            let package = FaceModelPackage::fetch(
                &self.cache,
                &manifest,
                &base_url,
                &HostFetcher(fetcher),
                &observer,
                &self.download_config(),
                None,
            )?;
            package.check_pins(&pins.core())?;
            Ok(Arc::new(FaceModel { package }))
        })
        .await
    }
}

/// The face-embedding statement's public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FaceEmbeddingPublicInputs {
    /// `C_face`: the scanner-signed face crop's commitment (as registered at enrollment).
    pub c_face: Arc<FieldElement>,
    /// `C_emb`: the embedding's commitment.
    pub c_emb: Arc<FieldElement>,
    /// `binding = keccak256(abi.encode(chain_id, registry, wallet, nonce)) >> 8`.
    pub binding: Arc<FieldElement>,
}

/// A proof of the face-embedding statement and the `registerFaceEmbedding` call that submits
/// it. It stays a Rust object (the opening `(E, salt_emb)` lives in wiping memory): pass it to
/// [`confirm_face_embedding`] once the registry accepted [`Self::tx`]. If the app dies before
/// confirming, prove again: the derived `salt_emb` gives the same `C_emb`.
#[derive(Debug, uniffi::Object)]
pub struct FaceEmbeddingProof {
    inner: flows::FaceEmbeddingProof,
}

#[uniffi::export]
impl FaceEmbeddingProof {
    /// The face model version.
    pub fn version(&self) -> i64 {
        i64::from(self.inner.version)
    }

    /// What it is bound to (`wallet`, the subject, must send it).
    pub fn target(&self) -> ProofTarget {
        let p = &self.inner;
        ProofTarget {
            chain_id: i64::try_from(p.target.chain_id).unwrap_or(i64::MAX),
            registry: Address::new(p.target.registry),
            wallet: Address::new(p.wallet),
            nonce: Uint256::new(p.nonce),
        }
    }

    /// The Groth16 proof.
    pub fn proof(&self) -> Groth16Proof {
        Groth16Proof::from(&self.inner.proof)
    }

    /// Its public inputs.
    pub fn public_inputs(&self) -> FaceEmbeddingPublicInputs {
        let p = &self.inner.public_inputs;
        FaceEmbeddingPublicInputs {
            c_face: FieldElement::new(p[0]),
            c_emb: FieldElement::new(p[1]),
            binding: FieldElement::new(p[2]),
        }
    }

    /// The public inputs in the verifier's order `[C_face, C_emb, binding]`.
    pub fn public_input_list(&self) -> Vec<Arc<FieldElement>> {
        self.inner
            .public_inputs
            .iter()
            .map(|x| FieldElement::new(*x))
            .collect()
    }

    /// The `registerFaceEmbedding` call carrying the proof: have the subject's wallet send it.
    pub fn tx(&self) -> TxRequest {
        tx(&self.inner.tx)
    }
}

fn tx(t: &zkbio_core::registry::TxRequest) -> TxRequest {
    TxRequest {
        to: Address::new(t.to),
        data: t.data.clone(),
        value: Uint256::new(t.value),
    }
}

/// Proves that record `record_id`'s scanner-signed face crop, through `model`, gives an
/// embedding committed in `C_emb`, for the registry's `registerFaceEmbedding`, on a thread of
/// its own (Kotlin `suspend`, Swift `async`). Bound to `target` (`wallet` is the subject,
/// `nonce` its `nonces(wallet)` read just before).
///
/// Refused before any proving: `WalletNotSubject`, `NotEnrolled` (the registry needs the iris
/// enrollment first), `NotNewer` (the record already has this face version or a newer one),
/// `InvalidInput` (`model`: the stored crop is not the model's input size). `listener` and
/// `cancel` work as for `prove_enrollment`. Nothing is stored: call [`confirm_face_embedding`]
/// once the registry accepted the call.
#[uniffi::export]
pub async fn register_face_embedding(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<FaceModel>,
    target: ProofTarget,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<FaceEmbeddingProof>, ZkbioError> {
    let flag = cancel.map(|c| c.flag()).unwrap_or_default();
    let worker_flag = flag.clone();
    background::run(flag, move || {
        let id = self::record_id(&record_id)?;
        let registry = RegistryTarget {
            chain_id: target.chain_id()?,
            registry: target.registry.0,
        };
        let ctl = Control::new(listener, worker_flag.clone());
        let inner = flows::register_face_embedding(
            &vault.vault,
            &id,
            &model.package,
            registry,
            target.wallet.0,
            target.nonce.0,
            &ctl,
            worker_flag,
        )?;
        Ok(Arc::new(FaceEmbeddingProof { inner }))
    })
    .await
}

/// Records in the vault that the registry accepted `proof`'s `registerFaceEmbedding`: record
/// `record_id`'s face state becomes `(version, C_emb, E, salt_emb)` (its public part shows in
/// `ZkbioVault.public_record(...).face_model`). Fails with `CommitmentMismatch`, `NotNewer`
/// (the record holds a newer face version) or a vault error.
#[uniffi::export]
pub fn confirm_face_embedding(
    vault: Arc<ZkbioVault>,
    record_id: String,
    proof: Arc<FaceEmbeddingProof>,
) -> Result<(), ZkbioError> {
    guard(|| {
        let id = self::record_id(&record_id)?;
        Ok(flows::confirm_face_embedding(
            &vault.vault,
            &id,
            &proof.inner,
        )?)
    })
}

/// [`verify`] for a face-embedding proof, e.g. with [`FaceModel::embedding_verifying_key`].
#[uniffi::export]
pub fn verify_face_embedding(
    vk: Arc<VerifyingKey>,
    proof: Arc<FaceEmbeddingProof>,
) -> Result<(), ZkbioError> {
    verify(vk, proof.proof(), proof.public_input_list())
}

/// What a relying party asks for: a match at `tau` for its fresh `challenge`, verified by its
/// own `verifyFaceMatch` call (the binding names the relying party, that call's sender).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FaceMatchRequest {
    /// The registry's chain id (EIP-155; non-negative).
    pub chain_id: i64,
    /// The registry contract.
    pub registry: Arc<Address>,
    /// The relying party's address (`msg.sender` of `verifyFaceMatch`).
    pub relying_party: Arc<Address>,
    /// The relying party's challenge (the binding's nonce; the registry consumes it).
    pub challenge: Arc<Uint256>,
    /// The similarity threshold as a 16-bit fraction: the match needs
    /// `cosine(model(selfie), E) >= tau / 65536`; 0 to 65535.
    pub tau: i32,
}

impl FaceMatchRequest {
    fn core(&self) -> Result<flows::FaceMatchRequest, ZkbioError> {
        let chain_id = u64::try_from(self.chain_id)
            .map_err(|_| ZkbioError::invalid("request.chain_id", "negative"))?;
        let tau = u16::try_from(self.tau)
            .map_err(|_| ZkbioError::invalid("request.tau", "not in 0..=65535"))?;
        Ok(flows::FaceMatchRequest {
            target: RegistryTarget {
                chain_id,
                registry: self.registry.0,
            },
            relying_party: self.relying_party.0,
            challenge: self.challenge.0,
            tau,
        })
    }
}

/// The face-match statement's public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct FaceMatchPublicInputs {
    /// `C_emb`: the registered embedding's commitment.
    pub c_emb: Arc<FieldElement>,
    /// `tau` as the field element the verifier takes.
    pub tau: Arc<FieldElement>,
    /// `binding = keccak256(abi.encode(chain_id, registry, relying_party, challenge)) >> 8`.
    pub binding: Arc<FieldElement>,
}

impl FaceMatchPublicInputs {
    pub(crate) fn from_array(p: &[ark_bn254::Fr; 3]) -> Self {
        FaceMatchPublicInputs {
            c_emb: FieldElement::new(p[0]),
            tau: FieldElement::new(p[1]),
            binding: FieldElement::new(p[2]),
        }
    }
}

/// The public inputs a face-match proof for `request` must verify against, given the subject's
/// registered `c_emb` (`RegistryReader.record(subject).c_emb`): what the registry's
/// `verifyFaceMatch` checks, for a relying party verifying off chain.
#[uniffi::export]
pub fn face_match_public_inputs(
    c_emb: Arc<FieldElement>,
    request: FaceMatchRequest,
) -> Result<FaceMatchPublicInputs, ZkbioError> {
    guard(|| {
        let p = flows::face_match_public_inputs(c_emb.fr(), &request.core()?);
        Ok(FaceMatchPublicInputs::from_array(&p))
    })
}

/// A face-match proof and the `verifyFaceMatch` call the relying party sends.
#[derive(Debug, uniffi::Object)]
pub struct FaceMatchProof {
    inner: flows::FaceMatchProof,
}

#[uniffi::export]
impl FaceMatchProof {
    /// What it was made for.
    pub fn request(&self) -> FaceMatchRequest {
        let r = &self.inner.request;
        FaceMatchRequest {
            chain_id: i64::try_from(r.target.chain_id).unwrap_or(i64::MAX),
            registry: Address::new(r.target.registry),
            relying_party: Address::new(r.relying_party),
            challenge: Uint256::new(r.challenge),
            tau: i32::from(r.tau),
        }
    }

    /// The record's subject (whose registered `C_emb` it matches).
    pub fn subject(&self) -> Arc<Address> {
        Address::new(self.inner.subject)
    }

    /// The face model version.
    pub fn version(&self) -> i64 {
        i64::from(self.inner.version)
    }

    /// The selfie's similarity to `E`, a 16-bit fraction (`>= tau`; 65536 is identical).
    pub fn similarity(&self) -> i32 {
        i32::try_from(self.inner.similarity).unwrap_or(i32::MAX)
    }

    /// The Groth16 proof.
    pub fn proof(&self) -> Groth16Proof {
        Groth16Proof::from(&self.inner.proof)
    }

    /// Its public inputs.
    pub fn public_inputs(&self) -> FaceMatchPublicInputs {
        FaceMatchPublicInputs::from_array(&self.inner.public_inputs)
    }

    /// The public inputs in the verifier's order `[C_emb, tau, binding]`.
    pub fn public_input_list(&self) -> Vec<Arc<FieldElement>> {
        self.inner
            .public_inputs
            .iter()
            .map(|x| FieldElement::new(*x))
            .collect()
    }

    /// `verifyFaceMatch(subject, challenge, tau, proof)`: the relying party's wallet sends it.
    pub fn tx(&self) -> TxRequest {
        tx(&self.inner.tx)
    }
}

/// Proves that `selfie` (the face model's input, `image_height × image_width` 8-bit grayscale
/// bytes, row-major) matches record `record_id`'s registered face embedding at `request.tau`,
/// bound to the relying party and its challenge, on a thread of its own (Kotlin `suspend`,
/// Swift `async`).
///
/// Refused before any proving: `InvalidInput` (`selfie` of the wrong size; `request`),
/// `NoFaceEmbedding` (none confirmed in the record), `FaceVersionMismatch` (`model` is not the
/// record's face version), and `FaceNoMatch` with the similarity when the selfie does not
/// match. `listener` and `cancel` work as for `prove_enrollment`.
#[uniffi::export]
pub async fn prove_face_match(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<FaceModel>,
    selfie: Vec<u8>,
    request: FaceMatchRequest,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<FaceMatchProof>, ZkbioError> {
    let flag = cancel.map(|c| c.flag()).unwrap_or_default();
    let worker_flag = flag.clone();
    background::run(flag, move || {
        let id = self::record_id(&record_id)?;
        let request = request.core()?;
        // Named here: the core's `InvalidInput` also covers the stored embedding.
        model
            .package
            .face()
            .check_image(&selfie)
            .map_err(|e| ZkbioError::invalid("selfie", e))?;
        let selfie = zeroize::Zeroizing::new(selfie);
        let ctl = Control::new(listener, worker_flag.clone());
        let inner = flows::prove_face_match(
            &vault.vault,
            &id,
            &model.package,
            &selfie,
            &request,
            &ctl,
            worker_flag,
        )?;
        Ok(Arc::new(FaceMatchProof { inner }))
    })
    .await
}

/// [`verify`] for a face-match proof, e.g. with [`FaceModel::match_verifying_key`].
#[uniffi::export]
pub fn verify_face_match(
    vk: Arc<VerifyingKey>,
    proof: Arc<FaceMatchProof>,
) -> Result<(), ZkbioError> {
    verify(vk, proof.proof(), proof.public_input_list())
}
