//! FULLY_CONNECTED: ai-edge-litert 2.3's reference kernel, which requantizes in `double`
//! (`reference_integer_ops::FullyConnected[PerChannel]`, float-scale overloads).

use super::super::fixedpoint::round_mul_f64;
use super::super::model::{FullyConnected, Model};
use super::clamp_i8;

pub(super) fn fully_connected(model: &Model, op: &FullyConnected, x: &[i8]) -> Vec<i8> {
    let w = model.tensor(op.weights).const_i8().unwrap_or(&[]);
    let bias = op.bias.and_then(|b| model.tensor(b).const_i32());
    let (zp_in, zp_w) = (op.input_zero_point as i64, op.weights_zero_point as i64);
    let mut out = vec![0i8; op.batches * op.out_depth];
    for b in 0..op.batches {
        let xr = &x[b * op.accum_depth..][..op.accum_depth];
        for o in 0..op.out_depth {
            let wr = &w[o * op.accum_depth..][..op.accum_depth];
            let mut acc: i64 = xr
                .iter()
                .zip(wr)
                .map(|(&xv, &wv)| (wv as i64 - zp_w) * (xv as i64 - zp_in))
                .sum();
            acc += bias.map_or(0, |b| b[o] as i64);
            let y = round_mul_f64(acc as i32, &op.scales[o]) + op.output_zero_point as i64;
            out[b * op.out_depth + o] = clamp_i8(y, op.act.min, op.act.max);
        }
    }
    out
}
