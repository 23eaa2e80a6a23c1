//! Requantization: `clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + zp, act_min, act_max)`
//! (CONV_2D, DEPTHWISE_CONV_2D, MEAN, FC in MBQM mode) and the float FULLY_CONNECTED variant
//! `clamp((int32)round(fl64(acc·E)) + zp, act_min, act_max)`.
//!
//! Both are `q − corr` with `q = floor(X / 2^n)` for a linear `X` in `acc`, proven by one bit
//! decomposition of `X` (quotient and remainder together), and `corr = [q <= 0 ∧ R < 2^j]` the
//! tie correction of the closed forms in [`super::reference`]. A [`RequantPlan`] (per channel
//! and static accumulator range) replaces the closed form by the shortest exact [`FloorFit`]
//! `floor((acc·k + c) / 2^n)` of the kernel's outputs on that range when it decomposes fewer
//! bits, with the fused clamp below; [`RescalePlan`] does the same for ADD's input rescales.
//!
//! **Fused ReLU lemma.** When `act_min >= zp` (RELU, RELU6, and any clamp that starts at or above
//! the zero point) the correction never changes the output, so it is not computed: `corr = 1`
//! only when `q <= 0`; then `q + zp <= zp <= act_min` and `q − 1 + zp < act_min`, so both clamp to
//! `act_min`. The test `relu_skips_the_tie_correction_exactly` checks it against the literal
//! kernel on every tie. The clamp is then `act_min + s·min(q − θ, H)` with `θ = act_min − zp`,
//! `H = act_max − act_min` and `s = [q >= θ]`, where `s` is the top bit of the quotient's own
//! decomposition (see [`divide`]) and, when `H + 1 = 2^k`, `min(·, H)` is read off the
//! quotient's bits above `k` (an all-zero test and two products).
//!
//! **Constraints per requantized element** (measured by `constraint_counts_per_element`; static
//! accumulator bounds `±2^b`, zp_out = −128 for ReLU as TFLite's converter makes it, zp = 3 with
//! the full int8 range for "none"), as planned (a [`FloorFit`] where one is shorter) and, in
//! brackets, with the kernel's closed form:
//!
//! | multiplier | acc bound | rs = 6 | rs = 8 | rs = 10 |
//! |---|---|---|---|---|
//! | generic (odd M), fused ReLU | ±2^17 | 42 (53) | 41 (51) | 39 (50) |
//! | generic, fused ReLU | ±2^18 | 43 (54) | 43 (53) | 43 (51) |
//! | generic, fused ReLU | ±2^20 | 45 (56) | 46 (56) | 48 (55) |
//! | generic, ReLU6-like (act_max = 100) | ±2^17 / ±2^20 | 49 / 55 (64 / 70) | 52 / 58 (62 / 68) | 39 / 59 (50 / 66) |
//! | generic, no activation | ±2^17 / ±2^20 | 81 / 90 | 76 / 86 | 53 / 82 |
//! | 8-bit mantissa (M = 181·2^23), fused ReLU | ±2^17 / ±2^20 | 30 / 33 | | 27 / 32 |
//!
//! **Where the constraints go.** `floor(X / 2^n)` needs its remainder proven in `[0, 2^n)` and
//! its quotient range-checked (without it, `(X − r)/2^n` is a field element for every `r`, so
//! nothing is unique). In plain R1CS a range check costs about one constraint per bit, so a
//! requantization costs about `log2(range of X) = log2(range of acc) + log2(k)` plus the clamp
//! (4–5). The kernel's own `k = M·2^ls/2^t` has `31 − t` bits; the fit ([`super::fit`]) only has
//! to reproduce the 255 steps inside the unsaturated window of `N ≈ 256/scale` accumulators,
//! which takes `2^n ≈ N^1.5–N^2`, i.e. `log2(k) ≈ 8 + 0.7·log2(N)` instead of 31: 8–12 bits
//! less for generic scales. Without a fused clamp ("none" with `zp` inside the range) the
//! kernel's outputs are not one floor division (negative ties round away from zero while
//! positive ones round up), so the closed form with its tie correction stays; short-mantissa
//! scales (trailing zeros of `M·2^ls`) shrink `k` further; lookups would go further still.

use super::bounded::{fr, Bounded};
use super::clamp::{clamp, clamp_above};
use super::division::{divide, floor_div, pow2_division_bits, Division};
use super::fit::{FloorFit, Saturation, MAX_FIT_BITS};
use super::reference::{
    decompose_f64, fc_float_requant, mbqm_closed_form, round_half_away_exact, split_shift,
};
use super::QuantError;
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::bits::from_bits_le;
use crate::gadgets::equality::is_zero;
use ark_bn254::Fr;

/// The per-channel constants of an integer requantization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    /// `M` from `QuantizeMultiplier`, in `[1, 2^31)` (TFLite's are in `[2^30, 2^31)`).
    pub multiplier: i32,
    /// TFLite's `shift`: left if positive, right if negative; in `[-31, 30]`.
    pub shift: i32,
    /// Output zero point.
    pub zp_out: i32,
    /// Lower end of the fused activation's range.
    pub act_min: i32,
    /// Upper end of the fused activation's range.
    pub act_max: i32,
}

impl Requant {
    /// What the TFLite kernel computes for `acc` (the literal definitions' closed form).
    pub fn reference(&self, acc: i64) -> i128 {
        (mbqm_closed_form(acc, self.multiplier as i64, self.shift) + self.zp_out as i128)
            .clamp(self.act_min as i128, self.act_max as i128)
    }
}

/// `q − [q <= 0 ∧ tie]` where `tie` is computed by `tie_bit` only if the bounds let `q <= 0`.
/// Costs `tie_bit`'s constraints plus one product when `q`'s sign is not static.
pub(crate) fn tie_correct<B: Builder>(
    b: &mut B,
    div: &Division<B::Lc>,
    tie_bit: impl FnOnce(&mut B, &Division<B::Lc>) -> B::Lc,
) -> Result<Bounded<B::Lc>, QuantError> {
    let q = &div.q;
    if q.lo() >= 1 {
        return Ok(q.clone());
    }
    let tie = tie_bit(b, div);
    let corr = if q.hi() <= 0 {
        tie
    } else {
        let not_pos = B::Lc::constant(Fr::from(1u64)) - div.q_ge_theta.clone();
        let c = b.alloc(b.value(&not_pos) * b.value(&tie));
        b.enforce(&not_pos, &tie, &c);
        c
    };
    Bounded::assume(q.lc().clone() - corr, q.lo() - 1, q.hi())
}

/// `s·v` for the sign bit `s = [q >= θ]`: free when the bounds decide `s`, else one product.
fn times_sign<B: Builder>(b: &mut B, div: &Division<B::Lc>, v: &B::Lc) -> B::Lc {
    match div.q_ge_theta_static {
        Some(true) => v.clone(),
        Some(false) => B::Lc::zero(),
        None => {
            let s = &div.q_ge_theta;
            let out = b.alloc(b.value(s) * b.value(v));
            b.enforce(s, v, &out);
            out
        }
    }
}

/// `[all bits are 0]` for proven bits: `1 − b` for one bit, a chain of products `Π(1 − b_i)`
/// for two or three (`len − 1` constraints), [`is_zero`] of their sum beyond that (3).
fn all_zero<B: Builder>(b: &mut B, bits: &[B::Lc]) -> B::Lc {
    let one = B::Lc::constant(Fr::from(1u64));
    if bits.len() > 3 {
        return is_zero(b, &from_bits_le::<B>(bits));
    }
    let mut acc = one.clone();
    for (i, bit) in bits.iter().enumerate() {
        let not_bit = one.clone() - bit.clone();
        if i == 0 {
            acc = not_bit;
        } else {
            let prod = b.alloc(b.value(&acc) * b.value(&not_bit));
            b.enforce(&acc, &not_bit, &prod);
            acc = prod;
        }
    }
    acc
}

/// `act_min + clamp(q − θ, 0, h)` from a division laid out with `theta = θ` (see module docs).
fn fused_clamp<B: Builder>(
    b: &mut B,
    div: &Division<B::Lc>,
    act_min: i128,
    h: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    if div.q_ge_theta_static == Some(false) {
        return Bounded::constant(act_min);
    }
    let bits = &div.q_minus_theta_bits;
    let width = bits.len();
    let u = if (1i128 << width) - 1 <= h {
        // q − θ < 2^width <= h + 1: the upper clamp cannot bind.
        let low = from_bits_le::<B>(bits);
        Bounded::assume(times_sign(b, div, &low), 0, (1i128 << width) - 1)?
    } else if (h + 1).count_ones() == 1 {
        // min(q − θ, 2^k − 1) is the low k bits if all higher bits are zero, else h.
        let k = (h + 1).trailing_zeros() as usize;
        let low_k = from_bits_le::<B>(&bits[..k]);
        let low_minus_h = low_k - B::Lc::constant(fr(h));
        let one = B::Lc::constant(Fr::from(1u64));
        let mut flags = bits[k..].to_vec();
        let with_sign = div.q_ge_theta_static.is_none() && flags.len() >= 4;
        if with_sign {
            // z = [s = 1 ∧ high bits 0] in one all-zero test (all flags are proven bits, so
            // their sum is 0 only if each is), then s·min(q − θ, h) = z·(low − h) + s·h: one
            // product fewer than testing the high bits and multiplying by s afterwards.
            flags.push(one - div.q_ge_theta.clone());
        }
        let z = all_zero(b, &flags);
        let m = b.alloc(b.value(&z) * b.value(&low_minus_h));
        b.enforce(&z, &low_minus_h, &m);
        let u = if with_sign {
            m + div.q_ge_theta.clone() * fr(h)
        } else {
            let m_plus_h = m + B::Lc::constant(fr(h));
            times_sign(b, div, &m_plus_h)
        };
        Bounded::assume(u, 0, h)?
    } else {
        let low = from_bits_le::<B>(bits);
        let r = Bounded::assume(times_sign(b, div, &low), 0, (1i128 << width) - 1)?;
        clamp_above(b, &r, h)?
    };
    u.offset(act_min)
}

/// Shared tail of both requantizations: `y = clamp(q − corr + zp, act_min, act_max)` with
/// `q = floor(x / 2^n)` and `corr = [q <= 0 ∧ R < 2^j]` (`tie_j = None`: no correction).
/// `reference` gives the kernel's value at an accumulator bound, to tighten the result's bounds
/// (every requantization is monotone in `acc`).
#[allow(clippy::too_many_arguments)]
fn requant_tail<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    n: u32,
    tie_j: Option<usize>,
    zp: i128,
    act_min: i128,
    act_max: i128,
    out_bounds: (i128, i128),
) -> Result<Bounded<B::Lc>, QuantError> {
    if act_min > act_max {
        return Err(QuantError::EmptyInterval {
            lo: act_min,
            hi: act_max,
        });
    }
    let d = 1i128 << n;
    let y = if act_min >= zp {
        let div = divide(b, x, d, act_min - zp)?;
        fused_clamp(b, &div, act_min, act_max - act_min)?
    } else {
        let div = divide(b, x, d, 1)?;
        let v = match tie_j {
            Some(j) => tie_correct(b, &div, |b, d| d.r_below_pow2(b, j))?,
            None => div.q.clone(),
        };
        clamp(b, &v.offset(zp)?, act_min, act_max)?
    };
    Bounded::assume(
        y.lc().clone(),
        out_bounds.0.max(y.lo()),
        out_bounds.1.min(y.hi()),
    )
}

fn check_act(act_min: i32, act_max: i32) -> Result<(), QuantError> {
    if act_min > act_max {
        return Err(QuantError::EmptyInterval {
            lo: act_min as i128,
            hi: act_max as i128,
        });
    }
    Ok(())
}

fn check_int32(lo: i128, hi: i128, factor: i128) -> Result<(), QuantError> {
    let fits = |v: i128| {
        v.checked_mul(factor)
            .is_some_and(|v| (i32::MIN as i128..=i32::MAX as i128).contains(&v))
    };
    if fits(lo) && fits(hi) {
        Ok(())
    } else {
        Err(QuantError::Int32Overflow { lo, hi })
    }
}

/// The kernel's closed form of a requantization: `X = acc·K' + c'` and `q = floor(X / 2^n)`
/// (see [`requantize_planned`]), and whether the tie correction is needed.
struct ClosedForm {
    k: i128,
    c: i128,
    n: u32,
    tie_j: Option<usize>,
}

fn closed_form(p: &Requant) -> ClosedForm {
    let (ls, rs) = split_shift(p.shift);
    let k_full = (p.multiplier as i128) << ls;
    let t = k_full.trailing_zeros().min(30);
    let mut c = 1i128 << 30;
    if rs >= 1 {
        c += 1i128 << (30 + rs);
    }
    ClosedForm {
        k: k_full >> t,
        c: c >> t,
        n: 31 + rs - t,
        tie_j: (rs >= 1).then_some((31 - t) as usize),
    }
}

/// A requantization with its layout chosen once for a static accumulator range `[lo, hi]`:
/// build it per channel ([`RequantPlan::new`]), then lay out every element whose accumulator
/// bounds lie inside the range with [`requantize_planned`].
///
/// The layout is the shortest [`FloorFit`] of the kernel's output over the range when one exists
/// and decomposes no more bits than the kernel's closed form, else the closed form itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequantPlan {
    p: Requant,
    lo: i128,
    hi: i128,
    fit: Option<FloorFit>,
}

impl RequantPlan {
    /// Validates the constants for accumulators in `[lo, hi]` and picks the layout.
    ///
    /// Refused: a multiplier outside `[1, 2^31)`, a shift outside `[-31, 30]`, an empty
    /// activation range, and bounds for which `acc` or `acc·2^ls` leaves int32 (undefined in
    /// the C++).
    pub fn new(p: &Requant, lo: i128, hi: i128) -> Result<Self, QuantError> {
        let mut plan = Self::closed_form(p, lo, hi)?;
        let cf = closed_form(p);
        let (zp, amin, amax) = (p.zp_out as i128, p.act_min as i128, p.act_max as i128);
        let fused = amin >= zp;
        // Without a fused clamp the closed form pays a tie correction and two generic clamps, so
        // any fit of moderate length is cheaper.
        let max_n = if fused { cf.n } else { cf.n + 8 };
        let g = |x: i128| p.reference(x as i64) - amin;
        let Some(pts) = FloorFit::run_ends(lo, hi, g) else {
            return Ok(plan);
        };
        let Some(fit) = FloorFit::search(&pts, Saturation::Clamped { top: amax - amin }, max_n)?
        else {
            return Ok(plan);
        };
        let bits_of = |k: i128, c: i128, n: u32, theta: i128| {
            let (a, b) = (lo * k + c, hi * k + c);
            pow2_division_bits(a.min(b), a.max(b), n, theta)
        };
        if !fused || bits_of(fit.k, fit.c, fit.n, 0) <= bits_of(cf.k, cf.c, cf.n, amin - zp) {
            plan.fit = Some(fit);
        }
        Ok(plan)
    }

    /// The kernel's closed form for `[lo, hi]`, never a fit (validated as [`RequantPlan::new`]).
    pub fn closed_form(p: &Requant, lo: i128, hi: i128) -> Result<Self, QuantError> {
        if p.multiplier < 1 {
            return Err(QuantError::BadMultiplier(p.multiplier as i64));
        }
        if !(-31..=30).contains(&p.shift) {
            return Err(QuantError::BadShift(p.shift));
        }
        check_act(p.act_min, p.act_max)?;
        if lo > hi {
            return Err(QuantError::EmptyInterval { lo, hi });
        }
        let (ls, _) = split_shift(p.shift);
        check_int32(lo, hi, 1)?;
        check_int32(lo, hi, 1i128 << ls)?;
        Ok(RequantPlan {
            p: *p,
            lo,
            hi,
            fit: None,
        })
    }

    /// The constants.
    pub fn requant(&self) -> &Requant {
        &self.p
    }

    /// The accumulator range the plan was made for.
    pub fn range(&self) -> (i128, i128) {
        (self.lo, self.hi)
    }

    /// The fit the plan lays out, if it does not use the closed form.
    pub fn fit(&self) -> Option<FloorFit> {
        self.fit
    }

    /// Whether `[lo, hi]` lies inside the plan's range.
    pub fn covers(&self, lo: i128, hi: i128) -> bool {
        self.lo <= lo && hi <= self.hi
    }
}

/// `clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + zp_out, act_min, act_max)`, bit-exact
/// with TFLite's double rounding, for an int32 accumulator with static bounds: a
/// [`RequantPlan`] made for the accumulator's own range, laid out by [`requantize_planned`].
/// Models plan once per channel instead (the search costs far more than the layout).
pub fn requantize<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    p: &Requant,
) -> Result<Bounded<B::Lc>, QuantError> {
    requantize_planned(b, acc, &RequantPlan::new(p, acc.lo(), acc.hi())?)
}

/// Lays out one requantization with `plan` (whose range must contain the accumulator's bounds).
///
/// A constant output (both bounds give the same value) costs nothing. Otherwise:
///
/// **Fit** `(k, c, n)` ([`super::fit`]): `X = acc·k + c`, `q = floor(X / 2^n)` in one
/// decomposition of `n + w` bits (`w` = quotient width from the bounds, with a sign bit when
/// needed), and the fused clamp `act_min + clamp(q, 0, act_max − act_min)` read off the same bits
/// (see the module docs). It reproduces the kernel's output on the plan's range exactly, tie
/// correction included, whatever the activation.
///
/// **Closed form** (when no shorter fit exists): with `K = M·2^ls = K'·2^t` (`t` trailing zeros,
/// at most 30) and `n = 31 + rs − t`: `X = acc·K' + (2^30 + [rs≥1]·2^(30+rs))/2^t`,
/// `q = floor(X / 2^n)`, one decomposition of `X` into `n + w` bits.
///
/// Constraints per element, either way:
/// - fused clamp (a fit, or `act_min >= zp`, e.g. RELU/RELU6): `n + w` (see [`divide`]), plus, when the upper
///   clamp can bind and `act_max − act_min + 1 = 2^k`, an all-zero test of the `h` quotient bits
///   above `k` (`h − 1` constraints for `h <= 3`, else 3) and two products (one when `q >= θ` is
///   static); one product when the upper clamp cannot bind; a generic upper clamp otherwise;
/// - closed form without a fused clamp: `n + w`, the tie correction (`is_zero` of the top
///   `rs` remainder bits and a product: 4, when `q <= 0` is possible and `rs >= 1`) and a
///   generic [`clamp`] on each side the bounds do not settle.
pub fn requantize_planned<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    plan: &RequantPlan,
) -> Result<Bounded<B::Lc>, QuantError> {
    if !plan.covers(acc.lo(), acc.hi()) {
        return Err(QuantError::UncheckedRange {
            lo: acc.lo(),
            hi: acc.hi(),
        });
    }
    let p = &plan.p;
    let (zp, amin, amax) = (p.zp_out as i128, p.act_min as i128, p.act_max as i128);
    let out_bounds = (p.reference(acc.lo() as i64), p.reference(acc.hi() as i64));
    if out_bounds.0 == out_bounds.1 {
        return Bounded::constant(out_bounds.0);
    }
    if let Some(fit) = plan.fit {
        return fitted(b, acc, &fit, amin, amax, out_bounds);
    }
    let cf = closed_form(p);
    let x = acc.scale(cf.k)?.offset(cf.c)?;
    requant_tail(b, &x, cf.n, cf.tie_j, zp, amin, amax, out_bounds)
}

/// `act_min + clamp(floor((acc·k + c) / 2^n), 0, act_max − act_min)` for a fit.
fn fitted<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    fit: &FloorFit,
    act_min: i128,
    act_max: i128,
    out_bounds: (i128, i128),
) -> Result<Bounded<B::Lc>, QuantError> {
    let x = acc.scale(fit.k)?.offset(fit.c)?;
    let div = divide(b, &x, 1i128 << fit.n, 0)?;
    let y = fused_clamp(b, &div, act_min, act_max - act_min)?;
    Bounded::assume(
        y.lc().clone(),
        out_bounds.0.max(y.lo()),
        out_bounds.1.min(y.hi()),
    )
}

/// ADD's input rescale `MultiplyByQuantizedMultiplierSmallerThanOneExp(v·2^left_shift, M,
/// shift)` (double rounding, no clamp) of an integer `v` in a static range: an int8 input minus
/// its zero point. Planned once per ADD input ([`RescalePlan::new`]), laid out per element with
/// [`rescale_planned`].
///
/// `v` takes at most a few hundred values, so the rescale is usually an exact [`FloorFit`]
/// `floor((v·k + c) / 2^n)` with a short `n`; its whole part is split off as
/// `v·⌊k/2^n⌋ + floor((v·(k mod 2^n) + c) / 2^n)`, so only a quotient below the number of
/// values and `n` remainder bits are decomposed (about `n + 10` constraints, against about
/// `log2(range·2^left_shift·M)` + a tie correction for the kernel's closed form, which is the
/// fallback when no fit is shorter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RescalePlan {
    closed: RequantPlan,
    left_shift: u32,
    lo: i128,
    hi: i128,
    fit: Option<FloorFit>,
}

impl RescalePlan {
    /// Validates the constants for `v` in `[lo, hi]` (`v·2^left_shift` must stay in int32, the
    /// multiplier and shift as for [`RequantPlan::new`]) and picks the layout.
    pub fn new(
        multiplier: i32,
        shift: i32,
        left_shift: u32,
        lo: i128,
        hi: i128,
    ) -> Result<Self, QuantError> {
        if left_shift > 30 {
            return Err(QuantError::BadShift(left_shift as i32));
        }
        let p = Requant {
            multiplier,
            shift,
            zp_out: 0,
            act_min: i32::MIN,
            act_max: i32::MAX,
        };
        let scale = 1i128 << left_shift;
        if lo > hi {
            return Err(QuantError::EmptyInterval { lo, hi });
        }
        let closed = RequantPlan::closed_form(&p, lo * scale, hi * scale)?;
        let mut plan = RescalePlan {
            closed,
            left_shift,
            lo,
            hi,
            fit: None,
        };
        let Some(pts) = FloorFit::run_ends(lo, hi, |v| plan.reference(v)) else {
            return Ok(plan);
        };
        let Some(fit) = FloorFit::search(&pts, Saturation::Exact, MAX_FIT_BITS)? else {
            return Ok(plan);
        };
        let cf = closed_form(&p);
        let x_range = |k: i128, c: i128, lo: i128, hi: i128| {
            let (a, b) = (lo * k + c, hi * k + c);
            (a.min(b), a.max(b))
        };
        let (a, c) = x_range(cf.k, cf.c, lo * scale, hi * scale);
        // The closed form's layout: its division, and the tie correction's is_zero and product.
        let closed_bits = pow2_division_bits(a, c, cf.n, 1) + 4;
        let kr = fit.k & ((1i128 << fit.n) - 1);
        let (a, c) = x_range(kr, fit.c, lo, hi);
        if pow2_division_bits(a, c, fit.n, a >> fit.n) <= closed_bits {
            plan.fit = Some(fit);
        }
        Ok(plan)
    }

    /// What the kernel computes for `v`.
    pub fn reference(&self, v: i128) -> i128 {
        let p = self.closed.requant();
        mbqm_closed_form((v << self.left_shift) as i64, p.multiplier as i64, p.shift)
    }

    /// The fit laid out, if any.
    pub fn fit(&self) -> Option<FloorFit> {
        self.fit
    }
}

/// One ADD input rescale with `plan` (whose range must contain `v`'s bounds); see
/// [`RescalePlan`] for the layouts and their cost.
pub fn rescale_planned<B: Builder>(
    b: &mut B,
    v: &Bounded<B::Lc>,
    plan: &RescalePlan,
) -> Result<Bounded<B::Lc>, QuantError> {
    if v.lo() < plan.lo || v.hi() > plan.hi {
        return Err(QuantError::UncheckedRange {
            lo: v.lo(),
            hi: v.hi(),
        });
    }
    let (lo, hi) = (plan.reference(v.lo()), plan.reference(v.hi()));
    let Some(fit) = plan.fit else {
        return requantize_planned(b, &v.scale(1i128 << plan.left_shift)?, &plan.closed);
    };
    if lo == hi {
        return Bounded::constant(lo);
    }
    let whole = fit.k >> fit.n;
    let x = v.scale(fit.k - (whole << fit.n))?.offset(fit.c)?;
    let (q, _) = floor_div(b, &x, 1i128 << fit.n)?;
    let y = v.scale(whole)?.add(&q)?;
    Bounded::assume(y.lc().clone(), lo.max(y.lo()), hi.min(y.hi()))
}

/// Largest accumulator range [`requantize_f64`] enumerates for float-rounding exceptions.
pub const MAX_ENUMERATED_RANGE: u128 = 1 << 26;

/// The accumulator values in `[lo, hi]` where `round(fl64(acc·scale))` differs from the exact
/// rational `round_half_away(acc·scale)` (found by enumeration).
pub fn float_rounding_exceptions(lo: i32, hi: i32, scale: f64) -> Result<Vec<i64>, QuantError> {
    let (m, e) = decompose_f64(scale)
        .filter(|&(m, _)| m > 0)
        .ok_or(QuantError::BadScale(scale))?;
    let span = (hi as i128 - lo as i128 + 1).max(0) as u128;
    if span > MAX_ENUMERATED_RANGE {
        return Err(QuantError::RangeTooLargeToEnumerate(span));
    }
    Ok((lo..=hi)
        .filter(|&acc| {
            fc_float_requant(acc, scale).map(|v| v as i128)
                != Some(round_half_away_exact(acc as i64, m, e))
        })
        .map(|acc| acc as i64)
        .collect())
}

/// One FULLY_CONNECTED channel's float requantization, validated for a static accumulator range:
/// build it once per channel with [`FloatRequant::new`] (which enumerates the range), then lay
/// out every element with [`requantize_f64`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatRequant {
    scale: f64,
    zp_out: i32,
    act_min: i32,
    act_max: i32,
    acc_lo: i32,
    acc_hi: i32,
    fit: Option<FloorFit>,
}

impl FloatRequant {
    /// Validates the constants and checks every accumulator in `[acc_lo, acc_hi]` for
    /// float-rounding exceptions (see [`requantize_f64`]).
    pub fn new(
        scale: f64,
        zp_out: i32,
        act_min: i32,
        act_max: i32,
        acc_lo: i128,
        acc_hi: i128,
    ) -> Result<Self, QuantError> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(QuantError::BadScale(scale));
        }
        check_act(act_min, act_max)?;
        let int32 = i32::MIN as i128..=i32::MAX as i128;
        if acc_lo > acc_hi || !int32.contains(&acc_lo) || !int32.contains(&acc_hi) {
            return Err(QuantError::Int32Overflow {
                lo: acc_lo,
                hi: acc_hi,
            });
        }
        let (acc_lo, acc_hi) = (acc_lo as i32, acc_hi as i32);
        let exceptions = float_rounding_exceptions(acc_lo, acc_hi, scale)?;
        if !exceptions.is_empty() {
            return Err(QuantError::FloatRoundingExceptions {
                count: exceptions.len(),
                first: exceptions.iter().copied().take(8).collect(),
            });
        }
        let (m, e) = decompose_f64(scale).ok_or(QuantError::BadScale(scale))?;
        if e < -100 {
            return Err(QuantError::BadScale(scale));
        }
        let mut p = FloatRequant {
            scale,
            zp_out,
            act_min,
            act_max,
            acc_lo,
            acc_hi,
            fit: None,
        };
        if e < 0 {
            p.fit = p.shorter_fit(m as i128, e.unsigned_abs())?;
        }
        Ok(p)
    }

    /// A [`FloorFit`] of the kernel over the checked range that decomposes no more bits than
    /// the exact rational form `floor((acc·m + 2^(k−1)) / 2^k)` (any fit, without a fused
    /// clamp, since that form then pays a tie correction and generic clamps).
    fn shorter_fit(&self, m: i128, k: u32) -> Result<Option<FloorFit>, QuantError> {
        let (lo, hi) = (self.acc_lo as i128, self.acc_hi as i128);
        let (zp, amin, amax) = (
            self.zp_out as i128,
            self.act_min as i128,
            self.act_max as i128,
        );
        let fused = amin >= zp;
        let g = |x: i128| self.reference(x as i32) - amin;
        let Some(pts) = FloorFit::run_ends(lo, hi, g) else {
            return Ok(None);
        };
        let max_n = if fused { k } else { k + 8 };
        let Some(fit) = FloorFit::search(&pts, Saturation::Clamped { top: amax - amin }, max_n)?
        else {
            return Ok(None);
        };
        let bits_of = |k_: i128, c: i128, n: u32, theta: i128| {
            let (a, b) = (lo * k_ + c, hi * k_ + c);
            pow2_division_bits(a.min(b), a.max(b), n, theta)
        };
        let closed = bits_of(m, 1i128 << (k - 1), k, amin - zp);
        Ok((!fused || bits_of(fit.k, fit.c, fit.n, 0) <= closed).then_some(fit))
    }

    /// The same constants laid out with the exact rational form, never a fit (for tests and the
    /// uniqueness proofs of that layout).
    pub fn without_fit(mut self) -> Self {
        self.fit = None;
        self
    }

    /// The fit [`requantize_f64`] lays out, if any.
    pub fn fit(&self) -> Option<FloorFit> {
        self.fit
    }

    /// What the kernel computes for `acc` (the literal float definition).
    pub fn reference(&self, acc: i32) -> i128 {
        let v = fc_float_requant(acc, self.scale)
            .map(|v| v as i128)
            .unwrap_or(0);
        (v + self.zp_out as i128).clamp(self.act_min as i128, self.act_max as i128)
    }
}

/// `clamp((int32)round(fl64(acc·scale)) + zp_out, act_min, act_max)`: the reference int8
/// FULLY_CONNECTED of ai-edge-litert >= 1.3, where `scale` is the double
/// `(double)s_in·(double)s_w/(double)s_out` computed as the kernel does.
///
/// Proven: `round_half_away(acc·m·2^e)` over the rationals (`scale = m·2^e` exactly, `m` odd, 53
/// bits). Usually as the [`FloorFit`] that [`FloatRequant::new`] found for the checked range
/// (exact there, with the fused clamp as in [`requantize_planned`]: the 53-bit mantissa only
/// has to place 255 steps, so the bench model's FC went from 101 to 45 constraints per
/// element); otherwise as `q = floor((acc·m + 2^(k−1)) / 2^k)` (`k = −e`) minus
/// `[q <= 0 ∧ R = 0]` (negative ties), or with the fused clamp exactly as [`requantize`]. Cost of
/// that form: `k + w` for the division (`k` ≈ 53 + log2(1/scale)), the clamp as in
/// [`requantize`], and without a fused clamp `is_zero(R)` and a product for the tie (4).
///
/// **Where fl64 differs.** The product `acc·scale` is rounded to 53 bits before `round`; that can
/// move a value within one ulp of a half-integer onto or across it (rare for generic scales;
/// exact ties themselves are representable and agree). [`FloatRequant::new`] enumerates every
/// accumulator value in the static range (at most [`MAX_ENUMERATED_RANGE`]) and refuses the
/// channel with [`QuantError::FloatRoundingExceptions`] if there is any, so a compiled circuit is
/// exact for every input it accepts. `acc`'s bounds must lie inside the checked range.
pub fn requantize_f64<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    p: &FloatRequant,
) -> Result<Bounded<B::Lc>, QuantError> {
    if acc.lo() < p.acc_lo as i128 || acc.hi() > p.acc_hi as i128 {
        return Err(QuantError::UncheckedRange {
            lo: acc.lo(),
            hi: acc.hi(),
        });
    }
    let (m, e) = decompose_f64(p.scale).ok_or(QuantError::BadScale(p.scale))?;
    let out_bounds = (p.reference(acc.lo() as i32), p.reference(acc.hi() as i32));
    let (zp, amin, amax) = (p.zp_out as i128, p.act_min as i128, p.act_max as i128);
    if out_bounds.0 == out_bounds.1 {
        return Bounded::constant(out_bounds.0);
    }
    if let Some(fit) = p.fit {
        return fitted(b, acc, &fit, amin, amax, out_bounds);
    }
    if e >= 0 {
        // An integer scale: no rounding at all.
        let v = acc.scale(
            (m as i128)
                .checked_shl(e as u32)
                .ok_or(QuantError::BadScale(p.scale))?,
        )?;
        let y = clamp(b, &v.offset(zp)?, amin, amax)?;
        return Bounded::assume(
            y.lc().clone(),
            out_bounds.0.max(y.lo()),
            out_bounds.1.min(y.hi()),
        );
    }
    let k = e.unsigned_abs();
    let x = acc.scale(m as i128)?.offset(1i128 << (k - 1))?;
    requant_tail(b, &x, k, Some(0), zp, amin, amax, out_bounds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{Recorder, WitnessBuilder};
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::quant::bounded::{range_checked, to_i128};
    use crate::gadgets::quant::reference::multiply_by_quantized_multiplier;
    use crate::gadgets::test_support::{check_sound, is_satisfied, param_circuit};

    param_circuit!(
        Rq {
            lo: i128,
            hi: i128,
            plan: RequantPlan
        },
        (i128, i128),
        |s, b, input| {
            let (acc, claim) = *input;
            let v = b.alloc(fr(acc));
            b.mark_free_input(&v);
            let a = range_checked(b, &v, s.lo, s.hi).unwrap();
            // The plan `requantize` would make for this range, made once (as models do).
            let y = requantize_planned(b, &a, &s.plan).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    param_circuit!(
        RqF64 {
            p: FloatRequant,
            lo: i128,
            hi: i128
        },
        (i128, i128),
        |s, b, input| {
            let (acc, claim) = *input;
            let v = b.alloc(fr(acc));
            b.mark_free_input(&v);
            let a = range_checked(b, &v, s.lo, s.hi).unwrap();
            let y = requantize_f64(b, &a, &s.p).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    fn rq_circuit(p: Requant, lo: i128, hi: i128) -> Rq {
        Rq {
            lo,
            hi,
            plan: RequantPlan::new(&p, lo, hi).unwrap(),
            placeholder: (0, literal(&p, 0)),
        }
    }

    /// The literal TFLite kernel: MBQM (double rounding) + zp, clamped.
    fn literal(p: &Requant, acc: i128) -> i128 {
        let v = multiply_by_quantized_multiplier(acc as i32, p.multiplier, p.shift).unwrap();
        (v as i128 + p.zp_out as i128).clamp(p.act_min as i128, p.act_max as i128)
    }

    fn rq(multiplier: i32, shift: i32, zp_out: i32, act_min: i32, act_max: i32) -> Requant {
        Requant {
            multiplier,
            shift,
            zp_out,
            act_min,
            act_max,
        }
    }

    /// Parameter sets covering every path: fused clamp with `H + 1 = 2^k` (ReLU, zp = −128),
    /// with another `H` (ReLU6-like), `act_min > zp`, no fused clamp (zp inside the range,
    /// RELU_N1_TO_1-like), `rs = 0`, a left shift, and multipliers with many trailing zeros
    /// (frequent exact ties).
    fn param_sets() -> Vec<(Requant, i128, i128)> {
        vec![
            (rq(1_518_500_250, -4, -128, -128, 127), -3000, 3000),
            (rq(1_518_500_250, -4, -128, -128, 100), -3000, 3000),
            (rq(1_275_068_416, -5, -10, 0, 127), -5000, 5000),
            (rq(1_275_068_416, -5, 3, -128, 127), -5000, 5000),
            (rq(1 << 30, -3, 0, -20, 20), -700, 700),
            (rq(3 << 29, -2, 5, -128, 127), -400, 400),
            (rq(1_999_999_999, 0, -1, -128, 127), -200, 200),
            (rq(1_234_567_891, 1, -128, -128, 127), -150, 150),
            (rq(1 << 30, -6, -128, -128, 127), -20_000, 20_000),
            (rq(i32::MAX, -8, 0, -128, 127), -4000, 70_000),
        ]
    }

    #[test]
    fn requantize_matches_the_literal_kernel_exhaustively() {
        for (p, lo, hi) in param_sets() {
            let c = rq_circuit(p, lo, hi);
            for acc in lo..=hi {
                let want = literal(&p, acc);
                assert!(is_satisfied(&c, &(acc, want)), "{p:?} acc={acc}");
                if acc % 7 == 0 {
                    assert!(!is_satisfied(&c, &(acc, want + 1)), "{p:?} acc={acc}");
                    assert!(!is_satisfied(&c, &(acc, want - 1)), "{p:?} acc={acc}");
                }
            }
            assert!(!is_satisfied(&c, &(hi + 1, literal(&p, hi))));
            let inputs: Vec<_> = [lo, -17, -1, 0, 1, 300, hi]
                .iter()
                .map(|&a| (a.clamp(lo, hi), literal(&p, a.clamp(lo, hi))))
                .collect();
            check_sound(&c, &inputs);
        }
    }

    /// Random float-derived multipliers, shifts, zero points and activations, with wide
    /// accumulator bounds (±2^20) and random accumulators including both bounds.
    #[test]
    fn requantize_matches_the_literal_kernel_on_random_parameters() {
        use ark_std::rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for _ in 0..40 {
            let zp = rng.gen_range(-128..=127);
            let (amin, amax) = match rng.gen_range(0..3) {
                0 => (zp, 127),                     // RELU
                1 => (zp, rng.gen_range(zp..=127)), // RELU6-like
                _ => (-128, 127),                   // none
            };
            let p = rq(
                rng.gen_range(1 << 30..=i32::MAX),
                rng.gen_range(-12..=0),
                zp,
                amin,
                amax,
            );
            let bound = 1i128 << 20;
            let c = rq_circuit(p, -bound, bound);
            for i in 0..150 {
                let acc = match i {
                    0 => -bound,
                    1 => bound,
                    _ => rng.gen_range(-bound..=bound) >> rng.gen_range(0..12),
                };
                let want = literal(&p, acc);
                assert!(is_satisfied(&c, &(acc, want)), "{p:?} acc={acc}");
                assert!(!is_satisfied(&c, &(acc, want + 1)), "{p:?} acc={acc}");
            }
            check_sound(&c, &[(-bound, literal(&p, -bound)), (77, literal(&p, 77))]);
        }
    }

    /// The fused-ReLU lemma on every tie: where the correction term is 1, the literal kernel's
    /// output still equals the uncorrected `clamp(q + zp)` when `act_min >= zp`, and differs from
    /// it for some tie when `act_min < zp` (so the correction is needed there, and present).
    #[test]
    fn relu_skips_the_tie_correction_exactly() {
        let uncorrected = |p: &Requant, acc: i128| {
            let (ls, rs) = split_shift(p.shift);
            let n = acc * p.multiplier as i128 * (1 << ls) + (1 << 30) + (1 << (30 + rs));
            (n.div_euclid(1 << (31 + rs)) + p.zp_out as i128)
                .clamp(p.act_min as i128, p.act_max as i128)
        };
        let (mut ties, mut needed) = (0, 0);
        for m in [1 << 30, 3 << 29, 1_518_500_250, 5 << 28] {
            for shift in [-1, -2, -5, -9] {
                for zp in [-128, -7, 0, 20] {
                    let relu = rq(m, shift, zp, zp, 127);
                    let none = rq(m, shift, zp, -128, 127);
                    for acc in -3000..=3000 {
                        let v = multiply_by_quantized_multiplier(acc as i32, m, shift).unwrap();
                        let (ls, rs) = split_shift(shift);
                        let raw = acc * m as i128 * (1 << ls) + (1 << 30) + (1 << (30 + rs));
                        let q = raw.div_euclid(1 << (31 + rs));
                        if v as i128 == q {
                            continue;
                        }
                        ties += 1;
                        assert_eq!(literal(&relu, acc), uncorrected(&relu, acc));
                        if literal(&none, acc) != uncorrected(&none, acc) {
                            needed += 1;
                        }
                    }
                }
            }
        }
        assert!(ties > 1000, "only {ties} ties exercised");
        assert!(
            needed > 100,
            "the correction mattered only {needed} times without a ReLU"
        );
        // And the gadget itself: a ReLU layout agrees with the kernel on ties, and a non-ReLU
        // layout rejects the uncorrected value.
        let p = rq(1 << 30, -2, -5, -5, 127);
        let c = rq_circuit(p, -100, 100);
        let p2 = rq(1 << 30, -2, -5, -128, 127);
        let c2 = rq_circuit(p2, -100, 100);
        for acc in [-4i128, -12, -20, -36] {
            assert!(is_satisfied(&c, &(acc, literal(&p, acc))));
            assert_ne!(literal(&p2, acc), uncorrected(&p2, acc), "acc={acc}");
            assert!(!is_satisfied(&c2, &(acc, uncorrected(&p2, acc))));
            assert!(is_satisfied(&c2, &(acc, literal(&p2, acc))));
        }
    }

    fn count_plan(plan: &RequantPlan) -> usize {
        let mut b = Recorder::new();
        let v = b.alloc(fr(0));
        let (lo, hi) = plan.range();
        let a = Bounded::assume(v, lo, hi).unwrap();
        requantize_planned(&mut b, &a, plan).unwrap();
        b.num_constraints()
    }

    fn count(p: Requant, lo: i128, hi: i128) -> usize {
        count_plan(&RequantPlan::new(&p, lo, hi).unwrap())
    }

    fn count_closed(p: Requant, lo: i128, hi: i128) -> usize {
        count_plan(&RequantPlan::closed_form(&p, lo, hi).unwrap())
    }

    /// Constraints per requantized element for generic (float-derived) multipliers: the table
    /// reported in the module docs, for the kernel's closed form (`n = 31 + rs` remainder bits
    /// dominate) and for the plan's fit.
    #[test]
    fn constraint_counts_per_element() {
        let m = 1_518_500_249; // odd, so no trailing zeros
        let mut table = Vec::new();
        for acc_bits in [17u32, 18, 20] {
            for rs in [6i32, 8, 10] {
                let bound = 1i128 << acc_bits;
                let ps = [
                    rq(m, -rs, -128, -128, 127),
                    rq(m, -rs, -128, -128, 100),
                    rq(m, -rs, 3, -128, 127),
                ];
                let closed = ps.map(|p| count_closed(p, -bound, bound));
                let planned = ps.map(|p| count(p, -bound, bound));
                table.push((acc_bits, rs, closed, planned));
                eprintln!(
                    "acc ±2^{acc_bits} rs={rs}: closed form relu(zp=-128) {}, relu6-like {}, \
                     none {}; planned {}, {}, {}",
                    closed[0], closed[1], closed[2], planned[0], planned[1], planned[2]
                );
                for (c, p) in closed.iter().zip(&planned) {
                    assert!(p <= c, "a plan is never costlier than the closed form");
                }
            }
        }
        // acc ±2^17, rs = 6: n = 37 remainder bits, q in ±1483 (11 bits + sign), so
        // 37 + 12 = 49 for the decomposition (no packing row); the fused upper clamp at 255 tests the 3 bits
        // above bit 8 for zero (2 products) and selects (2 products).
        assert_eq!(table[0].2, [53, 64, 81]);
        // ±2^20: 5 bits above bit 8, tested together with the sign (is_zero, 3), then one
        // product: one constraint less than testing them and multiplying by the sign.
        assert_eq!(table[6].2, [56, 70, 90]);
        // rs = 10: q stays below 256, so the upper clamp cannot bind (one product).
        assert_eq!(table[2].2, [50, 50, 53]);
        // The fits: measured once, pinned so a regression in the search shows. Without a fused
        // clamp ("none", zp inside the range) the kernel's negative ties leave no single floor
        // division, so the closed form stays.
        assert_eq!(table[0].3, [42, 49, 81]);
        assert_eq!(table[8].3, [48, 59, 82]);
        for row in table.iter().filter(|r| r.0 <= 18) {
            assert!(
                row.3[0] <= 45,
                "relu at ±2^{} rs={}: {:?}",
                row.0,
                row.1,
                row.3
            );
        }
        // Short-mantissa scales (8-bit mantissa: M = 181·2^23, t = 23) leave n = 8 + rs.
        for acc_bits in [17u32, 20] {
            for rs in [6i32, 10] {
                let bound = 1i128 << acc_bits;
                let relu = count(rq(181 << 23, -rs, -128, -128, 127), -bound, bound);
                let none = count(rq(181 << 23, -rs, 3, -128, 127), -bound, bound);
                eprintln!(
                    "short mantissa, acc ±2^{acc_bits} rs={rs}: relu(zp=-128) {relu}, none {none}"
                );
            }
        }
        // Trailing zeros shrink the remainder: M = 2^30 + 2^29 (t = 29) leaves n = 2 + rs.
        assert!(count(rq(3 << 29, -6, -128, -128, 127), -(1 << 17), 1 << 17) <= 27);
    }

    param_circuit!(
        RqClosed {
            p: Requant,
            lo: i128,
            hi: i128
        },
        (i128, i128),
        |s, b, input| {
            let (acc, claim) = *input;
            let v = b.alloc(fr(acc));
            b.mark_free_input(&v);
            let a = range_checked(b, &v, s.lo, s.hi).unwrap();
            let plan = RequantPlan::closed_form(&s.p, s.lo, s.hi).unwrap();
            let y = requantize_planned(b, &a, &plan).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    /// The closed form (the layout when no fit is shorter) on the same parameter sets, now
    /// that plans usually pick a fit: exact on every accumulator, and sound.
    #[test]
    fn closed_form_matches_the_literal_kernel_exhaustively() {
        let mut fitted = 0;
        for (p, lo, hi) in param_sets() {
            fitted += usize::from(RequantPlan::new(&p, lo, hi).unwrap().fit().is_some());
            let c = RqClosed {
                p,
                lo,
                hi,
                placeholder: (0, literal(&p, 0)),
            };
            for acc in lo..=hi {
                let want = literal(&p, acc);
                assert!(is_satisfied(&c, &(acc, want)), "{p:?} acc={acc}");
                if acc % 11 == 0 {
                    assert!(!is_satisfied(&c, &(acc, want + 1)), "{p:?} acc={acc}");
                    assert!(!is_satisfied(&c, &(acc, want - 1)), "{p:?} acc={acc}");
                }
            }
            let inputs: Vec<_> = [lo, -1, 0, hi]
                .iter()
                .map(|&a| (a, literal(&p, a)))
                .collect();
            check_sound(&c, &inputs);
        }
        assert!(
            fitted >= 5,
            "only {fitted} of the parameter sets were fitted"
        );
    }

    /// A plan made for a wider range serves any narrower accumulator, and refuses a wider one.
    #[test]
    fn plans_serve_sub_ranges_only() {
        let p = rq(1_518_500_249, -6, -128, -128, 127);
        let plan = RequantPlan::new(&p, -20_000, 30_000).unwrap();
        assert!(plan.fit().is_some());
        for (lo, hi) in [(-20_000, 30_000), (-5, 7000), (100, 100)] {
            let mut b = WitnessBuilder::new();
            for acc in [lo, (lo + hi) / 2, hi] {
                let v = b.alloc(fr(acc));
                let a = Bounded::assume(v, lo, hi).unwrap();
                let y = requantize_planned(&mut b, &a, &plan).unwrap();
                assert_eq!(to_i128(b.value(y.lc())), Some(literal(&p, acc)));
            }
            assert!(b.finish().first_unsatisfied().is_none());
        }
        let mut b = Recorder::new();
        let v = b.alloc(fr(0));
        assert!(matches!(
            requantize_planned(&mut b, &Bounded::assume(v, -20_001, 0).unwrap(), &plan),
            Err(QuantError::UncheckedRange { .. })
        ));
    }

    param_circuit!(
        Rescale {
            plan: RescalePlan,
            lo: i128,
            hi: i128
        },
        (i128, i128),
        |s, b, input| {
            let (v, claim) = *input;
            let x = b.alloc(fr(v));
            b.mark_free_input(&x);
            let a = range_checked(b, &x, s.lo, s.hi).unwrap();
            let y = rescale_planned(b, &a, &s.plan).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    /// ADD's input rescale on every int8 value, for multipliers with and without an exact fit
    /// (negative ties make some kernels no single floor division): both layouts exact, sound,
    /// and the fit cheaper.
    #[test]
    fn add_rescale_matches_the_literal_kernel_on_every_int8() {
        use ark_std::rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(20);
        let (mut fits, mut closed) = (0, 0);
        for case in 0..12 {
            let m = rng.gen_range(1 << 30..=i32::MAX);
            let shift = rng.gen_range(-5..=-1);
            let zp = rng.gen_range(-128..=127i128);
            let (lo, hi) = (-128 - zp, 127 - zp);
            let plan = RescalePlan::new(m, shift, 20, lo, hi).unwrap();
            let kernel = |v: i128| {
                multiply_by_quantized_multiplier((v << 20) as i32, m, shift).unwrap() as i128
            };
            let c = Rescale {
                plan: plan.clone(),
                lo,
                hi,
                placeholder: (0, kernel(0)),
            };
            for v in lo..=hi {
                assert!(is_satisfied(&c, &(v, kernel(v))), "case {case} v={v}");
                assert!(!is_satisfied(&c, &(v, kernel(v) + 1)), "case {case} v={v}");
            }
            let n = check_sound(&c, &[(lo, kernel(lo)), (hi, kernel(hi))]);
            match plan.fit() {
                Some(_) => {
                    fits += 1;
                    assert!(n < 60, "case {case}: a fitted rescale costs {n}");
                }
                None => closed += 1,
            }
        }
        assert!(
            fits >= 2 && closed >= 2,
            "fits {fits}, closed forms {closed}"
        );
    }

    #[test]
    fn requantize_refuses_what_the_kernel_leaves_undefined() {
        let mut b = Recorder::new();
        let v = b.alloc(fr(0));
        let a = Bounded::assume(v.clone(), -1000, 1000).unwrap();
        let ok = rq(1 << 30, -3, 0, -128, 127);
        assert!(requantize(&mut b, &a, &ok).is_ok());
        assert_eq!(
            requantize(&mut b, &a, &rq(0, -3, 0, -128, 127)).unwrap_err(),
            QuantError::BadMultiplier(0)
        );
        assert_eq!(
            requantize(&mut b, &a, &rq(1 << 30, 31, 0, -128, 127)).unwrap_err(),
            QuantError::BadShift(31)
        );
        assert!(requantize(&mut b, &a, &rq(1 << 30, -3, 0, 5, 4)).is_err());
        // acc·2^22 leaves int32 for |acc| = 1000.
        assert!(matches!(
            requantize(&mut b, &a, &rq(1 << 30, 22, 0, -128, 127)).unwrap_err(),
            QuantError::Int32Overflow { .. }
        ));
        let wide = Bounded::assume(v, 0, 1i128 << 31).unwrap();
        assert!(matches!(
            requantize(&mut b, &wide, &ok).unwrap_err(),
            QuantError::Int32Overflow { .. }
        ));
    }

    fn literal_f64(scale: f64, zp: i32, amin: i32, amax: i32, acc: i128) -> i128 {
        (fc_float_requant(acc as i32, scale).unwrap() as i128 + zp as i128)
            .clamp(amin as i128, amax as i128)
    }

    #[test]
    fn float_fc_requant_matches_the_literal_kernel_exhaustively() {
        let cases = [
            // generic scales (53-bit mantissas), with and without fused clamps
            (
                0.003_713_829_1_f64,
                -128,
                -128,
                127,
                -40_000i128,
                40_000i128,
            ),
            (0.011_235_813_f64, 4, -128, 127, -15_000, 15_000),
            (0.011_235_813_f64, 4, 4, 90, -15_000, 15_000),
            // exact ties: short mantissas round half away from zero
            (0.25, 0, -128, 127, -600, 600),
            (0.375, -3, -128, 127, -400, 400),
            (0.125, -128, -128, 127, -3000, 3000),
            (2.0, 0, -128, 127, -100, 100),
        ];
        for (scale, zp, amin, amax, lo, hi) in cases {
            let p = FloatRequant::new(scale, zp, amin, amax, lo, hi).unwrap();
            let c = RqF64 {
                p,
                lo,
                hi,
                placeholder: (0, literal_f64(scale, zp, amin, amax, 0)),
            };
            for acc in lo..=hi {
                let want = literal_f64(scale, zp, amin, amax, acc);
                assert!(is_satisfied(&c, &(acc, want)), "scale={scale} acc={acc}");
                if acc % 5 == 0 {
                    assert!(!is_satisfied(&c, &(acc, want + 1)));
                    assert!(!is_satisfied(&c, &(acc, want - 1)));
                }
            }
            let inputs: Vec<_> = [lo, -2, -1, 0, 1, 2, hi]
                .iter()
                .map(|&a| (a, literal_f64(scale, zp, amin, amax, a)))
                .collect();
            check_sound(&c, &inputs);
        }
    }

    /// `fl64(3 · fl64(1/6))` is exactly 0.5 (the product's error is below half an ulp of 0.5), so
    /// the kernel rounds it to 1 while the exact rational `3·fl64(1/6) < 1/2` rounds to 0. The
    /// gadget must refuse such a range, and accept one without exceptions.
    #[test]
    fn float_fc_requant_refuses_ranges_with_fl64_exceptions() {
        let scale = 1.0f64 / 6.0;
        assert_eq!(fc_float_requant(3, scale), Some(1));
        let (m, e) = decompose_f64(scale).unwrap();
        assert_eq!(round_half_away_exact(3, m, e), 0);
        let ex = float_rounding_exceptions(-10, 10, scale).unwrap();
        assert!(ex.contains(&3) && ex.contains(&-3), "{ex:?}");
        assert!(matches!(
            FloatRequant::new(scale, 0, -128, 127, -10, 10).unwrap_err(),
            QuantError::FloatRoundingExceptions { .. }
        ));
        assert_eq!(
            float_rounding_exceptions(4, 8, scale).unwrap(),
            Vec::<i64>::new()
        );
        let p = FloatRequant::new(scale, 0, -128, 127, 4, 8).unwrap();
        let mut b = Recorder::new();
        let v = b.alloc(fr(0));
        assert!(requantize_f64(&mut b, &Bounded::assume(v.clone(), 4, 8).unwrap(), &p).is_ok());
        // A range wider than the one checked is refused.
        assert!(matches!(
            requantize_f64(&mut b, &Bounded::assume(v, -10, 10).unwrap(), &p).unwrap_err(),
            QuantError::UncheckedRange { .. }
        ));
        assert!(matches!(
            FloatRequant::new(0.01, 0, -128, 127, -(1 << 30), 1 << 30).unwrap_err(),
            QuantError::RangeTooLargeToEnumerate(_)
        ));
        assert!(FloatRequant::new(-1.0, 0, -128, 127, 4, 8).is_err());
        assert!(FloatRequant::new(f64::NAN, 0, -128, 127, 4, 8).is_err());
        assert!(FloatRequant::new(0.5, 0, 5, 4, 4, 8).is_err());
    }
}
