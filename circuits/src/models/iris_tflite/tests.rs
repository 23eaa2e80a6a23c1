use super::*;
use crate::models::tflite::npy::{self, NpyData};

/// The tiny variant (12x24 → 3x6x4, the flow fixtures' size), made by the same script.
const TINY_MODEL: &[u8] = include_bytes!("../../../tests/data/iris_v2/iris_v2_tiny.tflite");

/// Committed sample images of `m`'s size and LiteRT BUILTIN_REF's outputs on them, as
/// `tests/iris_v2/make_model.py` writes them (`<variant>_images.npy`, `<variant>_outputs.npy`).
fn committed_vectors(
    m: &TfliteIrisModel,
    images: &[u8],
    outputs: &[u8],
) -> (Vec<Vec<u8>>, Vec<Vec<i8>>) {
    let imgs = npy::read(images).unwrap();
    let outs = npy::read(outputs).unwrap();
    let (NpyData::U8(i), NpyData::I8(o)) = (imgs.data, outs.data) else {
        panic!("dtypes: expected uint8 images and int8 outputs");
    };
    let (rows, cols) = (m.image_rows(), m.image_cols());
    let out_shape = [m.code_rows(), m.code_cols(), 2 * m.filters()];
    assert_eq!(imgs.shape, [8, rows, cols]);
    assert_eq!(outs.shape, [8, out_shape[0], out_shape[1], out_shape[2]]);
    (
        i.chunks(rows * cols).map(<[u8]>::to_vec).collect(),
        o.chunks(m.code_len()).map(<[i8]>::to_vec).collect(),
    )
}

/// `m`'s outputs on the committed images equal LiteRT's element for element, so its bits equal
/// the bits of LiteRT's outputs; and the codes are not degenerate (both bit values occur, some
/// but not all bits are masked under a mask with every `mask_step`-th pixel invalid).
fn assert_equals_committed_litert_outputs(
    m: &TfliteIrisModel,
    images: &[u8],
    outputs: &[u8],
    mask_step: usize,
) {
    let (images, outputs) = committed_vectors(m, images, outputs);
    let n = m.code_len();
    for (k, (img, want)) in images.iter().zip(&outputs).enumerate() {
        let got = m.output(img).unwrap();
        assert_eq!(&got, want, "image {k}");
        let mask = mask_every(img.len(), mask_step);
        let bits = m.infer(img, &mask).unwrap();
        assert_eq!(bits, m.bits_from_output(want, &mask), "image {k}");
        let ones = bits.code().iter().filter(|&&b| b).count();
        assert!(ones > n / 10 && ones < n - n / 10, "image {k}: {ones} ones");
        let valid = bits.mask().iter().filter(|&&b| b).count();
        assert!(valid > 0 && valid < n, "image {k}: {valid} valid");
    }
}

/// A mask with every `k`-th pixel invalid (`k = 0`: all valid).
fn mask_every(n: usize, k: usize) -> Vec<bool> {
    (0..n).map(|i| k == 0 || i % k != 0).collect()
}

#[test]
fn development_models_have_the_template_shape() {
    let full = TfliteIrisModel::development();
    assert_eq!((full.image_rows(), full.image_cols()), (128, 512));
    assert_eq!(
        (full.code_rows(), full.code_cols(), full.filters()),
        (16, 256, 2)
    );
    assert_eq!(full.code_len(), 16384);
    assert_eq!(full.cell_shape(), (8, 2));
    let small = TfliteIrisModel::development_small();
    assert_eq!((small.image_rows(), small.image_cols()), (32, 128));
    assert_eq!(
        (small.code_rows(), small.code_cols(), small.filters()),
        (4, 64, 2)
    );
    assert_eq!(small.cell_shape(), (8, 2));
}

/// The committed LiteRT BUILTIN_REF outputs of the small model (made by
/// `tests/iris_v2/make_model.py`) equal the interpreter's, element for element, so the bits
/// are equal too; `circuits/tests/iris_v2_litert.rs` runs LiteRT itself on more images.
#[test]
fn interpreter_equals_committed_litert_outputs() {
    assert_equals_committed_litert_outputs(
        &TfliteIrisModel::development_small(),
        include_bytes!("../../../tests/data/iris_v2/small_images.npy"),
        include_bytes!("../../../tests/data/iris_v2/small_outputs.npy"),
        97,
    );
}

/// The same for the tiny variant (the Kotlin flow fixtures' v2 model), with the development rule
/// on its 4x4 cells.
#[test]
fn tiny_interpreter_equals_committed_litert_outputs() {
    let m = TfliteIrisModel::from_bytes(TINY_MODEL, CodeRule::DEV).unwrap();
    assert_eq!((m.image_rows(), m.image_cols()), (12, 24));
    assert_eq!((m.code_rows(), m.code_cols(), m.filters()), (3, 6, 2));
    assert_eq!(m.cell_shape(), (4, 4));
    assert_equals_committed_litert_outputs(
        &m,
        include_bytes!("../../../tests/data/iris_v2/tiny_images.npy"),
        include_bytes!("../../../tests/data/iris_v2/tiny_outputs.npy"),
        29,
    );
}

#[test]
fn the_rule_reads_zero_point_magnitude_and_cell() {
    let m = TfliteIrisModel::development_small();
    let zp = m.zero_point();
    let n = m.code_len();
    // Output values around the zero point, for the first position's four channels.
    let mut out = vec![zp as i8; n];
    for (c, d) in [-2i32, -1, 1, 2].into_iter().enumerate() {
        out[c] = (zp + d) as i8;
    }
    let all = vec![true; 32 * 128];
    let bits = m.bits_from_output(&out, &all);
    assert_eq!(&bits.code()[..4], &[false, false, true, true]);
    // magnitude 2: |d| = 2 passes, 1 fails; d = 0 elsewhere fails.
    assert_eq!(&bits.mask()[..4], &[true, false, false, true]);
    assert!(bits.mask()[4..].iter().all(|&b| !b));
    assert!(bits.code()[4..].iter().all(|&b| !b));
    // One invalid pixel in the first cell (rows 0..8, columns 0..2) keeps 15 of 16: still valid;
    // two drop it below cell_min_valid = 15.
    let mut mask = all.clone();
    mask[128] = false;
    assert_eq!(
        &m.bits_from_output(&out, &mask).mask()[..4],
        &[true, false, false, true]
    );
    mask[7 * 128 + 1] = false;
    assert!(m.bits_from_output(&out, &mask).mask()[..4]
        .iter()
        .all(|&b| !b));
    // A pixel just outside the cell (column 2) does not count.
    let mut mask = all;
    mask[2] = false;
    mask[3] = false;
    assert_eq!(
        &m.bits_from_output(&out, &mask).mask()[..4],
        &[true, false, false, true]
    );
}

#[test]
fn bad_models_and_rules_are_typed_errors() {
    let face = include_bytes!("../../../tests/data/face/face_tiny.tflite");
    assert!(matches!(
        TfliteIrisModel::from_bytes(face, CodeRule::DEV),
        Err(TfliteIrisError::OutputShape(_))
    ));
    let rule = CodeRule {
        magnitude: 0,
        cell_min_valid: 17,
    };
    assert_eq!(
        TfliteIrisModel::from_bytes(DEV_MODEL_SMALL, rule).unwrap_err(),
        TfliteIrisError::Rule { got: 17, cell: 16 }
    );
    assert!(matches!(
        TfliteIrisModel::from_bytes(&DEV_MODEL_SMALL[..100], CodeRule::DEV),
        Err(TfliteIrisError::Model(_))
    ));
    let m = TfliteIrisModel::development_small();
    assert!(m.infer(&[0; 10], &[true; 10]).is_err());
    assert!(m.infer(&[0; 4096], &[true; 10]).is_err());
}
