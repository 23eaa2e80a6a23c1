//! `zkbio package dev-iris`: a signed development iris package of either model family, the
//! open-iris filter bank (`model.bin`) or an int8 `.tflite` network (`model.tflite`, the manifest
//! stating its code rule), and the `--json` result every `package` command prints.

use std::path::Path;

use clap::ValueEnum;
use serde_json::json;
use zkbio_circuits::models::iris_tflite::{CodeRule, DEV_MODEL, DEV_MODEL_SMALL};
use zkbio_core::flows::dev::{
    publish_dev_iris_package, publish_dev_iris_tflite_package, DEV_PACKAGE_FILES,
};
use zkbio_core::iris::IrisModel;
use zkbio_core::package::{publish_package_with_transport, publisher_address, Manifest, ModelKind};

use crate::artifacts::{io_err, seed_from_text};
use crate::vault_cmd::{secret_key, DevIrisArgs, DevModel};

/// Which iris model family a development package holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DevFamily {
    /// The open-iris Gabor filter bank (v1): `--model`.
    FilterBank,
    /// An int8 `.tflite` network (v2): `--tflite`, with `--magnitude` and `--cell-min-valid`.
    Tflite,
}

/// The `.tflite` bytes `--tflite` names: `dev` (128x512), `dev-small` (32x128) or a file.
fn tflite_bytes(which: &str) -> Result<Vec<u8>, String> {
    Ok(match which {
        "dev" => DEV_MODEL.to_vec(),
        "dev-small" => DEV_MODEL_SMALL.to_vec(),
        path => std::fs::read(path).map_err(|e| io_err(Path::new(path), e))?,
    })
}

/// Runs `zkbio package dev-iris`.
pub fn dev_iris(a: DevIrisArgs) -> Result<(), String> {
    let key = secret_key("--publisher-key", &a.publisher_key)?;
    let seed = seed_from_text(&a.seed);
    let transport = a.compressed_key.then_some("circuit.zpkz");
    println!("WARNING: INSECURE development setup (seeded toxic waste): tests and demos only");
    let (manifest, name) = match a.family {
        DevFamily::FilterBank => {
            if a.tflite.is_some() {
                return Err("--tflite needs --family tflite".into());
            }
            let model = match a.model {
                DevModel::OpenIris => IrisModel::open_iris_v0_1(),
                DevModel::OpenIrisFull => IrisModel::open_iris_v0_1_full(),
                DevModel::ScaledTest => IrisModel::scaled_test_model(),
                DevModel::ScaledTestFull => IrisModel::scaled_test_model_full(),
                DevModel::Tiny => IrisModel::tiny_test_model(a.variant),
            };
            let mut manifest = publish_dev_iris_package(&a.out, a.version, &model, seed, &key)
                .map_err(|e| io_err(&a.out, e))?;
            if transport.is_some() {
                manifest = publish_package_with_transport(
                    &a.out,
                    ModelKind::Iris,
                    a.version,
                    DEV_PACKAGE_FILES,
                    &key,
                    transport,
                )
                .map_err(|e| io_err(&a.out, e))?;
            }
            (manifest, model.name().to_owned())
        }
        DevFamily::Tflite => {
            let which = a.tflite.as_deref().unwrap_or("dev-small");
            let bytes = tflite_bytes(which)?;
            let rule = CodeRule {
                magnitude: a.magnitude,
                cell_min_valid: a.cell_min_valid,
            };
            let manifest = publish_dev_iris_tflite_package(
                &a.out, a.version, &bytes, rule, seed, &key, transport,
            )
            .map_err(|e| io_err(&a.out, e))?;
            (manifest, format!("tflite {which}"))
        }
    };
    let publisher = publisher_address(&key).map_err(|e| e.to_string())?;
    println!("package {}", a.out.display());
    println!("model {name}");
    println!("family {}", manifest.iris_family().name());
    println!("version {}", manifest.version);
    println!("model_hash 0x{}", hex::encode(manifest.model_hash));
    println!("publisher {publisher:#x}");
    package_result(
        "package dev-iris",
        &a.out,
        &manifest,
        &publisher.to_string(),
    );
    Ok(())
}

/// `--json`: a published package's directory, manifest fields and publisher.
pub fn package_result(command: &str, dir: &Path, manifest: &Manifest, publisher: &str) {
    let family = match manifest.kind {
        ModelKind::Iris => Some(manifest.iris_family()),
        ModelKind::Face => None,
    };
    crate::output::result(json!({
        "command": command,
        "dir": dir,
        "kind": manifest.kind,
        "family": family,
        "version": manifest.version,
        "model_hash": format!("0x{}", hex::encode(manifest.model_hash)),
        "artifacts": manifest.artifacts.iter().map(|a| &a.name).collect::<Vec<_>>(),
        "insecure_dev_key": manifest.insecure_dev_key,
        "publisher": publisher,
    }));
}
