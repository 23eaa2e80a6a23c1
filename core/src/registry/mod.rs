//! The on-chain registry (`contracts/src/BiometricRegistry.sol`) from the wallet's side: the
//! `binding` public input, the scanner's EIP-712 attestation, ABI-encoded calls ready for any
//! wallet, typed decoding of the registry's custom errors, and a small JSON-RPC client with
//! local transaction signing for the CLI and tests. Deploying contracts (through a node, or into
//! the embedded EVM) is behind the feature `evm`, which the phone library does not enable.
//!
//! Ethereum's encodings are alloy's: ABI (`alloy-sol-types`), RLP, CREATE addresses, EIP-1559
//! transactions and their signing (`alloy-primitives`, `alloy-consensus`, `alloy-signer-local`),
//! JSON-RPC envelopes (`alloy-json-rpc`). What stays ours: the registry's rules (binding,
//! EIP-712 attestation, typed reverts), the EIP-1193 request shape a wallet takes
//! ([`TxRequest::to_eip1193`]: `data`, which wallets read, where alloy's request writes `input`),
//! and a blocking JSON-RPC transport, because `alloy-provider` is async (tokio), which neither the
//! synchronous CLI nor the phone library wants (`scripts/check-phone-deps.sh` checks tokio).
//!
//! The rules (docs/PROTOCOL.md, section "Registry"):
//! - every proof's last public input is [`binding`]`(chain_id, registry, wallet, nonce)`;
//! - `enroll`, `reenroll` and `registerFaceEmbedding` are sent by the subject's own wallet and
//!   bind `(subject, nonces(subject))`; the registry increments that nonce on success, so the
//!   prover reads it ([`RegistryContract::nonce`]) right before proving;
//! - `verifyFaceMatch` is sent by the relying party and binds `(relying party, challenge)`; the
//!   challenge is then used up;
//! - public inputs: iris code `[C_img, C_code, binding]`, face embedding
//!   `[C_face, C_emb, binding]`, face match `[C_emb, tau, binding]`.
//!
//! ```no_run
//! # use zkbio_core::registry::*;
//! # fn demo<T: RpcTransport>(rpc: &RpcClient<T>, registry: RegistryContract, wallet: &LocalSigner)
//! #     -> Result<(), RegistryError> {
//! let chain_id = rpc.chain_id()?;
//! let nonce = registry.nonce(rpc, wallet.address())?;
//! let b = binding(chain_id, registry.address, wallet.address(), nonce);
//! // ... prove the iris-code statement with `b` as its binding, then:
//! # let (c_img, c_face, c_code, version) = Default::default();
//! # let sig = ScannerSignature::from_bytes(&[0; 65])?;
//! # let proof: ark_groth16::Proof<ark_bn254::Bn254> = Default::default();
//! # let deadline = 0;
//! let tx = registry.enroll(wallet.address(), c_img, c_face, deadline, &sig, version, c_code, &proof);
//! let receipt = rpc.send_signed(wallet, &tx)?; // or hand `tx.to_eip1193(..)` to a wallet
//! # Ok(()) }
//! ```

mod abi;
mod calls;
#[cfg(feature = "evm")]
mod deploy;
mod eip712;
mod revert;
mod rpc;
mod signer;

#[cfg(test)]
mod tests;

pub use abi::{proof_words, BiometricRegistry, IGroth16Verifier};
pub use calls::{ModelKind, RegistryContract, TxRequest, VerifierContract};
#[cfg(feature = "evm")]
pub use deploy::{
    add_model_with_verifier, creation_code, deploy_registry, deploy_verifier, registry_init_code,
    AddedModel, Deployed, EmbeddedRegistry, REGISTRY_ARTIFACT_JSON,
};
pub use eip712::{
    binding, binding_word, domain_separator, enrollment_digest, fr_from_word, ScannerSignature,
    DOMAIN_NAME, DOMAIN_VERSION, ENROLLMENT_TYPE,
};
pub use revert::Revert;
#[cfg(feature = "http-fetcher")]
pub use rpc::HttpTransport;
pub use rpc::{Log, Receipt, RpcClient, RpcError, RpcTransport};
pub use signer::{create_address, LocalSigner};
// The transaction and signature types are alloy's.
pub use alloy_consensus::TxEip1559;
pub use alloy_primitives::Signature;

pub use alloy_primitives::{Address, B256, U256};

/// Errors of registry encoding, signing and node interaction.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The node could not be reached or answered with an error that is not a revert.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The call reverted; the revert data decoded (a registry custom error when it is one).
    #[error("reverted: {0}")]
    Reverted(Revert),
    /// The transaction was mined but failed (the revert reason is not in receipts).
    #[error("transaction {hash} failed (status 0, gas used {gas_used})")]
    TransactionFailed {
        /// Its hash.
        hash: B256,
        /// Gas it used.
        gas_used: u64,
    },
    /// The transaction was not mined within the wait.
    #[error("transaction {0} not mined in time")]
    NotMined(B256),
    /// Data from the node or the caller does not decode as expected.
    #[error("decode: {0}")]
    Decode(String),
    /// A key or signature is malformed or does not verify.
    #[error("signature: {0}")]
    Signature(String),
}
