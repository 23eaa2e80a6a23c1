//! A face-model package ready for proving: the face model and both face statements' mapped
//! proving keys (face embedding, registry kind 2; face match, registry kind 1).
//!
//! The package holds five files ([`ArtifactRole::FACE`]): the `.tflite` model, the
//! face-embedding statement's `.zpk` and verification key, and the face-match statement's. Both
//! statements' circuits are the model's (its weights are circuit constants), so one model
//! version pins one pair of keys, and the registry pins each (kind, version) separately: its
//! model hash (the `.tflite`'s keccak256, the same for both kinds) and its `vkHash`.
//!
//! The keys' constraint counts are not recomputed at load (that would lay out a million-constraint
//! circuit on the phone); the prover refuses a witness whose shape is not the key's before any
//! multi-scalar multiplication, and every proof is verified under the key's own verification key
//! before it is returned.

use std::path::Path;

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use sha3::{Digest, Keccak256};
use zkbio_circuits::circom::json::VerificationKeyJson;
use zkbio_circuits::models::face::FaceModel;
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;

use super::FlowError;
use crate::groth16::key_check::check_key_view;
use crate::groth16::{KeyHeader, KeyOrigin, MappedKey};
use crate::package::{
    check_dev_marker, rejected, ArtifactCache, ArtifactRole, BeforeKey, DownloadConfig,
    DownloadObserver, Fetcher, ModelKind, PackageError, VerifiedManifest, VerifiedPackage,
};

/// Public inputs of both face statements.
const PUBLIC_INPUTS: usize = 3;

/// What the registry stores for one face model version: `modelVersion(KIND_FACE_EMBEDDING, v)`
/// and `modelVersion(KIND_FACE, v)`, each `(modelHash, vkHash)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaceRegistryPins {
    /// `modelHash` of (kind 2, version).
    pub embedding_model_hash: [u8; 32],
    /// `vkHash` of (kind 2, version).
    pub embedding_vk_hash: [u8; 32],
    /// `modelHash` of (kind 1, version).
    pub match_model_hash: [u8; 32],
    /// `vkHash` of (kind 1, version).
    pub match_vk_hash: [u8; 32],
}

/// One face model version with both proving keys: what [`super::register_face_embedding`] and
/// [`super::prove_face_match`] need.
///
/// Loading re-reads each file and checks it again (the model's keccak256 against the pin, each
/// key's SHA3-256 against the manifest), checks that each key has the statements' three public
/// inputs, is not forgeable or degenerate ([`crate::groth16::key_check`]), carries the
/// manifest's development marker, and is the package's verification key of its statement.
pub struct FaceModelPackage {
    version: u32,
    model_hash: [u8; 32],
    embedding: FaceEmbeddingStatement,
    matching: FaceMatchStatement,
    embedding_key: MappedKey,
    match_key: MappedKey,
    embedding_vk_hash: [u8; 32],
    match_vk_hash: [u8; 32],
}

impl std::fmt::Debug for FaceModelPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceModelPackage")
            .field("version", &self.version)
            .field("model_hash", &hex::encode(self.model_hash))
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

fn artifact(
    pkg: &VerifiedPackage,
    role: ArtifactRole,
) -> Result<&crate::package::VerifiedArtifact, FlowError> {
    // A verified face package has one file of each face role; a missing one is a bug upstream.
    pkg.artifacts()
        .iter()
        .find(|a| a.role == role)
        .ok_or_else(|| FlowError::Key(format!("the package has no {role:?} file")))
}

fn read_vk(path: &Path) -> Result<VerifyingKey<Bn254>, FlowError> {
    serde_json::from_slice::<VerificationKeyJson>(&read(path)?)
        .map_err(|e| FlowError::Key(format!("verification key JSON: {e}")))?
        .to_vk()
        .map_err(|e| FlowError::Key(format!("verification key: {e}")))
}

/// A key's header must have the statements' public-input count and the manifest's marker.
fn check_header(
    what: &str,
    n_public: usize,
    origin: KeyOrigin,
    insecure_dev_key: bool,
) -> Result<(), String> {
    if n_public != PUBLIC_INPUTS {
        return Err(format!(
            "the {what} key has {n_public} public inputs, the statement has {PUBLIC_INPUTS}"
        ));
    }
    check_dev_marker(what, origin, insecure_dev_key)
}

/// The checks [`FaceModelPackage::fetch`] makes before the face-embedding key downloads (the
/// match key, listed under its own role, is already verified by then).
fn check_before_key(
    before: &BeforeKey<'_>,
    insecure_dev_key: bool,
    expected_input: Option<(usize, usize)>,
) -> Result<(), PackageError> {
    let face = FaceModel::from_bytes(&before.model_bytes()?)
        .map_err(|e| rejected("model", format!("not a face model: {e}")))?;
    if let Some((h, w)) = expected_input {
        if (face.height(), face.width()) != (h, w) {
            return Err(rejected(
                "model",
                format!(
                    "takes {}x{} face crops, the app makes {h}x{w}",
                    face.height(),
                    face.width()
                ),
            ));
        }
    }
    let header: &KeyHeader = before.key_header;
    check_header(
        "face-embedding",
        header.n_public(),
        header.origin(),
        insecure_dev_key,
    )
    .map_err(|why| rejected("proving key", why))?;
    let match_path = before
        .path(ArtifactRole::MatchProvingKey)
        .ok_or_else(|| rejected("match proving key", "the package has none"))?;
    let key = MappedKey::open(match_path)
        .map_err(|e| rejected("match proving key", format!("does not open: {e}")))?;
    let view = key.view();
    check_header(
        "face-match",
        view.n_public(),
        view.origin(),
        insecure_dev_key,
    )
    .map_err(|why| rejected("match proving key", why))
}

impl FaceModelPackage {
    /// Opens a face package that [`crate::package::ArtifactCache::fetch_package`] verified.
    pub fn load(pkg: &VerifiedPackage) -> Result<Self, FlowError> {
        let _span = tracing::info_span!("load_face_package").entered();
        let timer = crate::log::Timed::start("face package load and key checks");
        let loaded = crate::log::flow_result("load_face_package", Self::load_checked(pkg))?;
        timer.done();
        Ok(loaded)
    }

    fn load_checked(pkg: &VerifiedPackage) -> Result<Self, FlowError> {
        let verified = pkg.manifest();
        let manifest = verified.manifest();
        if manifest.kind != ModelKind::Face {
            return Err(FlowError::WrongKind("iris"));
        }
        let model_bytes = read(&artifact(pkg, ArtifactRole::Model)?.path)?;
        let hash: [u8; 32] = Keccak256::digest(&model_bytes).into();
        if hash != verified.pin().model_hash {
            return Err(FlowError::Package(PackageError::ModelHashMismatch {
                expected: verified.pin().model_hash,
                found: hash,
            }));
        }
        let face =
            FaceModel::from_bytes(&model_bytes).map_err(|e| FlowError::Model(e.to_string()))?;
        let open = |role| -> Result<MappedKey, FlowError> {
            let a = artifact(pkg, role)?;
            Ok(MappedKey::open_verified(&a.path, &a.sha3_256)?)
        };
        let embedding_key = open(ArtifactRole::ProvingKey)?;
        let match_key = open(ArtifactRole::MatchProvingKey)?;
        for (what, key) in [
            ("face-embedding", &embedding_key),
            ("face-match", &match_key),
        ] {
            let view = key.view();
            check_header(
                what,
                view.n_public(),
                view.origin(),
                manifest.insecure_dev_key,
            )
            .map_err(FlowError::Key)?;
        }
        let embedding_vk = read_vk(&artifact(pkg, ArtifactRole::VerificationKey)?.path)?;
        let match_vk = read_vk(&artifact(pkg, ArtifactRole::MatchVerificationKey)?.path)?;
        Self::new(
            manifest.version,
            hash,
            face,
            (embedding_key, Some(&embedding_vk)),
            (match_key, Some(&match_vk)),
        )
    }

    /// Brings a face package into `cache` ([`ArtifactCache::fetch_package_checked`]) and opens
    /// it. Before the face-embedding key downloads, the model must parse as a face model (of
    /// `expected_input` = `(height, width)` of the app's face crops, if given) and both keys'
    /// headers must have three public inputs and the manifest's development marker; otherwise
    /// [`PackageError::Rejected`].
    pub fn fetch(
        cache: &ArtifactCache,
        manifest: &VerifiedManifest,
        base_url: &str,
        fetcher: &dyn Fetcher,
        observer: &dyn DownloadObserver,
        config: &DownloadConfig,
        expected_input: Option<(usize, usize)>,
    ) -> Result<Self, FlowError> {
        if manifest.manifest().kind != ModelKind::Face {
            return Err(FlowError::WrongKind("iris"));
        }
        let dev = manifest.manifest().insecure_dev_key;
        let pkg =
            cache.fetch_package_checked(manifest, base_url, fetcher, observer, config, &|b| {
                check_before_key(b, dev, expected_input)
            })?;
        Self::load(&pkg)
    }

    /// [`Self::load`], then [`Self::check_pins`].
    pub fn load_pinned(pkg: &VerifiedPackage, pins: &FaceRegistryPins) -> Result<Self, FlowError> {
        let package = Self::load(pkg)?;
        package.check_pins(pins)?;
        Ok(package)
    }

    /// Refuses unless both registry kinds of this version pin this package's model
    /// ([`PackageError::ModelHashMismatch`]) and its keys ([`FlowError::VkHashMismatch`]).
    pub fn check_pins(&self, pins: &FaceRegistryPins) -> Result<(), FlowError> {
        for expected in [pins.embedding_model_hash, pins.match_model_hash] {
            if expected != self.model_hash {
                return Err(FlowError::Package(PackageError::ModelHashMismatch {
                    expected,
                    found: self.model_hash,
                }));
            }
        }
        for (pinned, found) in [
            (pins.embedding_vk_hash, self.embedding_vk_hash),
            (pins.match_vk_hash, self.match_vk_hash),
        ] {
            if pinned != found {
                return Err(FlowError::VkHashMismatch { pinned, found });
            }
        }
        Ok(())
    }

    /// A face model version from its parts (desktop tools, tests): `(key, verification key)`
    /// of each statement; a given verification key must be its key's own.
    pub fn new(
        version: u32,
        model_hash: [u8; 32],
        face: FaceModel,
        embedding: (MappedKey, Option<&VerifyingKey<Bn254>>),
        matching: (MappedKey, Option<&VerifyingKey<Bn254>>),
    ) -> Result<Self, FlowError> {
        let hash_of = |what: &str,
                       (key, vk): &(MappedKey, Option<&VerifyingKey<Bn254>>)|
         -> Result<[u8; 32], FlowError> {
            let view = key.view();
            check_key_view(&view)?;
            if view.n_public() != PUBLIC_INPUTS {
                return Err(FlowError::Key(format!(
                    "the {what} key has {} public inputs, the statement has {PUBLIC_INPUTS}",
                    view.n_public()
                )));
            }
            let own = view.verifying_key();
            if vk.is_some_and(|vk| *vk != own) {
                return Err(FlowError::Key(format!(
                    "the package's {what} verification key is not the proving key's"
                )));
            }
            Ok(crate::evm::vk_hash(&own)
                .map_err(|e| FlowError::Key(format!("{what} verification key: {e}")))?
                .0)
        };
        let embedding_vk_hash = hash_of("face-embedding", &embedding)?;
        let match_vk_hash = hash_of("face-match", &matching)?;
        if embedding_vk_hash == match_vk_hash {
            // One key for both statements would let a proof of one pass as the other.
            return Err(FlowError::Key(
                "the face-embedding and face-match keys are the same key".into(),
            ));
        }
        Ok(Self {
            version,
            model_hash,
            embedding: FaceEmbeddingStatement::new(face.clone()),
            matching: FaceMatchStatement::new(face),
            embedding_key: embedding.0,
            match_key: matching.0,
            embedding_vk_hash,
            match_vk_hash,
        })
    }

    /// The face model version (as registered for both kinds).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// keccak256 of the `.tflite` file (the registry's `modelHash` of both kinds).
    pub fn model_hash(&self) -> [u8; 32] {
        self.model_hash
    }

    /// The face model.
    pub fn face(&self) -> &FaceModel {
        self.embedding.face()
    }

    /// The face-embedding statement of this model.
    pub fn embedding_statement(&self) -> &FaceEmbeddingStatement {
        &self.embedding
    }

    /// The face-match statement of this model.
    pub fn match_statement(&self) -> &FaceMatchStatement {
        &self.matching
    }

    /// The face-embedding statement's mapped proving key.
    pub fn embedding_key(&self) -> &MappedKey {
        &self.embedding_key
    }

    /// The face-match statement's mapped proving key.
    pub fn match_key(&self) -> &MappedKey {
        &self.match_key
    }

    /// The face-embedding key's `vkHash` ([`crate::evm::vk_hash`]), what kind 2 pins.
    pub fn embedding_vk_hash(&self) -> [u8; 32] {
        self.embedding_vk_hash
    }

    /// The face-match key's `vkHash`, what kind 1 pins.
    pub fn match_vk_hash(&self) -> [u8; 32] {
        self.match_vk_hash
    }
}
