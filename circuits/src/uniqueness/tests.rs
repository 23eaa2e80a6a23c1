//! The gadget catalogue proven unique by z3 (when `ZKBIO_Z3_PYTHON` names a Python with
//! `z3-solver`; scripts/test.sh sets it up), including deliberately broken gadgets that must fail.

use super::{Expect, Harness, Instance};
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::bits::{alloc_byte, from_bits_le, to_bits_le, to_bits_le_derived_low};
use crate::gadgets::boolean::{alloc_bit, enforce_boolean};
use crate::gadgets::equality::{is_equal, is_zero};
use crate::gadgets::quant::bounded::fr;
use crate::gadgets::quant::{
    avg_pool_round, clamp, floor_div, max, requantize, requantize_f64, requantize_planned,
    rescale_planned, Bounded, FloatRequant, Requant, RequantPlan, RescalePlan,
};
use crate::gadgets::sign::{is_nonnegative, is_positive};
use crate::models::iris::FragileRefinement;
use crate::statements::iris_code::fragile::{self, tests as ft};
use ark_bn254::Fr;
use std::path::PathBuf;
use std::process::Command;

fn bounded(h: &mut Harness, v: i128, lo: i128, hi: i128) -> Bounded<crate::Lc> {
    let x = h.input(v, lo, hi);
    Bounded::assume(x, lo, hi).unwrap()
}

fn one(name: &str, expect: Expect, f: impl FnOnce(&mut Harness)) -> Instance {
    let mut h = Harness::new();
    f(&mut h);
    h.finish(name, expect)
}

/// Existing gadgets (bits, bytes, booleans, signs, equality) at small widths.
fn core_gadgets() -> Vec<Instance> {
    let mut v = Vec::new();
    // The plain decomposition and the packing-free one every quant division uses (bit 0
    // derived from the others).
    type Decompose = fn(&mut crate::Recorder, &crate::Lc, usize) -> Vec<crate::Lc>;
    let decompositions: [(&str, Decompose, &[usize]); 2] = [
        ("to_bits_le", to_bits_le::<crate::Recorder>, &[8, 16]),
        (
            "to_bits_le_derived_low",
            to_bits_le_derived_low::<crate::Recorder>,
            &[1, 8, 16],
        ),
    ];
    for (label, decompose, widths) in decompositions {
        for &n in widths {
            v.push(one(&format!("bits/{label} n={n}"), Expect::Unique, |h| {
                let x = h.input(1, 0, (1 << n) - 1);
                let bits = decompose(h.builder(), &x, n);
                for bit in &bits {
                    h.output(bit);
                    h.claim_range(bit, 0, 1);
                }
            }));
        }
    }
    // Over any field element x: the derived decomposition still proves x < 2^n (the range
    // claim on x would fail for a decomposition that wraps).
    v.push(one(
        "bits/to_bits_le_derived_low n=6 proves the range",
        Expect::Unique,
        |h| {
            let x = h.input(45, -(1 << 12), 1 << 12);
            to_bits_le_derived_low(h.builder(), &x, 6);
            h.claim_range(&x, 0, 63);
        },
    ));
    v.push(one("bits/alloc_byte range", Expect::Unique, |h| {
        let byte = alloc_byte(h.builder(), 200);
        h.claim_range(&byte, 0, 255);
    }));
    v.push(one(
        "bits/alloc_byte bits given the byte",
        Expect::Unique,
        |h| {
            let x = h.input(200, 0, 255);
            let byte = alloc_byte(h.builder(), 200);
            crate::gadgets::equality::enforce_equal(h.builder(), &byte, &x);
            // The byte's bits are the wires allocated after x.
            let first = match x.raw_terms() {
                [(w, _)] => *w + 1,
                _ => unreachable!(),
            };
            for i in 0..8 {
                h.output(&crate::Lc::wire(first + i));
            }
        },
    ));
    v.push(one(
        "boolean/alloc_bit and enforce_boolean",
        Expect::Unique,
        |h| {
            let b = alloc_bit(h.builder(), true);
            h.claim_range(&b, 0, 1);
            let x = h.builder().alloc(Fr::from(0u64));
            enforce_boolean(h.builder(), &x);
            h.claim_range(&x, 0, 1);
        },
    ));
    for n in [8usize, 16] {
        let half = 1i128 << (n - 1);
        v.push(one(
            &format!("sign/is_nonnegative n={n}"),
            Expect::Unique,
            |h| {
                let x = h.input(-3, -half, half - 1);
                let s = is_nonnegative(h.builder(), &x, n);
                h.output(&s);
                h.claim_range(&s, 0, 1);
            },
        ));
    }
    for (name, rule, bound) in [
        (
            "iris/fragile keep_bits small rule |S|<=6",
            ft::small_rule(),
            ft::SMALL_BOUND,
        ),
        (
            "iris/fragile keep_bits open-iris thresholds |S|<=9",
            FragileRefinement::open_iris_default().row_rule(4, [25, 16]),
            9,
        ),
    ] {
        v.push(one(name, Expect::Unique, |h| {
            let plan = fragile::FragilePlan::new(&rule, [bound; 2]);
            let b = bound as i128;
            let s = [h.input(-4, -b, b), h.input(3, -b, b)];
            // The code bits and squares as the statement makes them: a sign test, a product.
            let n = crate::statements::iris_code::sign_width(bound);
            let positive = [0, 1].map(|q| is_positive(h.builder(), &s[q], n));
            let sq = [0, 1].map(|q| {
                let v = h.builder().value(&s[q]);
                let out = h.builder().alloc(v * v);
                h.builder().enforce(&s[q], &s[q], &out);
                out
            });
            for k in fragile::keep_bits(h.builder(), &s, &positive, &sq, &plan) {
                h.output(&k);
                h.claim_range(&k, 0, 1);
            }
        }));
    }
    v.push(one("sign/is_positive n=8", Expect::Unique, |h| {
        let x = h.input(5, -127, 127);
        let s = is_positive(h.builder(), &x, 8);
        h.output(&s);
    }));
    v.push(one(
        "equality/is_zero (any field element)",
        Expect::Unique,
        |h| {
            let x = h.input_field(Fr::from(0u64));
            let z = is_zero(h.builder(), &x);
            h.output(&z);
            h.claim_range(&z, 0, 1);
        },
    ));
    v.push(one("equality/is_equal", Expect::Unique, |h| {
        let x = h.input(4, -1000, 1000);
        let y = h.input(4, -1000, 1000);
        let e = is_equal(h.builder(), &x, &y);
        h.output(&e);
    }));
    v
}

fn rq(multiplier: i32, shift: i32, zp_out: i32, act_min: i32, act_max: i32) -> Requant {
    Requant {
        multiplier,
        shift,
        zp_out,
        act_min,
        act_max,
    }
}

/// The quantized gadgets at small widths.
fn quant_gadgets() -> Vec<Instance> {
    let mut v = Vec::new();
    for d in [8i128, 7] {
        v.push(one(
            &format!("quant/floor_div d={d} x in [-300,517]"),
            Expect::Unique,
            |h| {
                let x = bounded(h, 5, -300, 517);
                let (q, r) = floor_div(h.builder(), &x, d).unwrap();
                h.output(q.lc());
                h.output(r.lc());
            },
        ));
    }
    v.push(one("quant/clamp [-600,600] to int8", Expect::Unique, |h| {
        let x = bounded(h, 5, -600, 600);
        let y = clamp(h.builder(), &x, -128, 127).unwrap();
        h.output(y.lc());
        h.claim_range(y.lc(), -128, 127);
    }));
    for k in [2usize, 3] {
        v.push(one(
            &format!("quant/max of {k} int8"),
            Expect::Unique,
            |h| {
                let xs: Vec<_> = (0..k).map(|i| bounded(h, i as i128, -128, 127)).collect();
                let m = max(h.builder(), &xs).unwrap();
                h.output(m.lc());
            },
        ));
    }
    for n in [3i128, 4, 6] {
        v.push(one(
            &format!("quant/avg_pool_round n={n}"),
            Expect::Unique,
            |h| {
                let acc = bounded(h, -2, -128 * n, 127 * n);
                let y = avg_pool_round(h.builder(), &acc, n).unwrap();
                h.output(y.lc());
            },
        ));
    }
    let cases = [
        ("relu, M=3·2^29", rq(3 << 29, -3, -128, -128, 127), 3000),
        ("no relu, M=3·2^29", rq(3 << 29, -3, 5, -128, 127), 3000),
        (
            "relu6-like, M=5·2^28",
            rq(5 << 28, -4, -128, -128, 100),
            3000,
        ),
        (
            "relu, generic odd M",
            rq(1_518_500_249, -4, -128, -128, 127),
            3000,
        ),
        (
            "no relu, generic odd M",
            rq(1_518_500_249, -4, 3, -128, 127),
            3000,
        ),
        // The typical layout of the per-element table: 54 constraints.
        (
            "relu, generic odd M, rs=6",
            rq(1_518_500_249, -6, -128, -128, 127),
            1 << 17,
        ),
    ];
    for (label, p, bound) in cases {
        // The plan's layout (a fit where one is shorter) and the kernel's closed form.
        let fitted = RequantPlan::new(&p, -bound, bound).unwrap().fit().is_some();
        v.push(one(
            &format!("quant/requantize {label} acc±{bound} (fit: {fitted})"),
            Expect::Unique,
            |h| {
                let acc = bounded(h, -7, -bound, bound);
                let y = requantize(h.builder(), &acc, &p).unwrap();
                h.output(y.lc());
            },
        ));
        if fitted {
            v.push(one(
                &format!("quant/requantize closed form {label} acc±{bound}"),
                Expect::Unique,
                |h| {
                    let acc = bounded(h, -7, -bound, bound);
                    let plan = RequantPlan::closed_form(&p, -bound, bound).unwrap();
                    let y = requantize_planned(h.builder(), &acc, &plan).unwrap();
                    h.output(y.lc());
                },
            ));
        }
    }
    // ADD's input rescales of every int8 value: after a ReLU (zp = −128, v in [0, 255]) the
    // first candidate multiplier with an exact fit; with zp = 3 (negative values too) the first
    // without one (a negative tie: the closed form).
    let candidates = [
        1_518_500_249,
        1_234_567_891,
        1_987_654_321,
        1_100_000_001,
        1_700_000_003,
        1_333_333_337,
    ];
    for (fitted, lo, hi) in [(true, 0, 255), (false, -131, 124)] {
        let plan = candidates
            .iter()
            .map(|&m| RescalePlan::new(m, -2, 20, lo, hi).unwrap())
            .find(|p| p.fit().is_some() == fitted)
            .expect("a candidate multiplier of each kind");
        v.push(one(
            &format!("quant/rescale v in [{lo},{hi}] (fit: {fitted})"),
            Expect::Unique,
            |h| {
                let x = bounded(h, 5, lo, hi);
                let y = rescale_planned(h.builder(), &x, &plan).unwrap();
                h.output(y.lc());
            },
        ));
    }
    for (label, scale, zp, amin) in [
        ("short mantissa 0.375, no relu", 0.375, 3, -128),
        ("short mantissa 0.375, relu", 0.375, -128, -128),
        ("generic 0.0112358, no relu", 0.011_235_813, 3, -128),
        ("generic 0.0112358, relu", 0.011_235_813, -128, -128),
    ] {
        v.push(one(
            &format!("quant/requantize_f64 {label} acc±2000"),
            Expect::Unique,
            |h| {
                let acc = bounded(h, -7, -2000, 2000);
                let p = FloatRequant::new(scale, zp, amin, 127, -2000, 2000).unwrap();
                let y = requantize_f64(h.builder(), &acc, &p).unwrap();
                h.output(y.lc());
            },
        ));
        v.push(one(
            &format!("quant/requantize_f64 exact rational form {label} acc±2000"),
            Expect::Unique,
            |h| {
                let acc = bounded(h, -7, -2000, 2000);
                let p = FloatRequant::new(scale, zp, amin, 127, -2000, 2000)
                    .unwrap()
                    .without_fit();
                let y = requantize_f64(h.builder(), &acc, &p).unwrap();
                h.output(y.lc());
            },
        ));
    }
    v
}

/// The iris v2 (TFLite) statement's rule gadgets ([`crate::statements::iris_tflite`]) at small
/// widths: per case, the code and mask bits of two output elements sharing a cell of 4 image-mask
/// bits, from the accumulators and the mask bits (the statement's cell test, code bit, magnitude
/// test and products). Their values equal the rule on every input: the exhaustive
/// `rule_gadgets_equal_the_rule_exhaustively`.
fn iris_tflite_gadgets() -> Vec<Instance> {
    use crate::statements::iris_tflite::tests::small_rule_cases;
    use crate::statements::iris_tflite::{cell_test, code_bit, mask_bit};
    let mut v = Vec::new();
    for case in small_rule_cases() {
        let th = case.thresholds();
        for t_cell in [3usize, 0] {
            v.push(one(
                &format!("iris_tflite/rule {}, cell 4, t_cell {t_cell}", case.label),
                Expect::Unique,
                |h| {
                    let accs = [
                        h.input(-7, case.lo.into(), case.hi.into()),
                        h.input(case.hi.into(), case.lo.into(), case.hi.into()),
                    ];
                    let mut n = crate::Lc::zero();
                    for i in 0..4 {
                        let bit = h.input(i128::from(i != 2), 0, 1);
                        n.add_scaled(&bit, Fr::from(1u64));
                    }
                    let cell_ok = cell_test(h.builder(), n, 4, t_cell);
                    h.output(&cell_ok);
                    for a in &accs {
                        let c = code_bit(h.builder(), a, &th);
                        let m = mask_bit(h.builder(), a, &c, &cell_ok, &th, t_cell);
                        for bit in [&c, &m] {
                            h.output(bit);
                            h.claim_range(bit, 0, 1);
                        }
                    }
                },
            ));
        }
    }
    v
}

/// Deliberately under-constrained gadgets: the checker must find two witnesses.
fn broken_gadgets() -> Vec<Instance> {
    vec![
        one(
            "BROKEN range check: top bit not boolean",
            Expect::NotUnique,
            |h| {
                let x = h.input(37, 0, 255);
                let b = h.builder();
                let mut bits = Vec::new();
                for i in 0..8 {
                    let bit = b.alloc(Fr::from((37u64 >> i) & 1));
                    if i < 7 {
                        enforce_boolean(b, &bit);
                    }
                    bits.push(bit);
                }
                let sum = from_bits_le::<crate::Recorder>(&bits);
                b.enforce(&sum, &crate::Lc::constant(Fr::from(1u64)), &x);
                for bit in &bits {
                    h.output(bit);
                }
            },
        ),
        one(
            "BROKEN derived-low decomposition: bit 0 not boolean",
            Expect::NotUnique,
            |h| {
                let x = h.input(37, 0, 255);
                let b = h.builder();
                // Bits 1..8 proven, bit 0 derived but its booleanity row (the packing) dropped.
                let high: Vec<_> = (1..8)
                    .map(|i| alloc_bit(b, (37u64 >> i) & 1 == 1))
                    .collect();
                let bit0 = x - from_bits_le::<crate::Recorder>(&high) * Fr::from(2u64);
                h.output(&bit0);
                for bit in &high {
                    h.output(bit);
                }
            },
        ),
        one(
            "BROKEN floor_div: no remainder range check",
            Expect::NotUnique,
            |h| {
                let x = h.input(50, 0, 1000);
                let b = h.builder();
                // q in 7 bits, r = x - 8q left unchecked.
                let bits: Vec<_> = (0..7).map(|i| alloc_bit(b, (6u64 >> i) & 1 == 1)).collect();
                let q = from_bits_le::<crate::Recorder>(&bits);
                let r = x - q.clone() * Fr::from(8u64);
                h.output(&q);
                h.output(&r);
            },
        ),
        one(
            "BROKEN alloc_byte: bit 7 not boolean, claimed in [0, 255]",
            Expect::NotUnique,
            |h| {
                let b = h.builder();
                let mut bits: Vec<_> = (0..7).map(|_| alloc_bit(b, false)).collect();
                bits.push(b.alloc(Fr::from(0u64)));
                let byte = from_bits_le::<crate::Recorder>(&bits);
                h.claim_range(&byte, 0, 255);
            },
        ),
        one(
            "BROKEN avg_pool tie: correction bit left free",
            Expect::NotUnique,
            |h| {
                let acc = bounded(h, -2, -512, 508);
                let x = acc.offset(2).unwrap();
                let (q, _) = floor_div(h.builder(), &x, 4).unwrap();
                // The correction should be [q <= 0 and r = 0]; here it is only boolean.
                let corr = alloc_bit(h.builder(), false);
                h.output(&(q.lc().clone() - corr));
            },
        ),
        one(
            "BROKEN iris_tflite magnitude test: c·acc not constrained",
            Expect::NotUnique,
            |h| {
                use crate::statements::iris_tflite::{code_bit, tests::small_rule_cases};
                let case = &small_rule_cases()[0];
                let th = case.thresholds();
                let a = h.input(40, case.lo.into(), case.hi.into());
                let c = code_bit(h.builder(), &a, &th);
                // mask_bit's e = 2·c·a − a − c·(hi + lo) + lo, with c·a a free wire.
                let b = h.builder();
                let ca = b.alloc(b.value(&c) * b.value(&a));
                let mut e = ca.clone() + ca - a.clone();
                e.add_scaled(&c, -fr((th.strong_hi + th.strong_lo).into()));
                let e = e + crate::Lc::constant(fr(th.strong_lo.into()));
                let strong = is_nonnegative(b, &e, th.strong_bits);
                h.output(&strong);
            },
        ),
        one(
            "BROKEN is_zero: without x*out = 0",
            Expect::NotUnique,
            |h| {
                let x = h.input(5, -50, 50);
                let b = h.builder();
                let inv = b.alloc(Fr::from(5u64).inverse_or_zero());
                let out = b.alloc(Fr::from(0u64));
                let one_minus_out = crate::Lc::constant(Fr::from(1u64)) - out.clone();
                b.enforce(&x, &inv, &one_minus_out);
                h.output(&out);
            },
        ),
    ]
}

trait InverseOrZero {
    fn inverse_or_zero(self) -> Fr;
}

impl InverseOrZero for Fr {
    fn inverse_or_zero(self) -> Fr {
        use ark_ff::Field;
        self.inverse().unwrap_or_default()
    }
}

fn all_instances() -> Vec<Instance> {
    let mut v = core_gadgets();
    v.extend(quant_gadgets());
    v.extend(iris_tflite_gadgets());
    v.extend(broken_gadgets());
    v
}

#[test]
fn exported_instances_are_satisfied_by_their_witness() {
    for inst in all_instances() {
        assert_eq!(
            inst.r1cs.first_violation(&inst.witness),
            None,
            "{}",
            inst.name
        );
        let j = inst.to_json();
        assert_eq!(
            j["constraints"].as_array().unwrap().len(),
            inst.r1cs.constraints.len()
        );
    }
}

/// Runs the z3 checker over the whole catalogue; every gadget proven unique, every broken one
/// shown not to be.
#[test]
fn z3_proves_gadget_outputs_unique() {
    let Ok(python) = std::env::var("ZKBIO_Z3_PYTHON") else {
        if std::env::var_os("CI").is_some() {
            panic!("ZKBIO_Z3_PYTHON is not set in CI: run the tests through scripts/test.sh");
        }
        eprintln!("ZKBIO_Z3_PYTHON not set: skipping the z3 uniqueness proofs");
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkbio-uniqueness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, inst) in all_instances().iter().enumerate() {
        let f = dir.join(format!("{i:02}.json"));
        std::fs::write(&f, inst.to_json().to_string()).unwrap();
        files.push(f);
    }
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/uniqueness/check_unique.py");
    let out = Command::new(python)
        .arg(script)
        .args(&files)
        .output()
        .expect("run the z3 checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    if std::env::var_os("ZKBIO_UNIQUENESS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("instances kept in {}", dir.display());
    }
    assert!(out.status.success(), "the z3 checker failed");
    assert!(stdout.contains(&format!("{} passed, 0 failed", files.len())));
}
