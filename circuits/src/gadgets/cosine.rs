//! The face match's comparison: "the cosine similarity of `e` and `t` is at least `τ`", in exact
//! integer arithmetic, natively and as a gadget (docs/PROTOCOL.md, "Face match").
//!
//! `τ` is a 16-bit fixed-point fraction (`τ / 2^16`, so `0 <= τ < 2^16`). The rule is
//!
//! ```text
//! e·t > 0   and   (e·t)²·2^32 >= τ²·|e|²·|t|²
//! ```
//!
//! which is `cos(e, t) >= τ / 2^16` with both sides squared (allowed because both are
//! non-negative). `e·t > 0` is strict, not `>= 0`: with `>= 0`, an all-zero vector (`e·t = 0`,
//! `|e|² = 0`) would match every template at every `τ`.
//!
//! The gadget returns the rule's truth as a bit; a statement enforces it to be 1. Its cost for
//! `n`-dimensional int8 vectors: `3n` products, one sign test of `e·t` (23 constraints for
//! `n = 128`), the 16-bit range check of `τ` ([`range_check_tau`], 17), four products, one sign test of the difference
//! (77) and the final AND: 506 constraints for `n = 128`.
//!
//! Uniqueness: every wire is either a product `x·y = p` of earlier values (a fresh wire fixed by
//! one constraint), or a bit of a [`to_bits_le`] decomposition of a value whose static bound is
//! below the width (proven unique by z3 in `crate::uniqueness`), or the final AND. The z3 checker
//! itself returns "unknown" within its 60 s budget on this gadget even at 2 dimensions (the
//! nested products), so the tests check it exhaustively instead: all 2-d pairs with values in
//! `[-3, 3]` at thresholds around each of their similarities, and fault injection on every wire
//! ([`crate::fault`]) for vectors including the extremes.

use super::bits::to_bits_le;
use super::quant::bounded::{fr, nonnegative_bit};
use super::quant::{Bounded, QuantError};
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;

/// Bits of `τ`: a threshold is `τ / 2^TAU_BITS`.
pub const TAU_BITS: usize = 16;

/// `2^(2·TAU_BITS)`, the scale of the squared threshold.
const TAU_SQ_SCALE: i128 = 1 << (2 * TAU_BITS);

/// Why the comparison cannot be laid out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CosineError {
    /// The two vectors have different lengths.
    #[error("vectors of {0} and {1} elements")]
    LengthMismatch(usize, usize),
    /// The vectors are empty.
    #[error("empty vectors")]
    Empty,
    /// A static bound of an intermediate value is too wide for exact field arithmetic.
    #[error(transparent)]
    Bound(#[from] QuantError),
}

/// The integers the rule compares: `e·t`, `|e|²`, `|t|²`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Products {
    /// `e·t`.
    pub dot: i64,
    /// `|e|²`.
    pub ee: i64,
    /// `|t|²`.
    pub tt: i64,
}

impl Products {
    /// The products of two int8 vectors, or `None` if their lengths differ or are zero. (The
    /// sums fit an `i64` for any length a `Vec` can have: each term is below `2^14`.)
    pub fn of(e: &[i8], t: &[i8]) -> Option<Self> {
        if e.len() != t.len() || e.is_empty() {
            return None;
        }
        let (mut dot, mut ee, mut tt) = (0i64, 0i64, 0i64);
        for (&a, &b) in e.iter().zip(t) {
            let (a, b) = (i64::from(a), i64::from(b));
            dot += a * b;
            ee += a * a;
            tt += b * b;
        }
        Some(Products { dot, ee, tt })
    }

    /// The rule at threshold `tau` (`τ / 2^16`).
    pub fn matches(&self, tau: u16) -> bool {
        let (dot, ee, tt) = (
            i128::from(self.dot),
            i128::from(self.ee),
            i128::from(self.tt),
        );
        let tau = i128::from(tau);
        dot > 0 && dot * dot * TAU_SQ_SCALE >= tau * tau * ee * tt
    }

    /// The similarity as a 16-bit fixed-point fraction: the largest `τ` in `[0, 2^16]` the rule
    /// accepts (so `matches(τ) ⇔ τ <= similarity`), or `None` if `e·t <= 0` (no `τ` matches).
    /// Exact: `⌊√⌊(e·t)²·2^32 / (|e|²·|t|²)⌋⌋`, capped at `2^16` (cosine 1).
    pub fn similarity(&self) -> Option<u32> {
        if self.dot <= 0 {
            return None;
        }
        // dot > 0 implies both norms are positive.
        let num = (self.dot as u128).pow(2) << (2 * TAU_BITS);
        let den = (self.ee as u128) * (self.tt as u128);
        let q = num / den;
        Some(isqrt(q).min(1 << TAU_BITS) as u32)
    }
}

/// `⌊√x⌋` for a `u128`.
fn isqrt(x: u128) -> u128 {
    if x < 2 {
        return x;
    }
    // Newton's iteration from above converges to ⌊√x⌋.
    let mut r = 1u128 << (128 - x.leading_zeros()).div_ceil(2);
    loop {
        let next = (r + x / r) / 2;
        if next >= r {
            return r;
        }
        r = next;
    }
}

/// The similarity of two int8 vectors ([`Products::similarity`]); `None` for `e·t <= 0` or
/// vectors of different or zero length.
pub fn similarity(e: &[i8], t: &[i8]) -> Option<u32> {
    Products::of(e, t).and_then(|p| p.similarity())
}

/// Whether two int8 vectors match at `tau` (`false` for different or zero lengths).
pub fn matches(e: &[i8], t: &[i8], tau: u16) -> bool {
    Products::of(e, t).is_some_and(|p| p.matches(tau))
}

/// Allocates `a·b` with its bounds (one constraint).
fn product<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    y: &Bounded<B::Lc>,
) -> Result<Bounded<B::Lc>, QuantError> {
    let corners = [
        x.lo() * y.lo(),
        x.lo() * y.hi(),
        x.hi() * y.lo(),
        x.hi() * y.hi(),
    ];
    let lo = corners.iter().copied().min().unwrap_or(0);
    let hi = corners.iter().copied().max().unwrap_or(0);
    let v = b.value(x.lc()) * b.value(y.lc());
    let p = b.alloc(v);
    b.enforce(x.lc(), y.lc(), &p);
    Bounded::assume(p, lo, hi)
}

/// Allocates `x²` with its bounds (one constraint).
fn square<B: Builder>(b: &mut B, x: &Bounded<B::Lc>) -> Result<Bounded<B::Lc>, QuantError> {
    let p = product(b, x, x)?;
    let hi = p.hi();
    let lo = if x.lo() <= 0 && x.hi() >= 0 {
        0
    } else {
        (x.lo() * x.lo()).min(x.hi() * x.hi())
    };
    // Sound: a square is never below `lo` nor above the corner product bound.
    Bounded::assume(p.lc().clone(), lo, hi)
}

fn sum<L: LinearCombination>(terms: &[Bounded<L>]) -> Result<Bounded<L>, QuantError> {
    let mut acc = Bounded::constant(0)?;
    for t in terms {
        acc = acc.add(t)?;
    }
    Ok(acc)
}

/// `τ`, range-checked to `[0, 2^16)` by [`range_check_tau`].
#[derive(Clone, Debug)]
pub struct Tau<L> {
    /// `τ`, bounded to `[0, 2^16)`.
    pub value: Bounded<L>,
    /// Its 16 bits, little-endian.
    pub bits: Vec<L>,
}

/// Range-checks `τ` to `[0, 2^16)` (17 constraints): a larger value (or a "negative" one, `p − k`)
/// makes the witness unsatisfiable.
pub fn range_check_tau<B: Builder>(b: &mut B, tau: &B::Lc) -> Tau<B::Lc> {
    let bits = to_bits_le(b, tau, TAU_BITS);
    let value =
        Bounded::assume(tau.clone(), 0, (1 << TAU_BITS) - 1).expect("a 16-bit bound is valid");
    Tau { value, bits }
}

/// The rule as a gadget: returns a bit that is 1 iff `e·t > 0` and `(e·t)²·2^32 >= τ²·|e|²·|t|²`.
///
/// `e` and `t` must be bounded as their [`Bounded`]s say (e.g. a model's int8 output and
/// range-checked int8 template values); `tau` comes from [`range_check_tau`]. Every intermediate
/// value has a static bound below `2^120`, far below the field modulus, so no comparison can
/// wrap.
pub fn cosine_match<B: Builder>(
    b: &mut B,
    e: &[Bounded<B::Lc>],
    t: &[Bounded<B::Lc>],
    tau: &Tau<B::Lc>,
) -> Result<B::Lc, CosineError> {
    if e.len() != t.len() {
        return Err(CosineError::LengthMismatch(e.len(), t.len()));
    }
    if e.is_empty() {
        return Err(CosineError::Empty);
    }
    let mut dots = Vec::with_capacity(e.len());
    let mut ees = Vec::with_capacity(e.len());
    let mut tts = Vec::with_capacity(e.len());
    for (x, y) in e.iter().zip(t) {
        dots.push(product(b, x, y)?);
        ees.push(square(b, x)?);
        tts.push(square(b, y)?);
    }
    let dot = sum(&dots)?;
    let ee = sum(&ees)?;
    let tt = sum(&tts)?;

    // [e·t > 0] = [e·t − 1 >= 0].
    let dot_positive = nonnegative_bit(b, &dot.offset(-1)?);

    let tau_sq = square(b, &tau.value)?;
    let norms = product(b, &ee, &tt)?;
    let rhs = product(b, &tau_sq, &norms)?;
    let dot_sq = square(b, &dot)?;
    let lhs = dot_sq.scale(TAU_SQ_SCALE)?;
    let at_least = nonnegative_bit(b, &lhs.sub(&rhs)?);

    let v = b.value(&dot_positive) * b.value(&at_least);
    let m = b.alloc(v);
    b.enforce(&dot_positive, &at_least, &m);
    Ok(m)
}

/// `τ` as a field element.
pub fn tau_fr(tau: u16) -> Fr {
    fr(i128::from(tau))
}

#[cfg(test)]
mod tests;
