//! `zkbio iris-code --model FILE.tflite`: the iris v2 (int8 TFLite) model's template in open-iris's
//! JSON format, equal to the template made from ai-edge-litert 2.3's committed BUILTIN_REF outputs
//! (`circuits/tests/data/iris_v2/small_outputs.npy`) with the code rule.

mod support;
use support::{run_status as zkbio, write_png};

use std::path::Path;
use zkbio_circuits::models::iris_tflite::{TfliteIrisModel, DEV_CODE_VERSION, DEV_MODEL_SMALL};
use zkbio_circuits::models::tflite::npy::{self, NpyData};
use zkbio_core::iris::{CodeShape, IrisCode, IrisTemplate};
use zkbio_tests::TempDir;

fn data(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../circuits/tests/data/iris_v2")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn tflite_iris_code_is_the_litert_template() {
    let tmp = TempDir::new("cli-iris-v2");
    let dir = tmp.path();
    let model_path = dir.join("model.tflite");
    std::fs::write(&model_path, DEV_MODEL_SMALL).unwrap();
    let images = npy::read(&data("small_images.npy")).unwrap();
    let outputs = npy::read(&data("small_outputs.npy")).unwrap();
    let (NpyData::U8(images), NpyData::I8(outputs)) = (images.data, outputs.data) else {
        panic!("dtypes");
    };
    let model = TfliteIrisModel::development_small();
    let (rows, cols) = (32, 128);
    for k in [0usize, 3] {
        let image = &images[k * rows * cols..(k + 1) * rows * cols];
        let out = &outputs[k * 1024..(k + 1) * 1024];
        // An eyelid-like block masked out.
        let mask: Vec<bool> = (0..rows * cols)
            .map(|i| !(i / cols >= 20 && (i % cols) / 16 == 2))
            .collect();
        let (img_png, mask_png) = (dir.join(format!("i{k}.png")), dir.join(format!("m{k}.png")));
        write_png(&img_png, cols, rows, image);
        let mask_bytes: Vec<u8> = mask.iter().map(|&v| if v { 255 } else { 0 }).collect();
        write_png(&mask_png, cols, rows, &mask_bytes);

        let (code, valid) = model.bits_from_output(out, &mask).into_parts();
        assert!(valid.iter().any(|&v| !v) && valid.iter().any(|&v| v));
        let shape = CodeShape::new(4, 64, 2);
        let want = IrisTemplate::new(IrisCode::new(shape, code, valid).unwrap(), DEV_CODE_VERSION)
            .unwrap()
            .to_json();
        let args = [
            "iris-code",
            "--model",
            model_path.to_str().unwrap(),
            "--image",
            img_png.to_str().unwrap(),
            "--mask",
            mask_png.to_str().unwrap(),
        ];
        let (ok, stdout, stderr) = zkbio(&args);
        assert!(ok, "{stderr}");
        assert_eq!(stdout.trim_end(), want, "image {k}");
        assert!(want.contains(r#""iris_code_version": "v2.0""#));
    }

    // A truncated model and a wrong-size image are refused with a message, not a panic.
    let bad = dir.join("bad.tflite");
    std::fs::write(&bad, &DEV_MODEL_SMALL[..200]).unwrap();
    let img = dir.join("i0.png");
    let mask = dir.join("m0.png");
    let (ok, _, stderr) = zkbio(&[
        "iris-code",
        "--model",
        bad.to_str().unwrap(),
        "--image",
        img.to_str().unwrap(),
        "--mask",
        mask.to_str().unwrap(),
    ]);
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
    let full = dir.join("full.tflite");
    std::fs::write(&full, zkbio_circuits::models::iris_tflite::DEV_MODEL).unwrap();
    let (ok, _, stderr) = zkbio(&[
        "iris-code",
        "--model",
        full.to_str().unwrap(),
        "--image",
        img.to_str().unwrap(),
        "--mask",
        mask.to_str().unwrap(),
    ]);
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
}
