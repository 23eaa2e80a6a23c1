//! Proof 1, iris-code regeneration: "I know an image, mask and salt opening `C_img`; running the
//! iris model on them gives the code bits and mask bits that open `C_code` under `salt_code`",
//! bound to a `binding`. Public inputs, in order: `C_img`, `C_code`, `binding`.
//!
//! The model's kernels are constants of the circuit: each response is a linear combination of
//! pixel wires with the kernel values as coefficients, which costs no constraint. Layout (see
//! [`ConstraintCounts`] and `docs/IRIS.md` for the semantics):
//!
//! - each pixel is one wire plus its 8 bits (9 constraints), so a response has one term per
//!   pixel; each input mask bit is a boolean wire;
//! - `C_img = Commit(IrisImage, [rows, cols], image || pack_bits(mask); salt_img)` over those
//!   wires;
//! - per probe and part `q`: the code bit is `S_q > 0`, by decomposing `S_q - 1 + 2^(n-1)` with
//!   the smallest `n` that bounds `|S_q| <= 255 * D_q` (the response is on the C side of that
//!   constraint: snarkjs's `.zkey` stores only A and B coefficients);
//! - the mask bit is `(S_re != 0 or S_im != 0) and N_q >= T_q`, where `N_q` is the linear
//!   combination of mask bits with coefficients `|K_q|` and `T_q` the per-window constant of
//!   [`crate::models::iris::MaskRule::min_passing_weight`] (exactly the model's rule);
//!   "nonzero" is `is_zero(S_re^2 + S_im^2)` negated (no wrap-around: `|S| < 2^31`), the squares
//!   computed from the sign test's bits (about 30 terms instead of hundreds); the AND is a
//!   product;
//! - with a fragile-bit refinement (the "full" variants), each mask bit is also ANDed with the
//!   refinement's radius and angle tests (module `fragile`: the radius on the same squares, the
//!   angles on the absolute responses); when the radius test excludes `S = 0` the nonzero test
//!   and its AND are dropped;
//! - `C_code = Commit(IrisCode, [probe rows, probe cols, filters, 2], pack_bits(code) ||
//!   pack_bits(mask); salt_code)` ([`code_geometry`]).
//!
//! The public `C_code` is computed natively with [`IrisInference`], the same inference
//! `zkbio-core` runs; the circuit recomputes the bits from the committed image, so a witness
//! exists only if both agree.

pub(crate) mod fragile;
mod plan;

pub use plan::{sign_width, threshold_width, ConstraintCounts};

use super::image_opening::{image_commitment, image_geometry, InputError};
use super::iris_prologue::{iris_prologue, placeholder_input, prologue_tally, tally};
use crate::builder::{Builder, LinearCombination, Witness, WitnessBuilder};
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::bits::{from_bits_le, to_bits_le};
use crate::gadgets::commitment::{
    commit, commit_gadget, pack_bits, CommitKind, Geometry, GeometryError,
};
use crate::gadgets::equality::{enforce_equal, is_zero};
use crate::gadgets::sign::is_nonnegative;
use crate::models::iris::{CodeBits, IrisInference, IrisModel};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use plan::{mask_parts, plan, FilterPlan, RowPlan};
use zeroize::Zeroize;

/// The iris-code statement for one model version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrisCodeStatement {
    /// The model; its kernels are constants of the circuit.
    pub model: IrisModel,
}

/// The prover's knowledge: image, mask, both salts and the binding. Wiped on drop; `Debug`
/// redacts it.
#[derive(Clone)]
pub struct IrisCodeInput {
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) image: Vec<u8>,
    pub(super) mask: Vec<bool>,
    pub(super) salt_img: Fr,
    pub(super) salt_code: Fr,
    pub(super) binding: Fr,
}

impl IrisCodeInput {
    /// The same image, mask and `salt_img` (so the same `C_img`) with another `salt_code` and
    /// `binding`: the input of a re-enrollment under another model version (of either family)
    /// that takes images of this size.
    pub fn reenrollment(&self, salt_code: Fr, binding: Fr) -> IrisCodeInput {
        IrisCodeInput {
            rows: self.rows,
            cols: self.cols,
            image: self.image.clone(),
            mask: self.mask.clone(),
            salt_img: self.salt_img,
            salt_code,
            binding,
        }
    }
}

impl Drop for IrisCodeInput {
    fn drop(&mut self) {
        self.image.zeroize();
        self.mask.zeroize();
        self.salt_img.zeroize();
        self.salt_code.zeroize();
    }
}

impl std::fmt::Debug for IrisCodeInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisCodeInput({}x{}, redacted)", self.rows, self.cols)
    }
}

/// What opens `C_code`: the code bits, the mask bits and `salt_code`. The phone hands it privately
/// to whoever needs the plain code. Wiped on drop; `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct IrisCodeOpening {
    pub(super) bits: CodeBits,
    pub(super) geometry: Geometry,
    pub(super) salt: Fr,
}

impl IrisCodeOpening {
    /// Code bits, in the model's code order ([`IrisModel::bit_index`]).
    pub fn code_bits(&self) -> &[bool] {
        self.bits.code()
    }

    /// Mask bits, in the same order.
    pub fn mask_bits(&self) -> &[bool] {
        self.bits.mask()
    }

    /// `salt_code`.
    pub fn salt(&self) -> Fr {
        self.salt
    }

    /// The code's geometry ([`code_geometry`] of the model).
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// `C_code` of this opening.
    pub fn commitment(&self) -> Fr {
        code_commitment(
            &self.geometry,
            self.code_bits(),
            self.mask_bits(),
            self.salt,
        )
    }
}

impl Drop for IrisCodeOpening {
    fn drop(&mut self) {
        self.salt.zeroize();
    }
}

impl std::fmt::Debug for IrisCodeOpening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IrisCodeOpening({} bits, redacted)",
            self.code_bits().len()
        )
    }
}

/// Why [`IrisCodeStatement::witness_with_opening`] failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IrisCodeError {
    /// The input was made for another image size.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Synthesis stopped (cancelled).
    #[error(transparent)]
    Synthesis(#[from] SynthesisError),
}

/// The geometry of `model`'s codes: `[probe rows, probe columns, filters, 2]`, the shape whose
/// row-major order is the code order ([`IrisModel::bit_index`]).
pub fn code_geometry(model: &IrisModel) -> Result<Geometry, GeometryError> {
    Geometry::new(&[
        model.code_rows(),
        model.code_cols(),
        model.filters().len(),
        2,
    ])
}

/// `C_code = Commit(IrisCode, geometry, pack_bits(code) || pack_bits(mask); salt)`
/// (docs/PROTOCOL.md), `geometry` from [`code_geometry`].
pub fn code_commitment(geometry: &Geometry, code: &[bool], mask: &[bool], salt: Fr) -> Fr {
    let mut bytes = pack_bits(code);
    bytes.extend(pack_bits(mask));
    let c = commit(CommitKind::IrisCode, geometry, &bytes, salt);
    bytes.zeroize();
    c
}

impl IrisCodeStatement {
    /// The statement for `model`.
    pub fn new(model: IrisModel) -> Self {
        Self { model }
    }

    fn pixels(&self) -> usize {
        self.model.image_rows() * self.model.image_cols()
    }

    fn wrong_size(&self, what: &'static str, got: usize) -> InputError {
        InputError::WrongSize {
            what,
            got,
            expected: self.pixels(),
            rows: self.model.image_rows(),
            cols: self.model.image_cols(),
        }
    }

    /// Builds an input, checking its shape. `image` and `mask` are row-major, `rows x cols` of
    /// the model (`mask[i]` true = valid iris pixel).
    pub fn input(
        &self,
        image: Vec<u8>,
        mask: Vec<bool>,
        salt_img: Fr,
        salt_code: Fr,
        binding: Fr,
    ) -> Result<IrisCodeInput, InputError> {
        // Wrap first so the buffers are wiped on the error paths too.
        let input = IrisCodeInput {
            rows: self.model.image_rows(),
            cols: self.model.image_cols(),
            image,
            mask,
            salt_img,
            salt_code,
            binding,
        };
        if input.image.len() != self.pixels() {
            return Err(self.wrong_size("image", input.image.len()));
        }
        if input.mask.len() != self.pixels() {
            return Err(self.wrong_size("mask", input.mask.len()));
        }
        Ok(input)
    }

    /// Whether `input` was made for this statement's image size.
    fn check(&self, input: &IrisCodeInput) -> Result<(), InputError> {
        let fits = (input.rows, input.cols) == (self.model.image_rows(), self.model.image_cols());
        if !fits || input.image.len() != self.pixels() {
            return Err(self.wrong_size("image", input.image.len()));
        }
        if input.mask.len() != self.pixels() {
            return Err(self.wrong_size("mask", input.mask.len()));
        }
        Ok(())
    }

    /// The code and mask bits of `input` under the model, with `salt_code`: the opening of
    /// `C_code` (computed natively, as the witness computes it in-circuit).
    pub fn code_opening(&self, input: &IrisCodeInput) -> Result<IrisCodeOpening, InputError> {
        self.check(input)?;
        let geometry = code_geometry(&self.model)?;
        let bits = IrisInference::new(&self.model)
            .infer(&input.image, &input.mask)
            .map_err(|_| self.wrong_size("image", input.image.len()))?;
        Ok(IrisCodeOpening {
            bits,
            geometry,
            salt: input.salt_code,
        })
    }

    /// The public inputs `[C_img, C_code, binding]` for `input`.
    pub fn public_inputs(&self, input: &IrisCodeInput) -> Result<[Fr; 3], InputError> {
        let opening = self.code_opening(input)?;
        let geometry = image_geometry(self.model.image_rows(), self.model.image_cols())?;
        Ok([
            image_commitment(&geometry, &input.image, &input.mask, input.salt_img),
            opening.commitment(),
            input.binding,
        ])
    }

    /// The constraint count by part (from the layout's formulas; equal to what synthesis lays
    /// out, as the tests check).
    pub fn constraint_counts(&self) -> ConstraintCounts {
        ConstraintCounts::of(&self.model)
    }

    /// The witness, with the code opening read from the witness's own code and mask bits (what
    /// the circuit computed, not a second inference).
    pub fn witness_with_opening(
        &self,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        self.witness_with_opening_using(WitnessBuilder::new(), input)
    }

    /// The witness for public inputs `[C_img, C_code, binding]` the caller already has (e.g.
    /// [`IrisCodeStatement::public_inputs`] computed once for `public.json`, or `C_img` from the
    /// enrollment record), without computing them natively a second time: the native image
    /// commitment alone costs about as much as the rest of the witness. The circuit enforces
    /// them, so a wrong value leaves a constraint unsatisfied and the prover refuses the witness
    /// before any work.
    pub fn witness_for_publics(
        &self,
        input: &IrisCodeInput,
        publics: [Fr; 3],
    ) -> Result<Witness, IrisCodeError> {
        self.check(input)?;
        let mut wb = WitnessBuilder::new();
        let mut counts = ConstraintCounts::default();
        self.synthesize_with(&mut wb, input, publics, &mut counts)?;
        Ok(wb.finish())
    }

    /// [`IrisCodeStatement::witness_with_opening`] on a given builder, e.g.
    /// [`WitnessBuilder::with_cancel`] so an app can stop it between probe rows.
    pub fn witness_with_opening_using(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        let publics = self.public_inputs(input)?;
        self.witness_with_opening_for(wb, input, publics)
    }

    /// [`IrisCodeStatement::witness_with_opening_using`] for an image whose commitment `c_img`
    /// the caller holds (the enrollment record's): the image is not committed natively, which is most of
    /// the native work before synthesis. The circuit enforces `c_img`, so an image that does not
    /// open it leaves a constraint unsatisfied and the prover refuses the witness before any work.
    pub fn witness_with_opening_for_commitment(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
        c_img: Fr,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        let c_code = self.code_opening(input)?.commitment();
        self.witness_with_opening_for(wb, input, [c_img, c_code, input.binding])
    }

    /// The witness for `publics`, and the code opening read from its own code and mask bits.
    fn witness_with_opening_for(
        &self,
        mut wb: WitnessBuilder,
        input: &IrisCodeInput,
        publics: [Fr; 3],
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        let geometry = code_geometry(&self.model).map_err(InputError::from)?;
        let mut counts = ConstraintCounts::default();
        let BitWires { code, mask } = self.synthesize_with(&mut wb, input, publics, &mut counts)?;
        let bits = |v: &[Fr]| v.iter().map(|x| x.is_one()).collect::<Vec<bool>>();
        let opening = IrisCodeOpening {
            bits: CodeBits::from_parts(bits(&code), bits(&mask)),
            geometry,
            salt: input.salt_code,
        };
        Ok((wb.finish(), opening))
    }

    /// Lays out the circuit with the given public-input values, tallying constraints by part.
    /// Returns the code and mask bits (in code order) as the builder's combinations.
    fn synthesize_with<B: Builder>(
        &self,
        b: &mut B,
        input: &IrisCodeInput,
        publics: [Fr; 3],
        counts: &mut ConstraintCounts,
    ) -> Result<BitWires<B::Lc>, SynthesisError> {
        let m = &self.model;
        let code_geometry = code_geometry(m)?;
        let prologue = iris_prologue(b, (m.image_rows(), m.image_cols()), input, publics, counts)?;
        let (c_code, pixels, mask_bits) = (prologue.c_code, prologue.pixels, prologue.mask_bits);

        let BitWires { code, mask } = self.infer_bits(b, input, &pixels, &mask_bits, counts)?;

        b.checkpoint()?;
        tally(b, &mut counts.code_commitment, |b| {
            let bytes: Vec<B::Lc> = code
                .chunks(8)
                .chain(mask.chunks(8))
                .map(from_bits_le::<B>)
                .collect();
            let salt = b.alloc(input.salt_code);
            b.mark_free_input(&salt);
            let c = commit_gadget(b, CommitKind::IrisCode, &code_geometry, &bytes, &salt);
            enforce_equal(b, &c, &c_code);
        });
        Ok(BitWires { code, mask })
    }

    /// The code and mask bits of every probe, in code order.
    fn infer_bits<B: Builder>(
        &self,
        b: &mut B,
        input: &IrisCodeInput,
        pixels: &[B::Lc],
        mask_bits: &[B::Lc],
        counts: &mut ConstraintCounts,
    ) -> Result<BitWires<B::Lc>, SynthesisError> {
        let m = &self.model;
        let mut code = vec![B::Lc::zero(); m.code_len()];
        let mut mask = vec![B::Lc::zero(); m.code_len()];
        let image = Image {
            pixels,
            mask_bits,
            values: &input.image,
            mask_values: &input.mask,
            cols: m.image_cols(),
        };
        let parts = mask_parts(m);
        for (f, fp) in plan(m).iter().enumerate() {
            for (row, rp) in fp.rows.iter().enumerate() {
                // One unit of cancellable work: a probe row of a filter.
                b.checkpoint()?;
                for (col, &start) in fp.start_cols.iter().enumerate() {
                    let bits = probe(b, fp, rp, start, &image, parts, counts);
                    for q in 0..2 {
                        let i = m.bit_index(row, col, f, q);
                        code[i] = bits.code[q].clone();
                        mask[i] = bits.mask[q].clone();
                    }
                }
            }
        }
        Ok(BitWires { code, mask })
    }
}

/// Code and mask bits in code order, as a builder's combinations.
struct BitWires<L> {
    code: Vec<L>,
    mask: Vec<L>,
}

/// Each pixel as its own wire, range-checked by its 8 bits (9 constraints): a response then has
/// one term per pixel instead of eight.
pub(super) fn alloc_pixels<B: Builder>(
    b: &mut B,
    image: &[u8],
) -> Result<Vec<B::Lc>, SynthesisError> {
    let mut pixels = Vec::with_capacity(image.len());
    for (i, &v) in image.iter().enumerate() {
        if i % 4096 == 0 {
            b.checkpoint()?;
        }
        let px = b.alloc(Fr::from(v));
        b.mark_free_input(&px);
        to_bits_le(b, &px, 8);
        pixels.push(px);
    }
    Ok(pixels)
}

/// The image's wires, row-major, with their values (the witness builder sums integers).
struct Image<'a, L> {
    pixels: &'a [L],
    mask_bits: &'a [L],
    values: &'a [u8],
    mask_values: &'a [bool],
    cols: usize,
}

/// One probe's bits: `code[q]`, `mask[q]` for the real (0) and imaginary (1) parts.
struct ProbeBits<L> {
    code: [L; 2],
    mask: [L; 2],
}

/// The four bits of the probe whose window starts at image column `start` (see the module docs).
fn probe<B: Builder>(
    b: &mut B,
    fp: &FilterPlan,
    rp: &RowPlan,
    start: usize,
    image: &Image<'_, B::Lc>,
    parts: &[usize],
    counts: &mut ConstraintCounts,
) -> ProbeBits<B::Lc> {
    let kc = fp.kernel_cols;
    // The window's (pixel, kernel coefficient) index pairs, row by row. Angular wrap-around
    // (column `(start + t) mod cols`, counted, not divided: this loop is most of a witness);
    // the model bounds kc / 2 by the width.
    let cols = image.cols;
    let window = || {
        (0..rp.rows).flat_map(move |a| {
            let row = (rp.image_row + a) * cols;
            let k_row = (rp.kernel_row + a) * kc;
            (0..kc).scan(start % cols, move |col, t| {
                let px = row + *col;
                *col = if *col + 1 == cols { 0 } else { *col + 1 };
                Some((px, k_row + t))
            })
        })
    };
    let [s_re, s_im] = [0, 1].map(|q| {
        b.small_sum(window().map(|(px, k)| {
            let value = i64::from(image.values[px]);
            (&image.pixels[px], fp.coeffs[q][k], value)
        }))
    });
    let mut n = [B::Lc::zero(), B::Lc::zero()];
    for &q in parts {
        n[q] = b.small_sum(window().map(|(px, k)| {
            let valid = i64::from(image.mask_values[px]);
            (&image.mask_bits[px], fp.abs_coeffs[q][k], valid)
        }));
    }
    let (code, small) = tally(b, &mut counts.code_bits, |b| {
        let (c_re, v_re) = positive_with_value(b, s_re, rp.sign_bits[0]);
        let (c_im, v_im) = positive_with_value(b, s_im, rp.sign_bits[1]);
        ([c_re, c_im], [v_re, v_im])
    });
    let (squares, sum) = tally(b, &mut counts.squares, |b| squares(b, &small));
    // The refinement's radius test can stand in for the nonzero test (`T_min >= 1`).
    let check_nonzero = rp.fragile.as_ref().is_none_or(|fp| !fp.implies_nonzero());
    let mask = tally(b, &mut counts.mask_bits, |b| {
        let nonzero = check_nonzero.then(|| B::Lc::constant(Fr::one()) - is_zero(b, &sum));
        let mut mask = [B::Lc::zero(), B::Lc::zero()];
        for &q in parts {
            // Moved out, not cloned: the weight has a term per window pixel.
            let n_q = std::mem::replace(&mut n[q], B::Lc::zero());
            let shifted = n_q - B::Lc::constant(Fr::from(rp.threshold[q]));
            let passes = is_nonnegative(b, &shifted, rp.threshold_bits[q]);
            mask[q] = match &nonzero {
                Some(nonzero) => and(b, nonzero, &passes),
                None => passes,
            };
        }
        if parts.len() == 1 {
            // Duplicated mask: both parts' bits are the imaginary part's.
            mask[0] = mask[1].clone();
        }
        mask
    });
    let mask = match &rp.fragile {
        None => mask,
        Some(fp) => {
            let radius = tally(b, &mut counts.fragile_radius, |b| {
                fragile::radius_bit(b, &squares, fp)
            });
            let keep = tally(b, &mut counts.fragile_angle, |b| {
                fragile::angle_bits(b, &small, &code, &radius, fp)
            });
            tally(b, &mut counts.fragile_and, |b| {
                [0, 1].map(|q| and(b, &mask[q], &keep[q]))
            })
        }
    };
    ProbeBits { code, mask }
}

/// `sign::is_positive`'s construction, keeping the bits: decomposes `x - 1 + 2^(n-1)` into `n`
/// bits (`n + 1` constraints; `x` on the C side). Returns the bit `x > 0` and `x` rebuilt from the
/// bits, a combination of `n` wires that later gadgets can use instead of `x`'s many terms.
fn positive_with_value<B: Builder>(b: &mut B, x: B::Lc, n: usize) -> (B::Lc, B::Lc) {
    let offset = Fr::from(2u64).pow([(n - 1) as u64]) - Fr::one();
    let bits = to_bits_le(b, &(x + B::Lc::constant(offset)), n);
    let value = from_bits_le::<B>(&bits) - B::Lc::constant(offset);
    // n >= 2 (sign_width), so the top bit exists.
    (bits[n - 1].clone(), value)
}

/// The squares `[v0^2, v1^2]` and their sum as a wire (the nonzero test's operand), two
/// constraints: `v0 * v0 = x`, `v1 * v1 = sum - x` (v0.1's layout, unchanged by the refinement).
/// No wrap-around: the model bounds `|v| <= 255 D < 2^31`, so the sum is the integer sum.
fn squares<B: Builder>(b: &mut B, v: &[B::Lc; 2]) -> ([B::Lc; 2], B::Lc) {
    let (x, y) = (b.value(&v[0]), b.value(&v[1]));
    let x_sq = b.alloc(x * x);
    b.enforce(&v[0], &v[0], &x_sq);
    let sum = b.alloc(x * x + y * y);
    let y_sq = sum.clone() - x_sq.clone();
    b.enforce(&v[1], &v[1], &y_sq);
    ([x_sq, y_sq], sum)
}

use fragile::and;

impl Circuit for IrisCodeStatement {
    type Input = IrisCodeInput;

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> IrisCodeInput {
        placeholder_input(self.model.image_rows(), self.model.image_cols())
    }

    /// An input made for another image size lays out this statement's constraints with zero
    /// data and zero commitments, which no witness satisfies (a proof attempt fails with
    /// "unsatisfied"); [`IrisCodeStatement::public_inputs`] reports the size error.
    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &IrisCodeInput,
    ) -> Result<(), SynthesisError> {
        let mut counts = ConstraintCounts::default();
        match self.public_inputs(input) {
            Ok(publics) => self.synthesize_with(b, input, publics, &mut counts)?,
            Err(_) => {
                let placeholder = self.placeholder_input();
                let publics = [Fr::from(0u64), Fr::from(0u64), input.binding];
                self.synthesize_with(b, &placeholder, publics, &mut counts)?
            }
        };
        Ok(())
    }
}

prologue_tally!(ConstraintCounts);

#[cfg(test)]
mod tests;
