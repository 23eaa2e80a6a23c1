//! PAD and CONCATENATION: ops that only move values.

use super::super::model::{Concatenation, Pad};

pub(super) fn pad(op: &Pad, x: &[i8]) -> Vec<i8> {
    let rank = op.in_shape.len();
    let out_shape: Vec<usize> = op
        .in_shape
        .iter()
        .zip(&op.paddings)
        .map(|(&n, &(b, a))| n + b + a)
        .collect();
    let mut out = vec![op.pad_value; out_shape.iter().product()];
    // Row-major strides of the output.
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * out_shape[d + 1];
    }
    let mut idx = vec![0usize; rank];
    for &v in x {
        let pos: usize = (0..rank)
            .map(|d| (idx[d] + op.paddings[d].0) * strides[d])
            .sum();
        out[pos] = v;
        // Advance the input index (row-major).
        for d in (0..rank).rev() {
            idx[d] += 1;
            if idx[d] < op.in_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

pub(super) fn concatenation(op: &Concatenation, parts: &[(&[i8], &[usize])]) -> Vec<i8> {
    let Some((_, shape0)) = parts.first() else {
        return Vec::new();
    };
    let outer: usize = shape0[..op.axis].iter().product();
    let inner: usize = shape0[op.axis + 1..].iter().product();
    let mut out = Vec::with_capacity(parts.iter().map(|(v, _)| v.len()).sum());
    for o in 0..outer {
        for (v, s) in parts {
            let chunk = s[op.axis] * inner;
            out.extend_from_slice(&v[o * chunk..(o + 1) * chunk]);
        }
    }
    out
}
