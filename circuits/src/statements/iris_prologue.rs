//! The part every iris-code statement lays out first, whatever its model family
//! ([`super::iris_code`], the filter bank; [`super::iris_tflite`], a TFLite network): the public
//! inputs `[C_img, C_code, binding]`, `binding·binding`, each pixel as a wire with its 8 bits,
//! the input mask bits, and `C_img = Commit(IrisImage, [rows, cols], image || pack_bits(mask);
//! salt_img)` over them. One function for both, so "the same `C_img` opening", which lets the
//! registry re-enroll a record from one family to the other, holds by construction.

use super::image_opening::image_geometry;
use super::iris_code::{alloc_pixels, IrisCodeInput};
use crate::builder::Builder;
use crate::circuit::SynthesisError;
use crate::gadgets::bits::from_bits_le;
use crate::gadgets::boolean::alloc_bit;
use crate::gadgets::commitment::{commit_gadget, CommitKind};
use crate::gadgets::equality::enforce_equal;
use ark_bn254::Fr;

/// A statement's constraint tally with slots for the prologue's four parts.
pub(crate) trait PrologueTally {
    /// The slots of `binding`, the image bits, the image mask bits and `C_img`, in that order.
    fn prologue_slots(&mut self) -> [&mut usize; 4];
}

/// Implements [`PrologueTally`] for a counts type with the fields `binding`, `image_bits`,
/// `image_mask_bits` and `image_commitment`.
macro_rules! prologue_tally {
    ($counts:ty) => {
        impl $crate::statements::iris_prologue::PrologueTally for $counts {
            fn prologue_slots(&mut self) -> [&mut usize; 4] {
                [
                    &mut self.binding,
                    &mut self.image_bits,
                    &mut self.image_mask_bits,
                    &mut self.image_commitment,
                ]
            }
        }
    };
}
pub(crate) use prologue_tally;

/// The prologue's wires the rest of a statement uses.
pub(crate) struct Prologue<L> {
    /// The public `C_code`, which the statement's code commitment must equal.
    pub c_code: L,
    /// The pixels, row-major, each range-checked to `[0, 255]`.
    pub pixels: Vec<L>,
    /// The input mask bits, row-major.
    pub mask_bits: Vec<L>,
}

/// Runs `f` and adds the constraints it laid out to `slot`.
pub(crate) fn tally<B: Builder, T>(b: &mut B, slot: &mut usize, f: impl FnOnce(&mut B) -> T) -> T {
    let before = b.num_constraints();
    let out = f(b);
    *slot += b.num_constraints() - before;
    out
}

/// The all-zero input of a `rows x cols` statement (constraint counting, size errors).
pub(crate) fn placeholder_input(rows: usize, cols: usize) -> IrisCodeInput {
    IrisCodeInput {
        rows,
        cols,
        image: vec![0; rows * cols],
        mask: vec![false; rows * cols],
        salt_img: Fr::from(0u64),
        salt_code: Fr::from(0u64),
        binding: Fr::from(0u64),
    }
}

/// Lays out the prologue for `input` (of `rows x cols`) with the public-input values
/// `publics`, adding its constraints to `counts`.
pub(crate) fn iris_prologue<B: Builder>(
    b: &mut B,
    (rows, cols): (usize, usize),
    input: &IrisCodeInput,
    publics: [Fr; 3],
    counts: &mut impl PrologueTally,
) -> Result<Prologue<B::Lc>, SynthesisError> {
    let [binding_slot, bits_slot, mask_slot, commitment_slot] = counts.prologue_slots();
    let image_geometry = image_geometry(rows, cols)?;
    let c_img = b.alloc_public(publics[0]);
    let c_code = b.alloc_public(publics[1]);
    let binding = b.alloc_public(publics[2]);
    tally(b, binding_slot, |b| {
        // The QAP rows `A = z_i` already bind every public input; this names `binding` in
        // the statement's own constraints (docs/PROTOCOL.md, "Binding").
        let sq = b.alloc(publics[2] * publics[2]);
        b.enforce(&binding, &binding, &sq);
    });
    let pixels = tally(b, bits_slot, |b| alloc_pixels(b, &input.image))?;
    let mask_bits: Vec<B::Lc> = tally(b, mask_slot, |b| {
        input
            .mask
            .iter()
            .map(|&m| {
                let bit = alloc_bit(b, m);
                b.mark_free_input(&bit);
                bit
            })
            .collect()
    });
    b.checkpoint()?;
    tally(b, commitment_slot, |b| {
        let mut bytes = pixels.clone();
        bytes.extend(mask_bits.chunks(8).map(from_bits_le::<B>));
        let salt = b.alloc(input.salt_img);
        b.mark_free_input(&salt);
        let c = commit_gadget(b, CommitKind::IrisImage, &image_geometry, &bytes, &salt);
        enforce_equal(b, &c, &c_img);
    });
    Ok(Prologue {
        c_code,
        pixels,
        mask_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::WitnessBuilder;
    use crate::models::iris::IrisModel;
    use crate::models::iris_tflite::TfliteIrisModel;
    use crate::statements::iris_code::IrisCodeStatement;
    use crate::statements::iris_test_support::{seeded_input, Rng};
    use crate::statements::iris_tflite::IrisTfliteStatement;
    use crate::Circuit;

    /// Constraints of the prologue, by part.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    struct PrologueCounts {
        /// `binding·binding = binding_sq`.
        pub binding: usize,
        /// Pixel wires and their bits.
        pub image_bits: usize,
        /// Input mask bits.
        pub image_mask_bits: usize,
        /// `C_img` and its equality.
        pub image_commitment: usize,
    }

    prologue_tally!(PrologueCounts);

    #[test]
    fn both_families_open_c_img_with_the_same_wires_and_constraints() {
        let v1 = IrisCodeStatement::new(IrisModel::scaled_test_model());
        let v2 = IrisTfliteStatement::new(TfliteIrisModel::development_small());
        let n = 32 * 128;
        let mut rng = Rng::seeded(9);
        let image: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        let mask = rng.mask(n, 40);
        let in1 = seeded_input(&|i, m, a, b, c| v1.input(i, m, a, b, c), image, mask, 9);
        // Another salt_code (another C_code), the same binding.
        let in2 = in1.reenrollment(Fr::from(77u64), Fr::from(9 * 1000 + 7u64));
        let (w1, w2) = (v1.witness(&in1).unwrap(), v2.witness(&in2).unwrap());

        // The prologue alone, with v1's public inputs: what both statements begin with.
        let mut wb = WitnessBuilder::new();
        let publics = v1.public_inputs(&in1).unwrap();
        let mut counts = PrologueCounts::default();
        iris_prologue(&mut wb, (32, 128), &in1, publics, &mut counts).unwrap();
        let alone = wb.finish();
        assert_eq!(alone.first_unsatisfied(), None);
        let (wires, constraints) = (alone.wires.len(), alone.a.len());
        assert_eq!(
            constraints,
            counts.binding + counts.image_bits + counts.image_mask_bits + counts.image_commitment
        );
        // wires = [1, C_img, C_code, binding, pixels and their bits, mask bits, C_img's sponge].
        assert_eq!(w1.public_inputs()[0], w2.public_inputs()[0], "C_img");
        assert_ne!(w1.public_inputs()[1], w2.public_inputs()[1], "C_code");
        for w in [&w1, &w2] {
            assert_eq!(w.wires[0..2], alone.wires[0..2]);
            assert_eq!(w.wires[3..wires], alone.wires[3..wires]);
            assert!(w.a.iter().take(constraints).eq(alone.a.iter()));
            assert!(w.b.iter().take(constraints).eq(alone.b.iter()));
            assert!(w.c.iter().take(constraints).eq(alone.c.iter()));
        }
        // The shared part is where both statements' C_img comes from: a different salt_img
        // changes it in both.
        let other = seeded_input(
            &|i, m, a, b, c| v1.input(i, m, a, b, c),
            vec![7; n],
            vec![true; n],
            10,
        );
        assert_ne!(
            v1.public_inputs(&other).unwrap()[0],
            publics[0],
            "another image opens another C_img"
        );
        assert_eq!(
            v1.public_inputs(&other).unwrap()[0],
            v2.public_inputs(&other).unwrap()[0]
        );
    }
}
