//! The enrollment flows as single calls over `zkbio_core::flows`: regenerate the iris code,
//! prove enrollment or re-enrollment (proof, public inputs, registry call, opening), confirm.
//!
//! The lifecycle: [`crate::ZkbioVault::import_enrollment`] → [`crate::ModelCache::fetch_iris_model`]
//! → [`prove_enrollment`] → the app's wallet sends [`IrisCodeProof::tx`] → once the registry
//! accepted it, [`confirm_iris_code`]. Later model versions: [`prove_reenrollment`], send,
//! confirm.

use crate::background;
use crate::control::{CancellationToken, Control, ProgressListener};
use crate::error::{guard, hex0x, ZkbioError};
use crate::field;
use crate::packages::IrisModel;
use crate::proof::{verify, Groth16Proof, VerifyingKey};
use crate::vault::{record_id, ZkbioVault};
use std::sync::Arc;
use zkbio_core::flows::{self, IrisProofRequest, RegistryTarget};

/// An iris code (no proof): code bits and mask bits (which code bits are valid), in the
/// model's order. Secret: compare it, then drop it.
#[derive(Clone, uniffi::Record)]
pub struct IrisCodeBits {
    /// The code bits.
    pub code_bits: Vec<bool>,
    /// The mask bits, as many.
    pub mask_bits: Vec<bool>,
}

impl std::fmt::Debug for IrisCodeBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisCodeBits(<{} bits redacted>)", self.code_bits.len())
    }
}

/// The private opening of `C_code`: `(code, mask, salt_code)`. Secret: whoever holds it can
/// prove things about the iris code. The vault keeps its own copy after
/// [`confirm_iris_code`].
#[derive(Clone, uniffi::Record)]
pub struct IrisCodeOpening {
    /// The code bits.
    pub code_bits: Vec<bool>,
    /// The mask bits, as many.
    pub mask_bits: Vec<bool>,
    /// `salt_code`, 32 bytes big-endian.
    pub salt_code: Vec<u8>,
}

impl std::fmt::Debug for IrisCodeOpening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IrisCodeOpening(<{} bits redacted>)",
            self.code_bits.len()
        )
    }
}

/// The iris-code statement's public inputs, each 32 bytes big-endian.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct IrisCodePublicInputs {
    /// `C_img`: the stored image's commitment (as registered).
    pub c_img: Vec<u8>,
    /// `C_code`: the new iris code's commitment.
    pub c_code: Vec<u8>,
    /// `binding = keccak256(abi.encode(chain_id, registry, wallet, nonce)) >> 8`.
    pub binding: Vec<u8>,
}

/// A transaction request, ready for any wallet (EIP-1193 `eth_sendTransaction` params:
/// see [`tx_to_eip1193_json`]).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TxRequest {
    /// The contract called (the registry), 20 bytes.
    pub to: Vec<u8>,
    /// ABI-encoded call data, selector first.
    pub data: Vec<u8>,
    /// Wei to send, 32 bytes big-endian (zero for the registry).
    pub value: Vec<u8>,
}

/// Which registry call a proof is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum IrisPurpose {
    /// `enroll`: the first iris code, with the scanner's signature.
    Enroll,
    /// `reenroll`: a newer model version's code for the same `C_img`.
    Reenroll,
}

/// A proof of the iris-code statement, the registry call that submits it, and the opening of
/// its `C_code`. It stays a Rust object (the opening lives in wiping memory until you ask for
/// it): pass it to [`confirm_iris_code`] once the registry accepted [`Self::tx`]. If the app
/// dies before confirming, prove again: the derived `salt_code` gives the same `C_code` and
/// opening.
#[derive(Debug, uniffi::Object)]
pub struct IrisCodeProof {
    inner: flows::IrisCodeProof,
}

#[uniffi::export]
impl IrisCodeProof {
    /// Which call it is for.
    pub fn purpose(&self) -> IrisPurpose {
        match self.inner.request.purpose {
            flows::IrisPurpose::Enroll => IrisPurpose::Enroll,
            flows::IrisPurpose::Reenroll => IrisPurpose::Reenroll,
        }
    }

    /// The iris model version of the code.
    pub fn version(&self) -> u32 {
        self.inner.version
    }

    /// The registry's chain id it is bound to.
    pub fn chain_id(&self) -> u64 {
        self.inner.request.chain_id
    }

    /// The registry it is bound to (20 bytes).
    pub fn registry(&self) -> Vec<u8> {
        self.inner.request.registry.to_vec()
    }

    /// The wallet that must send it (20 bytes).
    pub fn wallet(&self) -> Vec<u8> {
        self.inner.request.wallet.to_vec()
    }

    /// The wallet's registry nonce it is bound to (32 bytes big-endian).
    pub fn nonce(&self) -> Vec<u8> {
        self.inner.request.nonce.to_be_bytes::<32>().to_vec()
    }

    /// The Groth16 proof.
    pub fn proof(&self) -> Groth16Proof {
        Groth16Proof::from(&self.inner.proof)
    }

    /// Its public inputs.
    pub fn public_inputs(&self) -> IrisCodePublicInputs {
        let [c_img, c_code, binding] = &self.inner.public_inputs;
        IrisCodePublicInputs {
            c_img: field::to_bytes(c_img),
            c_code: field::to_bytes(c_code),
            binding: field::to_bytes(binding),
        }
    }

    /// The public inputs in the verifier's order `[C_img, C_code, binding]` (for [`verify`]
    /// and `public_inputs_to_snarkjs_json`).
    pub fn public_input_list(&self) -> Vec<Vec<u8>> {
        self.inner
            .public_inputs
            .iter()
            .map(field::to_bytes)
            .collect()
    }

    /// The registry call (`enroll` or `reenroll`) carrying the proof: have the subject's
    /// wallet send it.
    pub fn tx(&self) -> TxRequest {
        let tx = &self.inner.tx;
        TxRequest {
            to: tx.to.to_vec(),
            data: tx.data.clone(),
            value: tx.value.to_be_bytes::<32>().to_vec(),
        }
    }

    /// The private `(code, mask, salt_code)` opening of `C_code` (a copy, for whoever needs
    /// the plain code; secret).
    pub fn opening(&self) -> IrisCodeOpening {
        let o = &self.inner.opening;
        IrisCodeOpening {
            code_bits: o.code_bits().to_vec(),
            mask_bits: o.mask_bits().to_vec(),
            salt_code: o.salt().expose().to_vec(),
        }
    }
}

/// The iris code of record `record_id`'s stored image under `model`, without a proof (e.g. to
/// compare with a fresh capture). Runs the inference on a thread of its own; the decrypted
/// image is wiped when it is done. Fails with `InvalidInput` (the model takes another image
/// size, a bad record id) or a vault error (`RecordNotFound`, `WrongKey`, `Tampered`, …).
#[uniffi::export]
pub async fn regenerate_iris_code(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
) -> Result<IrisCodeBits, ZkbioError> {
    background::run(Arc::default(), move || {
        let id = self::record_id(&record_id)?;
        let code = flows::regenerate_iris_code(&vault.vault, &id, &model.package)?;
        Ok(IrisCodeBits {
            code_bits: code.code_bits().to_vec(),
            mask_bits: code.mask_bits().to_vec(),
        })
    })
    .await
}

/// The request in the core's terms.
fn request(
    purpose: flows::IrisPurpose,
    chain_id: u64,
    registry: &[u8],
    wallet: &[u8],
    nonce: &[u8],
) -> Result<IrisProofRequest, ZkbioError> {
    let target = RegistryTarget {
        chain_id,
        registry: field::address("registry", registry)?,
    };
    Ok(IrisProofRequest::new(
        purpose,
        target,
        field::address("wallet", wallet)?,
        field::u256("nonce", nonce)?,
    ))
}

#[allow(clippy::too_many_arguments)]
async fn prove(
    purpose: flows::IrisPurpose,
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    chain_id: u64,
    registry: Vec<u8>,
    wallet: Vec<u8>,
    nonce: Vec<u8>,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    let flag = cancel.map(|c| c.flag()).unwrap_or_default();
    let worker_flag = flag.clone();
    background::run(flag, move || {
        let id = self::record_id(&record_id)?;
        let request = request(purpose, chain_id, &registry, &wallet, &nonce)?;
        let ctl = Control::new(listener, worker_flag.clone());
        let inner = flows::prove_iris_code(
            &vault.vault,
            &id,
            &model.package,
            &request,
            &ctl,
            worker_flag,
        )?;
        Ok(Arc::new(IrisCodeProof { inner }))
    })
    .await
}

/// Proves the first iris code of record `record_id` under `model`, for the registry's
/// `enroll`, on a thread of its own (Kotlin `suspend`, Swift `async`).
///
/// The proof is bound to `(chain_id, registry, wallet, nonce)`: `registry` and `wallet` are
/// 20-byte addresses, `nonce` is `nonces(wallet)` read from the registry just before, 32 bytes
/// big-endian. What the registry would refuse is refused before any proving: `wallet` not the
/// enrolled subject (`WalletNotSubject`), an iris code already registered (`AlreadyEnrolled`),
/// a model for another image size (`InvalidInput`). `listener` and `cancel` work as for
/// `prove_image_opening`. Nothing is stored: call [`confirm_iris_code`] once the registry
/// accepted the call.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub async fn prove_enrollment(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    chain_id: u64,
    registry: Vec<u8>,
    wallet: Vec<u8>,
    nonce: Vec<u8>,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    prove(
        flows::IrisPurpose::Enroll,
        vault,
        record_id,
        model,
        chain_id,
        registry,
        wallet,
        nonce,
        listener,
        cancel,
    )
    .await
}

/// Like [`prove_enrollment`], for the registry's `reenroll`: the iris code of the same stored
/// image under a newer model version. Refused before proving: no registered code yet
/// (`NotEnrolled`), `model` not newer than the registered version (`NotNewer`),
/// `WalletNotSubject`.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub async fn prove_reenrollment(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    chain_id: u64,
    registry: Vec<u8>,
    wallet: Vec<u8>,
    nonce: Vec<u8>,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    prove(
        flows::IrisPurpose::Reenroll,
        vault,
        record_id,
        model,
        chain_id,
        registry,
        wallet,
        nonce,
        listener,
        cancel,
    )
    .await
}

/// Records in the vault that the registry accepted `proof`'s call: record `record_id`'s iris
/// model state becomes `(version, C_code, opening)`; the image and everything else are kept.
/// Fails with `CommitmentMismatch` (the opening does not open `C_code`), `NotNewer` (the
/// record already holds a newer version) or a vault error.
#[uniffi::export]
pub fn confirm_iris_code(
    vault: Arc<ZkbioVault>,
    record_id: String,
    proof: Arc<IrisCodeProof>,
) -> Result<(), ZkbioError> {
    guard(|| {
        let id = self::record_id(&record_id)?;
        Ok(flows::confirm_iris_code(&vault.vault, &id, &proof.inner)?)
    })
}

/// [`verify`] for an iris-code proof (public inputs `[C_img, C_code, binding]`), e.g. with
/// [`IrisModel::verifying_key`].
#[uniffi::export]
pub fn verify_iris_code(
    vk: Arc<VerifyingKey>,
    proof: Arc<IrisCodeProof>,
) -> Result<(), ZkbioError> {
    verify(vk, proof.proof(), proof.public_input_list())
}

/// `tx` as the JSON object of EIP-1193 `eth_sendTransaction`'s params (add `from`):
/// `{"to":"0x…","data":"0x…","value":"0x0"}`.
#[uniffi::export]
pub fn tx_to_eip1193_json(tx: TxRequest) -> Result<String, ZkbioError> {
    guard(|| {
        let to = field::address("tx.to", &tx.to)?;
        let value = field::u256("tx.value", &tx.value)?;
        Ok(serde_json::json!({
            "to": to.to_checksum(None),
            "data": hex0x(&tx.data),
            "value": format!("{value:#x}"),
        })
        .to_string())
    })
}
