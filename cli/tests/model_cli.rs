//! `zkbio model infer` and `zkbio model inspect` on the committed LiteRT fixtures
//! (circuits/tests/data/tflite, made by tests/tflite/gen_models.py).

mod support;
use support::{run as zkbio, tflite_fixture as fixture, tflite_fixtures as fixtures};

use std::path::Path;

/// The data part of a `.npy` file and its header text.
fn npy_parts(bytes: &[u8]) -> (String, Vec<u8>) {
    let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    (
        String::from_utf8_lossy(&bytes[10..10 + hl]).into_owned(),
        bytes[10 + hl..].to_vec(),
    )
}

#[test]
fn infer_writes_litert_outputs_as_numpy_does() {
    let dir = tempfile::tempdir().unwrap();
    for case in ["f04", "f12", "f14", "f19"] {
        let out = dir.path().join(format!("y_{case}.npy"));
        let (code, _, err) = zkbio(&[
            "model",
            "infer",
            "--model",
            &fixture(&format!("model_{case}.tflite")),
            "--input",
            &fixture(&format!("input_{case}.npy")),
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{case}: {err}");
        let got = std::fs::read(&out).unwrap();
        let want = std::fs::read(fixtures().join(format!("output_{case}.npy"))).unwrap();
        let (gh, gd) = npy_parts(&got);
        let (wh, wd) = npy_parts(&want);
        // Same dtype and shape as LiteRT's get_tensor, same values.
        assert_eq!(gh.trim(), wh.trim(), "{case}: header");
        assert_eq!(gd, wd, "{case}: data");
        // numpy.save's exact bytes, header padding included.
        assert_eq!(got, want, "{case}: file bytes");
    }
}

#[test]
fn inspect_lists_ops_shapes_and_the_model_hash() {
    let path = fixture("model_f12.tflite");
    let (code, out, err) = zkbio(&["model", "inspect", &path]);
    assert_eq!(code, Some(0), "{err}");
    let bytes = std::fs::read(&path).unwrap();
    let hash = {
        use sha3::{Digest, Keccak256};
        hex::encode(Keccak256::digest(&bytes))
    };
    assert!(out.contains(&format!("model hash 0x{hash}")), "{out}");
    for want in [
        "CONV_2D",
        "MEAN",
        "FULLY_CONNECTED",
        "[1, 6, 6, 8]",
        "RELU",
        "per-channel (8 scales, axis 0)",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    // Requantized elements: conv 6*6*8 + mean 8 + fc 6.
    assert!(out.contains("requantized elements: 302"), "{out}");
}

#[test]
fn bad_files_fail_with_exit_code_2_and_a_typed_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("y.npy");
    let out = out.to_str().unwrap();
    // Not a TFLite file.
    let junk = dir.path().join("junk.tflite");
    std::fs::write(&junk, b"this is not a flatbuffer at all").unwrap();
    let (code, _, err) = zkbio(&["model", "inspect", junk.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a TFLite model"), "{err}");
    // An unsupported operator, named with its index.
    let (code, _, err) = zkbio(&["model", "inspect", &fixture("bad_logistic.tflite")]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("operator 1 is LOGISTIC, which is not supported"),
        "{err}"
    );
    // A float model.
    let (code, _, err) = zkbio(&[
        "model",
        "infer",
        "--model",
        &fixture("bad_float.tflite"),
        "--input",
        &fixture("input_f00.npy"),
        "--output",
        out,
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("float model"), "{err}");
    // An input of the wrong shape, and one that is not a .npy file.
    let (code, _, err) = zkbio(&[
        "model",
        "infer",
        "--model",
        &fixture("model_f00.tflite"),
        "--input",
        &fixture("input_f01.npy"),
        "--output",
        out,
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("shape [1, 10, 7, 3], the model input is [1, 9, 9, 2]"),
        "{err}"
    );
    let (code, _, err) = zkbio(&[
        "model",
        "infer",
        "--model",
        &fixture("model_f00.tflite"),
        "--input",
        &fixture("model_f00.tflite"),
        "--output",
        out,
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a .npy file"), "{err}");
    assert!(!Path::new(out).exists());
}
