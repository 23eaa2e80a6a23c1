//! "I know an iris image, mask and salt that open the public `C_img`", bound to a `binding`.
//!
//! This is the proving spine's demo statement and the first half of Proof 1: the iris-code
//! statement adds the model's inference on the same committed bytes. Public inputs, in order:
//! `C_img`, `binding`.

use crate::builder::Builder;
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::bits::{alloc_byte, from_bits_le};
use crate::gadgets::boolean::alloc_bit;
use crate::gadgets::commitment::{
    commit, commit_gadget, pack_bits, CommitKind, Geometry, GeometryError,
};
use crate::gadgets::equality::enforce_equal;
use ark_bn254::Fr;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Rows of a normalized iris image (open-iris).
pub const IRIS_ROWS: usize = 128;
/// Columns of a normalized iris image (open-iris).
pub const IRIS_COLS: usize = 512;

/// The statement for images of `rows x cols` pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageOpening {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
}

/// Input of the wrong shape.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    /// The image or mask does not have `rows x cols` entries.
    #[error("{what} has {got} entries, the statement expects {expected} ({rows}x{cols})")]
    WrongSize {
        /// "image" or "mask".
        what: &'static str,
        /// Entries given.
        got: usize,
        /// Entries expected.
        expected: usize,
        /// Expected rows.
        rows: usize,
        /// Expected columns.
        cols: usize,
    },
    /// The image size cannot be committed to (a side is 0 or does not fit 32 bits).
    #[error("image geometry: {0}")]
    Geometry(#[from] GeometryError),
}

/// The prover's knowledge: image, mask, salt and the binding. Image and mask are zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ImageOpeningInput {
    #[zeroize(skip)]
    geometry: Geometry,
    image: Vec<u8>,
    mask: Vec<bool>,
    salt: Fr,
    #[zeroize(skip)]
    binding: Fr,
}

redacted_debug!(ImageOpeningInput);

impl ImageOpening {
    /// The full-size statement: 128 x 512 (open-iris's normalized image).
    pub fn full_size() -> Self {
        ImageOpening {
            rows: IRIS_ROWS,
            cols: IRIS_COLS,
        }
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// The geometry `[rows, cols]` of `C_img`.
    pub fn geometry(&self) -> Result<Geometry, GeometryError> {
        image_geometry(self.rows, self.cols)
    }

    /// Builds an input, checking its shape. `image` and `mask` are row-major.
    pub fn input(
        &self,
        image: Vec<u8>,
        mask: Vec<bool>,
        salt: Fr,
        binding: Fr,
    ) -> Result<ImageOpeningInput, InputError> {
        let geometry = self.geometry()?;
        for (what, got) in [("image", image.len()), ("mask", mask.len())] {
            if got != self.pixels() {
                return Err(InputError::WrongSize {
                    what,
                    got,
                    expected: self.pixels(),
                    rows: self.rows,
                    cols: self.cols,
                });
            }
        }
        Ok(ImageOpeningInput {
            geometry,
            image,
            mask,
            salt,
            binding,
        })
    }

    /// The public inputs `[C_img, binding]` for `input` (`C_img` under the geometry `input` was
    /// made for; the circuit fixes its own, so an input made for another shape has no witness).
    pub fn public_inputs(&self, input: &ImageOpeningInput) -> [Fr; 2] {
        [
            image_commitment(&input.geometry, &input.image, &input.mask, input.salt),
            input.binding,
        ]
    }
}

/// The geometry `[rows, cols]` of an iris image's `C_img`.
pub fn image_geometry(rows: usize, cols: usize) -> Result<Geometry, GeometryError> {
    Geometry::new(&[rows, cols])
}

/// `C_img = Commit(IrisImage, [rows, cols], image || pack_bits(mask); salt)` (docs/PROTOCOL.md),
/// `geometry` from [`image_geometry`].
pub fn image_commitment(geometry: &Geometry, image: &[u8], mask: &[bool], salt: Fr) -> Fr {
    let mut bytes = image.to_vec();
    bytes.extend(pack_bits(mask));
    let c = commit(CommitKind::IrisImage, geometry, &bytes, salt);
    bytes.zeroize();
    c
}

/// Allocates the image bytes and mask bits and returns the committed byte string
/// (`image || pack_bits(mask)`) as range-checked linear combinations.
pub fn alloc_image_and_mask<B: Builder>(
    b: &mut B,
    image: &[u8],
    mask: &[bool],
) -> Result<Vec<B::Lc>, SynthesisError> {
    let mut bytes = Vec::with_capacity(image.len() + mask.len().div_ceil(8));
    for (i, &px) in image.iter().enumerate() {
        if i % 4096 == 0 {
            b.checkpoint()?;
        }
        let byte = alloc_byte(b, px);
        b.mark_free_input(&byte);
        bytes.push(byte);
    }
    let bits: Vec<B::Lc> = mask
        .iter()
        .map(|&m| {
            let bit = alloc_bit(b, m);
            b.mark_free_input(&bit);
            bit
        })
        .collect();
    bytes.extend(bits.chunks(8).map(from_bits_le::<B>));
    Ok(bytes)
}

impl Circuit for ImageOpening {
    type Input = ImageOpeningInput;

    fn public_count(&self) -> usize {
        2
    }

    fn placeholder_input(&self) -> ImageOpeningInput {
        ImageOpeningInput {
            // For a statement whose geometry is refused this value is never committed to:
            // `synthesize` refuses the statement first.
            geometry: self.geometry().unwrap_or(Geometry::unshaped()),
            image: vec![0; self.pixels()],
            mask: vec![false; self.pixels()],
            salt: Fr::from(0u64),
            binding: Fr::from(0u64),
        }
    }

    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &ImageOpeningInput,
    ) -> Result<(), SynthesisError> {
        let geometry = self.geometry()?;
        let [c_img_value, binding_value] = self.public_inputs(input);
        let c_img = b.alloc_public(c_img_value);
        let binding = b.alloc_public(binding_value);
        // The QAP rows `A = z_i` already bind every public input; this names `binding` in the
        // statement's own constraints (docs/PROTOCOL.md, "Binding").
        let binding_sq = b.alloc(binding_value * binding_value);
        b.enforce(&binding, &binding, &binding_sq);

        let bytes = alloc_image_and_mask(b, &input.image, &input.mask)?;
        let salt = b.alloc(input.salt);
        b.mark_free_input(&salt);
        b.checkpoint()?;
        let c = commit_gadget(b, CommitKind::IrisImage, &geometry, &bytes, &salt);
        enforce_equal(b, &c, &c_img);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::modes_agree;
    use crate::gadgets::test_support::is_satisfied;
    use crate::soundness::assert_mutations_rejected;
    use crate::Recorder;
    use ark_std::rand::SeedableRng;

    fn sample(stmt: &ImageOpening, seed: u64) -> ImageOpeningInput {
        let image = (0..stmt.pixels())
            .map(|i| ((i as u64 * 31 + seed) % 256) as u8)
            .collect();
        let mask = (0..stmt.pixels())
            .map(|i| !(i as u64 + seed).is_multiple_of(3))
            .collect();
        stmt.input(image, mask, Fr::from(seed + 11), Fr::from(seed * 1000 + 7))
            .unwrap()
    }

    #[test]
    fn small_statement_is_sound() {
        let stmt = ImageOpening { rows: 4, cols: 16 };
        for seed in 0..2 {
            let input = sample(&stmt, seed);
            modes_agree(&stmt, &input).unwrap();
            let mut rec = Recorder::new();
            stmt.synthesize(&mut rec, &input).unwrap();
            let (r1cs, z) = rec.finish_with_assignment();
            assert_eq!(r1cs.n_public, 2);
            assert_eq!(&z[1..3], &stmt.public_inputs(&input));
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            assert_mutations_rejected(&r1cs, &z, 2000, &mut rng);
        }
    }

    #[test]
    fn wrong_sizes_are_typed_errors() {
        let stmt = ImageOpening { rows: 4, cols: 16 };
        let err = stmt.input(vec![0; 63], vec![false; 64], Fr::from(0u64), Fr::from(0u64));
        assert!(matches!(
            err,
            Err(InputError::WrongSize {
                what: "image",
                got: 63,
                ..
            })
        ));
        let err = stmt.input(vec![0; 64], vec![false; 65], Fr::from(0u64), Fr::from(0u64));
        assert!(matches!(
            err,
            Err(InputError::WrongSize {
                what: "mask",
                got: 65,
                ..
            })
        ));
    }

    #[test]
    fn the_image_shape_is_bound_and_checked() {
        let (wide, square) = (
            ImageOpening { rows: 8, cols: 32 },
            ImageOpening { rows: 16, cols: 16 },
        );
        let a = sample(&wide, 3);
        let b = a.clone_for(&square);
        assert_eq!((&a.image, &a.mask, a.salt), (&b.image, &b.mask, b.salt));
        assert_ne!(wide.public_inputs(&a)[0], square.public_inputs(&b)[0]);
        // A witness for one shape does not satisfy the other's constraints.
        assert!(is_satisfied(&square, &b));
        assert!(!is_satisfied(&square, &a));

        let empty = ImageOpening { rows: 0, cols: 4 };
        let refused = GeometryError::DimensionOutOfRange { axis: 0, value: 0 };
        assert_eq!(
            empty
                .input(vec![], vec![], Fr::from(0u64), Fr::from(0u64))
                .unwrap_err(),
            InputError::Geometry(refused.clone())
        );
        assert_eq!(
            empty.to_r1cs().unwrap_err(),
            SynthesisError::Geometry(refused)
        );
    }

    impl ImageOpeningInput {
        /// The same data as an input of `stmt`.
        fn clone_for(&self, stmt: &ImageOpening) -> ImageOpeningInput {
            stmt.input(
                self.image.clone(),
                self.mask.clone(),
                self.salt,
                self.binding,
            )
            .unwrap()
        }
    }

    #[test]
    fn placeholder_satisfies_and_layout_counts_are_as_designed() {
        let stmt = ImageOpening { rows: 4, cols: 16 };
        assert!(is_satisfied(&stmt, &stmt.placeholder_input()));
        let r1cs = stmt.to_r1cs().unwrap();
        let bytes = 64 + 8;
        let expected = 1 + 64 * 8 + 64 + crate::gadgets::commitment::constraint_count(bytes) + 1;
        assert_eq!(r1cs.constraints.len(), expected);
    }
}
