//! Deploying the registry without forge: its committed build artifact (compiled by the pinned
//! solc, `node contracts/build-registry.js`, checked by `tests/registry_bytecode.rs`), its init
//! code for a given owner, and deployments through a node ([`RpcClient`]) or into the embedded
//! EVM ([`EmbeddedRegistry`]).

use std::sync::OnceLock;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolConstructor};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use serde::Deserialize;

use super::abi::BiometricRegistry;
use super::calls::{ModelKind, RegistryContract, TxRequest};
use super::rpc::{Receipt, RpcClient, RpcTransport};
use super::signer::LocalSigner;
use super::RegistryError;
use crate::evm::{verifier_init_code, vk_hash, Deployment, EmbeddedEvm, EvmError};

/// The committed build artifact of `contracts/src/BiometricRegistry.sol`: compiler, settings,
/// ABI, creation and runtime bytecode, as written by `contracts/build-registry.js` (optimizer
/// 200 runs, `evmVersion` paris, as `contracts/foundry.toml`).
pub const REGISTRY_ARTIFACT_JSON: &str = include_str!("../evm/BiometricRegistry.json");

/// The fields of the artifact that the SDK uses.
#[derive(Deserialize)]
struct Artifact {
    bytecode: String,
}

/// Creation bytecode of `BiometricRegistry` (without constructor arguments), decoded once from
/// [`REGISTRY_ARTIFACT_JSON`].
///
/// # Panics
/// If the embedded artifact is malformed, which `tests/registry_bytecode.rs` rules out for the
/// committed one.
pub fn creation_code() -> &'static [u8] {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    CODE.get_or_init(|| {
        let artifact: Artifact = serde_json::from_str(REGISTRY_ARTIFACT_JSON)
            .expect("embedded BiometricRegistry artifact is JSON");
        let digits = artifact
            .bytecode
            .strip_prefix("0x")
            .expect("embedded BiometricRegistry bytecode has the 0x prefix");
        hex::decode(digits).expect("embedded BiometricRegistry bytecode is hex")
    })
}

/// Init code deploying a registry administered by `owner`: the creation code followed by the
/// ABI-encoded constructor argument `initialOwner` (not the zero address: the constructor
/// reverts with `ZeroAddress`).
pub fn registry_init_code(owner: Address) -> Vec<u8> {
    let mut code = creation_code().to_vec();
    code.extend(
        BiometricRegistry::constructorCall {
            initialOwner: owner,
        }
        .abi_encode(),
    );
    code
}

/// A contract created by a transaction mined on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// The new contract's address.
    pub address: Address,
    /// Gas the creation transaction used.
    pub gas_used: u64,
    /// The creation transaction's hash.
    pub transaction_hash: B256,
}

impl Deployed {
    fn from_receipt(receipt: &Receipt) -> Result<Self, RegistryError> {
        Ok(Self {
            address: receipt
                .contract_address
                .ok_or_else(|| RegistryError::Decode("receipt has no contractAddress".into()))?,
            gas_used: receipt.gas_used,
            transaction_hash: receipt.transaction_hash,
        })
    }
}

/// Deploys a registry administered by `owner` from `deployer` (signed locally, sent with
/// `eth_sendRawTransaction`); the owner need not be the deployer (e.g. a multisig).
pub fn deploy_registry<T: RpcTransport>(
    rpc: &RpcClient<T>,
    deployer: &LocalSigner,
    owner: Address,
) -> Result<Deployed, RegistryError> {
    Deployed::from_receipt(&rpc.deploy_signed(deployer, registry_init_code(owner))?)
}

/// Deploys a `Groth16Verifier` for `vk` from `deployer`. A key the verifier contract cannot
/// take (too many public inputs, no IC point) is [`RegistryError::Decode`].
pub fn deploy_verifier<T: RpcTransport>(
    rpc: &RpcClient<T>,
    deployer: &LocalSigner,
    vk: &VerifyingKey<Bn254>,
) -> Result<Deployed, RegistryError> {
    let code =
        verifier_init_code(vk).map_err(|e| RegistryError::Decode(format!("verifier: {e}")))?;
    Deployed::from_receipt(&rpc.deploy_signed(deployer, code)?)
}

/// A model version registered by [`add_model_with_verifier`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddedModel {
    /// The verifier deployed for the version's key.
    pub verifier: Deployed,
    /// The key's hash, pinned in the registry with the version.
    pub vk_hash: B256,
    /// Gas of the `addModelVersion` transaction.
    pub add_gas_used: u64,
}

/// Deploys a verifier for `vk` from `owner` and registers `(kind, version)` with `model_hash`,
/// `vk`'s [`vk_hash`] and that verifier (`addModelVersion`, owner only). Reverts are [`RegistryError::Reverted`]
/// with the registry's custom error, caught at gas estimation (nothing is spent on them).
pub fn add_model_with_verifier<T: RpcTransport>(
    rpc: &RpcClient<T>,
    owner: &LocalSigner,
    registry: RegistryContract,
    kind: ModelKind,
    version: u32,
    model_hash: B256,
    vk: &VerifyingKey<Bn254>,
) -> Result<AddedModel, RegistryError> {
    let hash = vk_hash(vk).map_err(|e| RegistryError::Decode(format!("verifier: {e}")))?;
    let verifier = deploy_verifier(rpc, owner, vk)?;
    let receipt = rpc.send_signed(
        owner,
        &registry.add_model_version(kind, version, model_hash, hash, verifier.address),
    )?;
    Ok(AddedModel {
        verifier,
        vk_hash: hash,
        add_gas_used: receipt.gas_used,
    })
}

/// A registry in an [`EmbeddedEvm`] (the demo, tests): deployed from the embedded artifact,
/// sent the same [`TxRequest`]s a wallet would send, read with typed view calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedRegistry {
    /// The registry (its address in the embedded EVM).
    pub contract: RegistryContract,
}

impl EmbeddedRegistry {
    /// Deploys a registry administered by `owner`, from `owner`: its address is
    /// [`super::create_address`]`(owner, nonce of owner)`. The embedded EVM's chain id is 1.
    pub fn deploy(evm: &mut EmbeddedEvm, owner: Address) -> Result<(Self, Deployment), EvmError> {
        let deployment = evm.deploy_from(owner, &registry_init_code(owner))?;
        let contract = RegistryContract::new(deployment.address);
        Ok((Self { contract }, deployment))
    }

    /// Sends `tx` (e.g. from [`RegistryContract::enroll`]) from `from` and returns the gas it
    /// used. A revert is [`EvmError::Reverted`], whose output [`super::Revert::decode`] turns
    /// into the registry's custom error.
    pub fn send(
        &self,
        evm: &mut EmbeddedEvm,
        from: Address,
        tx: &TxRequest,
    ) -> Result<u64, EvmError> {
        Ok(evm
            .call_from(from, tx.to, &tx.data)?
            .into_success()?
            .gas_used)
    }

    /// Runs the view call `call` (e.g. `BiometricRegistry::recordOfCall`) without changing
    /// state and decodes its return value.
    pub fn read<C: SolCall>(&self, evm: &mut EmbeddedEvm, call: C) -> Result<C::Return, EvmError> {
        let out = evm
            .view(self.contract.address, &call.abi_encode())?
            .into_success()?;
        C::abi_decode_returns(&out.output).map_err(|e| EvmError::Decode(e.to_string()))
    }
}
