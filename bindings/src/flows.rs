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
use crate::values::{Address, FieldElement, Uint256};
use crate::vault::{record_id, ZkbioVault};
use std::sync::Arc;
use zkbio_core::flows::{self, IrisProofRequest, RegistryTarget};

/// An iris code (no proof): code bits and mask bits (which code bits are valid), in the
/// model's order, each packed MSB-first (`np.packbits` order, docs/PROTOCOL.md): bit `i` is
/// bit `7 - i % 8` of byte `i / 8`. Secret: compare it, then drop it.
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Record)]
// Value equality in Kotlin too (a data class compares `ByteArray`s by reference).
#[uniffi::export(Eq, Hash)]
pub struct IrisCodeBits {
    /// The code bits, packed: `ceil(bit_count / 8)` bytes.
    pub code: Vec<u8>,
    /// The mask bits (1 = valid code bit), packed likewise.
    pub mask: Vec<u8>,
    /// How many bits each holds.
    pub bit_count: i32,
}

impl IrisCodeBits {
    pub(crate) fn new(code: &[bool], mask: &[bool]) -> Self {
        IrisCodeBits {
            code: field::pack_bits(code),
            mask: field::pack_bits(mask),
            bit_count: i32::try_from(code.len()).unwrap_or(i32::MAX),
        }
    }
}

impl std::fmt::Debug for IrisCodeBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisCodeBits(<{} bits redacted>)", self.bit_count)
    }
}

/// The private opening of `C_code`: `(code, mask, salt_code)`. Secret: whoever holds it can
/// prove things about the iris code. The vault keeps its own copy after
/// [`confirm_iris_code`].
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct IrisCodeOpening {
    /// The code and mask bits, packed MSB-first (as [`IrisCodeBits`]).
    pub bits: IrisCodeBits,
    /// `salt_code`.
    pub salt_code: Arc<FieldElement>,
}

impl std::fmt::Debug for IrisCodeOpening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisCodeOpening({:?})", self.bits)
    }
}

/// The iris-code statement's public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct IrisCodePublicInputs {
    /// `C_img`: the image's commitment (as registered).
    pub c_img: Arc<FieldElement>,
    /// `C_code`: the iris code's commitment.
    pub c_code: Arc<FieldElement>,
    /// `binding = keccak256(abi.encode(chain_id, registry, wallet, nonce)) >> 8`.
    pub binding: Arc<FieldElement>,
}

impl IrisCodePublicInputs {
    /// From the verifier's order `[C_img, C_code, binding]`.
    pub(crate) fn from_array(p: &[ark_bn254::Fr; 3]) -> Self {
        IrisCodePublicInputs {
            c_img: FieldElement::new(p[0]),
            c_code: FieldElement::new(p[1]),
            binding: FieldElement::new(p[2]),
        }
    }

    /// In the verifier's order.
    pub(crate) fn to_list(&self) -> Vec<Arc<FieldElement>> {
        vec![
            self.c_img.clone(),
            self.c_code.clone(),
            self.binding.clone(),
        ]
    }
}

/// What a registry proof is bound to: `binding = keccak256(abi.encode(chain_id, registry,
/// wallet, nonce)) >> 8` (docs/PROTOCOL.md). `nonce` is the registry's `nonces(wallet)`, read
/// just before proving (`RegistryReader.nonce`, or `prepare_reenrollment`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ProofTarget {
    /// The registry's chain id (EIP-155; non-negative).
    pub chain_id: i64,
    /// The registry contract.
    pub registry: Arc<Address>,
    /// The wallet that will send the call (the enrolled subject, for enroll and re-enroll).
    pub wallet: Arc<Address>,
    /// The wallet's registry nonce.
    pub nonce: Arc<Uint256>,
}

impl ProofTarget {
    pub(crate) fn chain_id(&self) -> Result<u64, ZkbioError> {
        u64::try_from(self.chain_id).map_err(|_| ZkbioError::invalid("target.chain_id", "negative"))
    }

    fn request(&self, purpose: flows::IrisPurpose) -> Result<IrisProofRequest, ZkbioError> {
        let target = RegistryTarget {
            chain_id: self.chain_id()?,
            registry: self.registry.0,
        };
        Ok(IrisProofRequest::new(
            purpose,
            target,
            self.wallet.0,
            self.nonce.0,
        ))
    }

    /// The binding public input for this target.
    pub(crate) fn binding(&self) -> Result<ark_bn254::Fr, ZkbioError> {
        Ok(zkbio_core::registry::binding(
            self.chain_id()?,
            self.registry.0,
            self.wallet.0,
            self.nonce.0,
        ))
    }
}

/// The `binding` public input of a proof for `target`:
/// `keccak256(abi.encode(chain_id, registry, wallet, nonce)) >> 8` (docs/PROTOCOL.md). The
/// vault flows compute it themselves; raw-input proofs (`prove_iris_code`) take it.
#[uniffi::export]
pub fn binding_for(target: ProofTarget) -> Result<Arc<FieldElement>, ZkbioError> {
    guard(|| target.binding().map(FieldElement::new))
}

/// A transaction request, ready for any wallet (EIP-1193 `eth_sendTransaction` params:
/// see [`tx_to_eip1193_json`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct TxRequest {
    /// The contract called (the registry).
    pub to: Arc<Address>,
    /// ABI-encoded call data, selector first.
    pub data: Vec<u8>,
    /// Wei to send (zero for the registry).
    pub value: Arc<Uint256>,
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
    pub fn version(&self) -> i64 {
        i64::from(self.inner.version)
    }

    /// What it is bound to (`wallet` must send it).
    pub fn target(&self) -> ProofTarget {
        let r = &self.inner.request;
        ProofTarget {
            // Chain ids in use are far below 2^63.
            chain_id: i64::try_from(r.chain_id).unwrap_or(i64::MAX),
            registry: Address::new(r.registry),
            wallet: Address::new(r.wallet),
            nonce: Uint256::new(r.nonce),
        }
    }

    /// The Groth16 proof.
    pub fn proof(&self) -> Groth16Proof {
        Groth16Proof::from(&self.inner.proof)
    }

    /// Its public inputs.
    pub fn public_inputs(&self) -> IrisCodePublicInputs {
        IrisCodePublicInputs::from_array(&self.inner.public_inputs)
    }

    /// The public inputs in the verifier's order `[C_img, C_code, binding]` (for [`verify`]
    /// and `public_inputs_to_snarkjs_json`).
    pub fn public_input_list(&self) -> Vec<Arc<FieldElement>> {
        self.public_inputs().to_list()
    }

    /// The registry call (`enroll` or `reenroll`) carrying the proof: have the subject's
    /// wallet send it.
    pub fn tx(&self) -> TxRequest {
        let tx = &self.inner.tx;
        TxRequest {
            to: Address::new(tx.to),
            data: tx.data.clone(),
            value: Uint256::new(tx.value),
        }
    }

    /// The private `(code, mask, salt_code)` opening of `C_code` (a copy, for whoever needs
    /// the plain code; secret).
    pub fn opening(&self) -> IrisCodeOpening {
        let o = &self.inner.opening;
        IrisCodeOpening {
            bits: IrisCodeBits::new(o.code_bits(), o.mask_bits()),
            salt_code: FieldElement::new(fr_of(o.salt().expose())),
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
        Ok(IrisCodeBits::new(code.code_bits(), code.mask_bits()))
    })
    .await
}

async fn prove(
    purpose: flows::IrisPurpose,
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    target: ProofTarget,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    let flag = cancel.map(|c| c.flag()).unwrap_or_default();
    let worker_flag = flag.clone();
    background::run(flag, move || {
        let id = self::record_id(&record_id)?;
        let request = target.request(purpose)?;
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
/// The proof is bound to `target` (`wallet` is the enrolled subject, `nonce` its
/// `nonces(wallet)` read just before). What the registry would refuse is refused before any
/// proving: `wallet` not the enrolled subject (`WalletNotSubject`), an iris code already
/// registered (`AlreadyEnrolled`), a model for another image size (`InvalidInput`). `listener`
/// and `cancel` work as for `prove_image_opening`. Nothing is stored: call
/// [`confirm_iris_code`] once the registry accepted the call.
#[uniffi::export]
pub async fn prove_enrollment(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    target: ProofTarget,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    prove(
        flows::IrisPurpose::Enroll,
        vault,
        record_id,
        model,
        target,
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
pub async fn prove_reenrollment(
    vault: Arc<ZkbioVault>,
    record_id: String,
    model: Arc<IrisModel>,
    target: ProofTarget,
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<IrisCodeProof>, ZkbioError> {
    prove(
        flows::IrisPurpose::Reenroll,
        vault,
        record_id,
        model,
        target,
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
        Ok(serde_json::json!({
            "to": tx.to.to_checksum_hex(),
            "data": hex0x(&tx.data),
            "value": format!("{:#x}", tx.value.0),
        })
        .to_string())
    })
}

/// A salt's bytes (canonical: the core checked them) as a field element.
fn fr_of(bytes: &[u8]) -> ark_bn254::Fr {
    use ark_ff::PrimeField;
    ark_bn254::Fr::from_be_bytes_mod_order(bytes)
}
