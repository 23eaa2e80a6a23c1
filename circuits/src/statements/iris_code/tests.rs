use super::*;
use crate::builder::Recorder;
use crate::check::modes_agree;
use crate::soundness::assert_mutations_rejected;
use crate::statements::image_opening::ImageOpening;
use crate::statements::iris_test_support::{seeded_input, Rng};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A second shape: 12 x 24 image, kernels 3x5 and 5x3 (hand-written, no zero weights), probes on
/// both borders, duplicated masks and an inclusive rule (the scaled model covers the others).
fn small_model() -> IrisModel {
    IrisModel::tiny_test_model(1)
}

/// A random image whose mask has `holes_permille` / 1000 holes.
fn sample(stmt: &IrisCodeStatement, seed: u64, holes_permille: u64) -> IrisCodeInput {
    let n = stmt.pixels();
    let mut rng = Rng::seeded(seed);
    let image = (0..n).map(|_| rng.next() as u8).collect();
    let mask = rng.mask(n, holes_permille);
    seeded_input(
        &|i, m, a, b, c| stmt.input(i, m, a, b, c),
        image,
        mask,
        seed,
    )
}

fn constant(stmt: &IrisCodeStatement, value: u8) -> IrisCodeInput {
    let n = stmt.pixels();
    stmt.input(
        vec![value; n],
        vec![true; n],
        Fr::from(1u64),
        Fr::from(2u64),
        Fr::from(3u64),
    )
    .expect("sizes match")
}

fn statements() -> [IrisCodeStatement; 2] {
    [
        IrisCodeStatement::new(IrisModel::scaled_test_model()),
        IrisCodeStatement::new(small_model()),
    ]
}

/// Whether the witness of `input` satisfies the circuit when the public inputs are `publics`.
fn satisfied_with(stmt: &IrisCodeStatement, input: &IrisCodeInput, publics: [Fr; 3]) -> bool {
    let mut wb = WitnessBuilder::new();
    let mut counts = ConstraintCounts::default();
    stmt.synthesize_with(&mut wb, input, publics, &mut counts)
        .expect("not cancelled");
    wb.finish().first_unsatisfied().is_none()
}

fn measured_counts(stmt: &IrisCodeStatement, input: &IrisCodeInput) -> ConstraintCounts {
    let mut wb = WitnessBuilder::new();
    let mut counts = ConstraintCounts::default();
    let publics = stmt.public_inputs(input).expect("sizes match");
    stmt.synthesize_with(&mut wb, input, publics, &mut counts)
        .expect("not cancelled");
    assert_eq!(wb.num_constraints(), counts.total());
    counts
}

#[test]
fn modes_agree_and_counts_follow_the_layout() {
    for stmt in statements() {
        let inputs = [
            sample(&stmt, 1, 0),
            sample(&stmt, 2, 10),
            sample(&stmt, 3, 500),
            constant(&stmt, 0),
            constant(&stmt, 255),
        ];
        let expected = stmt.constraint_counts();
        for (i, input) in inputs.iter().enumerate() {
            let n = modes_agree(&stmt, input).unwrap_or_else(|e| panic!("input {i}: {e}"));
            assert_eq!(n, expected.total(), "input {i}");
            assert_eq!(measured_counts(&stmt, input), expected, "input {i}");
        }
    }
}

#[test]
fn scaled_model_layout() {
    let stmt = IrisCodeStatement::new(IrisModel::scaled_test_model());
    let c = stmt.constraint_counts();
    let pixels = 32 * 128;
    assert_eq!(c.binding, 1);
    assert_eq!(c.image_bits, 9 * pixels);
    assert_eq!(c.image_mask_bits, pixels);
    // 4096 + 512 bytes = 149 elements = 14 absorptions of 507, plus the start (243) and equality.
    assert_eq!(c.image_commitment, 243 + 14 * 507 + 1);
    // 512 code bits + 512 mask bits = 128 bytes = 5 elements = 1 absorption.
    assert_eq!(c.code_commitment, 243 + 507 + 1);
    let probes = 4 * 32 * 2;
    // Each code bit costs at least 2 constraints and at most 32 (|S| < 2^31).
    assert!(c.code_bits > 2 * 2 * probes && c.code_bits < 2 * 33 * probes);
    assert_eq!(
        c.total(),
        stmt.to_r1cs().expect("synthesis").constraints.len()
    );
}

#[test]
fn single_wire_mutations_are_rejected() {
    for (seed, stmt) in statements().into_iter().enumerate() {
        let input = sample(&stmt, 10 + seed as u64, 80);
        let mut rec = Recorder::new();
        stmt.synthesize(&mut rec, &input).expect("not cancelled");
        let (r1cs, z) = rec.finish_with_assignment();
        assert_eq!(r1cs.n_public, 3);
        let mut rng = ChaCha20Rng::seed_from_u64(seed as u64);
        assert_mutations_rejected(&r1cs, &z, 3000, &mut rng);
    }
}

#[test]
fn the_witness_for_given_publics_is_the_witness_and_wrong_publics_are_unsatisfied() {
    for stmt in statements() {
        let input = sample(&stmt, 9, 30);
        let publics = stmt.public_inputs(&input).expect("sizes match");
        let want = stmt.witness(&input).expect("not cancelled");
        let got = stmt
            .witness_for_publics(&input, publics)
            .expect("sizes match");
        assert_eq!(got.wires, want.wires);
        assert_eq!((&got.a, &got.b, &got.c), (&want.a, &want.b, &want.c));
        assert_eq!(got.first_unsatisfied(), None);
        for k in 0..3 {
            let mut wrong = publics;
            wrong[k] += Fr::from(1u64);
            let w = stmt
                .witness_for_publics(&input, wrong)
                .expect("sizes match");
            assert_eq!(w.public_inputs(), &wrong);
            // The binding is not enforced by any constraint of its own (Groth16 binds every
            // public input through the verification key); the commitments are.
            assert_eq!(w.first_unsatisfied().is_some(), k < 2, "public {k}");
        }
        let [scaled, small] = statements();
        let other = if stmt.pixels() == scaled.pixels() {
            small
        } else {
            scaled
        };
        assert!(matches!(
            other.witness_for_publics(&input, publics),
            Err(IrisCodeError::Input(_))
        ));
    }
}

#[test]
fn public_inputs_are_the_native_commitments() {
    for stmt in statements() {
        let input = sample(&stmt, 4, 50);
        let publics = stmt.public_inputs(&input).expect("sizes match");
        let mut rec = Recorder::new();
        stmt.synthesize(&mut rec, &input).expect("not cancelled");
        let (_, z) = rec.finish_with_assignment();
        assert_eq!(&z[1..4], &publics);
        // C_img is the image-opening statement's commitment of the same data.
        let opening = ImageOpening {
            rows: stmt.model.image_rows(),
            cols: stmt.model.image_cols(),
        };
        let io_input = opening
            .input(
                input.image.clone(),
                input.mask.clone(),
                input.salt_img,
                input.binding,
            )
            .expect("sizes match");
        assert_eq!(publics[0], opening.public_inputs(&io_input)[0]);
        let code = stmt.code_opening(&input).expect("sizes match");
        let geometry = code_geometry(&stmt.model).expect("a model's code fits");
        assert_eq!(geometry, code.geometry());
        assert_eq!(
            geometry.dims(),
            &[
                stmt.model.code_rows() as u32,
                stmt.model.code_cols() as u32,
                stmt.model.filters().len() as u32,
                2
            ]
        );
        assert_eq!(geometry.elements(), code.code_bits().len() as u128);
        assert_eq!(
            publics[1],
            code_commitment(
                &geometry,
                code.code_bits(),
                code.mask_bits(),
                input.salt_code
            )
        );
        assert_eq!(publics[1], code.commitment());
        assert_eq!(code.salt(), input.salt_code);
        assert_eq!(publics[2], input.binding);
    }
}

#[test]
fn witness_bits_equal_the_native_inference() {
    for stmt in statements() {
        for input in [
            sample(&stmt, 5, 0),
            sample(&stmt, 6, 300),
            constant(&stmt, 0),
        ] {
            let native = stmt.code_opening(&input).expect("sizes match");
            let (w, from_witness) = stmt.witness_with_opening(&input).expect("valid");
            assert_eq!(w.first_unsatisfied(), None);
            assert_eq!(from_witness, native);
        }
        // Not trivially all-zero or all-one (over a lightly and a heavily masked input).
        let a = stmt.code_opening(&sample(&stmt, 6, 10)).expect("sizes");
        let b = stmt.code_opening(&sample(&stmt, 8, 150)).expect("sizes");
        for v in [
            [a.code_bits(), b.code_bits()].concat(),
            [a.mask_bits(), b.mask_bits()].concat(),
        ] {
            let ones = v.iter().filter(|&&b| b).count();
            assert!(ones > 0 && ones < v.len(), "{ones} of {} bits set", v.len());
        }
    }
}

#[test]
fn duplicated_masks_give_equal_part_bits() {
    let stmt = IrisCodeStatement::new(small_model());
    let bits = stmt.code_opening(&sample(&stmt, 8, 200)).expect("sizes");
    for pair in bits.mask_bits().chunks(2) {
        assert_eq!(pair[0], pair[1]);
    }
}

/// A changed pixel, input mask bit or salt changes a public input, and the changed data cannot
/// satisfy the old public inputs; a changed code or mask bit changes `C_code`, which the
/// unchanged data cannot satisfy. So no proof of the old public inputs exists for changed data.
#[test]
fn changes_break_the_statement() {
    for stmt in statements() {
        let input = sample(&stmt, 9, 100);
        let publics = stmt.public_inputs(&input).expect("sizes");
        assert!(satisfied_with(&stmt, &input, publics));

        let n = stmt.pixels();
        let mut changed = Vec::new();
        for i in [0, n / 2, n - 1] {
            let mut c = input.clone();
            c.image[i] ^= 1;
            changed.push(c);
            let mut c = input.clone();
            c.mask[i] = !c.mask[i];
            changed.push(c);
        }
        let mut c = input.clone();
        c.salt_img += Fr::one();
        changed.push(c);
        let mut c = input.clone();
        c.salt_code += Fr::one();
        changed.push(c);
        for (k, c) in changed.iter().enumerate() {
            let new = stmt.public_inputs(c).expect("sizes");
            assert_ne!(new[..2], publics[..2], "change {k} kept C_img and C_code");
            assert!(!satisfied_with(&stmt, c, publics), "change {k}");
        }

        let opening = stmt.code_opening(&input).expect("sizes");
        let len = opening.code_bits().len();
        for i in [0, 1, len / 2, len - 1] {
            for flip_mask in [false, true] {
                let mut code = opening.code_bits().to_vec();
                let mut mask = opening.mask_bits().to_vec();
                let v = if flip_mask {
                    &mut mask[i]
                } else {
                    &mut code[i]
                };
                *v = !*v;
                let forged = code_commitment(&opening.geometry(), &code, &mask, input.salt_code);
                assert_ne!(forged, publics[1]);
                let claim = [publics[0], forged, publics[2]];
                assert!(!satisfied_with(&stmt, &input, claim), "bit {i}");
            }
        }
    }
}

#[test]
fn wrong_sizes_are_typed_errors() {
    let [scaled, small] = statements();
    let n = scaled.pixels();
    let f = || Fr::from(0u64);
    assert!(matches!(
        scaled.input(vec![0; n - 1], vec![true; n], f(), f(), f()),
        Err(InputError::WrongSize {
            what: "image",
            got,
            rows: 32,
            cols: 128,
            ..
        }) if got == n - 1
    ));
    assert!(matches!(
        scaled.input(vec![0; n], vec![true; n + 1], f(), f(), f()),
        Err(InputError::WrongSize { what: "mask", .. })
    ));
    // An input made for another statement: typed errors, and an unsatisfiable witness.
    let foreign = sample(&small, 1, 0);
    assert!(scaled.public_inputs(&foreign).is_err());
    assert!(scaled.code_opening(&foreign).is_err());
    assert!(matches!(
        scaled.witness_with_opening(&foreign),
        Err(IrisCodeError::Input(_))
    ));
    let w = scaled.witness(&foreign).expect("not cancelled");
    assert!(w.first_unsatisfied().is_some());
    assert_eq!(w.a.len(), scaled.constraint_counts().total());
}

#[test]
fn debug_output_is_redacted() {
    let stmt = IrisCodeStatement::new(IrisModel::scaled_test_model());
    let input = constant(&stmt, 77);
    assert_eq!(format!("{input:?}"), "IrisCodeInput(32x128, redacted)");
    let opening = stmt.code_opening(&input).expect("sizes");
    assert_eq!(
        format!("{opening:?}"),
        "IrisCodeOpening(512 bits, redacted)"
    );
}

/// A witness builder that cancels at the `limit`-th checkpoint, counting them.
struct Cancelling {
    inner: WitnessBuilder,
    seen: usize,
    limit: usize,
}

impl Builder for Cancelling {
    type Lc = Fr;
    fn alloc_public(&mut self, value: Fr) -> Fr {
        self.inner.alloc_public(value)
    }
    fn alloc(&mut self, value: Fr) -> Fr {
        self.inner.alloc(value)
    }
    fn enforce(&mut self, a: &Fr, b: &Fr, c: &Fr) {
        self.inner.enforce(a, b, c)
    }
    fn value(&self, lc: &Fr) -> Fr {
        *lc
    }
    fn num_constraints(&self) -> usize {
        self.inner.num_constraints()
    }
    fn checkpoint(&mut self) -> Result<(), SynthesisError> {
        self.seen += 1;
        if self.seen >= self.limit {
            return Err(SynthesisError::Cancelled);
        }
        Ok(())
    }
}

#[test]
fn synthesis_checkpoints_every_probe_row_and_can_be_cancelled() {
    let stmt = IrisCodeStatement::new(IrisModel::scaled_test_model());
    let input = sample(&stmt, 12, 0);
    let mut all = Cancelling {
        inner: WitnessBuilder::new(),
        seen: 0,
        limit: usize::MAX,
    };
    stmt.synthesize(&mut all, &input).expect("never cancels");
    let rows = stmt.model.code_rows() * stmt.model.filters().len();
    assert!(all.seen > rows, "{} checkpoints", all.seen);
    for limit in [1, all.seen / 2, all.seen] {
        let mut b = Cancelling {
            inner: WitnessBuilder::new(),
            seen: 0,
            limit,
        };
        assert_eq!(
            stmt.synthesize(&mut b, &input),
            Err(SynthesisError::Cancelled)
        );
        assert!(b.num_constraints() < stmt.constraint_counts().total());
    }
}

#[test]
fn a_set_cancel_flag_stops_the_witness() {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let stmt = IrisCodeStatement::new(small_model());
    let input = sample(&stmt, 13, 0);
    let stop = WitnessBuilder::with_cancel(Arc::new(AtomicBool::new(true)));
    assert_eq!(
        stmt.witness_with_opening_using(stop, &input).err(),
        Some(IrisCodeError::Synthesis(SynthesisError::Cancelled))
    );
    let go = WitnessBuilder::with_cancel(Arc::new(AtomicBool::new(false)));
    let (w, _) = stmt
        .witness_with_opening_using(go, &input)
        .expect("not cancelled");
    assert_eq!(w.first_unsatisfied(), None);
}

#[test]
fn the_witness_for_a_held_image_commitment_is_the_witness_and_a_wrong_one_is_unsatisfied() {
    let stmt = IrisCodeStatement::new(small_model());
    for seed in [3, 21] {
        let input = sample(&stmt, seed, 50);
        let publics = stmt.public_inputs(&input).unwrap();
        let (want, want_opening) = stmt.witness_with_opening(&input).unwrap();
        let (got, opening) = stmt
            .witness_with_opening_for_commitment(WitnessBuilder::new(), &input, publics[0])
            .unwrap();
        assert_eq!(got.wires, want.wires, "seed {seed}");
        assert_eq!(opening.commitment(), want_opening.commitment());
        let (wrong, _) = stmt
            .witness_with_opening_for_commitment(
                WitnessBuilder::new(),
                &input,
                publics[0] + Fr::from(1u64),
            )
            .unwrap();
        assert!(wrong.first_unsatisfied().is_some(), "seed {seed}");
    }
}
