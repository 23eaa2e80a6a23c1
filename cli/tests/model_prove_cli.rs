//! `zkbio model setup | prove | verify` on a small committed fixture: the proof verifies, its
//! output.npy is LiteRT's output, a tampered public input is rejected (exit code 1), a key for
//! another model is refused, and `model inspect` prints the compiler's constraint counts.

mod support;
use support::{run as zkbio, tflite_fixture as fixture};

use std::path::Path;
use zkbio_tests::TempDir;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn model_setup_prove_verify() {
    let tmp = TempDir::new("cli-model-prove");
    let dir = tmp.path();
    let (keys, proof) = (dir.join("keys"), dir.join("proof"));
    let model = fixture("model_f08.tflite");
    let (code, _, err) = zkbio(&[
        "model",
        "setup",
        "--model",
        &model,
        "--seed",
        "t",
        "--out",
        s(&keys),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let key = keys.join("circuit.zpk");
    let (code, _, err) = zkbio(&[
        "model",
        "prove",
        "--model",
        &model,
        "--key",
        s(&key),
        "--input",
        &fixture("input_f08.npy"),
        "--out",
        s(&proof),
        "--binding",
        "12345",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // output.npy is byte-identical to LiteRT's committed output (same dtype, shape, values).
    assert_eq!(
        std::fs::read(proof.join("output.npy")).unwrap(),
        std::fs::read(fixture("output_f08.npy")).unwrap()
    );
    let public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(proof.join("public.json")).unwrap()).unwrap();
    assert_eq!(public.len(), 3);
    assert_eq!(public[2], "12345");
    let vk = keys.join("verification_key.json");
    let verify = |public: &Path| {
        zkbio(&[
            "model",
            "verify",
            "--vk",
            s(&vk),
            "--proof",
            s(&proof.join("proof.json")),
            "--public",
            s(public),
            "--evm",
        ])
    };
    let (code, out, err) = verify(&proof.join("public.json"));
    assert_eq!(code, Some(0), "{out}{err}");
    // C_out changed: rejected with exit code 1.
    let mut bad = public.clone();
    bad[1] = "1".into();
    let bad_path = dir.join("bad_public.json");
    std::fs::write(&bad_path, serde_json::to_string(&bad).unwrap()).unwrap();
    assert_eq!(verify(&bad_path).0, Some(1));

    // A key made for another model is refused (exit code 2, nothing written).
    let other = dir.join("other");
    let (code, _, err) = zkbio(&[
        "model",
        "prove",
        "--model",
        &fixture("model_f07.tflite"),
        "--key",
        s(&key),
        "--input",
        &fixture("input_f07.npy"),
        "--out",
        s(&other),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!other.join("proof.json").exists());

    // inspect reports the compiler's per-op constraints.
    let (code, out, err) = zkbio(&["model", "inspect", &model]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("model constraints: "), "{out}");
}
