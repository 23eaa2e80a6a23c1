use super::*;
use crate::builder::WitnessBuilder;
use crate::check::modes_agree;
use crate::circuit::Circuit;
use crate::fault::{FaultCampaign, FaultOutcome};
use crate::models::iris::{FragileRefinement, IrisInference, IrisModel};
use crate::statements::iris_code::{IrisCodeInput, IrisCodeStatement};

/// The tiny model with open-iris's refinement (12 x 24 image, duplicated masks).
fn tiny_full() -> IrisModel {
    IrisModel::tiny_test_model(1)
        .with_fragile_refinement(FragileRefinement::open_iris_default())
        .expect("fits")
}

/// Pixels `base + (xorshift % spread)`: low contrast keeps some responses inside the radius
/// bounds (`|z| <= 0.275`), high contrast drops most of them.
fn input(stmt: &IrisCodeStatement, seed: u64, base: u8, spread: u64) -> IrisCodeInput {
    let n = stmt.model.image_rows() * stmt.model.image_cols();
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let image = (0..n).map(|_| base + (next() % spread) as u8).collect();
    let mask = (0..n).map(|_| next() % 40 != 0).collect();
    stmt.input(image, mask, Fr::from(3u64), Fr::from(4u64), Fr::from(5u64))
        .expect("sizes match")
}

/// For the scaled and tiny full models and inputs of several contrasts: the witness satisfies the
/// circuit, its mask bits are the native inference's (which the differential tests tie to
/// open-iris), the layout is the same in both modes and the counts are the formulas'; and the
/// refinement both keeps and drops bits, so the comparisons are exercised both ways.
#[test]
fn refined_witness_satisfies_and_equals_the_native_inference() {
    let models = [IrisModel::scaled_test_model_full(), tiny_full()];
    for m in models {
        let stmt = IrisCodeStatement::new(m.clone());
        let base = IrisModel::new(
            m.name().into(),
            m.iris_code_version().into(),
            m.image_rows(),
            m.image_cols(),
            m.filters().to_vec(),
            m.mask_rule(),
            m.mask_duplicated(),
        )
        .expect("valid");
        let counts = stmt.constraint_counts();
        assert!(counts.fragile_bits() > 0);
        let (mut kept, mut dropped) = (0, 0);
        for (seed, (lo, spread)) in [(0u8, 3u64), (100, 6), (0, 256), (120, 20)]
            .into_iter()
            .enumerate()
        {
            let inp = input(&stmt, seed as u64 + 1, lo, spread);
            let (w, opening) = stmt.witness_with_opening(&inp).expect("witness");
            assert_eq!(w.first_unsatisfied(), None, "{} input {seed}", m.name());
            let n = m.image_rows() * m.image_cols();
            let (image, mask): (Vec<u8>, Vec<bool>) = {
                // Rebuild the input's pixels the way `input` made them.
                let mut s = (seed as u64 + 1) | 1;
                let mut next = move || {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s
                };
                let image: Vec<u8> = (0..n).map(|_| lo + (next() % spread) as u8).collect();
                let mask = (0..n).map(|_| next() % 40 != 0).collect();
                (image, mask)
            };
            let native = IrisInference::new(&m).infer(&image, &mask).expect("sizes");
            assert_eq!(
                opening.mask_bits(),
                native.mask(),
                "{} input {seed}",
                m.name()
            );
            assert_eq!(
                opening.code_bits(),
                native.code(),
                "{} input {seed}",
                m.name()
            );
            let enc = IrisInference::new(&base)
                .infer(&image, &mask)
                .expect("sizes");
            for (full, enc) in native.mask().iter().zip(enc.mask()) {
                assert!(!full || *enc, "refined bits are a subset");
                kept += usize::from(*full);
                dropped += usize::from(*enc && !full);
            }
            assert_eq!(
                modes_agree(&stmt, &inp).expect("modes agree"),
                counts.total()
            );
        }
        assert!(
            kept > 0 && dropped > 0,
            "{}: kept {kept}, dropped {dropped}",
            m.name()
        );
        assert_eq!(
            counts.total(),
            stmt.to_r1cs().expect("synthesis").constraints.len()
        );
    }
}

/// Faults through the circuit's own code ([`FaultCampaign`]) on the tiny full statement: each
/// refined mask bit flipped alone (`C_code` re-solved from the flipped bits, so only the
/// refinement's and the encoder's constraints can catch it) is rejected, and a sample of all
/// wires shows no hole (an accepted fault off the free inputs).
#[test]
fn flipped_refined_mask_bits_are_rejected() {
    let stmt = IrisCodeStatement::new(tiny_full());
    let inp = input(&stmt, 7, 0, 3);
    let campaign = FaultCampaign::new(&stmt, &inp).expect("campaign");
    // The refined mask bits' wires, from the recorded layout (each is one product's output).
    let mut rec = crate::builder::Recorder::new();
    let publics = stmt.public_inputs(&inp).expect("sizes");
    let mut counts = crate::statements::iris_code::ConstraintCounts::default();
    let bits = stmt
        .synthesize_with(&mut rec, &inp, publics, &mut counts)
        .expect("not cancelled");
    let honest = campaign.honest();
    let mut ones = 0;
    for lc in &bits.mask {
        let [(w, c)] = lc.raw_terms() else {
            panic!("a refined mask bit is one wire")
        };
        assert_eq!(*c, Fr::from(1u64));
        let v = honest[*w as usize];
        ones += usize::from(v == Fr::from(1u64));
        let out = campaign.inject(*w, Fr::from(1u64) - v);
        assert!(
            matches!(out, FaultOutcome::Rejected { .. }),
            "refined mask wire {w} flipped: {out:?}"
        );
    }
    assert!(
        ones > 0 && ones < bits.mask.len(),
        "{ones} of {}",
        bits.mask.len()
    );
    let wires = crate::fault::sample_wires(campaign.r1cs().n_wires, 300, 17);
    let report = campaign.run(&wires, 1);
    assert!(report.holes().is_empty(), "holes {:?}", report.holes());
    assert!(report.layout_changed.is_empty());
}

/// The gadget alone, every `(S_re, S_im)` in a small box, for rules with and without a zero
/// radius bound and an unbounded angle: its bits are the rule's.
#[test]
fn keep_bits_equal_the_rule_exhaustively() {
    let default = FragileRefinement::open_iris_default();
    let wide = FragileRefinement::from_bits(0, 0.3f32.to_bits(), 1.0f32.to_bits()).expect("valid");
    let cases = [
        (small_rule(), SMALL_BOUND),
        // |z| = |S| / (4 * 5) reaches 0.275 inside the box: all four tests decide.
        (default.row_rule(4, [25, 16]), 9),
        (default.row_rule(3, [10, 7]), 30),
        // T_min = 0 and c = 1: no nonzero implication, the angles always pass.
        (wide.row_rule(3, [10, 7]), 12),
    ];
    for (rule, bound) in cases {
        let plan = FragilePlan::new(&rule, [bound, bound]);
        assert_eq!(plan.implies_nonzero(), rule.radius_min > BigUint::from(0u8));
        let b = bound as i64;
        let mut seen = [[0usize; 2]; 2];
        for s_re in -b..=b {
            for s_im in -b..=b {
                let got = gadget_bits(&plan, [s_re, s_im]);
                assert_eq!(got, rule.passes(s_re, s_im), "{rule:?}: ({s_re}, {s_im})");
                for q in 0..2 {
                    seen[q][usize::from(got[q])] += 1;
                }
            }
        }
        // Every rule but the unbounded one keeps and drops bits of each part.
        if rule.angle[0][1] != BigUint::from(0u8) {
            assert!(seen.iter().all(|s| s[0] > 0 && s[1] > 0), "{seen:?}");
        }
    }
}

/// [`keep_bits`] on `s` with its inputs made as the statement makes them; the witness must
/// satisfy the gadget's constraints.
fn gadget_bits(plan: &FragilePlan, s: [i64; 2]) -> [bool; 2] {
    let signed = |v: i64| {
        let a = Fr::from(v.unsigned_abs());
        if v < 0 {
            -a
        } else {
            a
        }
    };
    let mut wb = WitnessBuilder::new();
    let s_lc = s.map(|v| wb.alloc(signed(v)));
    let positive = s.map(|v| wb.alloc(Fr::from(u64::from(v > 0))));
    let sq = s.map(|v| wb.alloc(Fr::from(v.unsigned_abs().pow(2))));
    let keep = keep_bits(&mut wb, &s_lc, &positive, &sq, plan);
    let got = keep.map(|k| wb.value(&k) == Fr::from(1u64));
    assert_eq!(wb.finish().first_unsatisfied(), None, "S = {s:?}");
    got
}

/// [`best_lower_fraction`] against every fraction of small boxes.
#[test]
fn best_lower_fraction_is_the_largest_passing_box_fraction() {
    let big = |v: u64| BigUint::from(v);
    for own in 1..=12u64 {
        for other in 0..=12u64 {
            for num_max in 0..=9u64 {
                for den_max in 0..=9u64 {
                    let passes = |p: u64, q: u64| other * p * p <= own * q * q;
                    let got = best_lower_fraction(&big(own), &big(other), num_max, den_max);
                    let expected = if other == 0 {
                        (1, 0)
                    } else if den_max == 0 {
                        (0, 1)
                    } else {
                        // Largest by value (cross-multiplied), smallest terms on ties.
                        let mut best = (0u64, 1u64);
                        for q in 1..=den_max {
                            for p in 0..=num_max {
                                if passes(p, q) && p * best.1 > best.0 * q {
                                    best = (p, q);
                                }
                            }
                        }
                        best
                    };
                    assert_eq!(
                        got, expected,
                        "own {own} other {other} box {num_max}x{den_max}"
                    );
                }
            }
        }
    }
    // The default threshold's 48-bit constants, a box of 2^20: the fraction passes, its
    // successor in the box does not.
    let rule = FragileRefinement::open_iris_default().row_rule(861, [9_000_000, 8_000_000]);
    let [own, other] = &rule.angle[0];
    let (a, b) = best_lower_fraction(own, other, 1 << 20, 1 << 20);
    assert!(other * big(a).pow(2) <= own * big(b).pow(2));
    assert!(b <= 1 << 20 && a <= 1 << 20 && a > 0);
}

/// `|S| <= 6` in [`small_rule`]'s tests.
pub(crate) const SMALL_BOUND: u64 = 6;

/// A rule with small constants (widths of 8 to 10 bits) for exhaustive and SMT checks.
pub(crate) fn small_rule() -> FragileRowRule {
    let n = |v: u64| BigUint::from(v);
    FragileRowRule {
        radius_weights: [n(3), n(5)],
        radius_min: n(20),
        radius_max: n(150),
        angle: [[n(7), n(2)], [n(5), n(3)]],
    }
}

/// The full-size variant's constraints by part, by synthesis in counting mode (every tally
/// slot) and from the layout's formulas. Prints the breakdown and the comparison widths
/// (`cargo test -p zkbio-circuits --lib full_size_counts -- --nocapture`).
#[test]
fn full_size_counts() {
    let base = IrisCodeStatement::new(IrisModel::open_iris_v0_1()).constraint_counts();
    let stmt = IrisCodeStatement::new(IrisModel::open_iris_v0_1_full());
    let full = stmt.constraint_counts();
    let mut b = crate::models::tflite::circuit::CountingBuilder::new();
    let inp = stmt.placeholder_input();
    let publics = stmt.public_inputs(&inp).expect("sizes");
    let mut synthesized = crate::statements::iris_code::ConstraintCounts::default();
    stmt.synthesize_with(&mut b, &inp, publics, &mut synthesized)
        .expect("not cancelled");
    assert_eq!(synthesized, full);
    assert_eq!(b.num_constraints(), full.total());
    eprintln!("open-iris v0.1-full: {full:#?}\ntotal {}", full.total());
    let widths: std::collections::BTreeSet<[usize; 4]> = super::super::plan::plan(&stmt.model)
        .iter()
        .flat_map(|f| {
            f.rows
                .iter()
                .map(|r| r.fragile.as_ref().expect("full").widths())
        })
        .collect();
    eprintln!("widths [T_max - L, gated L - T_min, angle re, angle im]: {widths:?}");
    assert_eq!(base.fragile_bits(), 0);
    let probes = 2 * 16 * 256;
    // The radius test stands in for the nonzero test: 3 + 2 constraints fewer per probe.
    assert_eq!(full.mask_bits + 5 * probes, base.mask_bits);
    assert_eq!(
        full.total() - full.fragile_bits() + 5 * probes,
        base.total()
    );
    assert_eq!(full.fragile_and, 2 * probes);
    assert_eq!(full.fragile_bits(), FULL_FRAGILE_BITS);
    assert_eq!(full.total(), FULL_TOTAL);
    let scaled = IrisCodeStatement::new(IrisModel::scaled_test_model_full()).constraint_counts();
    eprintln!("zkbio-scaled-test-full: total {}", scaled.total());
    // The CI package's size (docs/IRIS.md).
    assert_eq!(scaled.total(), 136_350);
    let ledger = cut_ledger(&stmt.model);
    eprintln!("refinement + nonzero test, cut by cut: {ledger:?}");
    // The layout before the cuts (the previous stop's measured 3,641,856, plus the nonzero test).
    assert_eq!(ledger[0], 3_641_856 + 5 * probes);
    assert_eq!(ledger[3], full.fragile_bits());
}

/// `open_iris_v0_1_full`'s refinement constraints (docs/IRIS.md's table).
const FULL_FRAGILE_BITS: usize = 2_148_096;
/// `open_iris_v0_1_full`'s constraints (docs/IRIS.md's table).
const FULL_TOTAL: usize = 3_771_243;

/// The refinement's constraints plus the encoder's nonzero test (5 per probe) after each cut, from
/// the rule's constants: `[before, angles on |S| with box fractions, gated L - T_min, nonzero
/// test dropped]`. "Before" is the earlier layout: four comparisons on the squares at the
/// static bounds, the radius AND, two ANDs with the radius.
fn cut_ledger(m: &IrisModel) -> [usize; 4] {
    let big = |v: u64| BigUint::from(v);
    let mut total = [0usize; 4];
    for f in 0..m.filters().len() {
        for row in 0..m.code_rows() {
            let rule = m.fragile_row_rule(f, row).expect("full");
            let bounds = [0, 1].map(|q| m.response_bound(f, row, q));
            let [hi, lo, re, im] = FragilePlan::new(&rule, bounds).widths();
            let sq = bounds.map(|b| big(b).pow(2));
            let l_max = &rule.radius_weights[0] * &sq[0] + &rule.radius_weights[1] * &sq[1];
            let lo_old = comparison_width(&rule.radius_min, &(&l_max - &rule.radius_min));
            let angle_old = |q: usize| {
                let [own, other] = &rule.angle[q];
                comparison_width(&(other * &sq[1 - q]), &(own * &sq[q]))
            };
            let old = (lo_old + 1) + (hi + 1) + (angle_old(0) + 1) + (angle_old(1) + 1) + 3 + 2;
            let angles = 2 + (re + 2) + (im + 2) + 2;
            let cut1 = (hi + 1) + (lo_old + 1) + 1 + angles;
            let cut2 = (hi + 1) + (lo + 2) + angles;
            let per_probe = [old + 5, cut1 + 5, cut2 + 5, cut2];
            for (t, c) in total.iter_mut().zip(per_probe) {
                *t += m.code_cols() * c;
            }
        }
    }
    total
}

/// The angle rewrite at the real models' constants: for each probe row of both full variants and
/// a sample of `|S_q|` across the box (its ends included), the largest `|S_(1-q)|` the rule
/// passes is exactly the largest the linear test passes (the rule and the test are monotone in
/// `|S_(1-q)|`, so this is every point of the column).
#[test]
fn angle_tests_equal_the_rule_along_the_boundary() {
    let big = |v: u64| BigUint::from(v);
    for m in [
        IrisModel::open_iris_v0_1_full(),
        IrisModel::scaled_test_model_full(),
    ] {
        for f in 0..m.filters().len() {
            for row in 0..m.code_rows() {
                let rule = m.fragile_row_rule(f, row).expect("full");
                let bounds = [0, 1].map(|q| m.response_bound(f, row, q));
                let AngleBox { side, fractions } = AngleBox::new(&rule, bounds);
                for q in 0..2 {
                    let [own, other] = &rule.angle[q];
                    let (a, b) = fractions[q];
                    let (cap, own_side) = (side[1 - q], side[q]);
                    let samples = (0..=64u64)
                        .map(|i| own_side * i / 64)
                        .chain([1, 2, 3, own_side.saturating_sub(1)])
                        .filter(|&u| u <= own_side);
                    for u in samples {
                        // The rule's largest passing v at u: other v^2 <= own u^2.
                        let rule_v = if *other == big(0) {
                            cap
                        } else {
                            let v = ((own * big(u).pow(2)) / other).sqrt();
                            u64::try_from(v).unwrap_or(u64::MAX).min(cap)
                        };
                        // The test's: b v <= a u.
                        let test_v = (a * u).checked_div(b).map_or(cap, |v| v.min(cap));
                        assert_eq!(rule_v, test_v, "{} f{f} row {row} part {q} u {u}", m.name());
                    }
                }
            }
        }
    }
}

/// The committed near-threshold responses (`tests/openiris/vectors/fragile_near.json`, each
/// within a few float32 ulps of a threshold), through the gadget at the model's own plan: its
/// bits are the rule's (which the core test ties to open-iris outside the float bands).
#[test]
fn near_threshold_responses_through_the_gadget() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/openiris/vectors/fragile_near.json"
    );
    let text = std::fs::read_to_string(path).expect("committed vectors");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let models = [
        ("open_iris_v0_1", IrisModel::open_iris_v0_1_full()),
        ("scaled_test", IrisModel::scaled_test_model_full()),
    ];
    let plans = models.map(|(name, m)| (name, m.clone(), super::super::plan::plan(&m)));
    let mut checked = 0;
    for c in cases["cases"].as_array().expect("cases") {
        let (_, m, plan) = plans
            .iter()
            .find(|(name, _, _)| c["model"] == *name)
            .expect("known model");
        let f = c["filter"].as_u64().expect("filter") as usize;
        let row = c["row"].as_u64().expect("row") as usize;
        let s = [
            c["s_re"].as_i64().expect("s_re"),
            c["s_im"].as_i64().expect("s_im"),
        ];
        let fp = plan[f].rows[row].fragile.as_ref().expect("full");
        let rule = m.fragile_row_rule(f, row).expect("full");
        assert_eq!(gadget_bits(fp, s), rule.passes(s[0], s[1]), "{c}");
        checked += 1;
    }
    assert!(checked >= 400, "{checked}");
}
