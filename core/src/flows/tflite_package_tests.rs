//! Iris packages of family `tflite` (the v2 int8 network at the test size, 32x128): published,
//! fetched the way a phone does, loaded into the TFLite statement, and hostile variants refused
//! with typed errors before the proving key downloads.

use std::path::Path;

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha3::{Digest, Keccak256};
use zkbio_circuits::models::iris_tflite::{CodeRule, TfliteIrisModel, DEV_MODEL_SMALL};
use zkbio_circuits::statements::iris_tflite::IrisTfliteStatement;

use super::dev::{publish_dev_iris_tflite_package, DEV_TFLITE_PACKAGE_FILES};
use super::{FlowError, IrisModelPackage, IrisStatement};
use crate::groth16::progress::Silent;
use crate::groth16::{prove, verify};
use crate::package::{
    publish_iris_package, publisher_address, verify_manifest, ArtifactCache, ArtifactRole,
    DirFetcher, DownloadConfig, IrisFamily, Manifest, ModelKind, PackageError, Quiet, RegistryPin,
    MANIFEST_FILE,
};

const PUBLISHER: [u8; 32] = [0x42; 32];
const DEV_FAMILY: IrisFamily = IrisFamily::Tflite {
    magnitude: CodeRule::DEV.magnitude,
    cell_min_valid: CodeRule::DEV.cell_min_valid,
};

fn publish(dir: &Path) -> Manifest {
    publish_dev_iris_tflite_package(
        dir,
        2,
        DEV_MODEL_SMALL,
        CodeRule::DEV,
        [9; 32],
        &PUBLISHER,
        None,
    )
    .expect("publish")
}

/// Verifies `dir`'s manifest against a pin that follows its model hash (a hostile publisher
/// who is trusted and registered the version), then fetches and loads it into a fresh cache.
fn fetch(dir: &Path, cache_dir: &Path) -> Result<IrisModelPackage, FlowError> {
    let json = std::fs::read(dir.join(MANIFEST_FILE)).expect("manifest");
    let manifest = Manifest::from_json(&json)?;
    let pin = RegistryPin {
        kind: ModelKind::Iris,
        version: manifest.version,
        model_hash: manifest.model_hash,
    };
    let verified = verify_manifest(&json, &pin, &[publisher_address(&PUBLISHER)?])?;
    let cache = ArtifactCache::open(cache_dir, 1 << 30)?;
    IrisModelPackage::fetch(
        &cache,
        &verified,
        "https://models.invalid/iris/v2",
        &DirFetcher::new(dir),
        &Quiet,
        &DownloadConfig::default(),
        Some((32, 128)),
    )
}

/// Copies the package in `src` to `dst`, changes its model file with `change`, and re-signs
/// the manifest with `family`.
fn hostile(src: &Path, dst: &Path, family: IrisFamily, change: impl FnOnce(&mut Vec<u8>)) {
    std::fs::create_dir_all(dst).expect("dir");
    for name in DEV_TFLITE_PACKAGE_FILES {
        std::fs::copy(src.join(name), dst.join(name)).expect("copy");
    }
    let mut model = std::fs::read(dst.join(DEV_TFLITE_PACKAGE_FILES[0])).expect("model");
    change(&mut model);
    std::fs::write(dst.join(DEV_TFLITE_PACKAGE_FILES[0]), model).expect("write");
    publish_iris_package(dst, family, 2, DEV_TFLITE_PACKAGE_FILES, &PUBLISHER, None)
        .expect("re-sign");
}

/// Nothing of a refused package's proving key reached the cache.
fn no_key_in(cache_dir: &Path) -> bool {
    walk(cache_dir).iter().all(|p| !p.ends_with(".zpk"))
}

fn walk(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path.display().to_string()]
            }
        })
        .collect()
}

#[test]
fn a_tflite_package_loads_the_network_statement_and_refuses_hostile_variants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("v2");
    let manifest = publish(&src);
    assert_eq!(manifest.family, Some(DEV_FAMILY));
    let model_hash: [u8; 32] = Keccak256::digest(DEV_MODEL_SMALL).into();
    assert_eq!(manifest.model_hash, model_hash, "keccak256 of the .tflite");
    assert_eq!(
        manifest.artifact(ArtifactRole::Model).expect("model").name,
        "model.tflite"
    );

    let package = fetch(&src, &dir.path().join("cache")).expect("fetch");
    assert_eq!(package.version(), 2);
    assert_eq!(package.statement().family(), DEV_FAMILY);
    assert_eq!(package.statement().model_hash(), model_hash);
    let expected = IrisTfliteStatement::new(TfliteIrisModel::development_small());
    assert_eq!(
        package.statement().constraint_count(),
        expected.constraint_counts().total()
    );

    // The package's statement proves, and the code it commits is the interpreter's.
    let (image, mask) = crate::sample::synthetic_iris(32, 128, 5);
    let statement = package.statement();
    let input = statement
        .input(
            image.clone(),
            mask.clone(),
            Fr::from(1u64),
            Fr::from(2u64),
            Fr::from(3u64),
        )
        .expect("input");
    let public = statement.public_inputs(&input).expect("public");
    assert_eq!(public, expected.public_inputs(&input).expect("public"));
    let code = statement.infer(&image, &mask).expect("infer");
    let bits = TfliteIrisModel::development_small()
        .infer(&image, &mask)
        .expect("infer");
    assert_eq!(code.code_bits(), bits.code());
    assert_eq!(code.mask_bits(), bits.mask());
    let (witness, opening) = statement.witness_with_opening(&input).expect("witness");
    assert_eq!(opening.code_bits(), bits.code());
    let view = package.key().view();
    let proof = prove(&view, witness, &mut ChaCha20Rng::seed_from_u64(4), &Silent).expect("prove");
    assert_eq!(verify(&view.verifying_key(), &proof, &public), Ok(()));

    // Hostile packages, each signed by the trusted publisher with the pin following the file.
    let rejected_model = |r: Result<IrisModelPackage, FlowError>| match r {
        Err(FlowError::Package(PackageError::Rejected { artifact, why })) => {
            assert_eq!(artifact, "model", "{why}");
            why
        }
        other => panic!("expected a rejected model, got {other:?}"),
    };
    // A truncated network.
    let bad = dir.path().join("truncated");
    hostile(&src, &bad, DEV_FAMILY, |m| m.truncate(m.len() / 2));
    let cache = dir.path().join("cache-truncated");
    let why = rejected_model(fetch(&bad, &cache));
    assert!(why.contains("family tflite"), "{why}");
    assert!(no_key_in(&cache));
    // A rule the 8x2 cells cannot meet (17 of 16 pixels).
    let bad = dir.path().join("rule");
    let rule = IrisFamily::Tflite {
        magnitude: 2,
        cell_min_valid: 17,
    };
    hostile(&src, &bad, rule, |_| {});
    let cache = dir.path().join("cache-rule");
    let why = rejected_model(fetch(&bad, &cache));
    assert!(why.contains("cell_min_valid"), "{why}");
    assert!(no_key_in(&cache));
    // A .tflite network published as a filter bank (under a filter bank's file name).
    let bad = dir.path().join("as-bank");
    std::fs::create_dir_all(&bad).expect("dir");
    for (from, to) in
        DEV_TFLITE_PACKAGE_FILES
            .iter()
            .zip(["model.bin", "circuit.zpk", "verification_key.json"])
    {
        std::fs::copy(src.join(from), bad.join(to)).expect("copy");
    }
    crate::package::publish_package(
        &bad,
        ModelKind::Iris,
        2,
        ["model.bin", "circuit.zpk", "verification_key.json"],
        &PUBLISHER,
    )
    .expect("re-sign");
    let cache = dir.path().join("cache-bank");
    let why = rejected_model(fetch(&bad, &cache));
    assert!(why.contains("family filter-bank"), "{why}");
    // A model file changed after signing: its size and digest no longer match the manifest.
    let bad = dir.path().join("changed");
    hostile(&src, &bad, DEV_FAMILY, |_| {});
    let path = bad.join(DEV_TFLITE_PACKAGE_FILES[0]);
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).expect("write");
    let err = fetch(&bad, &dir.path().join("cache-changed")).unwrap_err();
    assert!(
        matches!(
            err,
            FlowError::Package(
                PackageError::DigestMismatch { .. } | PackageError::ModelHashMismatch { .. }
            )
        ),
        "{err:?}"
    );

    // The statement of a family, from the bytes, refuses the other family's file.
    let bank = zkbio_circuits::models::iris::IrisModel::scaled_test_model().to_canonical_bytes();
    assert!(matches!(
        IrisStatement::from_model_bytes(DEV_FAMILY, &bank),
        Err(FlowError::ModelFamily {
            family: "tflite",
            ..
        })
    ));
    assert!(matches!(
        IrisStatement::from_model_bytes(IrisFamily::FilterBank, DEV_MODEL_SMALL),
        Err(FlowError::ModelFamily {
            family: "filter-bank",
            ..
        })
    ));
}

/// A v2 package carrying v1's key (the filter bank of the same 32x128 image size, published
/// properly and signed again with the v2 manifest): refused from the key's header before the
/// key downloads, and by [`IrisModelPackage::new`] from the mapped key.
#[test]
fn a_v2_package_with_v1_s_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = dir.path().join("v1");
    let bank = zkbio_circuits::models::iris::IrisModel::scaled_test_model();
    super::dev::publish_dev_iris_package(&v1, 1, &bank, [8; 32], &PUBLISHER).expect("v1");
    let src = dir.path().join("v2");
    publish(&src);
    let bad = dir.path().join("v1-key");
    hostile(&src, &bad, DEV_FAMILY, |_| {});
    for name in &DEV_TFLITE_PACKAGE_FILES[1..] {
        std::fs::copy(v1.join(name), bad.join(name)).expect("copy v1's key");
    }
    publish_iris_package(
        &bad,
        DEV_FAMILY,
        2,
        DEV_TFLITE_PACKAGE_FILES,
        &PUBLISHER,
        None,
    )
    .expect("re-sign");
    let cache = dir.path().join("cache");
    match fetch(&bad, &cache) {
        Err(FlowError::Package(PackageError::Rejected { artifact, why })) => {
            assert_eq!(artifact, "proving key", "{why}");
            assert!(why.contains("constraints"), "{why}");
        }
        other => panic!("expected the key refused, got {other:?}"),
    }
    assert!(no_key_in(&cache));
    let key = crate::groth16::key_file::MappedKey::open(&v1.join("circuit.zpk")).expect("key");
    let err = IrisModelPackage::new(2, TfliteIrisModel::development_small(), key, None)
        .expect_err("v1's key for the v2 statement");
    assert!(matches!(err, FlowError::Key(_)), "{err:?}");
}
