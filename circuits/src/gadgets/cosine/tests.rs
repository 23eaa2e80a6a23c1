use super::*;
use crate::builder::WitnessBuilder;
use crate::gadgets::commitment::alloc_int8;
use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};
use ark_std::rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn int8_vec(rng: &mut ChaCha20Rng, n: usize) -> Vec<i8> {
    (0..n).map(|_| rng.gen::<i8>()).collect()
}

/// The float cosine, an independent reference for the integer rule.
fn cosine_f64(e: &[i8], t: &[i8]) -> f64 {
    let dot: f64 = e
        .iter()
        .zip(t)
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum();
    let n = |v: &[i8]| v.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>().sqrt();
    dot / (n(e) * n(t))
}

/// `t` = `e` plus noise of amplitude `noise`, so that similarities cover the whole range.
fn near(rng: &mut ChaCha20Rng, e: &[i8], noise: i32) -> Vec<i8> {
    e.iter()
        .map(|&a| (i32::from(a) + rng.gen_range(-noise..=noise)).clamp(-128, 127) as i8)
        .collect()
}

#[test]
fn similarity_is_the_largest_accepted_tau_and_agrees_with_float_cosine() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for k in 0..300 {
        let n = 1 + k % 40;
        let e = int8_vec(&mut rng, n);
        let t = match k % 3 {
            0 => int8_vec(&mut rng, n),
            1 => near(&mut rng, &e, 30),
            _ => near(&mut rng, &e, 3),
        };
        let cos = cosine_f64(&e, &t);
        match similarity(&e, &t) {
            None => assert!(cos <= 0.0 || cos.is_nan(), "k = {k}: cos {cos}"),
            Some(s) => {
                assert!(
                    (f64::from(s) / 65536.0 - cos).abs() < 1e-4,
                    "k = {k}: {s} vs {cos}"
                );
                let s16 = s.min(u32::from(u16::MAX)) as u16;
                assert!(
                    matches(&e, &t, s16),
                    "k = {k}: similarity {s} itself refused"
                );
                if s < u32::from(u16::MAX) {
                    assert!(!matches(&e, &t, s16 + 1), "k = {k}: {} accepted", s + 1);
                }
            }
        }
        for tau in [0u16, 1, 30000, 52000, 65535] {
            assert_eq!(
                matches(&e, &t, tau),
                similarity(&e, &t).is_some_and(|s| u32::from(tau) <= s),
                "k = {k}, tau = {tau}"
            );
        }
    }
}

#[test]
fn edge_cases_of_the_native_rule() {
    // Zero vectors match nothing, not even at tau = 0 (why the rule is e·t > 0).
    assert_eq!(similarity(&[0, 0], &[3, 4]), None);
    assert!(!matches(&[0, 0], &[0, 0], 0));
    // Opposite vectors never match; orthogonal ones neither.
    assert!(!matches(&[5, -7], &[-5, 7], 0));
    assert!(!matches(&[1, 0], &[0, 1], 0));
    // Equal vectors have similarity 2^16 (cosine 1) and match at every tau.
    assert_eq!(similarity(&[-128; 128], &[-128; 128]), Some(65536));
    assert!(matches(&[-128; 128], &[-128; 128], u16::MAX));
    // cos 45° = 0.70710678..: floor(2^16·cos) = 46340.
    assert_eq!(similarity(&[1, 0], &[1, 1]), Some(46340));
    assert!(matches(&[1, 0], &[1, 1], 46340));
    assert!(!matches(&[1, 0], &[1, 1], 46341));
    // Lengths must agree.
    assert!(!matches(&[1], &[1, 1], 0));
    assert_eq!(Products::of(&[], &[]), None);
}

fn signed(v: i64) -> Fr {
    fr(i128::from(v))
}

/// The gadget on int8 wires (`alloc_int8`, so range-checked), its bit exposed through a
/// constraint: inputs `(e, t, tau)`, with `tau` any field value given as an i64.
fn synth<B: Builder>(b: &mut B, e: &[i8], t: &[i8], tau: i64) -> B::Lc {
    let wires = |v: &[i8], b: &mut B| -> Vec<Bounded<B::Lc>> {
        v.iter()
            .map(|&q| {
                let w = alloc_int8(b, q);
                b.mark_free_input(&w.byte);
                Bounded::assume(w.value, -128, 127).unwrap()
            })
            .collect()
    };
    let e = wires(e, b);
    let t = wires(t, b);
    let tau = b.alloc(signed(tau));
    b.mark_free_input(&tau);
    let tau = range_check_tau(b, &tau);
    cosine_match(b, &e, &t, &tau).unwrap()
}

type Case = (Vec<i8>, Vec<i8>, i64);

gadget_circuit!(Cosine, Case, (vec![0; 4], vec![0; 4], 0), |b, input| {
    let (e, t, tau) = input;
    let m = synth(b, e, t, *tau);
    let out = b.alloc(b.value(&m));
    b.enforce(&m, &B::Lc::constant(Fr::from(1u64)), &out);
});

gadget_circuit!(
    CosineEnforced,
    Case,
    (vec![0; 4], vec![0; 4], 0),
    |b, input| {
        let (e, t, tau) = input;
        let m = synth(b, e, t, *tau);
        b.enforce(
            &m,
            &B::Lc::constant(Fr::from(1u64)),
            &B::Lc::constant(Fr::from(1u64)),
        );
    }
);

#[test]
fn gadget_bit_equals_the_native_rule() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    for k in 0..60 {
        let n = 1 + k % 9;
        let e = int8_vec(&mut rng, n);
        let t = match k % 3 {
            0 => int8_vec(&mut rng, n),
            1 => near(&mut rng, &e, 40),
            _ => near(&mut rng, &e, 4),
        };
        let s = similarity(&e, &t);
        let mut taus = vec![0u16, 1, 65535, rng.gen()];
        if let Some(s) = s {
            taus.extend([
                s.min(65535) as u16,
                (s.min(65534) + 1) as u16,
                s.saturating_sub(1) as u16,
            ]);
        }
        for tau in taus {
            let mut b = WitnessBuilder::new();
            let m = synth(&mut b, &e, &t, i64::from(tau));
            assert_eq!(m, Fr::from(matches(&e, &t, tau)), "k = {k}, tau = {tau}");
            assert_eq!(b.finish().first_unsatisfied(), None, "k = {k}, tau = {tau}");
        }
    }
}

#[test]
fn extreme_vectors_stay_within_the_bounds() {
    // All -128 against all -128 and against all 127: the largest |e·t| and norms for n = 128.
    for t in [-128i8, 127] {
        let e = vec![-128i8; 128];
        let t = vec![t; 128];
        let mut b = WitnessBuilder::new();
        let m = synth(&mut b, &e, &t, 65535);
        assert_eq!(m, Fr::from(matches(&e, &t, 65535)));
        assert_eq!(b.finish().first_unsatisfied(), None);
    }
}

#[test]
fn constraint_count_for_128_dimensions() {
    let mut b = crate::builder::Recorder::new();
    let before = 2 * 128 * 8;
    synth(&mut b, &[0; 128], &[0; 128], 0);
    assert_eq!(b.num_constraints() - before, 506);
}

#[test]
fn comparison_is_sound_under_fault_injection() {
    let cases: Vec<Case> = vec![
        (vec![3, -5, 7, 1], vec![3, -4, 7, 2], 60000),
        (vec![3, -5, 7, 1], vec![-3, 5, -7, -1], 0),
        (vec![-128, -128, 127, 0], vec![127, -128, -128, 5], 12345),
        (vec![0, 0, 0, 0], vec![1, 2, 3, 4], 0),
    ];
    let n = check_sound(&Cosine, &cases);
    // 64 int8 bits, 12 products, 18 for e·t > 0 (e·t in [-65024, 65536]), 17 for tau, 4 products, 67 for the
    // difference's sign, the AND, the exposed bit.
    assert_eq!(n, 64 + 12 + 18 + 17 + 4 + 67 + 1 + 1);
}

#[test]
fn enforced_match_refuses_non_matching_pairs_and_wide_tau() {
    let e = vec![3i8, -5, 7, 1];
    let t = vec![3i8, -4, 7, 2];
    let s = similarity(&e, &t).unwrap() as i64;
    assert!(is_satisfied(&CosineEnforced, &(e.clone(), t.clone(), s)));
    assert!(!is_satisfied(
        &CosineEnforced,
        &(e.clone(), t.clone(), s + 1)
    ));
    // The negation never matches, nor does a zero vector at tau = 0.
    let neg: Vec<i8> = t.iter().map(|&v| -v).collect();
    assert!(!is_satisfied(&CosineEnforced, &(e.clone(), neg, 0)));
    assert!(!is_satisfied(&CosineEnforced, &(vec![0; 4], t.clone(), 0)));
    // tau out of [0, 2^16): 2^16 and -1 (p - 1) are refused although tau = 0 matches, and so is
    // a "negative" tau whose square would be small.
    assert!(is_satisfied(&CosineEnforced, &(e.clone(), t.clone(), 0)));
    assert!(!is_satisfied(
        &CosineEnforced,
        &(e.clone(), t.clone(), 65536)
    ));
    assert!(!is_satisfied(&CosineEnforced, &(e, t, -1)));
}

/// Exhaustive at a small width: every pair of 2-d vectors with values in [-3, 3], at thresholds
/// around every similarity the pairs take, gives the native rule's bit with a satisfied witness.
#[test]
fn gadget_agrees_with_the_rule_on_every_small_pair() {
    let vals: Vec<i8> = (-3..=3).collect();
    let mut sims = std::collections::BTreeSet::new();
    let mut pairs = Vec::new();
    for &a in &vals {
        for &b in &vals {
            for &c in &vals {
                for &d in &vals {
                    let (e, t) = (vec![a, b], vec![c, d]);
                    if let Some(s) = similarity(&e, &t) {
                        sims.insert(s);
                    }
                    pairs.push((e, t));
                }
            }
        }
    }
    let mut taus: Vec<u16> = vec![0, 65535];
    for s in &sims {
        for d in [-1i64, 0, 1] {
            taus.push((i64::from(*s) + d).clamp(0, 65535) as u16);
        }
    }
    taus.sort();
    taus.dedup();
    let mut checked = 0;
    for (e, t) in &pairs {
        for &tau in &taus {
            let mut b = WitnessBuilder::new();
            let m = synth(&mut b, e, t, i64::from(tau));
            assert_eq!(m, Fr::from(matches(e, t, tau)), "{e:?} {t:?} tau {tau}");
            assert_eq!(b.finish().first_unsatisfied(), None);
            checked += 1;
        }
    }
    assert!(checked > 2401 * 10, "{checked}");
}
