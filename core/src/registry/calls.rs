//! Calls to the registry as `{to, data, value}` requests any wallet can send, and typed reads.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use serde_json::{json, Map, Value};

use super::abi::{proof_words, BiometricRegistry as R};
use super::eip712::ScannerSignature;
use super::rpc::{RpcClient, RpcTransport};
use super::RegistryError;
use crate::evm::abi::{fr_word, Groth16Verifier as V};

/// A model kind, as the registry numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ModelKind {
    /// Iris-code regeneration (Proof 1): public inputs `[C_img, C_code, binding]`.
    Iris = 0,
    /// Face match (Proof 2): public inputs `[C_emb, tau, binding]`.
    Face = 1,
    /// Face-embedding regeneration: public inputs `[C_face, C_emb, binding]`.
    FaceEmbedding = 2,
}

/// A transaction to send: callee, call data and wei, as an EIP-1193 wallet takes them
/// (`eth_sendTransaction` with `from` added by the wallet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRequest {
    /// The registry.
    pub to: Address,
    /// ABI-encoded call data, selector first.
    pub data: Vec<u8>,
    /// Wei to send (always zero for the registry).
    pub value: U256,
}

impl TxRequest {
    fn call(to: Address, call: impl SolCall) -> Self {
        Self {
            to,
            data: call.abi_encode(),
            value: U256::ZERO,
        }
    }

    /// The request as the JSON object of `eth_sendTransaction` / `eth_call`:
    /// `{"from"?, "to", "data", "value"}` with 0x-hex strings.
    pub fn to_eip1193(&self, from: Option<Address>) -> Value {
        let mut o = Map::new();
        if let Some(from) = from {
            o.insert("from".into(), json!(format!("{from:#x}")));
        }
        o.insert("to".into(), json!(format!("{:#x}", self.to)));
        o.insert(
            "data".into(),
            json!(format!("0x{}", hex::encode(&self.data))),
        );
        o.insert("value".into(), json!(format!("{:#x}", self.value)));
        Value::Object(o)
    }
}

/// A deployed `Groth16Verifier`: reads its key and its key hash (`zkbio model audit`,
/// `registry add-model --verifier`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifierContract {
    /// The verifier's address.
    pub address: Address,
}

impl VerifierContract {
    /// The verifier at `address`.
    pub fn new(address: Address) -> Self {
        Self { address }
    }

    fn read<T: RpcTransport, C: SolCall>(
        &self,
        rpc: &RpcClient<T>,
        call: C,
    ) -> Result<C::Return, RegistryError> {
        let out = rpc.call(None, &TxRequest::call(self.address, call))?;
        C::abi_decode_returns(&out).map_err(|e| RegistryError::Decode(e.to_string()))
    }

    /// Its `vkHash()`, the hash it computed from its key at deployment.
    pub fn vk_hash<T: RpcTransport>(&self, rpc: &RpcClient<T>) -> Result<B256, RegistryError> {
        self.read(rpc, V::vkHashCall {})
    }

    /// Its `nPublic()`.
    pub fn n_public<T: RpcTransport>(&self, rpc: &RpcClient<T>) -> Result<U256, RegistryError> {
        self.read(rpc, V::nPublicCall {})
    }

    /// Its `verifyingKey()`, in the constructor's layout.
    pub fn verifying_key<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
    ) -> Result<V::verifyingKeyReturn, RegistryError> {
        self.read(rpc, V::verifyingKeyCall {})
    }

    /// keccak256 of the key `verifyingKey()` returns, in the constructor's ABI encoding: what
    /// `vkHash()` must be if the contract is an honest `Groth16Verifier`.
    pub fn hash_of_reported_key<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
    ) -> Result<B256, RegistryError> {
        let k = self.verifying_key(rpc)?;
        let args = V::constructorCall {
            alpha: k.alpha,
            beta: k.beta,
            gamma: k.gamma,
            delta: k.delta,
            ic: k.ic,
        };
        Ok(alloy_primitives::keccak256(
            alloy_sol_types::SolConstructor::abi_encode(&args),
        ))
    }
}

/// A deployed registry: builds its calls and reads its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryContract {
    /// The registry's address.
    pub address: Address,
}

impl RegistryContract {
    /// The registry at `address`.
    pub fn new(address: Address) -> Self {
        Self { address }
    }

    // ---------------------------------------------------------------- subject calls

    /// `enroll`: sent by `subject`'s wallet before the scanner's `deadline` (the one it
    /// signed); `proof` is an iris-code proof of `version` for
    /// `[c_img, c_code, binding(chain, registry, subject, nonce(subject))]`.
    #[allow(clippy::too_many_arguments)]
    pub fn enroll(
        &self,
        subject: Address,
        c_img: Fr,
        c_face: Fr,
        deadline: u64,
        scanner_signature: &ScannerSignature,
        version: u32,
        c_code: Fr,
        proof: &Proof<Bn254>,
    ) -> TxRequest {
        TxRequest::call(
            self.address,
            R::enrollCall {
                subject,
                imageCommitment: fr_word(&c_img),
                faceCommitment: fr_word(&c_face),
                deadline: U256::from(deadline),
                scannerSignature: scanner_signature.as_bytes().to_vec().into(),
                version,
                codeCommitment: fr_word(&c_code),
                proof: proof_words(proof),
            },
        )
    }

    /// `reenroll`: sent by `subject`'s wallet; `proof` is an iris-code proof of the newer
    /// `version` for `[stored C_img, c_code, binding(chain, registry, subject, nonce(subject))]`.
    pub fn reenroll(
        &self,
        subject: Address,
        version: u32,
        c_code: Fr,
        proof: &Proof<Bn254>,
    ) -> TxRequest {
        TxRequest::call(
            self.address,
            R::reenrollCall {
                subject,
                version,
                codeCommitment: fr_word(&c_code),
                proof: proof_words(proof),
            },
        )
    }

    /// `registerFaceEmbedding`: sent by `subject`'s wallet; `proof` is a face-embedding proof of
    /// `version` for `[stored C_face, c_emb, binding(chain, registry, subject, nonce(subject))]`.
    pub fn register_face_embedding(
        &self,
        subject: Address,
        version: u32,
        c_emb: Fr,
        proof: &Proof<Bn254>,
    ) -> TxRequest {
        TxRequest::call(
            self.address,
            R::registerFaceEmbeddingCall {
                subject,
                version,
                embeddingCommitment: fr_word(&c_emb),
                proof: proof_words(proof),
            },
        )
    }

    /// `verifyFaceMatch`: sent by the relying party; `proof` is a face-match proof for
    /// `[stored C_emb, tau, binding(chain, registry, relying party, challenge)]`.
    pub fn verify_face_match(
        &self,
        subject: Address,
        challenge: U256,
        tau: Fr,
        proof: &Proof<Bn254>,
    ) -> TxRequest {
        TxRequest::call(
            self.address,
            R::verifyFaceMatchCall {
                subject,
                challenge,
                tau: fr_word(&tau),
                proof: proof_words(proof),
            },
        )
    }

    // ---------------------------------------------------------------- administration

    /// `addScanner` (owner only).
    pub fn add_scanner(&self, scanner: Address) -> TxRequest {
        TxRequest::call(self.address, R::addScannerCall { scanner })
    }

    /// `removeScanner` (owner only).
    pub fn remove_scanner(&self, scanner: Address) -> TxRequest {
        TxRequest::call(self.address, R::removeScannerCall { scanner })
    }

    /// `addModelVersion` (owner only): `model_hash` is the package manifest's keccak256 of the
    /// model, `vk_hash` the version's [`crate::evm::vk_hash`], `verifier` the Groth16Verifier
    /// deployed with that key (the registry checks its `vkHash()` equals `vk_hash`).
    pub fn add_model_version(
        &self,
        kind: ModelKind,
        version: u32,
        model_hash: B256,
        vk_hash: B256,
        verifier: Address,
    ) -> TxRequest {
        TxRequest::call(
            self.address,
            R::addModelVersionCall {
                kind: kind as u8,
                version,
                modelHash: model_hash,
                vkHash: vk_hash,
                verifier,
            },
        )
    }

    /// `deprecateModelVersion` (owner only).
    pub fn deprecate_model_version(&self, kind: ModelKind, version: u32) -> TxRequest {
        TxRequest::call(
            self.address,
            R::deprecateModelVersionCall {
                kind: kind as u8,
                version,
            },
        )
    }

    /// `transferOwnership` (owner only): the first step of a transfer.
    pub fn transfer_ownership(&self, new_owner: Address) -> TxRequest {
        TxRequest::call(
            self.address,
            R::transferOwnershipCall {
                newOwner: new_owner,
            },
        )
    }

    /// `acceptOwnership` (pending owner only): the second step.
    pub fn accept_ownership(&self) -> TxRequest {
        TxRequest::call(self.address, R::acceptOwnershipCall {})
    }

    // ---------------------------------------------------------------- reads

    /// Runs a view call and decodes its return value.
    pub fn read<T: RpcTransport, C: SolCall>(
        &self,
        rpc: &RpcClient<T>,
        call: C,
    ) -> Result<C::Return, RegistryError> {
        let out = rpc.call(None, &TxRequest::call(self.address, call))?;
        C::abi_decode_returns(&out).map_err(|e| RegistryError::Decode(e.to_string()))
    }

    /// The next binding nonce of `wallet` (read it right before proving enroll, reenroll or
    /// registerFaceEmbedding).
    pub fn nonce<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        wallet: Address,
    ) -> Result<U256, RegistryError> {
        self.read(rpc, R::noncesCall { wallet })
    }

    /// The record of `subject` (all zero if not enrolled).
    pub fn record<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        subject: Address,
    ) -> Result<R::Record, RegistryError> {
        self.read(rpc, R::recordOfCall { subject })
    }

    /// A model version (status `None` if it was never added).
    pub fn model_version<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        kind: ModelKind,
        version: u32,
    ) -> Result<R::ModelVersion, RegistryError> {
        self.read(
            rpc,
            R::modelVersionCall {
                kind: kind as u8,
                version,
            },
        )
    }

    /// Whether `subject` is enrolled and every model version its record uses is Active
    /// (`isCurrent`; false once its version is deprecated, until it re-enrolls).
    pub fn is_current<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        subject: Address,
    ) -> Result<bool, RegistryError> {
        self.read(rpc, R::isCurrentCall { subject })
    }

    /// The largest version added for `kind` (0 if none); a new one must be larger.
    pub fn latest_version<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        kind: ModelKind,
    ) -> Result<u32, RegistryError> {
        self.read(rpc, R::latestVersionCall { kind: kind as u8 })
    }

    /// The subject enrolled with image commitment `c_img` (zero address if none).
    pub fn subject_of_image<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        c_img: Fr,
    ) -> Result<Address, RegistryError> {
        self.read(
            rpc,
            R::subjectOfImageCall {
                imageCommitment: fr_word(&c_img),
            },
        )
    }

    /// Whether `scanner` is an active scanner.
    pub fn is_scanner<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        scanner: Address,
    ) -> Result<bool, RegistryError> {
        self.read(rpc, R::isScannerCall { scanner })
    }

    /// The owner.
    pub fn owner<T: RpcTransport>(&self, rpc: &RpcClient<T>) -> Result<Address, RegistryError> {
        self.read(rpc, R::ownerCall {})
    }

    /// Whether `relying_party` already used `challenge`.
    pub fn challenge_used<T: RpcTransport>(
        &self,
        rpc: &RpcClient<T>,
        relying_party: Address,
        challenge: U256,
    ) -> Result<bool, RegistryError> {
        self.read(
            rpc,
            R::challengeUsedCall {
                relyingParty: relying_party,
                challenge,
            },
        )
    }
}
