//! ADD of two int8 tensors: both inputs rescaled to a common scale (after TFLite's `2^20` left
//! shift), summed, and requantized to the output (with the fused activation as its clamp).

use super::arith::{requantize, rescale};
use super::{CircuitTensor, CompileError, OpCtx};
use crate::builder::Builder;
use crate::models::tflite::model::Add;

/// ADD (`reference_integer_ops::Add`, same shapes, no broadcasting).
pub(super) fn add<B: Builder>(
    b: &mut B,
    ctx: OpCtx,
    op: &Add,
    x1: &CircuitTensor<B::Lc>,
    x2: &CircuitTensor<B::Lc>,
) -> Result<CircuitTensor<B::Lc>, CompileError> {
    if x1.len() != op.len || x2.len() != op.len {
        return Err(ctx.inconsistent(format!(
            "inputs have {} and {} elements, expected {}",
            x1.len(),
            x2.len(),
            op.len
        )));
    }
    if op.left_shift > 24 {
        return Err(ctx.inconsistent(format!("left shift {} is not int8's 20", op.left_shift)));
    }
    let scale = 1i128 << op.left_shift;
    let mut out = Vec::with_capacity(op.len);
    for (k, (a, c)) in x1.iter().zip(x2).enumerate() {
        if k % 1024 == 0 {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        }
        let shifted = |x: &crate::gadgets::quant::Bounded<B::Lc>, zp: i32| {
            x.offset(-(zp as i128))
                .and_then(|v| v.scale(scale))
                .map_err(|e| ctx.quant(e))
        };
        let a = rescale(
            b,
            ctx,
            &shifted(a, op.input1_zero_point)?,
            op.input1_multiplier,
        )?;
        let c = rescale(
            b,
            ctx,
            &shifted(c, op.input2_zero_point)?,
            op.input2_multiplier,
        )?;
        let sum = a.add(&c).map_err(|e| ctx.quant(e))?;
        out.push(requantize(
            b,
            ctx,
            &sum,
            op.output_multiplier,
            op.output_zero_point,
            op.act,
        )?);
    }
    Ok(out)
}
