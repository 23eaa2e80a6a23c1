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
//! - [`ZkbioError`]: every failure, typed; no panic crosses the boundary.
//!
//! Field elements and coordinates cross the boundary as **32 bytes, big-endian** (docs/PROTOCOL.md):
//! Kotlin `ByteArray`, Swift `Data`; Ethereum addresses as 20 bytes, 256-bit integers (nonces,
//! wei) as 32 bytes big-endian.
#![deny(missing_docs)]

mod background;
mod control;
mod error;
mod field;
mod flows;
mod image_opening;
mod materials;
mod packages;
mod proof;
mod vault;

pub use control::{CancellationToken, ProgressListener, ProvingPhase};
pub use error::ZkbioError;
pub use flows::{
    confirm_iris_code, prove_enrollment, prove_reenrollment, regenerate_iris_code,
    tx_to_eip1193_json, verify_iris_code, IrisCodeBits, IrisCodeOpening, IrisCodeProof,
    IrisCodePublicInputs, IrisPurpose, TxRequest,
};
pub use image_opening::{ImageOpeningInput, ImageOpeningProof, ImageOpeningPublicInputs};
pub use materials::{ProvingMaterials, Statement};
pub use packages::{
    DownloadEvent, DownloadListener, DownloadOptions, FetchError, Fetcher, IrisModel, ModelCache,
    ModelPin,
};
pub use proof::{
    proof_to_snarkjs_json, public_inputs_to_snarkjs_json, verify, verify_image_opening, G1Point,
    G2Point, Groth16Proof, VerifyingKey,
};
pub use vault::{
    EnrollmentRecord, ImportedEnrollment, KeyStoreError, ModelCommitment, VaultKeyStore, ZkbioVault,
};

uniffi::setup_scaffolding!("zkbio");

#[cfg(test)]
mod tests;
