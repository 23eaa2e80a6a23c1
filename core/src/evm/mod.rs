//! On-chain Groth16 verification: the `Groth16Verifier` contract, its ABI, and an embedded EVM
//! to deploy and run it without a node.
//!
//! `contracts/src/Groth16Verifier.sol` is compiled once, reproducibly
//! (`node contracts/build-verifier.js`), into `Groth16Verifier.json` next to this file, which is
//! committed and embedded here; the test `tests/verifier_bytecode.rs` recompiles and compares.
//! Every model version deploys its own instance of that same bytecode with its own verification
//! key as constructor arguments.

pub mod abi;
mod embedded;

use alloy_sol_types::SolCall;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use serde::Deserialize;

pub use abi::{constructor_args, solidity_calldata, verify_proof_calldata, vk_hash};
pub use alloy_primitives::Address;
pub use embedded::{CallOutcome, CallStatus, Deployment, EmbeddedEvm};

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

/// Deploys a verifier for `vk` into `evm`.
pub fn deploy_verifier(
    evm: &mut EmbeddedEvm,
    vk: &VerifyingKey<Bn254>,
) -> Result<Deployment, EvmError> {
    evm.deploy(&verifier_init_code(vk)?)
}

/// Calls `verifyProof` of the verifier at `verifier` (without changing state).
pub fn verify_on(
    evm: &mut EmbeddedEvm,
    verifier: Address,
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Result<EvmVerdict, EvmError> {
    verify_calldata_on(evm, verifier, &verify_proof_calldata(proof, public_inputs))
}

/// Calls the verifier at `verifier` with raw `verifyProof` call data, for callers that need
/// encodings [`verify_proof_calldata`] cannot produce (e.g. out-of-range inputs in tests).
pub fn verify_calldata_on(
    evm: &mut EmbeddedEvm,
    verifier: Address,
    calldata: &[u8],
) -> Result<EvmVerdict, EvmError> {
    let out = evm.view(verifier, calldata)?.into_success()?;
    let accepted = abi::Groth16Verifier::verifyProofCall::abi_decode_returns(&out.output)
        .map_err(|e| EvmError::Decode(e.to_string()))?;
    Ok(EvmVerdict {
        accepted,
        gas_used: out.gas_used,
    })
}

/// Deploys a verifier for `vk` into a fresh [`EmbeddedEvm`] and asks it about `proof`.
///
/// The verdict is the contract's: `accepted == false` for a wrong proof, a wrong number of
/// inputs or malformed points. Errors are reserved for keys the contract cannot take and for
/// EVM failures.
pub fn deploy_and_verify(
    vk: &VerifyingKey<Bn254>,
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Result<EvmVerdict, EvmError> {
    let mut evm = EmbeddedEvm::new();
    let verifier = deploy_verifier(&mut evm, vk)?;
    verify_on(&mut evm, verifier.address, proof, public_inputs)
}
