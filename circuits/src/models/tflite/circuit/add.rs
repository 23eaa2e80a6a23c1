//! ADD of two int8 tensors: both inputs rescaled to a common scale (after TFLite's `2^20` left
//! shift), summed, and requantized to the output (with the fused activation as its clamp).

use super::arith::{rescale, rescale_plan, Plans};
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
    let plan1 = rescale_plan(
        ctx,
        op.input1_multiplier,
        op.left_shift,
        op.input1_zero_point,
    )?;
    let plan2 = rescale_plan(
        ctx,
        op.input2_multiplier,
        op.left_shift,
        op.input2_zero_point,
    )?;
    let mut plans = Plans::new(1);
    let mut out = Vec::with_capacity(op.len);
    for (k, (a, c)) in x1.iter().zip(x2).enumerate() {
        if k % 1024 == 0 {
            b.checkpoint().map_err(|_| CompileError::Cancelled)?;
        }
        let a = rescale(b, ctx, a, op.input1_zero_point, &plan1)?;
        let c = rescale(b, ctx, c, op.input2_zero_point, &plan2)?;
        let sum = a.add(&c).map_err(|e| ctx.quant(e))?;
        out.push(plans.requantize(
            b,
            ctx,
            0,
            &sum,
            op.output_multiplier,
            op.output_zero_point,
            op.act,
        )?);
    }
    Ok(out)
}
