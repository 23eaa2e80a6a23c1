//! The quantized arithmetic the op gadgets use, in one place: requantization (TFLite's
//! `MultiplyByQuantizedMultiplier` and ai-edge-litert 2.3's double-precision FC rounding), the
//! fused-activation clamp, max and the average-pool rounding division.
//!
//! Every function maps a [`QuantError`] to a [`CompileError`] naming the operator.

use super::{CompileError, OpCtx};
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::quant::bounded::{fr, nonnegative_bit};
use crate::gadgets::quant::division::divide;
use crate::gadgets::quant::{Bounded, QuantError};
use crate::models::tflite::fixedpoint::round_mul_f64;
use crate::models::tflite::model::{ActivationRange, DoubleScale, QuantizedMultiplier};
use ark_bn254::Fr;

/// `clamp(MBQM(acc, M, shift) + zp_out, act.min, act.max)`, exactly as TFLite.
pub(super) fn requantize<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    m: QuantizedMultiplier,
    zp_out: i32,
    act: ActivationRange,
) -> Result<Bounded<B::Lc>, CompileError> {
    // With the lower clamp at or above zp_out (a fused ReLU/ReLU6), MBQM's tie correction, which
    // only lowers a value `q <= 0` by one, cannot change the clamped output: both `q + zp_out`
    // and `q - 1 + zp_out` are at most zp_out <= act.min and clamp to act.min.
    let correct = act.min < zp_out;
    let v = mbqm(b, acc, m, correct)
        .and_then(|q| q.offset(zp_out as i128))
        .map_err(|e| ctx.quant(e))?;
    clamp(b, ctx, &v, act)
}

/// `MBQM(acc, M, shift)` without clamp (ADD's input rescales).
pub(super) fn rescale<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    m: QuantizedMultiplier,
) -> Result<Bounded<B::Lc>, CompileError> {
    mbqm(b, acc, m, true).map_err(|e| ctx.quant(e))
}

/// `clamp((int32)round((double)acc * scale) + zp_out, act.min, act.max)` (FULLY_CONNECTED).
///
/// Proves `round_half_away(acc·m·2^e)` over the rationals. `fl64`'s rounding of the product to
/// 53 bits could move a value onto or off a `.5` boundary; every accumulator value in the static
/// range is checked against the interpreter's exact emulation at compile time, and a model with
/// any such value is refused.
pub(super) fn requantize_double<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    scale: &DoubleScale,
    zp_out: i32,
    act: ActivationRange,
) -> Result<Bounded<B::Lc>, CompileError> {
    check_float_exceptions(acc, scale).map_err(|e| ctx.quant(e))?;
    let v = round_exact(b, acc, scale, act.min < zp_out)
        .and_then(|q| q.offset(zp_out as i128))
        .map_err(|e| ctx.quant(e))?;
    clamp(b, ctx, &v, act)
}

/// Refuses a scale for which `round(fl64(acc·E))` differs from the exact rounding at some `acc`
/// in the static range.
fn check_float_exceptions<L: LinearCombination>(acc: &Bounded<L>, scale: &DoubleScale) -> Result<(), QuantError> {
    const LIMIT: u128 = 1 << 24;
    let span = (acc.hi() - acc.lo()) as u128 + 1;
    // Products of at most 53 bits are exact in f64: nothing to enumerate.
    let acc_bits = 128 - acc.lo().unsigned_abs().max(acc.hi().unsigned_abs()).leading_zeros();
    if acc_bits + (64 - scale.mantissa.leading_zeros()) <= 53 {
        return Ok(());
    }
    if span > LIMIT || acc.lo() < i32::MIN as i128 || acc.hi() > i32::MAX as i128 {
        return Err(QuantError::RangeTooLargeToEnumerate(span));
    }
    let bad: Vec<i64> = (acc.lo()..=acc.hi())
        .filter(|&a| round_mul_f64(a as i32, scale) as i128 != exact_round(a, scale))
        .map(|a| a as i64)
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(QuantError::FloatRoundingExceptions {
            count: bad.len(),
            first: bad.into_iter().take(8).collect(),
        })
    }
}

/// `round_half_away(acc·m·2^e)` over the integers.
fn exact_round(acc: i128, s: &DoubleScale) -> i128 {
    let p = acc * s.mantissa as i128;
    if s.exponent >= 0 {
        return p << s.exponent;
    }
    let k = s.exponent.unsigned_abs();
    let n = p + (1i128 << (k - 1));
    let q = n >> k;
    if q <= 0 && n - (q << k) == 0 {
        q - 1
    } else {
        q
    }
}

/// The circuit of [`exact_round`]: one floor division by `2^k`, and the negative-tie correction
/// unless `correct` is false.
fn round_exact<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    s: &DoubleScale,
    correct: bool,
) -> Result<Bounded<B::Lc>, QuantError> {
    let p = acc.scale(s.mantissa as i128)?;
    if s.exponent >= 0 {
        return p.scale(1i128 << s.exponent.min(100));
    }
    let k = s.exponent.unsigned_abs();
    if k > 100 {
        return Err(QuantError::BoundTooWide);
    }
    let n = p.offset(1i128 << (k - 1))?;
    let div = divide(b, &n, 1i128 << k, 1)?;
    if !correct {
        return Ok(div.q);
    }
    let r_zero = div.r_below_pow2(b, 0);
    tie_corrected(b, div.q, &div.q_ge_theta, &r_zero)
}

/// `q − [q <= 0 ∧ tie]`, given the bit `[q >= 1]`: one product.
fn tie_corrected<B: Builder>(
    b: &mut B,
    q: Bounded<B::Lc>,
    q_ge_one: &B::Lc,
    tie: &B::Lc,
) -> Result<Bounded<B::Lc>, QuantError> {
    let not_pos = B::Lc::constant(Fr::from(1u64)) - q_ge_one.clone();
    let corr = select(b, &not_pos, tie);
    let lo = if q.lo() <= 0 { q.lo() - 1 } else { q.lo() };
    Bounded::assume(q.lc().clone() - corr, lo, q.hi())
}

/// TFLite's average-pool rounding `acc > 0 ? (acc + n/2)/n : (acc − n/2)/n` (C++ division):
/// `q = floor((acc + ⌊n/2⌋)/n)`, minus one when `n` is even, `q <= 0` and the division is exact.
pub(super) fn average_round<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    sum: &Bounded<B::Lc>,
    n: usize,
) -> Result<Bounded<B::Lc>, CompileError> {
    let go = |b: &mut B| -> Result<Bounded<B::Lc>, QuantError> {
        let n = n as i128;
        if n == 1 {
            return Ok(sum.clone());
        }
        let num = sum.offset(n / 2)?;
        let div = divide(b, &num, n, 1)?;
        if n % 2 == 1 {
            return Ok(div.q);
        }
        let r_zero = div.r_below_pow2(b, 0);
        tie_corrected(b, div.q, &div.q_ge_theta, &r_zero)
    };
    go(b).map_err(|e| ctx.quant(e))
}

/// The maximum of `xs` (at least one), pairwise: `max(m, x) = m + [x − m >= 0]·(x − m)`.
pub(super) fn maximum<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    xs: &[Bounded<B::Lc>],
) -> Result<Bounded<B::Lc>, CompileError> {
    let go = |b: &mut B| -> Result<Bounded<B::Lc>, QuantError> {
        let (first, rest) = xs.split_first().ok_or(QuantError::NoValues)?;
        let mut m = first.clone();
        for x in rest {
            let d = x.sub(&m)?;
            if d.lo() >= 0 {
                m = x.clone();
                continue;
            }
            if d.hi() <= 0 {
                continue;
            }
            let s = nonnegative_bit(b, &d);
            let prod = select(b, &s, d.lc());
            m = Bounded::assume(m.lc().clone() + prod, m.lo().max(x.lo()), m.hi().max(x.hi()))?;
        }
        Ok(m)
    };
    go(b).map_err(|e| ctx.quant(e))
}

/// `clamp(x, act.min, act.max)`; a side the bounds already satisfy is free.
pub(super) fn clamp<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    x: &Bounded<B::Lc>,
    act: ActivationRange,
) -> Result<Bounded<B::Lc>, CompileError> {
    let (lo, hi) = (act.min as i128, act.max as i128);
    let low = max_const(b, x, lo).map_err(|e| ctx.quant(e))?;
    min_const(b, &low, hi).map_err(|e| ctx.quant(e))
}

/// `max(x, c)`: one sign bit of `x − c` and one product.
fn max_const<B: Builder>(b: &mut B, x: &Bounded<B::Lc>, c: i128) -> Result<Bounded<B::Lc>, QuantError> {
    if x.lo() >= c {
        return Ok(x.clone());
    }
    if x.hi() <= c {
        return Bounded::constant(c);
    }
    let d = x.offset(-c)?;
    let s = nonnegative_bit(b, &d);
    let prod = select(b, &s, d.lc());
    Bounded::assume(prod + B::Lc::constant(fr(c)), c, x.hi())
}

/// `min(x, c)`.
fn min_const<B: Builder>(b: &mut B, x: &Bounded<B::Lc>, c: i128) -> Result<Bounded<B::Lc>, QuantError> {
    if x.hi() <= c {
        return Ok(x.clone());
    }
    if x.lo() >= c {
        return Bounded::constant(c);
    }
    // c − d·s with d = c − x: s = [c − x >= 0]... min(x, c) = c − max(c − x, 0).
    let d = x.scale(-1)?.offset(c)?;
    let s = nonnegative_bit(b, &d);
    let prod = select(b, &s, d.lc());
    Bounded::assume(B::Lc::constant(fr(c)) - prod, x.lo(), c)
}

/// `s·x` as a new wire (one constraint), `s` a bit.
fn select<B: Builder>(b: &mut B, s: &B::Lc, x: &B::Lc) -> B::Lc {
    let v = b.value(s) * b.value(x);
    let out = b.alloc(v);
    b.enforce(s, x, &out);
    out
}

/// `MBQM(acc, M, shift)` by the closed form with one floor division (see
/// `gadgets::quant::reference::mbqm_closed_form`); `correct = false` skips the tie correction
/// (the caller proved it cannot matter).
fn mbqm<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    m: QuantizedMultiplier,
    correct: bool,
) -> Result<Bounded<B::Lc>, QuantError> {
    if !(1..=i32::MAX).contains(&m.multiplier) {
        return Err(QuantError::BadMultiplier(m.multiplier as i64));
    }
    if !(-31..=30).contains(&m.shift) {
        return Err(QuantError::BadShift(m.shift));
    }
    let ls = m.shift.max(0) as u32;
    let rs = (-m.shift).max(0) as u32;
    let lim = 1i128 << 31;
    if acc.lo() << ls < -lim || acc.hi() << ls >= lim {
        return Err(QuantError::Int32Overflow {
            lo: acc.lo(),
            hi: acc.hi(),
        });
    }
    let mut n = acc.scale((m.multiplier as i128) << ls)?.offset(1 << 30)?;
    if rs >= 1 {
        n = n.offset(1i128 << (30 + rs))?;
    }
    let k = 31 + rs;
    let div = divide(b, &n, 1i128 << k, 1)?;
    if rs == 0 || !correct {
        return Ok(div.q);
    }
    // result = q − [q <= 0 ∧ R < 2^31]
    let r_small = div.r_below_pow2(b, 31);
    tie_corrected(b, div.q, &div.q_ge_theta, &r_small)
}
