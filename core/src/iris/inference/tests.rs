use super::*;
use zkbio_circuits::models::iris::MaskRule;

/// Deterministic test bytes (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn random_iris(model: &IrisModel, seed: u64, hole_permille: u64) -> NormalizedIris {
    let mut rng = Rng(seed);
    let n = model.image_rows() * model.image_cols();
    let image = (0..n).map(|_| rng.next() as u8).collect();
    let mask = (0..n).map(|_| rng.next() % 1000 >= hole_permille).collect();
    NormalizedIris::new(model, image, mask).expect("sizes match")
}

/// Straight from open-iris's `_convolve` and `IrisEncoder`, per pixel, with its float mask
/// ratio: `float32(N / D) >= float32(0.93)` (1 when the window is fully unmasked).
fn reference(model: &IrisModel, iris: &NormalizedIris) -> (Vec<[i64; 4]>, Vec<bool>, Vec<bool>) {
    let (h_img, w_img) = (model.image_rows() as i64, model.image_cols() as i64);
    let shape = CodeShape::of(model);
    let mut resp = vec![[0i64; 4]; shape.len() / 2];
    let mut code = vec![false; shape.len()];
    let mut mask = vec![false; shape.len()];
    for (fi, f) in model.filters().iter().enumerate() {
        let k = f.kernel();
        let (kr, kc) = (k.rows() as i64, k.cols() as i64);
        let (pr, pc) = (kr / 2, kc / 2);
        for (i, &r) in f.probes().rows().iter().enumerate() {
            for (j, &c) in f.probes().cols().iter().enumerate() {
                let (r, c) = (r as i64, c as i64);
                let rtop = (r - pr).max(0);
                let rbot = (r + pr + 1).min(h_img);
                let h = rbot - rtop;
                let ktop = pr - h / 2;
                let mut s = [0i64; 2];
                let mut n = [0i64; 2];
                let mut d = [0i64; 2];
                let mut all = true;
                for a in 0..h {
                    for b in 0..kc {
                        let px = ((rtop + a) * w_img + (c - pc + b).rem_euclid(w_img)) as usize;
                        let kx = ((ktop + a) * kc + b) as usize;
                        let m = iris.mask()[px];
                        all &= m;
                        for (p, part) in [k.real(), k.imag()].into_iter().enumerate() {
                            s[p] += iris.image()[px] as i64 * part[kx] as i64;
                            d[p] += (part[kx] as i64).abs();
                            n[p] += if m { (part[kx] as i64).abs() } else { 0 };
                        }
                    }
                }
                let idx = shape.index(i, j, fi, 0);
                resp[idx / 2] = [s[0], s[1], n[0], n[1]];
                for p in 0..2 {
                    let q = if model.mask_duplicated() { 1 } else { p };
                    let val = if all { 1.0 } else { n[q] as f64 / d[q] as f64 };
                    code[idx + p] = s[p] > 0;
                    mask[idx + p] = (s[0] != 0 || s[1] != 0) && (val as f32) >= 0.93f32;
                }
            }
        }
    }
    (resp, code, mask)
}

fn check_against_reference(model: &IrisModel, iris: &NormalizedIris) {
    let engine = IrisEngine::new(model);
    let responses = engine.responses(iris).expect("sizes match");
    let (resp, code, mask) = reference(model, iris);
    let got: Vec<[i64; 4]> = responses
        .probes()
        .iter()
        .map(|p| {
            [
                p.real as i64,
                p.imag as i64,
                p.mask_weight_real as i64,
                p.mask_weight_imag as i64,
            ]
        })
        .collect();
    assert_eq!(got, resp);
    let c = engine.encode(&responses).expect("same model");
    assert_eq!(c.code_bits(), &code[..]);
    assert_eq!(c.mask_bits(), &mask[..]);
    assert_eq!(infer(model, iris).expect("sizes match"), c);
}

#[test]
fn scaled_model_matches_per_pixel_reference() {
    let m = IrisModel::scaled_test_model();
    for (seed, holes) in [(1, 0), (2, 20), (3, 300), (4, 1000), (5, 5)] {
        check_against_reference(&m, &random_iris(&m, seed, holes));
    }
}

#[test]
fn default_model_matches_per_pixel_reference() {
    let m = IrisModel::open_iris_v0_1();
    check_against_reference(&m, &random_iris(&m, 7, 3));
}

#[test]
fn duplicated_mask_uses_imaginary_weights() {
    let base = IrisModel::scaled_test_model();
    let m = IrisModel::new(
        "dup".into(),
        "v0.1".into(),
        base.image_rows(),
        base.image_cols(),
        base.filters().to_vec(),
        base.mask_rule(),
        true,
    )
    .expect("valid");
    for seed in [11, 12] {
        check_against_reference(&m, &random_iris(&m, seed, 30));
    }
}

#[test]
fn zero_image_gives_zero_code_and_mask() {
    let m = IrisModel::scaled_test_model();
    let n = m.image_rows() * m.image_cols();
    let iris = NormalizedIris::new(&m, vec![0; n], vec![true; n]).expect("valid");
    let code = infer(&m, &iris).expect("valid");
    assert!(code.code_bits().iter().all(|b| !b));
    // A response that is 0 in both parts invalidates the probe's mask bits, even unmasked.
    assert!(code.mask_bits().iter().all(|b| !b));
}

#[test]
fn responses_stay_within_the_model_bound() {
    // All-255 and 0/255 stripes aligned with the kernel's signs push |S| towards 255 * D.
    let m = IrisModel::scaled_test_model();
    let n = m.image_rows() * m.image_cols();
    let engine = IrisEngine::new(&m);
    for image in [
        vec![255u8; n],
        (0..n).map(|i| ((i / 3) % 2 * 255) as u8).collect(),
    ] {
        let iris = NormalizedIris::new(&m, image, vec![true; n]).expect("valid");
        let r = engine.responses(&iris).expect("valid");
        for row in 0..m.code_rows() {
            for col in 0..m.code_cols() {
                for f in 0..m.filters().len() {
                    let p = r.probe(row, col, f);
                    assert!((p.real.unsigned_abs() as u64) <= m.response_bound(f, row, 0));
                    assert!((p.imag.unsigned_abs() as u64) <= m.response_bound(f, row, 1));
                }
            }
        }
    }
}

#[test]
fn iris_of_another_model_is_rejected() {
    let small = IrisModel::scaled_test_model();
    let other = IrisModel::new(
        "wider".into(),
        "v0.1".into(),
        small.image_rows(),
        small.image_cols() * 2,
        small.filters().to_vec(),
        MaskRule::from_open_iris_threshold(0.93).expect("valid"),
        false,
    )
    .expect("valid");
    let iris = random_iris(&other, 1, 0);
    assert_eq!(
        IrisEngine::new(&small).responses(&iris),
        Err(IrisError::ModelMismatch {
            rows: 32,
            cols: 128,
            got_rows: 32,
            got_cols: 256
        })
    );
}

#[test]
fn responses_of_another_shape_are_rejected() {
    let (big, small) = (IrisModel::open_iris_v0_1(), IrisModel::scaled_test_model());
    let responses = IrisEngine::new(&big)
        .responses(&random_iris(&big, 3, 0))
        .expect("valid");
    assert_eq!(
        IrisEngine::new(&small).encode(&responses),
        Err(IrisError::ShapeMismatch)
    );
}
