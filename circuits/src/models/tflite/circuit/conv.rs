//! CONV_2D and DEPTHWISE_CONV_2D: a free accumulator per output element, then one requantization
//! (with the fused activation as its clamp).

use super::arith::Plans;
use super::{int_values, Accumulator, CircuitTensor, CompileError, OpCtx};
use crate::builder::Builder;
use crate::gadgets::quant::Bounded;
use crate::models::tflite::model::{Conv2d, DepthwiseConv2d, Model, Nhwc};

/// Checks that `x` has `shape`'s number of elements.
pub(super) fn check_input<L>(
    ctx: OpCtx,
    x: &CircuitTensor<L>,
    shape: &Nhwc,
) -> Result<(), CompileError> {
    if x.len() != shape.len() {
        return Err(ctx.inconsistent(format!(
            "input has {} elements, its shape {shape:?} has {}",
            x.len(),
            shape.len()
        )));
    }
    Ok(())
}

/// CONV_2D (`reference_integer_ops::ConvPerChannel`, grouped convolutions included).
pub(super) fn conv2d<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    model: &Model,
    op: &Conv2d,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    let mut plans = Plans::new(op.out_shape.c);
    let mut out = Vec::with_capacity(op.out_shape.len());
    conv2d_each(b, ctx, model, op, x, |b, oc, acc| {
        let y = plans.requantize(
            b,
            ctx,
            oc,
            &acc,
            op.multipliers[oc],
            op.output_zero_point,
            op.act,
        )?;
        out.push(y);
        Ok(())
    })?;
    Ok(out)
}

/// CONV_2D's accumulators `bias + Σ w·(x − zp)` (free linear combinations, no constraint), in
/// output order (row-major NHWC).
pub(super) fn conv2d_accumulators<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    model: &Model,
    op: &Conv2d,
    x: &CircuitTensor<B::Lc>,
) -> Result<Vec<Bounded<B::Lc>>, CompileError> {
    let mut out = Vec::with_capacity(op.out_shape.len());
    conv2d_each(b, ctx, model, op, x, |_, _, acc| {
        out.push(acc);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f(b, output channel, accumulator)` for every output element of a CONV_2D, in output
/// order (the one place its taps, groups, weights and bias are read).
fn conv2d_each<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    model: &Model,
    op: &Conv2d,
    x: &CircuitTensor<B::Lc>,
    mut f: impl FnMut(&mut B, usize, Bounded<B::Lc>) -> Result<(), CompileError>,
) -> Result<(), CompileError> {
    let (i, o, win) = (op.in_shape, op.out_shape, &op.window);
    check_input(ctx, x, &i)?;
    let icg = op.in_per_group;
    if icg == 0 || i.c % icg != 0 || o.c % (i.c / icg) != 0 {
        return Err(ctx.inconsistent("channels do not split into groups"));
    }
    let oc_per_group = o.c / (i.c / icg);
    let w = ctx.sized(
        model.tensor(op.filter).const_i8(),
        o.c * win.kernel_h * win.kernel_w * icg,
        "filter",
    )?;
    let bias = match op.bias {
        Some(t) => Some(ctx.sized(model.tensor(t).const_i32(), o.c, "bias")?),
        None => None,
    };
    ctx.sized(Some(&op.multipliers), o.c, "multipliers")?;
    let zp = op.input_zero_point as i128;
    let xv = int_values(b, ctx, x)?;
    for n in 0..o.n {
        for oy in 0..o.h {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
            for ox in 0..o.w {
                for oc in 0..o.c {
                    let group = oc / oc_per_group;
                    let mut acc = Accumulator::new(bias.map_or(0, |bs| bs[oc] as i128));
                    for (ky, kx, iy, ix) in win.taps(oy, ox, i.h, i.w) {
                        let xin = i.offset(n, iy, ix, group * icg);
                        let wk = ((oc * win.kernel_h + ky) * win.kernel_w + kx) * icg;
                        for ic in 0..icg {
                            let k = xin + ic;
                            acc.add(i64::from(w[wk + ic]), &x[k], xv[k], zp);
                        }
                    }
                    let acc = acc.finish(b).map_err(|e| ctx.quant(e))?;
                    f(b, oc, acc)?;
                }
            }
        }
    }
    Ok(())
}

/// DEPTHWISE_CONV_2D (`reference_integer_ops::DepthwiseConvPerChannel`).
pub(super) fn depthwise<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    model: &Model,
    op: &DepthwiseConv2d,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    let (i, o, win) = (op.in_shape, op.out_shape, &op.window);
    check_input(ctx, x, &i)?;
    if op.depth_multiplier == 0 || o.c != i.c * op.depth_multiplier {
        return Err(ctx.inconsistent("output channels are not input channels x depth multiplier"));
    }
    let w = ctx.sized(
        model.tensor(op.filter).const_i8(),
        win.kernel_h * win.kernel_w * o.c,
        "filter",
    )?;
    let bias = match op.bias {
        Some(t) => Some(ctx.sized(model.tensor(t).const_i32(), o.c, "bias")?),
        None => None,
    };
    let mults = ctx.sized(Some(&op.multipliers), o.c, "multipliers")?;
    let zp = op.input_zero_point as i128;
    let xv = int_values(b, ctx, x)?;
    let mut plans = Plans::new(o.c);
    let mut out = Vec::with_capacity(o.len());
    for n in 0..o.n {
        for oy in 0..o.h {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
            for ox in 0..o.w {
                // Output channels in order: oc = ic * depth_multiplier + m.
                for oc in 0..o.c {
                    let ic = oc / op.depth_multiplier;
                    let mut acc = Accumulator::new(bias.map_or(0, |bs| bs[oc] as i128));
                    for (ky, kx, iy, ix) in win.taps(oy, ox, i.h, i.w) {
                        let wv = i64::from(w[(ky * win.kernel_w + kx) * o.c + oc]);
                        let k = i.offset(n, iy, ix, ic);
                        acc.add(wv, &x[k], xv[k], zp);
                    }
                    let acc = acc.finish(b).map_err(|e| ctx.quant(e))?;
                    out.push(plans.requantize(
                        b,
                        ctx,
                        oc,
                        &acc,
                        mults[oc],
                        op.output_zero_point,
                        op.act,
                    )?);
                }
            }
        }
    }
    Ok(out)
}
