//! The verifier contract run in the [`EmbeddedEvm`]: deploy it for a key, ask it about a proof.

use alloy_sol_types::SolCall;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};

use super::{
    abi, verifier_init_code, verify_proof_calldata, Address, Deployment, EmbeddedEvm, EvmError,
    EvmVerdict,
};

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
