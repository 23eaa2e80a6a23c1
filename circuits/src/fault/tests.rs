use super::*;
use crate::gadgets::equality::enforce_equal;
use crate::gadgets::poseidon::{self, poseidon};
use crate::gadgets::sign::is_nonnegative;
use crate::models::iris::IrisModel;
use crate::soundness::mutate_wires;
use crate::statements::image_opening::ImageOpening;
use crate::statements::iris_code::IrisCodeStatement;
use ark_ff::BigInteger;
use ark_std::rand::SeedableRng;
use std::time::Instant;

/// The toy circuit of issue 10 row 5: `H = Poseidon(x, s)` with `s` the sign of a 16-bit signed
/// `x`. With `checked`, `s` comes from the sign gadget; without, the sign test is deleted and `s`
/// is a wire the code fills in but nothing constrains.
struct SignHash {
    checked: bool,
}

const SIGN_BITS: usize = 16;

fn signed(v: i64) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u64)
    }
}

/// What the deleted gadget computed: 1 iff the field element is a small non-negative integer.
fn sign_of(x: Fr) -> Fr {
    let small = x.into_bigint().num_bits() < SIGN_BITS as u32;
    Fr::from(small)
}

impl Circuit for SignHash {
    type Input = i64;

    fn public_count(&self) -> usize {
        1
    }

    fn placeholder_input(&self) -> i64 {
        0
    }

    fn synthesize<B: Builder>(&self, b: &mut B, v: &i64) -> Result<(), SynthesisError> {
        let h_value = poseidon::hash(&[signed(*v), Fr::from(*v >= 0)]);
        let h_public = b.alloc_public(h_value);
        let x = b.alloc(signed(*v));
        b.mark_free_input(&x);
        let s = if self.checked {
            is_nonnegative(b, &x, SIGN_BITS)
        } else {
            b.alloc(sign_of(b.value(&x)))
        };
        let h = poseidon(b, &[x, s]);
        enforce_equal(b, &h, &h_public);
        Ok(())
    }
}

/// The wire the unchecked circuit allocates for the sign (after the public input and `x`).
const SIGN_WIRE: u32 = 3;

#[test]
fn a_hashed_unconstrained_sign_is_caught_and_the_checked_one_is_clean() {
    for v in [-5i64, 0, 1234] {
        let buggy = SignHash { checked: false };
        let campaign = FaultCampaign::new(&buggy, &v).unwrap();
        let report = campaign.run_all();
        assert_eq!(report.free_inputs, BTreeSet::from([2]), "x is wire 2");
        assert_eq!(report.holes(), BTreeSet::from([SIGN_WIRE]), "v = {v}");
        // Single-wire mutation does not see it: every change breaks Poseidon's constraints.
        let (r1cs, z) = (campaign.r1cs(), campaign.honest());
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        assert!(mutate_wires(r1cs, z, 5000, &mut rng).accepted.is_empty());

        let sound = SignHash { checked: true };
        let report = FaultCampaign::new(&sound, &v).unwrap().run_all();
        assert!(report.holes().is_empty(), "v = {v}: {:?}", report.holes());
        assert!(report.layout_changed.is_empty());
        // x ± 1 stays in range: the free input is accepted, which needs the public hash to be
        // recomputed (else every fault would look rejected).
        assert_eq!(report.accepted_wires(), BTreeSet::from([2]), "v = {v}");
        assert!(report.rejected > 1000);
    }
}

#[test]
fn the_fault_builder_overrides_one_allocation_and_the_code_follows() {
    let sound = SignHash { checked: true };
    let campaign = FaultCampaign::new(&sound, &3).unwrap();
    // x (wire 2) := 4: the sign bits and the hash follow, the public input is re-solved.
    assert_eq!(campaign.inject(2, Fr::from(4u64)), FaultOutcome::Accepted);
    // x := 2^15 is out of the gadget's range: its decomposition cannot hold.
    let out_of_range = Fr::from(1u64 << 15);
    assert!(matches!(
        campaign.inject(2, out_of_range),
        FaultOutcome::Rejected { .. }
    ));
    // The public hash itself is never re-solved when it is the faulted wire.
    assert!(matches!(
        campaign.inject(1, Fr::from(5u64)),
        FaultOutcome::Rejected { .. }
    ));

    let mut fb = FaultBuilder::new(2, Fr::from(9u64));
    let a = fb.alloc_public(Fr::from(1u64));
    let b = fb.alloc(Fr::from(2u64));
    let c = fb.alloc(Fr::from(3u64));
    assert_eq!((a, b, c), (Fr::from(1u64), Fr::from(9u64), Fr::from(3u64)));
    let mut fb =
        FaultBuilder::new(3, Fr::from(9u64)).with_public_values(vec![Some(Fr::from(7u64))]);
    assert_eq!(fb.alloc_public(Fr::from(1u64)), Fr::from(7u64));
}

/// Code that cannot continue on a faulted value is counted, not propagated.
struct Panicky;

impl Circuit for Panicky {
    type Input = ();
    fn public_count(&self) -> usize {
        0
    }
    fn placeholder_input(&self) {}
    fn synthesize<B: Builder>(&self, b: &mut B, _: &()) -> Result<(), SynthesisError> {
        let x = b.alloc(Fr::from(3u64));
        assert!(b.value(&x) == Fr::from(3u64), "x must be 3");
        let y = b.alloc(Fr::from(3u64));
        enforce_equal(b, &x, &y);
        Ok(())
    }
}

#[test]
fn panics_under_a_fault_count_as_rejected_by_the_code() {
    let campaign = FaultCampaign::new(&Panicky, &()).unwrap();
    let report = campaign.run_all();
    assert_eq!(report.wires_checked, 2);
    assert_eq!(
        report.rejected_by_code,
        fault_values(Fr::from(3u64), 1).len()
    );
    assert_eq!(report.rejected, fault_values(Fr::from(3u64), 2).len());
    assert!(report.accepted.is_empty());
}

#[test]
fn fault_values_and_samples_are_distinct_and_deterministic() {
    for original in [Fr::zero(), Fr::from(1u64), -Fr::from(1u64), Fr::from(77u64)] {
        let values = fault_values(original, 5);
        assert!(!values.contains(&original));
        let unique: BTreeSet<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(unique.len(), values.len());
        assert!(values.len() >= 3);
    }
    assert_eq!(fault_values(Fr::from(77u64), 5).len(), 6);
    let s = sample_wires(10_000, 2_000, 42);
    assert_eq!(s, sample_wires(10_000, 2_000, 42));
    assert_ne!(s, sample_wires(10_000, 2_000, 43));
    assert_eq!(s.len(), 2_000);
    assert!(s.windows(2).all(|w| w[0] < w[1]) && s[0] >= 1 && s[1_999] < 10_000);
    assert_eq!(sample_wires(5, 100, 1), vec![1, 2, 3, 4]);
}

fn image_sample(stmt: &ImageOpening) -> crate::statements::image_opening::ImageOpeningInput {
    let image = (0..stmt.pixels()).map(|i| (i * 37 % 256) as u8).collect();
    let mask = (0..stmt.pixels()).map(|i| i % 3 != 0).collect();
    stmt.input(image, mask, Fr::from(11u64), Fr::from(7u64))
        .unwrap()
}

#[test]
fn image_opening_4x8_every_wire_every_fault() {
    let stmt = ImageOpening { rows: 4, cols: 8 };
    let input = image_sample(&stmt);
    let campaign = FaultCampaign::new(&stmt, &input).unwrap();
    let start = Instant::now();
    let report = campaign.run_all();
    eprintln!(
        "image-opening:4x8: {} wires, {} faults ({} rejected, {} by the code), {} accepted on \
         free inputs, in {:?}",
        report.wires_checked,
        report.faults,
        report.rejected,
        report.rejected_by_code,
        report.accepted.len(),
        start.elapsed()
    );
    assert_eq!(report.wires_checked, campaign.r1cs().n_wires - 1);
    assert!(report.holes().is_empty(), "holes {:?}", report.holes());
    assert!(report.layout_changed.is_empty());
    // 32 pixels x 8 bits, 32 mask bits, the salt; each free input has an accepted fault (a bit
    // flipped, any salt), which `C_img` being re-solved makes possible.
    assert_eq!(report.free_inputs.len(), 32 * 8 + 32 + 1);
    assert_eq!(report.accepted_wires(), report.free_inputs);
}

#[test]
fn iris_scaled_fault_sample() {
    let stmt = IrisCodeStatement::new(IrisModel::scaled_test_model());
    let (rows, cols) = (stmt.model.image_rows(), stmt.model.image_cols());
    let n = rows * cols;
    let image = (0..n).map(|i| ((i * 131 + 7) % 256) as u8).collect();
    let mask = (0..n).map(|i| i % 17 != 0).collect();
    let input = stmt
        .input(image, mask, Fr::from(5u64), Fr::from(6u64), Fr::from(9u64))
        .unwrap();
    let campaign = FaultCampaign::new(&stmt, &input).unwrap();
    let n_wires = campaign.r1cs().n_wires;
    let start = Instant::now();
    let sample = std::env::var("ZKBIO_FAULT_SAMPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(IRIS_SCALED_SAMPLE);
    let wires = sample_wires(n_wires, sample, 2026);
    let report = campaign.run(&wires, 1);
    eprintln!(
        "iris-scaled: {} of {} wires, {} faults ({} rejected, {} by the code, {} accepted on free \
         inputs), {} constraints, in {:?}",
        report.wires_checked,
        n_wires - 1,
        report.faults,
        report.rejected,
        report.rejected_by_code,
        report.accepted.len(),
        campaign.r1cs().constraints.len(),
        start.elapsed()
    );
    assert!(report.holes().is_empty(), "holes {:?}", report.holes());
    assert!(report.layout_changed.is_empty());
    // Some sampled wires are free inputs (pixels, mask bits), and some of their faults pass.
    let sampled_inputs = wires
        .iter()
        .filter(|w| report.free_inputs.contains(w))
        .count();
    assert!(sampled_inputs > 0);
    assert!(!report.accepted.is_empty());
}

/// Wires of iris-scaled sampled by [`iris_scaled_fault_sample`] (about 70 ms a fault in the test
/// profile); `ZKBIO_FAULT_SAMPLE=2000` runs the larger sample reported in issue 10.
const IRIS_SCALED_SAMPLE: usize = 200;

/// The full-size iris statement (open-iris v0.1, 1.66M constraints): a deterministic sample of
/// wires, one fault value each. Ignored: recording the layout and every faulted run take seconds
/// each even in release; run with
/// `cargo test --release -p zkbio-circuits --lib fault::tests::full_iris -- --ignored --nocapture`.
#[test]
#[ignore = "full-size statement: minutes in release"]
fn full_iris_fault_sample() {
    let stmt = IrisCodeStatement::new(IrisModel::open_iris_v0_1());
    let (rows, cols) = (stmt.model.image_rows(), stmt.model.image_cols());
    let n = rows * cols;
    let image = (0..n).map(|i| ((i * 131 + 7) % 256) as u8).collect();
    let mask = (0..n).map(|i| i % 17 != 0).collect();
    let input = stmt
        .input(image, mask, Fr::from(5u64), Fr::from(6u64), Fr::from(9u64))
        .unwrap();
    let campaign = FaultCampaign::new(&stmt, &input).unwrap();
    let start = Instant::now();
    let wires = sample_wires(campaign.r1cs().n_wires, 20, 2026);
    let report = campaign.run(&wires, 1);
    eprintln!(
        "iris: {} wires, {} faults ({} rejected, {} accepted on free inputs) in {:?}",
        report.wires_checked,
        report.faults,
        report.rejected,
        report.accepted.len(),
        start.elapsed()
    );
    assert!(report.holes().is_empty(), "holes {:?}", report.holes());
    assert!(report.layout_changed.is_empty());
}
