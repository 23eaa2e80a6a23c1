//! FULLY_CONNECTED: a free accumulator per output element, then ai-edge-litert 2.3's
//! double-precision requantization (with the fused activation as its clamp).

use super::arith::{float_requant, requantize_double};
use super::{int_values, Accumulator, CircuitTensor, CompileError, OpCtx};
use crate::builder::Builder;
use crate::models::tflite::model::{FullyConnected, Model};

/// FULLY_CONNECTED (`reference_integer_ops::FullyConnected` / `FullyConnectedPerChannel`).
pub(super) fn fully_connected<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    model: &Model,
    op: &FullyConnected,
    x: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    let (rows, depth, units) = (op.batches, op.accum_depth, op.out_depth);
    if x.len() != rows * depth {
        return Err(ctx.inconsistent(format!(
            "input has {} elements, expected {rows} x {depth}",
            x.len()
        )));
    }
    let w = ctx.sized(
        model.tensor(op.weights).const_i8(),
        units * depth,
        "weights",
    )?;
    let bias = match op.bias {
        Some(t) => Some(ctx.sized(model.tensor(t).const_i32(), units, "bias")?),
        None => None,
    };
    let scales = ctx.sized(Some(&op.scales), units, "scales")?;
    let (zp_in, zp_w) = (op.input_zero_point as i128, op.weights_zero_point as i64);
    // All accumulators first: each unit's float constants are checked once, over the union of
    // its rows' accumulator ranges.
    let values = int_values(b, ctx, x)?;
    let mut accs = Vec::with_capacity(rows * units);
    for r in 0..rows {
        b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        let xr = &x[r * depth..(r + 1) * depth];
        let vr = &values[r * depth..(r + 1) * depth];
        for u in 0..units {
            let mut acc = Accumulator::new(bias.map_or(0, |bs| bs[u] as i128));
            let wu = &w[u * depth..(u + 1) * depth];
            for ((xe, &v), &wv) in xr.iter().zip(vr).zip(wu) {
                acc.add(i64::from(wv) - zp_w, xe, v, zp_in);
            }
            accs.push(acc.finish(b).map_err(|e| ctx.quant(e))?);
        }
    }
    let params = (0..units)
        .map(|u| {
            let rows_u = accs.iter().skip(u).step_by(units);
            let lo = rows_u.clone().map(|a| a.lo()).min().unwrap_or(0);
            let hi = rows_u.map(|a| a.hi()).max().unwrap_or(0);
            float_requant(ctx, &scales[u], op.output_zero_point, op.act, (lo, hi))
        })
        .collect::<Result<Vec<_>, _>>()?;
    accs.iter()
        .enumerate()
        .map(|(k, acc)| requantize_double(b, ctx, acc, &params[k % units]))
        .collect()
}
