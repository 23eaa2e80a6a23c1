//! The quantized arithmetic the op gadgets use, in one place, mapped onto
//! [`crate::gadgets::quant`]: requantization (TFLite's `MultiplyByQuantizedMultiplier` and
//! ai-edge-litert 2.3's double-precision FC rounding), the fused-activation clamp, max and the
//! average-pool rounding division. Every [`QuantError`] becomes a [`CompileError`] naming the
//! operator.

use super::{CompileError, OpCtx};
use crate::builder::Builder;
use crate::gadgets::quant::clamp as qclamp;
use crate::gadgets::quant::pool::avg_pool_round;
use crate::gadgets::quant::requant::{
    requantize as qrequantize, requantize_f64, FloatRequant, Requant,
};
use crate::gadgets::quant::{Bounded, QuantError};
use crate::models::tflite::model::{ActivationRange, DoubleScale, QuantizedMultiplier};

/// `clamp(MBQM(acc, M, shift) + zp_out, act.min, act.max)`, exactly as TFLite.
pub(super) fn requantize<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    m: QuantizedMultiplier,
    zp_out: i32,
    act: ActivationRange,
) -> Result<Bounded<B::Lc>, CompileError> {
    let p = Requant {
        multiplier: m.multiplier,
        shift: m.shift,
        zp_out,
        act_min: act.min,
        act_max: act.max,
    };
    qrequantize(b, acc, &p).map_err(|e| ctx.quant(e))
}

/// `MBQM(acc, M, shift)` without zero point or clamp (ADD's input rescales): the clamp is at
/// the int32 limits, which the static bounds always satisfy, so it costs nothing.
pub(super) fn rescale<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    m: QuantizedMultiplier,
) -> Result<Bounded<B::Lc>, CompileError> {
    let full = ActivationRange {
        min: i32::MIN,
        max: i32::MAX,
    };
    requantize(b, ctx, acc, m, 0, full)
}

/// The per-unit constants of FULLY_CONNECTED's `clamp((int32)round((double)acc * scale) + zp_out,
/// act.min, act.max)`, checked once for the accumulator range `[lo, hi]` of every row: a model
/// where fl64's rounding of the product differs from the exact rounding at some reachable
/// accumulator is refused ([`QuantError::FloatRoundingExceptions`]).
pub(super) fn float_requant(
    ctx: OpCtx,
    scale: &DoubleScale,
    zp_out: i32,
    act: ActivationRange,
    (lo, hi): (i128, i128),
) -> Result<FloatRequant, CompileError> {
    FloatRequant::new(scale.value, zp_out, act.min, act.max, lo, hi).map_err(|e| ctx.quant(e))
}

/// FULLY_CONNECTED's requantization of one accumulator (see [`float_requant`]).
pub(super) fn requantize_double<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    acc: &Bounded<B::Lc>,
    p: &FloatRequant,
) -> Result<Bounded<B::Lc>, CompileError> {
    requantize_f64(b, acc, p).map_err(|e| ctx.quant(e))
}

/// TFLite's average-pool rounding `acc > 0 ? (acc + n/2)/n : (acc − n/2)/n` (C++ division).
pub(super) fn average_round<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    sum: &Bounded<B::Lc>,
    n: usize,
) -> Result<Bounded<B::Lc>, CompileError> {
    avg_pool_round(b, sum, n as i128).map_err(|e| ctx.quant(e))
}

/// The maximum of `xs` (at least one).
pub(super) fn maximum<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    xs: &[Bounded<B::Lc>],
) -> Result<Bounded<B::Lc>, CompileError> {
    qclamp::max(b, xs).map_err(|e| ctx.quant(e))
}

/// `clamp(x, act.min, act.max)`; a side the bounds already satisfy is free.
pub(super) fn clamp<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    x: &Bounded<B::Lc>,
    act: ActivationRange,
) -> Result<Bounded<B::Lc>, CompileError> {
    qclamp::clamp(b, x, act.min as i128, act.max as i128).map_err(|e: QuantError| ctx.quant(e))
}
