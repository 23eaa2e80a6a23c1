//! RESHAPE, PAD and CONCATENATION: ops that only move values, so they cost no constraint.

use super::{CircuitTensor, CompileError, OpCtx};
use crate::builder::LinearCombination;
use crate::gadgets::quant::Bounded;
use crate::models::tflite::model::{Concatenation, Model, Pad, Reshape};

/// RESHAPE: the same elements in the same order.
pub(super) fn reshape<L: LinearCombination>(
    ctx: OpCtx,
    model: &Model,
    op: &Reshape,
    x: &CircuitTensor<L>,
) -> Result<CircuitTensor<L>, CompileError> {
    let want = model.tensor(op.output).num_elements();
    if x.len() != want {
        return Err(ctx.inconsistent(format!("reshapes {} elements into {want}", x.len())));
    }
    Ok(x.clone())
}

/// PAD with the constant `pad_value` (the zero point), any rank.
pub(super) fn pad<L: LinearCombination>(
    ctx: OpCtx,
    op: &Pad,
    x: &CircuitTensor<L>,
) -> Result<CircuitTensor<L>, CompileError> {
    let rank = op.in_shape.len();
    if op.paddings.len() != rank || x.len() != op.in_shape.iter().product::<usize>() {
        return Err(ctx.inconsistent("paddings or input size do not match the input's shape"));
    }
    let out_shape: Vec<usize> = op
        .in_shape
        .iter()
        .zip(&op.paddings)
        .map(|(&n, &(before, after))| n + before + after)
        .collect();
    let fill = Bounded::constant(op.pad_value as i128).map_err(|e| ctx.quant(e))?;
    let mut out = vec![fill; out_shape.iter().product()];
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * out_shape[d + 1];
    }
    // Walk the input in row-major order, placing each element at its padded position.
    let mut idx = vec![0usize; rank];
    for v in x {
        let pos: usize = (0..rank)
            .map(|d| (idx[d] + op.paddings[d].0) * strides[d])
            .sum();
        out[pos] = v.clone();
        for d in (0..rank).rev() {
            idx[d] += 1;
            if idx[d] < op.in_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(out)
}

/// CONCATENATION along `axis` (all inputs share the output's quantization).
pub(super) fn concatenation<L: LinearCombination>(
    ctx: OpCtx,
    op: &Concatenation,
    parts: &[(&CircuitTensor<L>, &[usize])],
) -> Result<CircuitTensor<L>, CompileError> {
    let Some((_, shape0)) = parts.first() else {
        return Err(ctx.inconsistent("no inputs"));
    };
    if op.axis >= shape0.len() {
        return Err(ctx.inconsistent("axis out of range"));
    }
    let outer: usize = shape0[..op.axis].iter().product();
    let inner: usize = shape0[op.axis + 1..].iter().product();
    for (v, s) in parts {
        let same_frame = s.len() == shape0.len()
            && s[..op.axis] == shape0[..op.axis]
            && s[op.axis + 1..] == shape0[op.axis + 1..];
        if !same_frame || v.len() != s.iter().product::<usize>() {
            return Err(ctx.inconsistent("inputs differ outside the concatenation axis"));
        }
    }
    let mut out = Vec::with_capacity(parts.iter().map(|(v, _)| v.len()).sum());
    for o in 0..outer {
        for (v, s) in parts {
            let chunk = s[op.axis] * inner;
            out.extend_from_slice(&v[o * chunk..(o + 1) * chunk]);
        }
    }
    Ok(out)
}
