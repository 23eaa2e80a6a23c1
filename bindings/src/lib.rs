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
//! - [`ZkbioError`]: every failure, typed; no panic crosses the boundary.
//!
//! Field elements and coordinates cross the boundary as **32 bytes, big-endian** (docs/PROTOCOL.md):
//! Kotlin `ByteArray`, Swift `Data`.
#![deny(missing_docs)]

mod background;
mod control;
mod error;
mod field;
mod image_opening;
mod materials;
mod proof;

pub use control::{CancellationToken, ProgressListener, ProvingPhase};
pub use error::ZkbioError;
pub use image_opening::{ImageOpeningInput, ImageOpeningProof, ImageOpeningPublicInputs};
pub use materials::{ProvingMaterials, Statement};
pub use proof::{
    proof_to_snarkjs_json, public_inputs_to_snarkjs_json, verify, verify_image_opening, G1Point,
    G2Point, Groth16Proof, VerifyingKey,
};

uniffi::setup_scaffolding!("zkbio");

#[cfg(test)]
mod tests;
