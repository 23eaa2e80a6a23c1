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
        assert!(counts.fragile_bits > 0);
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

/// The gadget alone, every `(S_re, S_im)` in a small box: its bits are the rule's.
#[test]
fn keep_bits_equal_the_rule_exhaustively() {
    let rule = small_rule();
    let plan = FragilePlan::new(&rule, [SMALL_BOUND, SMALL_BOUND]);
    let b = SMALL_BOUND as i64;
    let mut seen = [[0usize; 2]; 2];
    for s_re in -b..=b {
        for s_im in -b..=b {
            let mut wb = WitnessBuilder::new();
            let sq = [s_re, s_im].map(|s| wb.alloc(Fr::from((s * s) as u64)));
            let keep = keep_bits(&mut wb, &sq, &plan);
            let got = keep.map(|k| wb.value(&k) == Fr::from(1u64));
            assert_eq!(got, rule.passes(s_re, s_im), "({s_re}, {s_im})");
            for q in 0..2 {
                seen[q][usize::from(got[q])] += 1;
            }
            assert_eq!(wb.finish().first_unsatisfied(), None);
        }
    }
    assert!(seen.iter().all(|s| s[0] > 0 && s[1] > 0), "{seen:?}");
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

/// The full-size variant's constraints by part, from the layout's formulas (checked against
/// synthesis at small size above; no full-size synthesis here).
#[test]
fn full_size_counts() {
    let base = IrisCodeStatement::new(IrisModel::open_iris_v0_1()).constraint_counts();
    let full = IrisCodeStatement::new(IrisModel::open_iris_v0_1_full()).constraint_counts();
    eprintln!("open-iris v0.1-full: {full:?}, total {}", full.total());
    assert_eq!(base.fragile_bits, 0);
    assert_eq!(full.total() - full.fragile_bits, base.total());
    // 8192 probes, about 445 constraints each (four comparisons of 85 to 133 bits).
    assert_eq!(full.fragile_bits, 3_641_856);
    assert_eq!(full.total(), 5_305_963);
}
