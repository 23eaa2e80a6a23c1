//! **INSECURE** development packages: an iris model with a proving key from the seeded
//! development setup. For tests, demos and local registries only; a real model version's key
//! comes from a trusted setup ceremony.

use std::path::Path;

use sha3::{Digest, Sha3_256};

use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::Circuit;

use super::FlowError;
use crate::groth16::dev_marker::vk_json;
use crate::groth16::key_file::write_key_with_origin;
use crate::groth16::{dev_setup_insecure, KeyOrigin};
use crate::package::{publish_package, Manifest, ModelKind, PackageError};

/// File names of a development package.
pub const DEV_PACKAGE_FILES: [&str; 3] = ["model.bin", "circuit.zpk", "verification_key.json"];

fn write(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    std::fs::write(path, bytes).map_err(|e| FlowError::Package(PackageError::io("write", path)(e)))
}

/// Writes a complete, signed iris-model package for `model` as `version` into `dir`
/// ([`DEV_PACKAGE_FILES`] and `manifest.json`), with an **INSECURE** key, marked as such in the
/// `.zpk` header, `verification_key.json` and the manifest ([`crate::groth16::dev_marker`]).
///
/// The setup's seed is `SHA3-256("zkbio/dev-package/v1" || seed || model hash || version)`, so
/// two packages never share toxic waste even when made with the same `seed`: with shared
/// waste, two iris circuits whose public-input constraints coincide get the same verification
/// key, and a proof for one model would verify under the other's verifier.
pub fn publish_dev_iris_package(
    dir: &Path,
    version: u32,
    model: &IrisModel,
    seed: [u8; 32],
    publisher_key: &[u8; 32],
) -> Result<Manifest, FlowError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| FlowError::Package(PackageError::io("create", dir)(e)))?;
    let statement = IrisCodeStatement::new(model.clone());
    let r1cs = statement
        .to_r1cs()
        .map_err(|e| FlowError::Model(e.to_string()))?;
    let seed: [u8; 32] = Sha3_256::new()
        .chain_update(b"zkbio/dev-package/v1")
        .chain_update(seed)
        .chain_update(model.model_hash())
        .chain_update(version.to_be_bytes())
        .finalize()
        .into();
    let pk = dev_setup_insecure(&r1cs, seed).map_err(|e| FlowError::Key(e.to_string()))?;
    write(&dir.join(DEV_PACKAGE_FILES[0]), &model.to_canonical_bytes())?;
    let key_path = dir.join(DEV_PACKAGE_FILES[1]);
    let file = std::fs::File::create(&key_path)
        .map_err(|e| FlowError::Package(PackageError::io("create", &key_path)(e)))?;
    let mut out = std::io::BufWriter::new(file);
    write_key_with_origin(
        &pk,
        r1cs.constraints.len(),
        KeyOrigin::InsecureDev,
        &mut out,
    )?;
    std::io::Write::flush(&mut out)
        .map_err(|e| FlowError::Package(PackageError::io("write", &key_path)(e)))?;
    let vk = serde_json::to_vec_pretty(&vk_json(&pk.vk, KeyOrigin::InsecureDev))
        .map_err(|e| FlowError::Key(e.to_string()))?;
    write(&dir.join(DEV_PACKAGE_FILES[2]), &vk)?;
    Ok(publish_package(
        dir,
        ModelKind::Iris,
        version,
        DEV_PACKAGE_FILES,
        publisher_key,
    )?)
}
