//! AVERAGE_POOL_2D, MAX_POOL_2D and MEAN (global average over the spatial axes).

use super::arith::{average_round, clamp, maximum, Plans};
use super::conv::check_input;
use super::{int_values, Accumulator, CircuitTensor, CompileError, OpCtx};
use crate::builder::Builder;
use crate::models::tflite::model::{ActivationRange, Mean, Pool2d};

/// The window of every output element, in row-major output order: the in-image input elements.
fn windows(op: &Pool2d) -> impl Iterator<Item = Vec<usize>> + '_ {
    let (i, o) = (op.in_shape, op.out_shape);
    (0..o.n).flat_map(move |n| {
        (0..o.h).flat_map(move |oy| {
            (0..o.w).flat_map(move |ox| {
                (0..o.c).map(move |c| {
                    op.window
                        .taps(oy, ox, i.h, i.w)
                        .map(|(_, _, iy, ix)| i.offset(n, iy, ix, c))
                        .collect()
                })
            })
        })
    })
}

fn check_pool<L>(ctx: OpCtx, op: &Pool2d, x: &CircuitTensor<L>) -> Result<(), CompileError> {
    check_input(ctx, x, &op.in_shape)?;
    if op.in_shape.c != op.out_shape.c || op.in_shape.n != op.out_shape.n {
        return Err(ctx.inconsistent("pooling changes the batch or channel count"));
    }
    Ok(())
}

/// AVERAGE_POOL_2D: `clamp(round_half_away(Σ x / n))` over the `n` in-image taps.
pub(super) fn average<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    op: &Pool2d,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    check_pool(ctx, op, x)?;
    let xv = int_values(b, ctx, x)?;
    let mut out = Vec::with_capacity(op.out_shape.len());
    for (k, window) in windows(op).enumerate() {
        if k % 1024 == 0 {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        }
        if window.is_empty() {
            return Err(ctx.inconsistent("a pooling window has no in-image tap"));
        }
        let mut sum = Accumulator::new(0);
        for &t in &window {
            sum.add(1, &x[t], xv[t], 0);
        }
        let sum = sum.finish(b).map_err(|e| ctx.quant(e))?;
        let avg = average_round(b, ctx, &sum, window.len())?;
        out.push(clamp(b, ctx, &avg, op.act)?);
    }
    Ok(out)
}

/// MAX_POOL_2D: `clamp(max x)` over the in-image taps.
pub(super) fn max<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    op: &Pool2d,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    check_pool(ctx, op, x)?;
    let mut out = Vec::with_capacity(op.out_shape.len());
    for (k, window) in windows(op).enumerate() {
        if k % 1024 == 0 {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        }
        let window: Vec<_> = window.into_iter().map(|t| x[t].clone()).collect();
        let m = maximum(b, ctx, &window)?;
        out.push(clamp(b, ctx, &m, op.act)?);
    }
    Ok(out)
}

/// MEAN over height and width: `clamp(MBQM(Σ x − count·zp_in, M') + zp_out, −128, 127)` with
/// the adjusted multiplier (the reducer's fused activation is not applied, as in the kernel).
pub(super) fn mean<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    op: &Mean,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    let i = op.in_shape;
    check_input(ctx, x, &i)?;
    if op.count != i.h * i.w {
        return Err(ctx.inconsistent("MEAN's count is not height x width"));
    }
    let full = ActivationRange {
        min: -128,
        max: 127,
    };
    let xv = int_values(b, ctx, x)?;
    let mut plans = Plans::new(1);
    let mut out = Vec::with_capacity(i.n * i.c);
    for n in 0..i.n {
        b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        for c in 0..i.c {
            let mut acc = Accumulator::new(0);
            for y in 0..i.h {
                for xx in 0..i.w {
                    let t = i.offset(n, y, xx, c);
                    acc.add(1, &x[t], xv[t], op.input_zero_point as i128);
                }
            }
            let acc = acc.finish(b).map_err(|e| ctx.quant(e))?;
            out.push(plans.requantize(
                b,
                ctx,
                0,
                &acc,
                op.multiplier,
                op.output_zero_point,
                full,
            )?);
        }
    }
    Ok(out)
}
