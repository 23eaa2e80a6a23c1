//! ADD (`reference_integer_ops::Add`, same-shape inputs).

use super::super::fixedpoint::mbqm;
use super::super::model::Add;
use super::clamp_i8;

pub(super) fn add(op: &Add, x1: &[i8], x2: &[i8]) -> Vec<i8> {
    x1.iter()
        .zip(x2)
        .map(|(&a, &b)| {
            let a = (a as i32 - op.input1_zero_point) << op.left_shift;
            let b = (b as i32 - op.input2_zero_point) << op.left_shift;
            let sum = mbqm(a, op.input1_multiplier) + mbqm(b, op.input2_multiplier);
            let y = mbqm(sum, op.output_multiplier) as i64 + op.output_zero_point as i64;
            clamp_i8(y, op.act.min, op.act.max)
        })
        .collect()
}
