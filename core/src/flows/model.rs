//! An iris-model package ready for proving: the model (of either family, [`IrisStatement`])
//! and its mapped proving key.

use std::path::Path;

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use sha3::{Digest, Keccak256};
use zkbio_circuits::circom::json::VerificationKeyJson;

use super::{FlowError, IrisStatement};
use crate::groth16::key_check::check_key_view;
use crate::groth16::{KeyHeader, KeyOrigin, MappedKey};
use crate::package::{
    check_dev_marker, rejected, ArtifactCache, ArtifactRole, BeforeKey, DownloadConfig,
    DownloadObserver, Fetcher, IrisFamily, ModelKind, PackageError, VerifiedManifest,
    VerifiedPackage,
};

/// Whether a key with `n_public` public inputs and `n_constraints` constraints is made for
/// `statement`'s circuit; the reason if not.
fn key_fits(
    statement: &IrisStatement,
    n_public: usize,
    n_constraints: usize,
) -> Result<(), String> {
    if n_public != 3 {
        return Err(format!(
            "made for a circuit with {n_public} public inputs, the iris-code statement has 3"
        ));
    }
    let expected = statement.constraint_count();
    if n_constraints != expected {
        return Err(format!(
            "made for a circuit of {n_constraints} constraints, model {} has {expected}",
            statement.name()
        ));
    }
    Ok(())
}

/// The checks [`IrisModelPackage::fetch`] makes before the proving key downloads.
fn check_before_key(
    before: &BeforeKey<'_>,
    family: IrisFamily,
    insecure_dev_key: bool,
    expected_shape: Option<(usize, usize)>,
) -> Result<(), PackageError> {
    let statement = IrisStatement::from_model_bytes(family, &before.model_bytes()?)
        .map_err(|e| rejected("model", e.to_string()))?;
    if let Some((rows, cols)) = expected_shape {
        let (model_rows, model_cols) = (statement.image_rows(), statement.image_cols());
        if (model_rows, model_cols) != (rows, cols) {
            return Err(rejected(
                "model",
                format!("takes {model_rows}x{model_cols} iris images, the app makes {rows}x{cols}"),
            ));
        }
    }
    let header: &KeyHeader = before.key_header;
    check_dev_marker("proving", header.origin(), insecure_dev_key)
        .map_err(|why| rejected("proving key", why))?;
    key_fits(&statement, header.n_public(), header.n_constraints())
        .map_err(|why| rejected("proving key", why))
}

/// One iris model version with its proving key: what [`super::prove_iris_code`] needs.
///
/// The manifest's family ([`IrisFamily`]) picks the statement: the model file must be a model
/// of that family ([`FlowError::ModelFamily`] otherwise), and the key must be for that
/// statement's circuit.
///
/// Loading re-reads each file it uses and checks it again (the model's keccak256 against the
/// registry pin, the key's SHA3-256 against the manifest), so a file changed in the cache after
/// its download was verified is caught. It also checks that the key was made for this model's
/// circuit (public input count, constraint count, and the package's verification key), so a
/// mismatched package fails here with a clear error rather than as a proof the registry rejects,
/// and that the key is not forgeable or degenerate ([`crate::groth16::key_check`]).
///
/// The registry also pins each version's verification key by its hash
/// ([`crate::evm::vk_hash`], the verifier's `vkHash()`): [`IrisModelPackage::load_pinned`]
/// (or [`IrisModelPackage::check_vk_hash`]) refuses a package whose key is not that one, so a
/// publisher's key that the registry's verifier would not accept is caught before proving.
pub struct IrisModelPackage {
    version: u32,
    statement: IrisStatement,
    key: MappedKey,
    vk_hash: [u8; 32],
}

impl std::fmt::Debug for IrisModelPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IrisModelPackage")
            .field("version", &self.version)
            .field("model", &self.statement.name())
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, FlowError> {
    std::fs::read(path).map_err(|source| {
        FlowError::Package(PackageError::Io {
            op: "read",
            path: path.display().to_string(),
            source,
        })
    })
}

fn role_path(pkg: &VerifiedPackage, role: ArtifactRole) -> Result<&Path, FlowError> {
    // A VerifiedPackage has one file of each role; a missing one is a bug upstream.
    pkg.path(role)
        .ok_or_else(|| FlowError::Key(format!("the package has no {role:?} file")))
}

impl IrisModelPackage {
    /// Opens a package that [`crate::package::ArtifactCache::fetch_package`] verified.
    pub fn load(pkg: &VerifiedPackage) -> Result<Self, FlowError> {
        let _span = tracing::info_span!("load_iris_package").entered();
        let timer = crate::log::Timed::start("iris package load and key checks");
        let loaded = crate::log::flow_result("load_iris_package", Self::load_checked(pkg))?;
        timer.done();
        Ok(loaded)
    }

    fn load_checked(pkg: &VerifiedPackage) -> Result<Self, FlowError> {
        let verified = pkg.manifest();
        let manifest = verified.manifest();
        if manifest.kind != ModelKind::Iris {
            return Err(FlowError::WrongKind("face"));
        }
        let model_bytes = read(role_path(pkg, ArtifactRole::Model)?)?;
        let hash: [u8; 32] = Keccak256::digest(&model_bytes).into();
        if hash != verified.pin().model_hash {
            return Err(FlowError::Package(PackageError::ModelHashMismatch {
                expected: verified.pin().model_hash,
                found: hash,
            }));
        }
        let statement = IrisStatement::from_model_bytes(manifest.iris_family(), &model_bytes)?;
        let key_artifact = pkg
            .artifacts()
            .iter()
            .find(|a| a.role == ArtifactRole::ProvingKey)
            .ok_or_else(|| FlowError::Key("the package has no proving key".into()))?;
        let key = MappedKey::open_verified(&key_artifact.path, &key_artifact.sha3_256)?;
        let key_is_dev = key.view().origin() == KeyOrigin::InsecureDev;
        if manifest.insecure_dev_key != key_is_dev {
            return Err(FlowError::Key(format!(
                "the manifest says insecure_dev_key = {}, the key file's header says {key_is_dev}",
                manifest.insecure_dev_key
            )));
        }
        let vk_json = read(role_path(pkg, ArtifactRole::VerificationKey)?)?;
        let vk = serde_json::from_slice::<VerificationKeyJson>(&vk_json)
            .map_err(|e| FlowError::Key(format!("verification key JSON: {e}")))?
            .to_vk()
            .map_err(|e| FlowError::Key(format!("verification key: {e}")))?;
        Self::new(manifest.version, statement, key, Some(&vk))
    }

    /// Brings a package into `cache` ([`ArtifactCache::fetch_package_checked`]) and opens it.
    /// Before the proving key downloads, the model must parse as an iris model of the
    /// manifest's family (of
    /// `expected_shape` = `(rows, cols)` of the app's normalized images, if given) and the key's
    /// header must be for that model's circuit and carry the manifest's development marker;
    /// otherwise [`PackageError::Rejected`], with nothing of the key downloaded.
    pub fn fetch(
        cache: &ArtifactCache,
        manifest: &VerifiedManifest,
        base_url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
        expected_shape: Option<(usize, usize)>,
    ) -> Result<Self, FlowError> {
        if manifest.manifest().kind != ModelKind::Iris {
            return Err(FlowError::WrongKind("face"));
        }
        let dev = manifest.manifest().insecure_dev_key;
        let family = manifest.manifest().iris_family();
        let pkg =
            cache.fetch_package_checked(manifest, base_url, fetcher, observer, config, &|b| {
                check_before_key(b, family, dev, expected_shape)
            })?;
        Self::load(&pkg)
    }

    /// [`Self::load`], then [`Self::check_vk_hash`] against `pinned_vk_hash`, the registry's
    /// `modelVersion(kind, version).vkHash`.
    pub fn load_pinned(pkg: &VerifiedPackage, pinned_vk_hash: [u8; 32]) -> Result<Self, FlowError> {
        let package = Self::load(pkg)?;
        package.check_vk_hash(pinned_vk_hash)?;
        Ok(package)
    }

    /// Refuses ([`FlowError::VkHashMismatch`]) unless the key's hash is `pinned`, the
    /// registry's `vkHash` of this version.
    pub fn check_vk_hash(&self, pinned: [u8; 32]) -> Result<(), FlowError> {
        if self.vk_hash != pinned {
            return Err(FlowError::VkHashMismatch {
                pinned,
                found: self.vk_hash,
            });
        }
        Ok(())
    }

    /// keccak256 of the key's verification key in the verifier's constructor encoding
    /// ([`crate::evm::vk_hash`]): what the registry pins and the verifier's `vkHash()` returns.
    pub fn vk_hash(&self) -> [u8; 32] {
        self.vk_hash
    }

    /// A model version from its parts (desktop tools, tests): a filter-bank
    /// [`zkbio_circuits::models::iris::IrisModel`], a
    /// [`zkbio_circuits::models::iris_tflite::TfliteIrisModel`] or an [`IrisStatement`]. When
    /// `vk` is given it must be the key's own verification key.
    pub fn new(
        version: u32,
        model: impl Into<IrisStatement>,
        key: MappedKey,
        vk: Option<&VerifyingKey<Bn254>>,
    ) -> Result<Self, FlowError> {
        let statement = model.into();
        let view = key.view();
        check_key_view(&view)?;
        key_fits(&statement, view.n_public(), view.n_constraints()).map_err(FlowError::Key)?;
        let own = view.verifying_key();
        if let Some(vk) = vk {
            if *vk != own {
                return Err(FlowError::Key(
                    "the package's verification key is not the proving key's".into(),
                ));
            }
        }
        let vk_hash = crate::evm::vk_hash(&own)
            .map_err(|e| FlowError::Key(format!("verification key: {e}")))?
            .0;
        Ok(Self {
            version,
            statement,
            key,
            vk_hash,
        })
    }

    /// The model version (as registered).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The model's iris-code statement (of its family).
    pub fn statement(&self) -> &IrisStatement {
        &self.statement
    }

    /// The mapped proving key.
    pub fn key(&self) -> &MappedKey {
        &self.key
    }
}
