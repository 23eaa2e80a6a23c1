//! Registry reads over the host's JSON-RPC: [`RegistryReader`] calls the registry's views
//! (`modelVersion`, `nonces`, `recordOf`, `challengeUsed`, …) through a [`JsonRpcTransport`]
//! the app implements with its own provider, and decodes the ABI in Rust (`zkbio_core::registry`),
//! so the app writes no chain code. [`RegistryReader::prepare_reenrollment`] reads in one call
//! what a re-enrollment proof needs.

use crate::background;
use crate::error::ZkbioError;
use crate::face::FacePins;
use crate::flows::ProofTarget;
use crate::packages::ModelPin;
use crate::values::{Address, Bytes32, FieldElement, Uint256};
use crate::vault::{record_id, ZkbioVault};
use ark_bn254::Fr;
use std::sync::Arc;
use zkbio_core::registry::{
    self, BiometricRegistry, RegistryContract, RegistryError, RpcClient, RpcError, RpcTransport,
    U256,
};

/// Why a [`JsonRpcTransport`] could not deliver a request (Kotlin: `RpcTransportException`,
/// thrown by the app's implementation; Swift: `RpcTransportError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum RpcTransportError {
    /// The node could not be reached or the connection dropped; trying again may work.
    #[error("network error: {why}")]
    Network {
        /// The reason.
        why: String,
    },
    /// Any other failure (HTTP status without a JSON-RPC body, bad URL, …).
    #[error("transport failed: {why}")]
    Failed {
        /// The reason.
        why: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for RpcTransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RpcTransportError::Network {
            why: crate::error::unexpected_reason(e),
        }
    }
}

/// The host's JSON-RPC connection to a node (Kotlin interface, Swift protocol): the app's own
/// provider (an HTTP client on its RPC URL, a wallet SDK's transport). Called on zkbio's
/// worker thread, never the caller's, so blocking I/O is fine.
#[uniffi::export(foreign)]
pub trait JsonRpcTransport: Send + Sync {
    /// Sends one JSON-RPC 2.0 request, `body` (a JSON object with `jsonrpc`, `id`, `method`,
    /// `params`), and returns the node's response body (the JSON object with `result` or
    /// `error`) as it came. Over HTTP: `POST` with `Content-Type: application/json`; return the
    /// body even for an HTTP error status if it is a JSON-RPC response.
    fn send(&self, body: String) -> Result<String, RpcTransportError>;
}

/// The app's transport as the core's.
struct HostRpc(Arc<dyn JsonRpcTransport>);

impl RpcTransport for HostRpc {
    fn send(&self, body: &str) -> Result<String, RpcError> {
        self.0
            .send(body.to_owned())
            .map_err(|e| RpcError::Transport(e.to_string()))
    }
}

/// A registry failure in the FFI's terms.
fn registry_error(e: RegistryError) -> ZkbioError {
    let retryable = matches!(e, RegistryError::Rpc(RpcError::Transport(_)));
    ZkbioError::Registry {
        why: e.to_string(),
        retryable,
    }
}

/// Which model family a registry entry is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ModelKind {
    /// Iris-code regeneration: public inputs `[C_img, C_code, binding]`.
    Iris,
    /// Face match: public inputs `[C_emb, tau, binding]`.
    Face,
    /// Face-embedding regeneration: public inputs `[C_face, C_emb, binding]`.
    FaceEmbedding,
}

impl From<ModelKind> for registry::ModelKind {
    fn from(k: ModelKind) -> Self {
        match k {
            ModelKind::Iris => registry::ModelKind::Iris,
            ModelKind::Face => registry::ModelKind::Face,
            ModelKind::FaceEmbedding => registry::ModelKind::FaceEmbedding,
        }
    }
}

/// A model version's lifecycle on the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ModelStatus {
    /// Never added.
    None,
    /// Proofs under it are accepted.
    Active,
    /// No longer accepted (final).
    Deprecated,
}

/// A registered model version (`modelVersion(kind, version)`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct RegisteredModel {
    /// The model family.
    pub kind: ModelKind,
    /// What a package must match: version, model hash and the verifier's `vkHash` (hand it to
    /// `ModelCache.fetch_iris_model`).
    pub pin: ModelPin,
    /// The version's Groth16 verifier contract.
    pub verifier: Arc<Address>,
    /// Whether proofs under it are accepted.
    pub status: ModelStatus,
}

/// A subject's registry record (`recordOf(subject)`); versions are 0 and commitments zero where
/// nothing is registered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct RegistryRecord {
    /// Whether the subject is enrolled (has an image commitment).
    pub enrolled: bool,
    /// `C_img`.
    pub c_img: Arc<FieldElement>,
    /// `C_face`.
    pub c_face: Arc<FieldElement>,
    /// `C_code` of the registered iris version.
    pub c_code: Arc<FieldElement>,
    /// `C_emb` of the registered face version.
    pub c_emb: Arc<FieldElement>,
    /// The registered iris model version (0: none).
    pub iris_version: i64,
    /// The registered face model version (0: none).
    pub face_version: i64,
    /// The scanner that attested the enrollment.
    pub scanner: Arc<Address>,
}

/// What a re-enrollment proof needs, read from the registry in one call: prove with
/// `prove_reenrollment(vault, record_id, model, target)` where `model` is the package fetched
/// for `pin` (`ModelCache.fetch_iris_model(manifest, url, pin, …)`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
// Swift: records holding objects are Equatable and Hashable only through the export.
#[uniffi::export(Eq, Hash)]
pub struct ReenrollmentPlan {
    /// The registry's chain id, the registry, the subject's wallet and its current nonce.
    pub target: ProofTarget,
    /// The iris version registered now.
    pub current_version: i64,
    /// The newest active iris version to move to: its pin (with `vk_hash`).
    pub pin: ModelPin,
}

/// Reads the registry through the host's JSON-RPC. Every call runs on a thread of its own
/// (Kotlin `suspend`, Swift `async`), so the transport may block. Thread-safe; share one.
#[derive(uniffi::Object)]
pub struct RegistryReader {
    rpc: Arc<RpcClient<HostRpc>>,
    registry: RegistryContract,
}

impl std::fmt::Debug for RegistryReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryReader({})", self.registry.address)
    }
}

/// A stored commitment word as a field element (the registry only stores field elements; a
/// word that is not one means a wrong contract or a lying node).
fn commitment(what: &str, word: U256) -> Result<Arc<FieldElement>, ZkbioError> {
    crate::field::from_bytes::<Fr>(what, &word.to_be_bytes::<32>())
        .map(FieldElement::new)
        .map_err(|_| ZkbioError::Registry {
            why: format!("the registry's {what} is not a field element"),
            retryable: false,
        })
}

impl RegistryReader {
    /// Runs `read` against the chain on a worker thread.
    async fn run<T: Send + 'static>(
        &self,
        read: impl FnOnce(&RpcClient<HostRpc>, &RegistryContract) -> Result<T, ZkbioError>
            + Send
            + 'static,
    ) -> Result<T, ZkbioError> {
        let (rpc, registry) = (self.rpc.clone(), self.registry);
        background::run(Arc::default(), move || read(&rpc, &registry)).await
    }

    fn model_blocking(
        rpc: &RpcClient<HostRpc>,
        registry: &RegistryContract,
        kind: ModelKind,
        v: u32,
    ) -> Result<RegisteredModel, ZkbioError> {
        let m = registry
            .model_version(rpc, kind.into(), v)
            .map_err(registry_error)?;
        let status = match m.status {
            BiometricRegistry::VersionStatus::None => ModelStatus::None,
            BiometricRegistry::VersionStatus::Active => ModelStatus::Active,
            BiometricRegistry::VersionStatus::Deprecated => ModelStatus::Deprecated,
            _ => {
                return Err(ZkbioError::Registry {
                    why: "unknown model status".into(),
                    retryable: false,
                })
            }
        };
        Ok(RegisteredModel {
            kind,
            pin: ModelPin {
                version: i64::from(v),
                model_hash: Bytes32::new(m.modelHash.0),
                vk_hash: Some(Bytes32::new(m.vkHash.0)),
            },
            verifier: Address::new(m.verifier),
            status,
        })
    }

    fn record_blocking(
        rpc: &RpcClient<HostRpc>,
        registry: &RegistryContract,
        subject: registry::Address,
    ) -> Result<RegistryRecord, ZkbioError> {
        let r = registry.record(rpc, subject).map_err(registry_error)?;
        Ok(RegistryRecord {
            enrolled: !r.imageCommitment.is_zero(),
            c_img: commitment("C_img", r.imageCommitment)?,
            c_face: commitment("C_face", r.faceCommitment)?,
            c_code: commitment("C_code", r.codeCommitment)?,
            c_emb: commitment("C_emb", r.embeddingCommitment)?,
            iris_version: i64::from(r.irisVersion),
            face_version: i64::from(r.faceVersion),
            scanner: Address::new(r.scanner),
        })
    }
}

#[uniffi::export]
impl RegistryReader {
    /// A reader of the registry at `registry`, through `transport`. Nothing is sent yet.
    #[uniffi::constructor]
    pub fn new(transport: Arc<dyn JsonRpcTransport>, registry: Arc<Address>) -> Arc<Self> {
        Arc::new(RegistryReader {
            rpc: Arc::new(RpcClient::new(HostRpc(transport))),
            registry: RegistryContract::new(registry.0),
        })
    }

    /// The registry's address.
    pub fn registry(&self) -> Arc<Address> {
        Address::new(self.registry.address)
    }

    /// The node's chain id (`eth_chainId`). Fails with `Registry` (transport, node or decode
    /// failure; `retryable` for transport failures).
    pub async fn chain_id(self: Arc<Self>) -> Result<i64, ZkbioError> {
        self.run(|rpc, _| {
            let id = rpc.chain_id().map_err(registry_error)?;
            i64::try_from(id).map_err(|_| ZkbioError::Registry {
                why: format!("chain id {id} is above 2^63"),
                retryable: false,
            })
        })
        .await
    }

    /// Model version `version` of `kind` (`modelVersion`): its pin, verifier and status.
    pub async fn model_version(
        &self,
        kind: ModelKind,
        version: i64,
    ) -> Result<RegisteredModel, ZkbioError> {
        let v = crate::packages::version("version", version)?;
        self.run(move |rpc, reg| Self::model_blocking(rpc, reg, kind, v))
            .await
    }

    /// The largest version added for `kind` (`latestVersion`; 0 if none).
    pub async fn latest_version(self: Arc<Self>, kind: ModelKind) -> Result<i64, ZkbioError> {
        self.run(move |rpc, reg| {
            Ok(i64::from(
                reg.latest_version(rpc, kind.into())
                    .map_err(registry_error)?,
            ))
        })
        .await
    }

    /// `wallet`'s binding nonce (`nonces`): read it right before proving.
    pub async fn nonce(self: Arc<Self>, wallet: Arc<Address>) -> Result<Arc<Uint256>, ZkbioError> {
        self.run(move |rpc, reg| {
            Ok(Uint256::new(
                reg.nonce(rpc, wallet.0).map_err(registry_error)?,
            ))
        })
        .await
    }

    /// `subject`'s record (`recordOf`).
    pub async fn record(
        self: Arc<Self>,
        subject: Arc<Address>,
    ) -> Result<RegistryRecord, ZkbioError> {
        self.run(move |rpc, reg| Self::record_blocking(rpc, reg, subject.0))
            .await
    }

    /// Whether `scanner` is an active scanner (`isScanner`), e.g. to build the trusted list
    /// for `import_enrollment`.
    pub async fn is_scanner(self: Arc<Self>, scanner: Arc<Address>) -> Result<bool, ZkbioError> {
        self.run(move |rpc, reg| reg.is_scanner(rpc, scanner.0).map_err(registry_error))
            .await
    }

    /// Whether `relying_party` already used face-match `challenge` (`challengeUsed`): a used
    /// challenge cannot be proved against again.
    pub async fn challenge_used(
        &self,
        relying_party: Arc<Address>,
        challenge: Arc<Uint256>,
    ) -> Result<bool, ZkbioError> {
        self.run(move |rpc, reg| {
            reg.challenge_used(rpc, relying_party.0, challenge.0)
                .map_err(registry_error)
        })
        .await
    }

    /// The pins of face model version `version` in both face kinds (`modelVersion(FaceEmbedding,
    /// version)` and `modelVersion(Face, version)`), for `ModelCache.fetch_face_model`. Fails
    /// with `PackageRejected` unless both are active (a face package needs both: registering
    /// the embedding and matching against it), or `Registry`.
    pub async fn face_pins(&self, version: i64) -> Result<FacePins, ZkbioError> {
        let v = crate::packages::version("version", version)?;
        self.run(move |rpc, reg| {
            let read = |kind| -> Result<(Arc<Bytes32>, Arc<Bytes32>), ZkbioError> {
                let m = Self::model_blocking(rpc, reg, kind, v)?;
                if m.status != ModelStatus::Active {
                    return Err(ZkbioError::PackageRejected {
                        why: format!(
                            "{kind:?} model version {v} is {:?} on the registry",
                            m.status
                        ),
                    });
                }
                let vk_hash = m.pin.vk_hash.ok_or_else(|| ZkbioError::Internal {
                    why: "a registered model without vkHash".into(),
                })?;
                Ok((m.pin.model_hash, vk_hash))
            };
            let (embedding_model_hash, embedding_vk_hash) = read(ModelKind::FaceEmbedding)?;
            let (match_model_hash, match_vk_hash) = read(ModelKind::Face)?;
            Ok(FacePins {
                version,
                embedding_model_hash,
                embedding_vk_hash,
                match_model_hash,
                match_vk_hash,
            })
        })
        .await
    }

    /// Reads what re-enrolling vault record `record_id` needs: the chain id, the subject's
    /// registry record (its `C_img` must be the vault's, and an iris code must be registered),
    /// the newest iris version (it must be active and newer than the registered one) with its
    /// pin, and the subject's nonce. Fails with `NotEnrolled` (no iris code on chain),
    /// `CommitmentMismatch` (`C_img`: the chain holds another enrollment for this subject),
    /// `NotNewer` (no newer version), `PackageRejected` (the newest version is not active),
    /// `Registry`, or a vault error.
    pub async fn prepare_reenrollment(
        &self,
        vault: Arc<ZkbioVault>,
        record_id: String,
    ) -> Result<ReenrollmentPlan, ZkbioError> {
        let registry_address = self.registry.address;
        self.run(move |rpc, reg| {
            let local = vault.vault.public_record(&self::record_id(&record_id)?)?;
            let subject = local.subject;
            let chain_id = rpc.chain_id().map_err(registry_error)?;
            let onchain = Self::record_blocking(rpc, reg, subject)?;
            if onchain.iris_version == 0 {
                return Err(ZkbioError::NotEnrolled);
            }
            let local_c_img = crate::field::from_bytes::<Fr>("C_img", &local.c_img.to_be_bytes())?;
            if onchain.c_img.fr() != local_c_img {
                return Err(ZkbioError::CommitmentMismatch {
                    what: "C_img".into(),
                });
            }
            let latest = reg
                .latest_version(rpc, registry::ModelKind::Iris)
                .map_err(registry_error)?;
            if i64::from(latest) <= onchain.iris_version {
                return Err(ZkbioError::NotNewer {
                    current: onchain.iris_version,
                    offered: i64::from(latest),
                });
            }
            let model = Self::model_blocking(rpc, reg, ModelKind::Iris, latest)?;
            if model.status != ModelStatus::Active {
                return Err(ZkbioError::PackageRejected {
                    why: format!(
                        "iris model version {latest} is {:?} on the registry",
                        model.status
                    ),
                });
            }
            let nonce = reg.nonce(rpc, subject).map_err(registry_error)?;
            Ok(ReenrollmentPlan {
                target: ProofTarget {
                    chain_id: i64::try_from(chain_id).map_err(|_| ZkbioError::Registry {
                        why: format!("chain id {chain_id} is above 2^63"),
                        retryable: false,
                    })?,
                    registry: Address::new(registry_address),
                    wallet: Address::new(subject),
                    nonce: Uint256::new(nonce),
                },
                current_version: onchain.iris_version,
                pin: model.pin,
            })
        })
        .await
    }
}
