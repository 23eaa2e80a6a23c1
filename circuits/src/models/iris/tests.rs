use super::*;
use serde_json::Value;

/// open-iris's exported kernels and probe positions (tests/openiris/vectors/kernels.json, made by
/// tests/openiris/gen_vectors.py with open-iris 1.11.2).
fn exported() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/openiris/vectors/kernels.json"
    );
    let text = std::fs::read_to_string(path).expect("committed open-iris kernels");
    serde_json::from_str(&text).expect("kernels.json is JSON")
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("integer"))
        .collect()
}

fn assert_matches_open_iris(model: &IrisModel, key: &str) {
    let e = &exported()[key];
    assert_eq!(e["rows"].as_u64(), Some(model.image_rows() as u64));
    assert_eq!(e["cols"].as_u64(), Some(model.image_cols() as u64));
    assert_eq!(
        e["iris_code_version"].as_str(),
        Some(model.iris_code_version())
    );
    assert_eq!(
        e["maskisduplicated"].as_bool(),
        Some(model.mask_duplicated())
    );
    let filters = e["filters"].as_array().expect("filters");
    assert_eq!(filters.len(), model.filters().len());
    for (f, ef) in model.filters().iter().zip(filters) {
        let k = f.kernel();
        assert_eq!(ef["kernel_rows"].as_u64(), Some(k.rows() as u64));
        assert_eq!(ef["kernel_cols"].as_u64(), Some(k.cols() as u64));
        let widen = |v: &[i16]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
        assert_eq!(ints(&ef["real"]), widen(k.real()), "real kernel of {key}");
        assert_eq!(
            ints(&ef["imag"]),
            widen(k.imag()),
            "imaginary kernel of {key}"
        );
        let pos = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
        assert_eq!(ints(&ef["probe_rows"]), pos(f.probes().rows()));
        assert_eq!(ints(&ef["probe_cols"]), pos(f.probes().cols()));
    }
}

#[test]
fn default_model_kernels_equal_open_iris() {
    assert_matches_open_iris(&IrisModel::open_iris_v0_1(), "open_iris_v0_1");
}

#[test]
fn scaled_model_kernels_equal_open_iris() {
    assert_matches_open_iris(&IrisModel::scaled_test_model(), "scaled_test");
}

#[test]
fn kernel_integers_do_not_depend_on_last_bit_float_differences() {
    for p in open_iris_default_gabor_params()
        .iter()
        .chain(&scaled_test_gabor_params())
    {
        let margin = fixpoint_gabor_kernel(p).min_rounding_margin();
        // Last-bit differences move v * 2^15 by ~1e-11; the margin is many orders larger.
        assert!(margin > 1e-6, "{p:?}: margin {margin}");
    }
}

#[test]
fn default_model_shape_and_bounds() {
    let m = IrisModel::open_iris_v0_1();
    assert_eq!(
        (m.code_rows(), m.code_cols(), m.filters().len()),
        (16, 256, 2)
    );
    assert_eq!(m.code_len(), 16_384);
    let max = m
        .filters()
        .iter()
        .flat_map(|f| f.kernel().real().iter().chain(f.kernel().imag()))
        .map(|v| v.unsigned_abs())
        .max();
    assert!(max < Some(1 << 13));
    // |S| < 255 * 759296 < 2^27.6 (filter 0, real part, full window).
    assert_eq!(m.mask_total(0, 8, 0), 759_296);
    assert_eq!(m.mask_total(0, 8, 1), 650_220);
    assert!(m.response_bound(0, 8, 0) < 1 << 28);
}

#[test]
fn probe_windows_follow_open_iris_slicing() {
    let m = IrisModel::open_iris_v0_1();
    // Probe row 0 (pixel row 0): rows 0..11, kernel rows 5..16 (centred on the clipped window).
    let w = m.probe_window(0, 0, 0);
    assert_eq!((w.image_row, w.rows, w.kernel_row), (0, 11, 5));
    // Column 0 wraps: kernel column 0 sits on image column 512 - 20.
    assert_eq!((w.image_col, w.cols), (492, 41));
    // Probe row 1 (pixel row 8): rows 0..19, kernel rows 1..20.
    let w = m.probe_window(0, 1, 3);
    assert_eq!(
        (w.image_row, w.rows, w.kernel_row, w.image_col),
        (0, 19, 1, 512 + 6 - 20)
    );
    // Interior: full kernel.
    let w = m.probe_window(1, 5, 100);
    assert_eq!(
        (w.image_row, w.rows, w.kernel_row, w.image_col),
        (30, 21, 0, 200 - 8)
    );
    // Probe row 15 (pixel row 120): rows 110..128 (18 rows), kernel rows 1..19.
    let w = m.probe_window(0, 15, 255);
    assert_eq!(
        (w.image_row, w.rows, w.kernel_row, w.image_col),
        (110, 18, 1, 490)
    );
}

#[test]
fn open_iris_threshold_is_an_exact_rational_rule() {
    let rule = MaskRule::from_open_iris_threshold(0.93).expect("valid");
    // float32(0.93) = 15602811 / 2^24 has an odd significand: the midpoint below it fails.
    assert_eq!(
        (rule.num(), rule.den(), rule.inclusive()),
        (31_205_621, 1 << 25, false)
    );
    assert!(!rule.passes(31_205_621, 1 << 25));
    assert!(rule.passes(31_205_622, 1 << 25));
}

/// open-iris's float path: float32(float64(N / D)) >= float32(t).
fn float_rule(n: u64, d: u64, t: f64) -> bool {
    ((n as f64 / d as f64) as f32) >= t as f32
}

#[test]
fn mask_rule_equals_open_iris_float_rule_near_the_threshold() {
    let models = [IrisModel::open_iris_v0_1(), IrisModel::scaled_test_model()];
    for t in [0.93, 0.7, 0.5, 1.0, 0.0, 0.1, 0.999_999_9] {
        let rule = MaskRule::from_open_iris_threshold(t).expect("valid");
        for m in &models {
            for f in 0..m.filters().len() {
                for row in 0..m.code_rows() {
                    for part in 0..2 {
                        let d = m.mask_total(f, row, part);
                        let centre = (t * d as f64) as u64;
                        for n in centre.saturating_sub(300)..=(centre + 300).min(d) {
                            assert_eq!(rule.passes(n, d), float_rule(n, d, t), "t={t} {n}/{d}");
                        }
                    }
                }
            }
        }
    }
    // Denominators where the float32 midpoint is hit exactly (D a power of two).
    for t in [0.93, 0.7, 1.0] {
        let rule = MaskRule::from_open_iris_threshold(t).expect("valid");
        let d = 1u64 << 25;
        for n in (d - 3 * d / 10).max(1)..d.min((t * d as f64) as u64 + 40) {
            if n % 997 == 0 || n.abs_diff((t * d as f64) as u64) < 40 {
                assert_eq!(rule.passes(n, d), float_rule(n, d, t), "t={t} {n}/{d}");
            }
        }
    }
}

/// The circuit's threshold constant `T` is exactly the rule: `passes(N, D) == (N >= T)` for every
/// window's `D` of both models, every `N` near `T` and at the ends, and rules of every kind.
#[test]
fn min_passing_weight_is_the_mask_rule_for_every_window() {
    let models = [IrisModel::open_iris_v0_1(), IrisModel::scaled_test_model()];
    let mut rules: Vec<MaskRule> = [0.93, 0.7, 0.5, 1.0, 0.0, 0.1]
        .iter()
        .map(|&t| MaskRule::from_open_iris_threshold(t).expect("valid"))
        .collect();
    // Inclusive and strict, with and without a remainder, and the extremes num = 0 and num = den.
    rules.extend([
        MaskRule::new(3, 4, true),
        MaskRule::new(3, 4, false),
        MaskRule::new(0, 1, false),
        MaskRule::new(7, 7, true),
        MaskRule::new(7, 7, false),
        MaskRule::new(1, 3, true),
    ]);
    let mut windows = 0;
    for rule in &rules {
        for m in &models {
            for f in 0..m.filters().len() {
                for row in 0..m.code_rows() {
                    for part in 0..2 {
                        let d = m.mask_total(f, row, part);
                        let t = rule.min_passing_weight(d);
                        assert!(t <= d + 1, "T = {t} > D + 1 = {}", d + 1);
                        let near = t.saturating_sub(3)..=(t + 3).min(d);
                        for n in near.chain([0, d]) {
                            assert_eq!(rule.passes(n, d), n >= t, "{rule:?}: N={n} D={d} T={t}");
                        }
                        windows += 1;
                    }
                }
            }
        }
    }
    assert_eq!(windows, rules.len() * 2 * 2 * (16 + 4));
}

#[test]
fn canonical_bytes_round_trip_and_are_unique() {
    for m in [IrisModel::open_iris_v0_1(), IrisModel::scaled_test_model()] {
        let bytes = m.to_canonical_bytes();
        let back = IrisModel::from_canonical_bytes(&bytes).expect("decodes");
        assert_eq!(back, m);
        assert_eq!(back.to_canonical_bytes(), bytes);
        assert_eq!(back.model_hash(), m.model_hash());
    }
    assert_ne!(
        IrisModel::open_iris_v0_1().model_hash(),
        IrisModel::scaled_test_model().model_hash()
    );
}

#[test]
fn model_hashes_are_pinned() {
    // A change here changes the registered model: it must be deliberate (new version).
    assert_eq!(
        hex(&IrisModel::open_iris_v0_1().model_hash()),
        "bca53ef24f73a6897d5cb8e73388be21747b82ecca0b2b62bd2505bf1c383d1f"
    );
    assert_eq!(
        hex(&IrisModel::scaled_test_model().model_hash()),
        "9bb045650f11c1e84cbb01ceeb3b4b014d3e9e0632f8549566973d8c55855e69"
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn canonical_layout_header() {
    let m = IrisModel::scaled_test_model();
    let b = m.to_canonical_bytes();
    assert_eq!(&b[..8], b"zkbiris\0");
    assert_eq!(&b[8..10], &[1, 0]);
    let name = b"zkbio-scaled-test";
    assert_eq!(b[10] as usize, name.len());
    assert_eq!(&b[11..11 + name.len()], name);
    let k = &m.filters()[0].kernel();
    let per_filter = |k: &IntKernel| 4 + 4 * k.rows() * k.cols() + 2 + 2 * 4 + 2 + 2 * 32;
    let header = 10 + 1 + name.len() + 1 + 4 + 4 + 1 + 8 + 8 + 1 + 1;
    assert_eq!(
        b.len(),
        header + per_filter(k) + per_filter(m.filters()[1].kernel())
    );
}

#[test]
fn decoding_rejects_malformed_bytes() {
    let good = IrisModel::scaled_test_model().to_canonical_bytes();
    for len in 0..good.len() {
        assert!(
            IrisModel::from_canonical_bytes(&good[..len]).is_err(),
            "prefix {len}"
        );
    }
    let mut b = good.clone();
    b.push(0);
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::TrailingBytes(1))
    );
    let mut b = good.clone();
    b[0] ^= 1;
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::BadMagic)
    );
    let mut b = good.clone();
    b[8] = 3;
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::UnsupportedFormat(3))
    );
    // Format 2 announces a fragile-bit section that an encoder-only body lacks.
    let mut b = good.clone();
    b[8] = 2;
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::Truncated)
    );
    // mask_duplicated flag sits after magic, format, two strings and the image size.
    let flag_at = 10 + 1 + 17 + 1 + 4 + 4;
    let mut b = good.clone();
    b[flag_at] = 2;
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::InvalidFlag(2))
    );
    // image_cols (the two bytes before the flag) = 0: decodes, then fails validation.
    let mut b = good;
    b[flag_at - 2] = 0;
    b[flag_at - 1] = 0;
    assert!(matches!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::Invalid(
            IrisModelError::ImageSize { .. }
        ))
    ));
}

fn scaled_parts() -> (Vec<IrisFilter>, MaskRule) {
    let m = IrisModel::scaled_test_model();
    (m.filters().to_vec(), m.mask_rule())
}

fn build(
    filters: Vec<IrisFilter>,
    rule: MaskRule,
    version: &str,
) -> Result<IrisModel, IrisModelError> {
    IrisModel::new("t".into(), version.into(), 32, 128, filters, rule, false)
}

#[test]
fn validation_rejects_invalid_models() {
    let (filters, rule) = scaled_parts();
    assert!(build(filters.clone(), rule, "v0.1").is_ok());
    assert!(matches!(
        build(filters.clone(), rule, "0.1"),
        Err(IrisModelError::InvalidCodeVersion(_))
    ));
    assert!(matches!(
        build(filters.clone(), rule, "v0."),
        Err(IrisModelError::InvalidCodeVersion(_))
    ));
    assert_eq!(
        build(vec![], rule, "v0.1"),
        Err(IrisModelError::FilterCount(0))
    );
    assert_eq!(
        build(filters.clone(), MaskRule::new(3, 2, false), "v0.1"),
        Err(IrisModelError::MaskRule)
    );
    assert_eq!(
        IrisModel::new(
            "".into(),
            "v0.1".into(),
            32,
            128,
            filters.clone(),
            rule,
            false
        ),
        Err(IrisModelError::InvalidName)
    );
    assert!(matches!(
        IrisModel::new(
            "t".into(),
            "v0.1".into(),
            0,
            128,
            filters.clone(),
            rule,
            false
        ),
        Err(IrisModelError::ImageSize { .. })
    ));

    let k = filters[1].kernel().clone();
    let g = filters[1].probes().clone();
    let with = |kernel: IntKernel, grid: ProbeGrid| {
        let mut f = filters.clone();
        f[1] = IrisFilter::new(kernel, grid);
        build(f, rule, "v0.1")
    };
    let even = IntKernel::new(6, 9, vec![1; 54], vec![1; 54]);
    assert_eq!(
        with(even, g.clone()),
        Err(IrisModelError::KernelShape { filter: 1 })
    );
    let short = IntKernel::new(
        k.rows(),
        k.cols(),
        k.real()[1..].to_vec(),
        k.imag().to_vec(),
    );
    assert_eq!(
        with(short, g.clone()),
        Err(IrisModelError::KernelShape { filter: 1 })
    );
    let mut real = k.real().to_vec();
    real[0] = i16::MIN;
    let min = IntKernel::new(k.rows(), k.cols(), real, k.imag().to_vec());
    assert_eq!(
        with(min, g.clone()),
        Err(IrisModelError::KernelValue { filter: 1 })
    );
    let zero = IntKernel::new(
        k.rows(),
        k.cols(),
        k.real().to_vec(),
        vec![0; k.imag().len()],
    );
    assert_eq!(
        with(zero, g.clone()),
        Err(IrisModelError::ZeroMaskTotal {
            filter: 1,
            probe_row: 0
        })
    );
    let big = IntKernel::new(21, 41, vec![32767; 861], vec![32767; 861]);
    assert_eq!(
        with(big, g.clone()),
        Err(IrisModelError::KernelBound { filter: 1 })
    );
    let wide = IntKernel::new(1, 259, vec![1; 259], vec![1; 259]);
    assert_eq!(
        with(wide, g.clone()),
        Err(IrisModelError::KernelTooWide { filter: 1 })
    );
    let outside = ProbeGrid::new(g.rows().to_vec(), vec![128; g.cols().len()]);
    assert_eq!(
        with(k.clone(), outside),
        Err(IrisModelError::ProbeGrid { filter: 1 })
    );
    let smaller = ProbeGrid::new(g.rows()[1..].to_vec(), g.cols().to_vec());
    assert_eq!(
        with(k, smaller),
        Err(IrisModelError::ProbeGridShape { filter: 1 })
    );
}

#[test]
fn full_variants_have_their_own_canonical_bytes_and_hash() {
    for (full, base) in [
        (
            IrisModel::open_iris_v0_1_full(),
            IrisModel::open_iris_v0_1(),
        ),
        (
            IrisModel::scaled_test_model_full(),
            IrisModel::scaled_test_model(),
        ),
    ] {
        let bytes = full.to_canonical_bytes();
        assert_eq!(&bytes[8..10], &[2, 0], "format 2");
        let back = IrisModel::from_canonical_bytes(&bytes).expect("decodes");
        assert_eq!(back, full);
        assert_eq!(back.to_canonical_bytes(), bytes);
        assert_eq!(
            back.fragile_refinement(),
            Some(FragileRefinement::open_iris_default())
        );
        assert_ne!(full.model_hash(), base.model_hash());
        assert_eq!(base.fragile_refinement(), None);
        // Same filters and rule: only the name and the refinement section differ.
        assert_eq!(full.filters(), base.filters());
        assert_eq!(full.iris_code_version(), "v0.1");
        let tail = &bytes[bytes.len() - 13..];
        assert_eq!(tail[0], 1, "polar");
        let words: Vec<u32> = tail[1..]
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(words, FragileRefinement::open_iris_default().bits());
    }
    // A change here changes the registered model: it must be deliberate (new version).
    assert_eq!(
        hex(&IrisModel::open_iris_v0_1_full().model_hash()),
        FULL_MODEL_HASH
    );
}

/// keccak256 of `IrisModel::open_iris_v0_1_full()`'s canonical bytes.
const FULL_MODEL_HASH: &str = "690539aee10181ca66106fb6d91613f611c693cfda58daab9c514024ad857e62";

#[test]
fn decoding_rejects_malformed_fragile_sections() {
    let good = IrisModel::scaled_test_model_full().to_canonical_bytes();
    for cut in 1..=13 {
        assert_eq!(
            IrisModel::from_canonical_bytes(&good[..good.len() - cut]),
            Err(IrisModelDecodeError::Truncated),
            "cut {cut}"
        );
    }
    let type_at = good.len() - 13;
    let mut b = good.clone();
    b[type_at] = 0;
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::UnsupportedFragileType(0))
    );
    // radius_max (second word) = NaN.
    let mut b = good.clone();
    b[type_at + 5..type_at + 9].copy_from_slice(&f32::NAN.to_bits().to_le_bytes());
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::Invalid(
            IrisModelError::FragileThreshold
        ))
    );
    // A huge radius_max needs comparisons wider than the circuit allows.
    let mut b = good;
    b[type_at + 5..type_at + 9].copy_from_slice(&3.0e38f32.to_bits().to_le_bytes());
    assert_eq!(
        IrisModel::from_canonical_bytes(&b),
        Err(IrisModelDecodeError::Invalid(
            IrisModelError::FragileBound { filter: 0 }
        ))
    );
}

#[test]
fn default_full_model_comparison_sizes() {
    let m = IrisModel::open_iris_v0_1_full();
    let mut widest = 0;
    for f in 0..2 {
        for row in 0..m.code_rows() {
            let bounds = [0, 1].map(|q| m.response_bound(f, row, q));
            let rule = m.fragile_row_rule(f, row).expect("refined");
            widest = widest.max(rule.max_bits(bounds));
            // The rounded bounds bracket the rational ones: T_min >= 1 and T_min <= T_max.
            assert!(rule.radius_min >= 1u8.into() && rule.radius_min <= rule.radius_max);
        }
    }
    // |S| < 2^27.6, Q < 2^35, c^2 with a 46-bit denominator (docs/IRIS.md).
    assert_eq!(widest, 132);
}
