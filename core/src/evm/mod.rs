//! On-chain Groth16 verification: the `Groth16Verifier` contract, its ABI, and (feature `evm`,
//! desktop tools and tests only) an embedded EVM to deploy and run it without a node.
//!
//! `contracts/src/Groth16Verifier.sol` is compiled once, reproducibly
//! (`node contracts/build-verifier.js`), into `Groth16Verifier.json` next to this file, which is
//! committed and embedded here; the test `tests/verifier_bytecode.rs` recompiles and compares.
//! Every model version deploys its own instance of that same bytecode with its own verification
//! key as constructor arguments.

pub mod abi;
#[cfg(feature = "evm")]
mod embedded;
#[cfg(feature = "evm")]
mod embedded_verifier;

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use serde::Deserialize;

pub use abi::{constructor_args, solidity_calldata, verify_proof_calldata, vk_hash};
pub use alloy_primitives::Address;
#[cfg(feature = "evm")]
pub use embedded::{CallOutcome, CallStatus, Deployment, EmbeddedEvm};
#[cfg(feature = "evm")]
pub use embedded_verifier::{deploy_and_verify, deploy_verifier, verify_calldata_on, verify_on};

/// Largest number of public inputs the verifier contract supports (its `MAX_PUBLIC`).
pub const MAX_PUBLIC: usize = 8;

/// The committed build artifact of `contracts/src/Groth16Verifier.sol`: compiler, settings,
/// ABI, creation and runtime bytecode, as written by `contracts/build-verifier.js`.
pub const VERIFIER_ARTIFACT_JSON: &str = include_str!("Groth16Verifier.json");

/// Errors of the EVM tooling. A proof that does not verify is not an error: see
/// [`EvmVerdict::accepted`].
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// The key has more public inputs than the contract supports.
    #[error(
        "verification key has {got} public inputs, the verifier contract supports at most {max}"
    )]
    TooManyPublicInputs {
        /// Public inputs of the key.
        got: usize,
        /// [`MAX_PUBLIC`].
        max: usize,
    },
    /// The key has no IC point (`gamma_abc_g1` is empty), so it is not a Groth16 key.
    #[error("verification key has no IC point")]
    MissingIc,
    /// The embedded artifact could not be read (a build problem, not an input problem).
    #[error("verifier artifact: {0}")]
    Artifact(String),
    /// revm refused to run the transaction (invalid transaction or state access error).
    #[error("EVM transaction rejected: {0}")]
    Transaction(String),
    /// The contract reverted.
    #[error(
        "reverted (gas used {gas_used}, revert data 0x{})",
        hex::encode(output)
    )]
    Reverted {
        /// Revert data, e.g. an ABI-encoded custom error.
        output: Vec<u8>,
        /// Gas the transaction used.
        gas_used: u64,
    },
    /// The execution aborted exceptionally (out of gas, invalid opcode, ...).
    #[error("halted: {reason} (gas used {gas_used})")]
    Halted {
        /// revm's halt reason.
        reason: String,
        /// Gas the transaction used.
        gas_used: u64,
    },
    /// The contract returned data that does not decode as its ABI says.
    #[error("undecodable return data: {0}")]
    Decode(String),
}

/// The contract's answer to `verifyProof`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvmVerdict {
    /// What `verifyProof` returned.
    pub accepted: bool,
    /// Gas of a transaction calling `verifyProof` directly (21 000 base and call data included).
    pub gas_used: u64,
}

/// The fields of the artifact that the SDK uses.
#[derive(Deserialize)]
struct Artifact {
    bytecode: String,
}

/// Creation bytecode of `Groth16Verifier` (without constructor arguments).
pub fn verifier_creation_code() -> Result<Vec<u8>, EvmError> {
    let artifact: Artifact = serde_json::from_str(VERIFIER_ARTIFACT_JSON)
        .map_err(|e| EvmError::Artifact(e.to_string()))?;
    let hex_code = artifact
        .bytecode
        .strip_prefix("0x")
        .ok_or_else(|| EvmError::Artifact("bytecode lacks the 0x prefix".into()))?;
    hex::decode(hex_code).map_err(|e| EvmError::Artifact(e.to_string()))
}

/// Init code deploying a verifier for `vk`: creation code followed by the constructor arguments.
pub fn verifier_init_code(vk: &VerifyingKey<Bn254>) -> Result<Vec<u8>, EvmError> {
    let mut code = verifier_creation_code()?;
    code.extend(constructor_args(vk)?);
    Ok(code)
}
