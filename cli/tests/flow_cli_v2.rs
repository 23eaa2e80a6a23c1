//! The model upgrade across families from the CLI against a real node: a record enrolled with
//! the v1 filter bank (the scaled test model, 32x128) re-enrolls to v2, the int8 TFLite network
//! (`iris_v2_small.tflite`), published with `package dev-iris --family tflite` and served over
//! HTTP; the registry on anvil and the vault move to version 2 and a new `C_code`, the image
//! commitment stays, and v1's package is refused under v2's pin.

use std::path::Path;

mod support;
use support::{
    address_of, enroll_into_vault, field, zkbio, zkbio_ok, Anvil, FileServer, Registry, OWNER_KEY,
    PUBLISHER_KEY, SUBJECT_KEY,
};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

#[test]
fn a_filter_bank_record_reenrolls_to_a_tflite_model_through_the_registry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let subject = address_of(SUBJECT_KEY);

    // v1: the filter bank at 32x128; v2: the TFLite network of the same image size.
    let v1 = zkbio_ok(&[
        "package",
        "dev-iris",
        "--out",
        s(&root.join("www/v1")),
        "--version",
        "1",
        "--model",
        "scaled-test",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    assert_eq!(field(&v1, "family"), "filter-bank");
    let publisher = field(&v1, "publisher");
    let v2 = zkbio_ok(&[
        "package",
        "dev-iris",
        "--family",
        "tflite",
        "--out",
        s(&root.join("www/v2")),
        "--version",
        "2",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    assert_eq!(field(&v2, "family"), "tflite");
    let v2_dir = root.join("www/v2");
    let tflite = std::fs::read(v2_dir.join("model.tflite")).expect("model.tflite");
    assert_eq!(
        tflite,
        include_bytes!("../../circuits/tests/data/iris_v2/iris_v2_small.tflite")
    );
    let manifest = std::fs::read_to_string(v2_dir.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"name\": \"tflite\"") && manifest.contains("\"cell_min_valid\": 15"),
        "{manifest}"
    );
    let www = FileServer::start(root.join("www"));

    let anvil = Anvil::start();
    let enrolled = enroll_into_vault(
        root,
        Registry::Deploy {
            anvil: &anvil,
            package: &root.join("www/v1"),
        },
        &subject,
        &["--sample", "scaled"],
    );
    let (registry, v) = (enrolled.registry.clone(), enrolled.vault_arg());

    let flow = |cmd: &str, version: &str| -> Vec<String> {
        [
            "registry",
            cmd,
            "--rpc",
            &anvil.url,
            "--key",
            SUBJECT_KEY,
            "--registry",
            &registry,
            "--vault",
            v,
            "--record",
            "me",
            "--package",
            &format!("{}/v{version}", www.url),
            "--publisher",
            &publisher,
            "--version",
            version,
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |args: Vec<String>| zkbio_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let status = || {
        zkbio_ok(&[
            "registry",
            "status",
            "--rpc",
            &anvil.url,
            "--registry",
            &registry,
            "--subject",
            &subject,
        ])
    };
    let out = run(flow("enroll", "1"));
    assert_eq!(field(&out, "iris_version"), "1");
    let c_code_v1 = field(&out, "c_code");
    let before = status();

    // The owner registers v2 from its .tflite (model hash = keccak256 of the file).
    zkbio_ok(&[
        "registry",
        "add-model",
        "--rpc",
        &anvil.url,
        "--key",
        OWNER_KEY,
        "--registry",
        &registry,
        "--kind",
        "iris",
        "--version",
        "2",
        "--model",
        s(&v2_dir.join("model.tflite")),
        "--vk",
        s(&v2_dir.join("verification_key.json")),
    ]);
    // v1's package under v2's pin is refused before proving.
    let mut wrong = flow("reenroll", "2");
    let url = wrong.iter().position(|a| a == "--package").unwrap() + 1;
    wrong[url] = format!("{}/v1", www.url);
    let refused = zkbio(&wrong.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("package refused"), "{stderr}");

    let out = run(flow("reenroll", "2"));
    assert_eq!(field(&out, "iris_version"), "2");
    let c_code_v2 = field(&out, "c_code");
    assert_ne!(c_code_v2, c_code_v1);
    let vault_status = zkbio_ok(&["vault", "status", "--vault", v, "--record", "me"]);
    assert_eq!(field(&vault_status, "iris_version"), "2");
    assert_eq!(field(&vault_status, "c_code"), c_code_v2);
    let after = status();
    assert!(after.contains(&format!("C_code {c_code_v2}")), "{after}");
    // The image commitment is the one enrolled with v1.
    let c_img = |text: &str| {
        text.lines()
            .find(|l| l.contains("C_img"))
            .unwrap_or_else(|| panic!("no C_img in {text}"))
            .to_owned()
    };
    assert_eq!(c_img(&before), c_img(&after));
}
