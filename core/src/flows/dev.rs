//! **INSECURE** development packages: an iris model with a proving key, or a face model with
//! both face statements' proving keys, from the seeded development setup. For tests, demos and local registries only; a real model version's key
//! comes from a trusted setup ceremony.

use std::path::Path;

use sha3::{Digest, Sha3_256};

use zkbio_circuits::builder::R1cs;
use zkbio_circuits::models::face::FaceModel;
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::models::iris_tflite::{CodeRule, TfliteIrisModel};
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::statements::iris_tflite::IrisTfliteStatement;
use zkbio_circuits::Circuit;

use super::FlowError;
use crate::groth16::dev_marker::vk_json;
use crate::groth16::key_file::write_key_with_origin;
use crate::groth16::{dev_setup_insecure, KeyOrigin};
use crate::package::{
    publish_face_package, publish_iris_package, publish_package, IrisFamily, Manifest, ModelKind,
    PackageError,
};

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
    let seed = dev_iris_seed(seed, model.model_hash(), version);
    write(&dir.join(DEV_PACKAGE_FILES[0]), &model.to_canonical_bytes())?;
    write_dev_keys(
        &r1cs,
        seed,
        &dir.join(DEV_PACKAGE_FILES[1]),
        &dir.join(DEV_PACKAGE_FILES[2]),
    )?;
    Ok(publish_package(
        dir,
        ModelKind::Iris,
        version,
        DEV_PACKAGE_FILES,
        publisher_key,
    )?)
}

/// `SHA3-256("zkbio/dev-package/v1" || seed || model hash || version)`: the setup seed of a
/// development iris package (see [`publish_dev_iris_package`]).
fn dev_iris_seed(seed: [u8; 32], model_hash: [u8; 32], version: u32) -> [u8; 32] {
    Sha3_256::new()
        .chain_update(b"zkbio/dev-package/v1")
        .chain_update(seed)
        .chain_update(model_hash)
        .chain_update(version.to_be_bytes())
        .finalize()
        .into()
}

/// File names of a development iris package of family `tflite`.
pub const DEV_TFLITE_PACKAGE_FILES: [&str; 3] =
    ["model.tflite", "circuit.zpk", "verification_key.json"];

/// Writes a complete, signed iris-model package of family `tflite` (the int8 network
/// `model_bytes` with code rule `rule`) as `version` into `dir` ([`DEV_TFLITE_PACKAGE_FILES`]
/// and `manifest.json`, whose `family` states the rule), with an **INSECURE** key marked as in
/// [`publish_dev_iris_package`], seeded the same way (the model hash being the file's
/// keccak256). `transport` also writes the key's compressed transport form under that name.
pub fn publish_dev_iris_tflite_package(
    dir: &Path,
    version: u32,
    model_bytes: &[u8],
    rule: CodeRule,
    seed: [u8; 32],
    publisher_key: &[u8; 32],
    transport: Option<&str>,
) -> Result<Manifest, FlowError> {
    let model =
        TfliteIrisModel::from_bytes(model_bytes, rule).map_err(|e| FlowError::ModelFamily {
            family: "tflite",
            why: e.to_string(),
        })?;
    std::fs::create_dir_all(dir)
        .map_err(|e| FlowError::Package(PackageError::io("create", dir)(e)))?;
    let seed = dev_iris_seed(seed, model.model().hash, version);
    let r1cs = IrisTfliteStatement::new(model)
        .to_r1cs()
        .map_err(|e| FlowError::Model(e.to_string()))?;
    let [model_name, key_name, vk_name] = DEV_TFLITE_PACKAGE_FILES;
    write(&dir.join(model_name), model_bytes)?;
    write_dev_keys(&r1cs, seed, &dir.join(key_name), &dir.join(vk_name))?;
    drop(r1cs);
    let family = IrisFamily::Tflite {
        magnitude: rule.magnitude,
        cell_min_valid: rule.cell_min_valid,
    };
    Ok(publish_iris_package(
        dir,
        family,
        version,
        DEV_TFLITE_PACKAGE_FILES,
        publisher_key,
        transport,
    )?)
}

/// The INSECURE setup of `r1cs` from `seed`, written as a marked `.zpk` and its
/// `verification_key.json`.
fn write_dev_keys(
    r1cs: &R1cs,
    seed: [u8; 32],
    key_path: &Path,
    vk_path: &Path,
) -> Result<(), FlowError> {
    let pk = dev_setup_insecure(r1cs, seed).map_err(|e| FlowError::Key(e.to_string()))?;
    let file = std::fs::File::create(key_path)
        .map_err(|e| FlowError::Package(PackageError::io("create", key_path)(e)))?;
    let mut out = std::io::BufWriter::new(file);
    write_key_with_origin(
        &pk,
        r1cs.constraints.len(),
        KeyOrigin::InsecureDev,
        &mut out,
    )?;
    std::io::Write::flush(&mut out)
        .map_err(|e| FlowError::Package(PackageError::io("write", key_path)(e)))?;
    let vk = serde_json::to_vec_pretty(&vk_json(&pk.vk, KeyOrigin::InsecureDev))
        .map_err(|e| FlowError::Key(e.to_string()))?;
    write(vk_path, &vk)
}

/// File names of a development face package, in [`crate::package::ArtifactRole::FACE`] order.
pub const DEV_FACE_PACKAGE_FILES: [&str; 5] = [
    "model.tflite",
    "embedding.zpk",
    "embedding_vk.json",
    "match.zpk",
    "match_vk.json",
];

/// Writes a complete, signed face-model package for the `.tflite` `model_bytes` as `version`
/// into `dir` ([`DEV_FACE_PACKAGE_FILES`] and `manifest.json`), with **INSECURE** keys for both
/// face statements, marked as such.
///
/// Each statement's setup seed is `SHA3-256("zkbio/dev-face-package/v1" || seed || model
/// keccak256 || version || statement)` with statement `"embedding"` or `"match"`: never shared
/// toxic waste, between the two statements or between packages (see
/// [`publish_dev_iris_package`] for why).
pub fn publish_dev_face_package(
    dir: &Path,
    version: u32,
    model_bytes: &[u8],
    seed: [u8; 32],
    publisher_key: &[u8; 32],
) -> Result<Manifest, FlowError> {
    let face = FaceModel::from_bytes(model_bytes).map_err(|e| FlowError::Model(e.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| FlowError::Package(PackageError::io("create", dir)(e)))?;
    let model_hash: [u8; 32] = sha3::Keccak256::digest(model_bytes).into();
    let seed_for = |statement: &[u8]| -> [u8; 32] {
        Sha3_256::new()
            .chain_update(b"zkbio/dev-face-package/v1")
            .chain_update(seed)
            .chain_update(model_hash)
            .chain_update(version.to_be_bytes())
            .chain_update(statement)
            .finalize()
            .into()
    };
    let synthesis = |e: zkbio_circuits::SynthesisError| FlowError::Model(e.to_string());
    let [model, emb_key, emb_vk, match_key, match_vk] = DEV_FACE_PACKAGE_FILES;
    write(&dir.join(model), model_bytes)?;
    let r1cs = FaceEmbeddingStatement::new(face.clone())
        .to_r1cs()
        .map_err(synthesis)?;
    write_dev_keys(
        &r1cs,
        seed_for(b"embedding"),
        &dir.join(emb_key),
        &dir.join(emb_vk),
    )?;
    drop(r1cs);
    let r1cs = FaceMatchStatement::new(face).to_r1cs().map_err(synthesis)?;
    write_dev_keys(
        &r1cs,
        seed_for(b"match"),
        &dir.join(match_key),
        &dir.join(match_vk),
    )?;
    Ok(publish_face_package(
        dir,
        version,
        DEV_FACE_PACKAGE_FILES,
        publisher_key,
    )?)
}
