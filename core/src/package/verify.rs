//! Checking a manifest against the registry and the trusted publishers, and the types that
//! prove a package passed every check.
//!
//! The only way to reach a package's files is a [`VerifiedPackage`], which only
//! [`super::ArtifactCache::fetch_package`] makes, and only from a [`VerifiedManifest`]: so a
//! model whose hash is not the registry's is refused before anything downloads, and a file
//! whose bytes are not the manifest's is refused before anything uses it.

use std::path::{Path, PathBuf};

use alloy_primitives::Address;

use super::manifest::{ArtifactRole, Manifest, ModelKind};
use super::PackageError;

/// What the registry says a model version is: the caller reads it from the registry
/// contract (`addModelVersion(kind, version, modelHash, verifier)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegistryPin {
    /// Model kind.
    pub kind: ModelKind,
    /// Model version.
    pub version: u32,
    /// keccak256 of the model file.
    pub model_hash: [u8; 32],
}

/// A manifest whose signature is from a trusted publisher and whose kind, version and
/// model hash are the registry pin's.
#[derive(Clone, Debug)]
pub struct VerifiedManifest {
    manifest: Manifest,
    publisher: Address,
    pin: RegistryPin,
}

impl VerifiedManifest {
    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The address that signed it.
    pub fn publisher(&self) -> Address {
        self.publisher
    }

    /// The pin it matched.
    pub fn pin(&self) -> &RegistryPin {
        &self.pin
    }
}

/// Parses `manifest.json` and checks its structure, its signature (by one of
/// `trusted_publishers`), and its kind, version and model hash against `pin`.
pub fn verify_manifest(
    json: &[u8],
    pin: &RegistryPin,
    trusted_publishers: &[Address],
) -> Result<VerifiedManifest, PackageError> {
    let manifest = Manifest::from_json(json)?;
    let publisher = manifest.publisher()?;
    if !trusted_publishers.contains(&publisher) {
        return Err(PackageError::UntrustedPublisher { publisher });
    }
    if manifest.kind != pin.kind {
        return Err(PackageError::KindMismatch {
            expected: pin.kind,
            found: manifest.kind,
        });
    }
    if manifest.version != pin.version {
        return Err(PackageError::VersionMismatch {
            expected: pin.version,
            found: manifest.version,
        });
    }
    if manifest.model_hash != pin.model_hash {
        return Err(PackageError::ModelHashMismatch {
            expected: pin.model_hash,
            found: manifest.model_hash,
        });
    }
    Ok(VerifiedManifest {
        manifest,
        publisher,
        pin: *pin,
    })
}

/// One file of a verified package, in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedArtifact {
    /// Its name in the manifest.
    pub name: String,
    /// Its role.
    pub role: ArtifactRole,
    /// Its SHA3-256 (checked against the file).
    pub sha3_256: [u8; 32],
    /// Its size (checked against the file).
    pub size: u64,
    /// Where it is in the cache. The cache may evict it when later packages need room, so
    /// use it (or map it) before fetching other packages.
    pub path: PathBuf,
}

/// A package every file of which matched its manifest, whose model matched the registry.
#[derive(Clone, Debug)]
pub struct VerifiedPackage {
    verified: VerifiedManifest,
    artifacts: Vec<VerifiedArtifact>,
}

impl VerifiedPackage {
    pub(crate) fn new(verified: VerifiedManifest, artifacts: Vec<VerifiedArtifact>) -> Self {
        Self {
            verified,
            artifacts,
        }
    }

    /// The verified manifest.
    pub fn manifest(&self) -> &VerifiedManifest {
        &self.verified
    }

    /// All files, in manifest order.
    pub fn artifacts(&self) -> &[VerifiedArtifact] {
        &self.artifacts
    }

    /// The path of the file with `role` (every verified package has one of each).
    pub fn path(&self, role: ArtifactRole) -> Option<&Path> {
        self.artifacts
            .iter()
            .find(|a| a.role == role)
            .map(|a| a.path.as_path())
    }
}
