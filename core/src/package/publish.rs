//! Making a package (publishing tools, the CLI, tests; phones only consume packages).

use std::path::Path;

use super::cache::hash_file;
use super::manifest::{
    Artifact, ArtifactRole, IrisFamily, KeyTransport, Manifest, ModelKind, MANIFEST_FORMAT,
};
use super::PackageError;
use crate::groth16::key_transport::compress_key;
use crate::groth16::{KeyOrigin, MappedKey};

/// The file name of the manifest in a package directory (and under its base URL).
pub const MANIFEST_FILE: &str = "manifest.json";

/// Writes `dir/manifest.json` for the files already in `dir`, `names` in role order (model,
/// proving key, verification key), signed with the publisher's secp256k1 `secret_key`. The
/// model hash is the model file's keccak256 (what the registry pins). `insecure_dev_key` is
/// copied from the proving key's `.zpk` header, so a development key cannot be published
/// unmarked by mistake. Returns the manifest.
pub fn publish_package(
    dir: &Path,
    kind: ModelKind,
    version: u32,
    names: [&str; 3],
    secret_key: &[u8; 32],
) -> Result<Manifest, PackageError> {
    publish_package_with_transport(dir, kind, version, names, secret_key, None)
}

/// [`publish_package`], and with `transport = Some(name)` also writes `dir/<name>`, the
/// compressed transport form of the proving key ([`crate::groth16::key_transport`]), and lists
/// it as the manifest's `proving_key_transport`.
pub fn publish_package_with_transport(
    dir: &Path,
    kind: ModelKind,
    version: u32,
    names: [&str; 3],
    secret_key: &[u8; 32],
    transport: Option<&str>,
) -> Result<Manifest, PackageError> {
    publish(dir, kind, None, version, &names, secret_key, transport)
}

/// [`publish_package_with_transport`] of an iris package whose manifest states its model
/// `family` ([`IrisFamily`]; a `.tflite` model needs [`IrisFamily::Tflite`] and its code rule).
pub fn publish_iris_package(
    dir: &Path,
    family: IrisFamily,
    version: u32,
    names: [&str; 3],
    secret_key: &[u8; 32],
    transport: Option<&str>,
) -> Result<Manifest, PackageError> {
    publish(
        dir,
        ModelKind::Iris,
        Some(family),
        version,
        &names,
        secret_key,
        transport,
    )
}

/// Writes `dir/manifest.json` of a face-model package for the files already in `dir`, `names`
/// in role order ([`ArtifactRole::FACE`]: model, face-embedding proving key and verification
/// key, face-match proving key and verification key), signed like [`publish_package`]. Both
/// proving keys must agree on being INSECURE development keys (their `.zpk` headers).
pub fn publish_face_package(
    dir: &Path,
    version: u32,
    names: [&str; 5],
    secret_key: &[u8; 32],
) -> Result<Manifest, PackageError> {
    publish(
        dir,
        ModelKind::Face,
        None,
        version,
        &names,
        secret_key,
        None,
    )
}

/// Whether the `.zpk` at `path` is marked as an INSECURE development key.
fn is_dev_key(path: &Path) -> Result<bool, PackageError> {
    let key = MappedKey::open(path).map_err(|e| {
        PackageError::InvalidManifest(format!("proving key {}: {e}", path.display()))
    })?;
    Ok(key.view().origin() == KeyOrigin::InsecureDev)
}

fn publish(
    dir: &Path,
    kind: ModelKind,
    family: Option<IrisFamily>,
    version: u32,
    names: &[&str],
    secret_key: &[u8; 32],
    transport: Option<&str>,
) -> Result<Manifest, PackageError> {
    let roles = kind.roles();
    if names.len() != roles.len() {
        return Err(PackageError::InvalidManifest(format!(
            "{} file names for a {kind:?} package of {} roles",
            names.len(),
            roles.len()
        )));
    }
    let mut artifacts = Vec::with_capacity(roles.len());
    let mut model_hash = [0u8; 32];
    for (&name, &role) in names.iter().zip(roles) {
        let hashes = hash_file(&dir.join(name), role == ArtifactRole::Model)?;
        if let Some(keccak) = hashes.keccak {
            model_hash = keccak;
        }
        artifacts.push(Artifact {
            name: name.to_string(),
            role,
            sha3_256: hashes.sha3,
            size: hashes.len,
        });
    }
    let key_path = dir.join(names[1]);
    let key = MappedKey::open(&key_path).map_err(|e| {
        PackageError::InvalidManifest(format!("proving key {}: {e}", key_path.display()))
    })?;
    let insecure_dev_key = key.view().origin() == KeyOrigin::InsecureDev;
    // The manifest's one flag speaks for every key of the package.
    if let Some(i) = roles
        .iter()
        .position(|&r| r == ArtifactRole::MatchProvingKey)
    {
        if is_dev_key(&dir.join(names[i]))? != insecure_dev_key {
            return Err(PackageError::InvalidManifest(
                "one proving key is an INSECURE development key and the other is not".into(),
            ));
        }
    }
    let proving_key_transport = match transport {
        None => None,
        Some(name) => {
            let path = dir.join(name);
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(PackageError::io("create", &path))?,
            );
            compress_key(key.bytes(), &mut out).map_err(|source| PackageError::Transport {
                artifact: name.to_owned(),
                source,
            })?;
            out.into_inner()
                .map_err(|e| PackageError::io("write", &path)(e.into_error()))?
                .sync_all()
                .map_err(PackageError::io("sync", &path))?;
            let hashes = hash_file(&path, false)?;
            Some(KeyTransport {
                name: name.to_owned(),
                sha3_256: hashes.sha3,
                size: hashes.len,
            })
        }
    };
    drop(key);
    let mut manifest = Manifest {
        format: MANIFEST_FORMAT,
        kind,
        version,
        model_hash,
        artifacts,
        insecure_dev_key,
        proving_key_transport,
        family,
        signature: None,
    };
    manifest.check_structure()?;
    manifest.sign(secret_key)?;
    let path = dir.join(MANIFEST_FILE);
    std::fs::write(&path, manifest.to_json()).map_err(PackageError::io("write", &path))?;
    Ok(manifest)
}
