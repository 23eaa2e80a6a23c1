//! Differential test of the iris v2 (TFLite) models: the code and mask bits computed by zkbio's
//! interpreter equal those computed from ai-edge-litert 2.3's reference kernels (BUILTIN_REF)
//! on the same images, for the full-size development model, its test-size variant and the tiny
//! variant of the Kotlin flow fixtures (`iris_v2_tiny.tflite`, 12x24).
//!
//! LiteRT runs live through `tests/iris_v2/litert_outputs.py` with the Python named by
//! `ZKBIO_TFLITE_PYTHON` (scripts/test.sh sets it), else `target/tflite-venv/bin/python` if it
//! exists; without either the test is skipped with a note. (The committed LiteRT outputs of the
//! small model are checked without Python by the unit tests of `models::iris_tflite`.)

use std::path::{Path, PathBuf};
use std::process::Command;
use zkbio_circuits::models::iris_tflite::{CodeRule, TfliteIrisModel};
use zkbio_circuits::models::tflite::npy::{self, NpyArray, NpyData};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZKBIO_TFLITE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = workspace().join("target/tflite-venv/bin/python");
    p.exists().then_some(p)
}

/// Deterministic bytes (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Test images: uniform random (two seeds), constants 0, 128 and 255, angular stripes, a radial
/// gradient, and a textured synthetic iris (fibres, crypts, noise) as `zkbio_core::sample` draws it.
fn images(rows: usize, cols: usize) -> Vec<Vec<u8>> {
    let n = rows * cols;
    let mut out = Vec::new();
    for seed in [1u64, 2] {
        let mut rng = Rng((seed * 0x9E37_79B9) | 1);
        out.push((0..n).map(|_| rng.next() as u8).collect());
    }
    for v in [0u8, 128, 255] {
        out.push(vec![v; n]);
    }
    out.push(
        (0..n)
            .map(|k| {
                if (k % cols / 3).is_multiple_of(2) {
                    30
                } else {
                    220
                }
            })
            .collect(),
    );
    out.push((0..n).map(|k| (k / cols * 255 / rows) as u8).collect());
    let mut rng = Rng(7);
    out.push(
        (0..n)
            .map(|k| {
                let (r, c) = (k / cols, k % cols);
                let fibre = ((c * 7 + (c * c) / 13 + r / 3) % 23) as i64 * 3;
                let crypt = if ((r / 9) * 31 + (c / 17) * 7) % 11 == 0 {
                    -40
                } else {
                    0
                };
                let noise = (rng.next() % 25) as i64 - 12;
                let radial = (r as i64 * 40) / rows as i64;
                (90 + fibre + crypt + noise + radial).clamp(0, 255) as u8
            })
            .collect(),
    );
    out
}

/// An eyelid-like band and a spot masked out.
fn mask(rows: usize, cols: usize) -> Vec<bool> {
    (0..rows * cols)
        .map(|k| {
            let (r, c) = (k / cols, k % cols);
            let eyelid = r * 4 >= rows * 3 && (c * 8 / cols) % 4 == 1;
            let spot = r * 8 < rows && (c * 16 / cols) == 5;
            !(eyelid || spot)
        })
        .collect()
}

fn litert_outputs(
    py: &Path,
    model: &[u8],
    name: &str,
    imgs: &[Vec<u8>],
    rows: usize,
    cols: usize,
) -> Vec<Vec<i8>> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("iris_v2_litert");
    std::fs::create_dir_all(&dir).unwrap();
    let model_path = dir.join(format!("{name}.tflite"));
    std::fs::write(&model_path, model).unwrap();
    let images_path = dir.join(format!("{name}_images.npy"));
    let a = NpyArray {
        shape: vec![imgs.len(), rows, cols],
        data: NpyData::U8(imgs.concat()),
    };
    std::fs::write(&images_path, npy::write(&a)).unwrap();
    let out_path = dir.join(format!("{name}_outputs.npy"));
    let _ = std::fs::remove_file(&out_path);
    let status = Command::new(py)
        .arg(workspace().join("tests/iris_v2/litert_outputs.py"))
        .args([&model_path, &images_path, &out_path])
        .status()
        .unwrap_or_else(|e| panic!("{}: {e}", py.display()));
    assert!(status.success(), "litert_outputs.py failed: {status}");
    let a = npy::read(&std::fs::read(&out_path).unwrap()).unwrap();
    let NpyData::I8(v) = a.data else {
        panic!("LiteRT output dtype {}", a.data.dtype_name());
    };
    assert_eq!(a.shape[0], imgs.len());
    let per = v.len() / imgs.len();
    v.chunks(per).map(<[i8]>::to_vec).collect()
}

fn check(py: &Path, name: &str, model: &TfliteIrisModel, bytes: &[u8]) {
    let (rows, cols) = (model.image_rows(), model.image_cols());
    let imgs = images(rows, cols);
    let want = litert_outputs(py, bytes, name, &imgs, rows, cols);
    let m = mask(rows, cols);
    let mut strong = 0;
    for (k, (img, out)) in imgs.iter().zip(&want).enumerate() {
        assert_eq!(out.len(), model.code_len(), "{name} image {k}: output size");
        let got = model.infer(img, &m).unwrap();
        let litert = model.bits_from_output(out, &m);
        assert!(
            got.code() == litert.code(),
            "{name} image {k}: code bits differ from LiteRT's"
        );
        assert!(
            got.mask() == litert.mask(),
            "{name} image {k}: mask bits differ from LiteRT's"
        );
        assert_eq!(
            &model.output(img).unwrap(),
            out,
            "{name} image {k}: outputs differ"
        );
        strong += got.mask().iter().filter(|&&b| b).count();
    }
    // The images exercise both rule outcomes.
    assert!(
        strong > 0 && strong < imgs.len() * model.code_len(),
        "{name}: {strong} valid bits"
    );
    eprintln!(
        "{name}: {} images, code and mask bits equal LiteRT's",
        imgs.len()
    );
}

#[test]
fn v2_bits_equal_litert_reference_kernels() {
    let Some(py) = python() else {
        eprintln!("note: no ZKBIO_TFLITE_PYTHON and no target/tflite-venv; skipping the live LiteRT check of the iris v2 models (scripts/test.sh sets it)");
        return;
    };
    use zkbio_circuits::models::iris_tflite::{DEV_MODEL, DEV_MODEL_SMALL};
    check(
        &py,
        "small",
        &TfliteIrisModel::development_small(),
        DEV_MODEL_SMALL,
    );
    check(&py, "full", &TfliteIrisModel::development(), DEV_MODEL);
    let tiny: &[u8] = include_bytes!("data/iris_v2/iris_v2_tiny.tflite");
    let model = TfliteIrisModel::from_bytes(tiny, CodeRule::DEV).expect("the tiny model");
    check(&py, "tiny", &model, tiny);
}
