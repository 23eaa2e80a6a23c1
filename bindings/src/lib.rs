//! zkbio-ffi: the mobile surface of zkbio, a thin [UniFFI](https://mozilla.github.io/uniffi-rs/)
//! layer over `zkbio-core` for Kotlin (Android, JVM) and Swift (iOS). It holds no logic of its own:
//! it converts types, runs the core's prover off the caller's thread, and maps errors.
//!
//! - [`ProvingMaterials`]: a long-lived, shared object holding one statement's proving material
//!   (the memory-mapped `.zpk` proving key; for the iris-code statement, the model too).
//! - `prove_*` (async): run witness generation and the Groth16 prover on a thread of their own,
//!   reporting to a [`ProgressListener`] and stopping when a [`CancellationToken`] is triggered
//!   (or when the caller drops the future, e.g. a cancelled Kotlin coroutine).
//! - [`Groth16Proof`], [`verify`], [`VerifyingKey`]: typed proofs and verification; snarkjs JSON
//!   export for interop.
//! - The enrollment flows, each a single call over `zkbio_core::flows`: [`ZkbioVault`] (the
//!   encrypted vault, its key in the host's [`VaultKeyStore`]; `import_enrollment`),
//!   [`ModelCache::fetch_iris_model`] (a signed model package through the host's [`Fetcher`],
//!   checked against the registry's [`ModelPin`], as an [`IrisModel`]),
//!   [`regenerate_iris_code`], [`prove_enrollment`] / [`prove_reenrollment`] (an
//!   [`IrisCodeProof`]: proof, public inputs, registry call, opening) and [`confirm_iris_code`].
//! - [`ProvingMaterials::iris_code`] / [`ProvingMaterials::from_iris_model`] and
//!   `prove_iris_code`: the iris-code statement from raw inputs (an [`IrisCodeStatementProof`]).
//! - [`ProvingMaterials::face_embedding`] / [`ProvingMaterials::face_match`] and
//!   `prove_face_embedding_statement` / `prove_face_match_statement`: the face statements from
//!   raw inputs.
//! - The face flows (after enrollment): [`ModelCache::fetch_face_model`] (a [`FaceModel`],
//!   checked against both face kinds' [`FacePins`]), [`register_face_embedding`] (a
//!   [`FaceEmbeddingProof`]) and [`confirm_face_embedding`] once, then [`prove_face_match`] per
//!   relying party's [`FaceMatchRequest`] (a [`FaceMatchProof`]; `FaceNoMatch` with the
//!   similarity before any proving when the selfie does not match).
//! - [`RegistryReader`]: the registry's views (model pins with `vkHash`, nonces, records,
//!   challenges) over the host's [`JsonRpcTransport`], and `prepare_reenrollment`.
//! - [`set_logger`]: zkbio's logs (phases with their times, downloads, refusals; never a secret)
//!   to the app's [`Logger`] from a [`LogLevel`] up (Logcat, os_log).
//! - [`ZkbioError`]: every failure, typed; no panic crosses the boundary.
//!
//! Values cross the boundary as objects with value equality ([`FieldElement`], [`Address`],
//! [`Bytes32`], [`Uint256`]; docs/PROTOCOL.md "Encodings at the boundary"), bit strings packed
//! MSB-first, counts and versions as signed integers (Kotlin has no unsigned types in common use).
#![deny(missing_docs)]

mod background;
mod control;
mod error;
mod face;
mod face_statements;
mod field;
mod flows;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod image_opening;
mod iris_code;
mod logging;
mod materials;
mod packages;
mod proof;
mod registry;
mod values;
mod vault;

pub use control::{CancellationToken, ProgressListener, ProvingPhase};
pub use error::ZkbioError;
pub use face::{
    confirm_face_embedding, face_match_public_inputs, prove_face_match, register_face_embedding,
    verify_face_embedding, verify_face_match, FaceEmbeddingProof, FaceEmbeddingPublicInputs,
    FaceMatchProof, FaceMatchPublicInputs, FaceMatchRequest, FaceModel, FacePins,
};
pub use face_statements::{
    verify_face_embedding_statement, verify_face_match_statement, FaceEmbeddingStatementInput,
    FaceEmbeddingStatementProof, FaceMatchStatementInput, FaceMatchStatementProof,
};
pub use flows::{
    binding_for, confirm_iris_code, prove_enrollment, prove_reenrollment, regenerate_iris_code,
    tx_to_eip1193_json, verify_iris_code, IrisCodeBits, IrisCodeOpening, IrisCodeProof,
    IrisCodePublicInputs, IrisPurpose, ProofTarget, TxRequest,
};
pub use image_opening::{ImageOpeningInput, ImageOpeningProof, ImageOpeningPublicInputs};
pub use iris_code::{verify_iris_code_statement, IrisCodeInput, IrisCodeStatementProof};
pub use logging::{clear_logger, set_logger, LogLevel, Logger};
pub use materials::{ProvingMaterials, Statement};
pub use packages::{
    DownloadEvent, DownloadListener, DownloadOptions, FetchError, Fetcher, IrisModel, ModelCache,
    ModelPin,
};
pub use proof::{
    proof_to_snarkjs_json, public_inputs_to_snarkjs_json, verify, verify_image_opening, G1Point,
    G2Point, Groth16Proof, VerifyingKey,
};
pub use registry::{
    JsonRpcTransport, ModelKind, ModelStatus, ReenrollmentPlan, RegisteredModel, RegistryReader,
    RegistryRecord, RpcTransportError,
};
pub use values::{Address, Bytes32, FieldElement, Uint256};
pub use vault::{
    EnrollmentRecord, ImportedEnrollment, KeyStoreError, ModelCommitment, VaultKeyStore, ZkbioVault,
};

uniffi::setup_scaffolding!("zkbio");

#[cfg(test)]
mod tests;
