//! Proof 1 with an int8 TFLite network in place of the filter bank (iris model family `tflite`,
//! [`crate::models::iris_tflite`]): "I know an image, mask and salt opening `C_img`; the network's
//! output on the image, with the code rule and the image mask, gives the code and mask bits that
//! open `C_code` under `salt_code`", bound to `binding`. Same public inputs `[C_img, C_code,
//! binding]`, same `C_img` opening and same `C_code` construction as [`super::iris_code`], so the
//! registry and the flows do not change; the network's weights and the rule are circuit constants,
//! so a key belongs to one model file and rule.
//!
//! Layout ([`TfliteConstraintCounts`]):
//! - binding, pixels (one wire and 8 bits each), input mask bits and `C_img`: as in v1;
//! - the network on `q = p − 128`, every operator but the last by the TFLite compiler
//!   ([`synthesize_to_last_conv`], the face models' compiler); the last one must be a CONV_2D,
//!   whose accumulators `acc = bias + Σ w·(x − zp_in)` are free linear combinations;
//! - the output `out = clamp(MBQM(acc) + zp, act)` is never requantized in the circuit: it is
//!   non-decreasing in `acc` (TFLite's right-shift `MultiplyByQuantizedMultiplier` rounds half
//!   away from zero twice; [`TfliteIrisModel::new`] refuses left shifts), so each test of the
//!   rule is one exact threshold on `acc`, found natively by binary search over the literal
//!   kernel ([`mbqm`]) on the accumulator's static range: the code bit `out > zp` is
//!   `acc >= A` (one sign test, about 22 bits for the development model); the magnitude test
//!   `|out − zp| >= t` is `c·(acc − H) + (1 − c)·(L − acc) >= 0` with `out >= zp + t` iff
//!   `acc >= H` and `out <= zp − t` iff `acc <= L` (one product `c·acc`, one sign test; skipped
//!   when `t = 0`); the mask bit is its product with the cell test. This costs about 49
//!   constraints per output element instead of about 79 for requantizing it plus 22 for the tests
//!   on the int8 value;
//! - per code position, the cell test `N >= cell_min_valid` (`N` the free sum of the cell's mask
//!   bits; skipped when the threshold is 0);
//! - `C_code = Commit(IrisCode, [code rows, code cols, F, 2], pack_bits(code) ||
//!   pack_bits(mask); salt_code)`.
//!
//! The public `C_code` comes from [`TfliteIrisModel::infer`] (the interpreter); the circuit
//! recomputes every bit from the committed pixels, so a witness exists only if both agree.

use super::image_opening::{image_commitment, image_geometry, InputError};
use super::iris_code::{IrisCodeInput, IrisCodeOpening};
use super::iris_prologue::{iris_prologue, placeholder_input, prologue_tally, tally};
use crate::builder::{Builder, LinearCombination, Witness, WitnessBuilder};
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::bits::from_bits_le;
use crate::gadgets::commitment::{commit_gadget, CommitKind, Geometry, GeometryError};
use crate::gadgets::equality::enforce_equal;
use crate::gadgets::quant::bounded::fr;
use crate::gadgets::quant::Bounded;
use crate::gadgets::sign::is_nonnegative;
use crate::models::iris::CodeBits;
use crate::models::iris_tflite::TfliteIrisModel;
use crate::models::tflite::circuit::{
    synthesize_to_last_conv, CompileError, CountingBuilder, LastConv,
};
use crate::models::tflite::fixedpoint::mbqm;
use crate::models::tflite::model::{ActivationRange, Conv2d, QuantizedMultiplier};
use ark_bn254::Fr;
use ark_ff::One;

/// Code and mask bits in template order, as a builder's combinations.
type BitLcs<L> = (Vec<L>, Vec<L>);

/// The iris-code statement for one TFLite model version.
#[derive(Clone, Debug)]
pub struct IrisTfliteStatement {
    model: TfliteIrisModel,
}

/// Constraints by part of the layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TfliteConstraintCounts {
    /// `binding·binding = binding_sq`.
    pub binding: usize,
    /// Pixel wires and their bits.
    pub image_bits: usize,
    /// Input mask bits.
    pub image_mask_bits: usize,
    /// `C_img` and its equality.
    pub image_commitment: usize,
    /// The network.
    pub network: usize,
    /// Code bits from the output.
    pub code_bits: usize,
    /// Mask bits: cell tests, magnitude tests, products.
    pub mask_bits: usize,
    /// `C_code` and its equality.
    pub code_commitment: usize,
}

impl TfliteConstraintCounts {
    /// The sum.
    pub fn total(&self) -> usize {
        self.binding
            + self.image_bits
            + self.image_mask_bits
            + self.image_commitment
            + self.network
            + self.code_bits
            + self.mask_bits
            + self.code_commitment
    }
}

/// `[code rows, code cols, F, 2]`: the same shape, order and commitment geometry as v1's codes.
pub fn tflite_code_geometry(model: &TfliteIrisModel) -> Result<Geometry, GeometryError> {
    Geometry::new(&[model.code_rows(), model.code_cols(), model.filters(), 2])
}

/// `x·y`, one constraint (a bit AND when both are bits).
fn product<B: Builder>(b: &mut B, x: &B::Lc, y: &B::Lc) -> B::Lc {
    let out = b.alloc(b.value(x) * b.value(y));
    b.enforce(x, y, &out);
    out
}

/// The smallest `n` with `−2^(n−1) <= N − t` and `N − t < 2^(n−1)` for `N ∈ [0, cell]`.
fn cell_test_bits(cell: usize, t: usize) -> usize {
    let m = t.max(cell - t);
    1 + (usize::BITS - m.leading_zeros()) as usize
}

impl IrisTfliteStatement {
    /// The statement for `model`.
    pub fn new(model: TfliteIrisModel) -> Self {
        IrisTfliteStatement { model }
    }

    /// The model.
    pub fn model(&self) -> &TfliteIrisModel {
        &self.model
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

    /// Builds an input, checking its shape (row-major, `mask[i]` true = valid iris pixel).
    pub fn input(
        &self,
        image: Vec<u8>,
        mask: Vec<bool>,
        salt_img: Fr,
        salt_code: Fr,
        binding: Fr,
    ) -> Result<IrisCodeInput, InputError> {
        let input = IrisCodeInput {
            rows: self.model.image_rows(),
            cols: self.model.image_cols(),
            image,
            mask,
            salt_img,
            salt_code,
            binding,
        };
        self.check(&input)?;
        Ok(input)
    }

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

    /// The code and mask bits of `input` by the interpreter, with `salt_code`.
    pub fn code_opening(&self, input: &IrisCodeInput) -> Result<IrisCodeOpening, InputError> {
        self.check(input)?;
        let geometry = tflite_code_geometry(&self.model)?;
        let bits = self
            .model
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

    /// The constraint count by part, laid out on a counting builder (no constraint stored).
    pub fn constraint_counts(&self) -> TfliteConstraintCounts {
        let mut b = CountingBuilder::new();
        let mut counts = TfliteConstraintCounts::default();
        let input = self.placeholder_input();
        let publics = [Fr::from(0u64); 3];
        // A counting builder never cancels.
        let _ = self.synthesize_with(&mut b, &input, publics, &mut counts);
        counts
    }

    /// The witness, with the code opening read from the witness's own bits.
    pub fn witness_with_opening(
        &self,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), super::iris_code::IrisCodeError> {
        self.witness_with_opening_using(WitnessBuilder::new(), input)
    }

    /// [`IrisTfliteStatement::witness_with_opening`] on a given builder, e.g.
    /// [`WitnessBuilder::with_cancel`] so an app can stop it between operators.
    pub fn witness_with_opening_using(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), super::iris_code::IrisCodeError> {
        let publics = self.public_inputs(input)?;
        self.witness_with_opening_for(wb, input, publics)
    }

    /// The witness for an image whose commitment `c_img` the caller holds, as
    /// [`super::iris_code::IrisCodeStatement::witness_with_opening_for_commitment`] for the
    /// filter-bank model: `c_img` is enforced by the circuit, not computed natively.
    pub fn witness_with_opening_for_commitment(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
        c_img: Fr,
    ) -> Result<(Witness, IrisCodeOpening), super::iris_code::IrisCodeError> {
        let c_code = self.code_opening(input)?.commitment();
        self.witness_with_opening_for(wb, input, [c_img, c_code, input.binding])
    }

    /// The witness for `publics`, and the code opening read from its own code and mask bits.
    fn witness_with_opening_for(
        &self,
        mut wb: WitnessBuilder,
        input: &IrisCodeInput,
        publics: [Fr; 3],
    ) -> Result<(Witness, IrisCodeOpening), super::iris_code::IrisCodeError> {
        let geometry = tflite_code_geometry(&self.model).map_err(InputError::from)?;
        let mut counts = TfliteConstraintCounts::default();
        let (code, mask) = self.synthesize_with(&mut wb, input, publics, &mut counts)?;
        let bits = |v: &[Fr]| v.iter().map(|x| x.is_one()).collect::<Vec<bool>>();
        let opening = IrisCodeOpening {
            bits: CodeBits::from_parts(bits(&code), bits(&mask)),
            geometry,
            salt: input.salt_code,
        };
        Ok((wb.finish(), opening))
    }

    /// Lays out the circuit with the given public-input values; returns the code and mask bits
    /// (template order) as the builder's combinations.
    pub(crate) fn synthesize_with<B: Builder>(
        &self,
        b: &mut B,
        input: &IrisCodeInput,
        publics: [Fr; 3],
        counts: &mut TfliteConstraintCounts,
    ) -> Result<BitLcs<B::Lc>, SynthesisError> {
        let m = &self.model;
        let code_geometry = tflite_code_geometry(m)?;
        let prologue = iris_prologue(b, (m.image_rows(), m.image_cols()), input, publics, counts)?;
        let (c_code, pixels, mask_bits) = (prologue.c_code, prologue.pixels, prologue.mask_bits);

        // q = p − 128: the pixel wire is range-checked to [0, 255] by its bits.
        let offset = B::Lc::constant(Fr::from(128u64));
        let q: Vec<Bounded<B::Lc>> = pixels
            .iter()
            .map(|p| Bounded::assume(p.clone() - offset.clone(), -128, 127).expect("int8 bounds"))
            .collect();
        let last = tally(b, &mut counts.network, |b| {
            match synthesize_to_last_conv(b, m.model(), q) {
                Ok(c) => Ok(c),
                Err(CompileError::Cancelled) => Err(SynthesisError::Cancelled),
                Err(e) => panic!("a model that compiled in TfliteIrisModel::new failed: {e}"),
            }
        })?;
        b.checkpoint()?;

        let (code, mask) = self.bits(b, &last, &mask_bits, counts)?;

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
        Ok((code, mask))
    }

    /// The code rule on the network's output, tested on the last CONV_2D's accumulators (see
    /// the module docs).
    fn bits<B: Builder>(
        &self,
        b: &mut B,
        last: &LastConv<B::Lc>,
        mask_bits: &[B::Lc],
        counts: &mut TfliteConstraintCounts,
    ) -> Result<BitLcs<B::Lc>, SynthesisError> {
        let m = &self.model;
        let rule = m.rule();
        let (h, w) = m.cell_shape();
        let t_cell = rule.cell_min_valid as usize;
        let per_pos = 2 * m.filters();
        let mut code = Vec::with_capacity(m.code_len());
        let mut mask = Vec::with_capacity(m.code_len());
        for i in 0..m.code_rows() {
            b.checkpoint()?;
            for j in 0..m.code_cols() {
                let cell_ok = tally(b, &mut counts.mask_bits, |b| {
                    let mut n = B::Lc::zero();
                    for p in m.cell(i, j) {
                        n.add_scaled(&mask_bits[p], Fr::one());
                    }
                    cell_test(b, n, h * w, t_cell)
                });
                let base = (i * m.code_cols() + j) * per_pos;
                for (k, acc) in last.accumulators[base..base + per_pos].iter().enumerate() {
                    let th = Thresholds::new(&last.op, k, acc, m.zero_point(), rule.magnitude);
                    let c = tally(b, &mut counts.code_bits, |b| code_bit(b, acc.lc(), &th));
                    let valid = tally(b, &mut counts.mask_bits, |b| {
                        mask_bit(b, acc.lc(), &c, &cell_ok, &th, t_cell)
                    });
                    code.push(c);
                    mask.push(valid);
                }
            }
        }
        Ok((code, mask))
    }
}

/// The cell test: 1 iff `n >= t`, for `n` the (free) sum of a cell's `cell` image-mask bits, so
/// `n ∈ [0, cell]`; the constant 1 when `t = 0`.
pub(crate) fn cell_test<B: Builder>(b: &mut B, n: B::Lc, cell: usize, t: usize) -> B::Lc {
    if t == 0 {
        return B::Lc::constant(Fr::one());
    }
    let shifted = n - B::Lc::constant(Fr::from(t as u64));
    is_nonnegative(b, &shifted, cell_test_bits(cell, t))
}

/// The code bit `y(acc) > zp`: 1 iff `acc >= th.code` (one sign test).
pub(crate) fn code_bit<B: Builder>(b: &mut B, acc: &B::Lc, th: &Thresholds) -> B::Lc {
    let x = acc.clone() - B::Lc::constant(fr(th.code.into()));
    is_nonnegative(b, &x, th.code_bits)
}

/// The mask bit of one output element from its accumulator, its code bit `c` and its cell's
/// test `cell_ok`: `|y(acc) − zp| >= t` AND the cell test (each term dropped when its threshold
/// is 0: `th.magnitude == 0`, `t_cell == 0`).
pub(crate) fn mask_bit<B: Builder>(
    b: &mut B,
    acc: &B::Lc,
    c: &B::Lc,
    cell_ok: &B::Lc,
    th: &Thresholds,
    t_cell: usize,
) -> B::Lc {
    let strong = if th.magnitude == 0 {
        None
    } else {
        // e = c·(a − hi) + (1 − c)·(lo − a): >= 0 iff the output is at least zp + t (c = 1)
        // or at most zp − t (c = 0).
        let ca = product(b, c, acc);
        let mut e = ca.clone() + ca - acc.clone();
        e.add_scaled(c, -fr((th.strong_hi + th.strong_lo).into()));
        let e = e + B::Lc::constant(fr(th.strong_lo.into()));
        Some(is_nonnegative(b, &e, th.strong_bits))
    };
    match (strong, t_cell) {
        (None, 0) => B::Lc::constant(Fr::one()),
        (None, _) => cell_ok.clone(),
        (Some(strong), 0) => strong,
        (Some(strong), _) => product(b, &strong, cell_ok),
    }
}

/// One output element's thresholds on its accumulator `a ∈ [lo, hi]`, for
/// `y(a) = clamp(MBQM(a) + zp, act)`, which is non-decreasing in `a` (TFLite's
/// `MultiplyByQuantizedMultiplier` with a right shift rounds half away from zero twice; the
/// model check refuses left shifts, whose products could wrap):
/// - code bit `y > zp` iff `a >= code`;
/// - `y >= zp + t` iff `a >= strong_hi`, `y <= zp − t` iff `a <= strong_lo`.
///
/// Each is exact on `[lo, hi]` (a threshold outside it means "always" or "never").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Thresholds {
    pub(crate) code: i64,
    pub(crate) code_bits: usize,
    pub(crate) strong_hi: i64,
    pub(crate) strong_lo: i64,
    pub(crate) strong_bits: usize,
    /// The rule's `t` (0: no magnitude test).
    pub(crate) magnitude: u8,
}

impl Thresholds {
    fn new<L: LinearCombination>(
        op: &Conv2d,
        channel: usize,
        acc: &Bounded<L>,
        zp: i32,
        t: u8,
    ) -> Thresholds {
        let requant = OutputRequant {
            multiplier: op.multipliers[channel],
            zero_point: op.output_zero_point,
            act: op.act,
        };
        Self::for_range(acc.lo() as i64, acc.hi() as i64, requant, zp, t)
    }

    /// The thresholds for `y(a) = clamp(MBQM(a) + zp_out, act)` on `a ∈ [lo, hi]` (within i32),
    /// testing against `zp` with magnitude `t`.
    pub(crate) fn for_range(lo: i64, hi: i64, r: OutputRequant, zp: i32, t: u8) -> Thresholds {
        let y = |a: i64| r.output(a);
        let magnitude = t;
        let t = i32::from(t);
        let code = first_at_least(lo, hi, zp + 1, y);
        let strong_hi = first_at_least(lo, hi, zp + t, y);
        let strong_lo = first_at_least(lo, hi, zp - t + 1, y) - 1;
        // Sign tests need -2^(n-1) <= x < 2^(n-1); these widths bound every |x| generously.
        let mag = lo.unsigned_abs().max(hi.unsigned_abs());
        let code_bits = width(mag + code.unsigned_abs());
        let strong_bits = width(mag + strong_hi.unsigned_abs().max(strong_lo.unsigned_abs()));
        Thresholds {
            code,
            code_bits,
            strong_hi,
            strong_lo,
            strong_bits,
            magnitude,
        }
    }
}

/// The last CONV_2D's requantization of one output channel, as the reference kernel applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OutputRequant {
    pub(crate) multiplier: QuantizedMultiplier,
    pub(crate) zero_point: i32,
    pub(crate) act: ActivationRange,
}

impl OutputRequant {
    /// `clamp(MBQM(a) + zp_out, act)` for an accumulator `a` within i32 (the loader bounds them).
    pub(crate) fn output(&self, a: i64) -> i32 {
        (mbqm(a as i32, self.multiplier) + self.zero_point).clamp(self.act.min, self.act.max)
    }
}

/// `n` with `|x| <= bound` implying `−2^(n−1) <= x < 2^(n−1)`.
fn width(bound: u64) -> usize {
    2 + (u64::BITS - bound.leading_zeros()) as usize
}

/// `min{a ∈ [lo, hi] : y(a) >= v}`, or `hi + 1` if there is none; `y` non-decreasing.
fn first_at_least(lo: i64, hi: i64, v: i32, y: impl Fn(i64) -> i32) -> i64 {
    let (mut l, mut h) = (lo, hi + 1);
    while l < h {
        let mid = l + (h - l) / 2;
        if y(mid) >= v {
            h = mid;
        } else {
            l = mid + 1;
        }
    }
    l
}

impl Circuit for IrisTfliteStatement {
    type Input = IrisCodeInput;

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> IrisCodeInput {
        placeholder_input(self.model.image_rows(), self.model.image_cols())
    }

    /// An input made for another image size lays out the constraints with zero data and zero
    /// commitments, which no witness satisfies; [`IrisTfliteStatement::public_inputs`] reports
    /// the size error.
    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &IrisCodeInput,
    ) -> Result<(), SynthesisError> {
        let mut counts = TfliteConstraintCounts::default();
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

prologue_tally!(TfliteConstraintCounts);

#[cfg(test)]
pub(crate) mod tests;
