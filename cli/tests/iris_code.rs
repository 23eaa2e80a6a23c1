//! `zkbio iris-code` and `zkbio export iris-model` against open-iris 1.11.2's committed vectors:
//! PNGs of a case's normalized iris give exactly open-iris's template JSON.

mod support;
use support::{run_status as zkbio, write_png};

#[path = "../../core/tests/iris_openiris/patterns.rs"]
mod patterns;

use serde_json::Value;
use sha3::{Digest, Sha3_256};
use std::path::{Path, PathBuf};
use zkbio_core::iris::{CodeShape, IrisModel, IrisTemplate};
use zkbio_tests::TempDir;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/openiris/vectors")
}

/// Writes the case's image and mask as PNGs (checked against the manifest's SHA3-256) and returns
/// their paths and the committed template JSON.
fn case_pngs(dir: &Path, name: &str, model: &IrisModel) -> (String, String, String) {
    let text = std::fs::read_to_string(vectors().join("manifest.json")).expect("manifest");
    let manifest: Value = serde_json::from_str(&text).expect("JSON");
    let case = manifest["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .expect("committed case");
    let (rows, cols) = (model.image_rows(), model.image_cols());
    let image = patterns::image(&case["image"], rows, cols);
    let mask: Vec<u8> = patterns::mask(&case["mask"], rows, cols)
        .into_iter()
        .map(u8::from)
        .collect();
    let sha = |b: &[u8]| hex::encode(Sha3_256::digest(b));
    assert_eq!(sha(&image), case["image_sha3_256"], "{name}: image");
    assert_eq!(sha(&mask), case["mask_sha3_256"], "{name}: mask");
    let (i, m) = (
        dir.join(format!("{name}.png")),
        dir.join(format!("{name}.mask.png")),
    );
    write_png(&i, cols, rows, &image);
    // Any non-zero value marks a valid pixel.
    let mask_png: Vec<u8> = mask.iter().map(|&v| v * 200).collect();
    write_png(&m, cols, rows, &mask_png);
    let expected = std::fs::read_to_string(vectors().join(format!("cases/{name}.template.json")))
        .expect("committed template");
    (
        i.to_string_lossy().into_owned(),
        m.to_string_lossy().into_owned(),
        expected,
    )
}

/// `zkbio export iris-model ARGS --out FILE`: the file holds `model`'s canonical bytes and the
/// output names its model hash. Returns the file's path as an argument.
fn export_model(file: &Path, args: &[&str], model: &IrisModel) -> String {
    let f = file.to_string_lossy().into_owned();
    let mut all = vec!["export", "iris-model"];
    all.extend(args);
    all.extend(["--out", &f]);
    let (ok, out, err) = zkbio(&all);
    assert!(ok, "{err}");
    assert!(out.contains(&hex::encode(model.model_hash())), "{out}");
    assert_eq!(
        std::fs::read(file).expect("model file"),
        model.to_canonical_bytes()
    );
    f
}

/// `zkbio iris-code --image IMAGE --mask MASK --model MODEL EXTRA…`'s stdout (it must succeed).
fn iris_code(image: &str, mask: &str, model: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "iris-code",
        "--image",
        image,
        "--mask",
        mask,
        "--model",
        model,
    ];
    args.extend(extra);
    let (ok, out, err) = zkbio(&args);
    assert!(ok, "{err}");
    out
}

fn packbits_hex(bits: &[bool]) -> String {
    let mut bytes = vec![0u8; bits.len().div_ceil(8)];
    for (i, &b) in bits.iter().enumerate() {
        bytes[i / 8] |= u8::from(b) << (7 - i % 8);
    }
    hex::encode(bytes)
}

#[test]
fn default_model_prints_open_iris_template_json() {
    let tmp = TempDir::new("cli-iris-code");
    let dir = tmp.path();
    let model = IrisModel::open_iris_v0_1();
    for name in ["random_s7_wrap_cols_off", "random_s2_mask900"] {
        let (image, mask, expected) = case_pngs(dir, name, &model);
        let (ok, out, err) = zkbio(&["iris-code", "--image", &image, "--mask", &mask]);
        assert!(ok, "{err}");
        assert_eq!(out, expected.clone() + "\n", "{name}: template JSON");

        let code = |json: bool, format: &str| {
            let mut args = vec!["iris-code", "--image", &image, "--mask", &mask];
            args.extend(["--format", format]);
            if json {
                args.insert(0, "--json");
            }
            zkbio(&args)
        };
        let (ok, out, err) = code(false, "hex");
        assert!(ok, "{err}");
        let t = IrisTemplate::from_json(
            &std::fs::read_to_string(vectors().join(format!("cases/{name}.template.json")))
                .expect("template"),
            CodeShape::of(&model),
        )
        .expect("template parses");
        let want = format!(
            "code {}\nmask {}\n",
            packbits_hex(t.code().code_bits()),
            packbits_hex(t.code().mask_bits())
        );
        assert_eq!(out, want, "{name}: hex");

        // --json (either format): one object; its template is open-iris's text byte for byte,
        // its code and mask those of the hex lines.
        for format in ["openiris", "hex"] {
            let (ok, out, err) = code(true, format);
            assert!(ok, "{err}");
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines.len(), 1, "{out}");
            let v: Value = serde_json::from_str(lines[0]).expect("JSON");
            assert_eq!(v["command"], "iris-code");
            assert_eq!(v["template"].as_str(), Some(expected.as_str()), "{name}");
            assert_eq!(v["iris_code_version"], "v0.1");
            assert_eq!(
                v["model_hash"],
                format!("0x{}", hex::encode(model.model_hash()))
            );
            let (c, m) = (v["code"].as_str().unwrap(), v["mask"].as_str().unwrap());
            assert_eq!(format!("code {c}\nmask {m}\n"), want, "{name}");
        }
    }
}

#[test]
fn exported_model_file_drives_iris_code() {
    let tmp = TempDir::new("cli-iris-model");
    let dir = tmp.path();
    let model = IrisModel::scaled_test_model();
    let f = export_model(
        &dir.join("scaled.zkbiris"),
        &["--name", "scaled-test"],
        &model,
    );
    for name in ["scaled_random_s22_mask800", "scaled_checker_blobs"] {
        let (image, mask, expected) = case_pngs(dir, name, &model);
        assert_eq!(iris_code(&image, &mask, &f, &[]), expected + "\n", "{name}");
    }

    // The default export is open-iris v0.1.
    export_model(
        &dir.join("default.zkbiris"),
        &[],
        &IrisModel::open_iris_v0_1(),
    );
}

#[test]
fn bad_inputs_are_reported() {
    let tmp = TempDir::new("cli-iris-code-bad");
    let dir = tmp.path();
    let model = IrisModel::scaled_test_model();
    // Scaled-size PNGs with the default (128 x 512) model.
    let (image, mask, _) = case_pngs(dir, "scaled_zeros", &model);
    let (ok, _, err) = zkbio(&["iris-code", "--image", &image, "--mask", &mask]);
    assert!(!ok);
    assert!(err.contains("must be 512x128"), "{err}");
    let junk = dir.join("junk.zkbiris");
    std::fs::write(&junk, b"not a model").expect("write");
    let (ok, _, err) = zkbio(&[
        "iris-code",
        "--image",
        &image,
        "--mask",
        &mask,
        "--model",
        junk.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("junk.zkbiris"), "{err}");
}

/// The full variants' exported files (open-iris v0.1-full and the scaled one the CI packages
/// use) give the default pipeline's committed templates.
#[test]
fn full_variant_file_gives_the_default_pipelines_template() {
    let tmp = TempDir::new("cli-iris-model-full");
    let dir = tmp.path();
    let variants = [
        (
            IrisModel::open_iris_v0_1_full(),
            &["--variant", "full"][..],
            ["random_s7_wrap_cols_off", "random_s2_mask900"],
        ),
        (
            IrisModel::scaled_test_model_full(),
            &["--name", "scaled-test", "--variant", "full"][..],
            ["scaled_random_s22_mask800", "scaled_checker_blobs"],
        ),
    ];
    for (model, args, cases) in variants {
        let file = dir.join(format!("{}.zkbiris", model.name()));
        let f = export_model(&file, args, &model);
        for name in cases {
            let (image, mask, encoder_only) = case_pngs(dir, name, &model);
            let expected =
                std::fs::read_to_string(vectors().join(format!("cases/{name}.full.template.json")))
                    .expect("committed full-pipeline template");
            assert_ne!(expected, encoder_only, "{name}: the refinement drops bits");
            let out = iris_code(&image, &mask, &f, &["--format", "openiris"]);
            assert_eq!(out, expected + "\n", "{name}: full-pipeline template JSON");
        }
    }
}
