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
    requantize_f64, requantize_planned, rescale_planned, FloatRequant, Requant, RequantPlan,
    RescalePlan,
};
use crate::gadgets::quant::{Bounded, QuantError};
use crate::models::tflite::model::{ActivationRange, DoubleScale, QuantizedMultiplier};

/// The requantization constants of one channel.
fn requant(m: QuantizedMultiplier, zp_out: i32, act: ActivationRange) -> Requant {
    Requant {
        multiplier: m.multiplier,
        shift: m.shift,
        zp_out,
        act_min: act.min,
        act_max: act.max,
    }
}

/// One [`RequantPlan`] per channel of an operator, made over the hull of the accumulator ranges
/// the channel's elements have had so far (a plan is exact on every sub-range of its own, and
/// finding one costs far more than laying out an element). Elements come in a fixed order, so
/// the plans, like the layout, depend only on the model.
pub(super) struct Plans {
    by_channel: Vec<Option<RequantPlan>>,
}

impl Plans {
    /// No plan yet for `channels` channels.
    pub(super) fn new(channels: usize) -> Self {
        Plans {
            by_channel: vec![None; channels],
        }
    }

    /// `clamp(MBQM(acc, M, shift) + zp_out, act.min, act.max)`, exactly as TFLite, for an
    /// element of `channel` (`< channels`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn requantize<B: Builder>(
        &mut self,
        b: &mut B,
        ctx: OpCtx,
        channel: usize,
        acc: &Bounded<B::Lc>,
        m: QuantizedMultiplier,
        zp_out: i32,
        act: ActivationRange,
    ) -> Result<Bounded<B::Lc>, CompileError> {
        let p = requant(m, zp_out, act);
        let slot = self
            .by_channel
            .get_mut(channel)
            .ok_or_else(|| ctx.inconsistent(format!("channel {channel} has no plan slot")))?;
        let (lo, hi) = (acc.lo(), acc.hi());
        let plan = match slot {
            Some(plan) if plan.requant() == &p && plan.covers(lo, hi) => plan,
            _ => {
                let (lo, hi) = match slot {
                    Some(plan) if plan.requant() == &p => {
                        let (a, c) = plan.range();
                        (a.min(lo), c.max(hi))
                    }
                    _ => (lo, hi),
                };
                slot.insert(RequantPlan::new(&p, lo, hi).map_err(|e| ctx.quant(e))?)
            }
        };
        requantize_planned(b, acc, plan).map_err(|e| ctx.quant(e))
    }
}

/// The plan of ADD's input rescale `MBQM((x − zp)·2^left_shift, M, shift)` for every int8 `x`.
pub(super) fn rescale_plan(
    ctx: OpCtx,
    m: QuantizedMultiplier,
    left_shift: u32,
    zp: i32,
) -> Result<RescalePlan, CompileError> {
    let zp = zp as i128;
    RescalePlan::new(m.multiplier, m.shift, left_shift, -128 - zp, 127 - zp)
        .map_err(|e| ctx.quant(e))
}

/// One input rescale of `x − zp` with `plan` (see [`rescale_plan`]).
pub(super) fn rescale<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    x: &Bounded<B::Lc>,
    zp: i32,
    plan: &RescalePlan,
) -> Result<Bounded<B::Lc>, CompileError> {
    let v = x.offset(-(zp as i128)).map_err(|e| ctx.quant(e))?;
    rescale_planned(b, &v, plan).map_err(|e| ctx.quant(e))
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
