//! CONV_2D (`reference_integer_ops::ConvPerChannel`) and DEPTHWISE_CONV_2D
//! (`reference_integer_ops::DepthwiseConvPerChannel`).

use super::super::fixedpoint::mbqm;
use super::super::model::{Conv2d, DepthwiseConv2d, Model};
use super::clamp_i8;

pub(super) fn conv2d(model: &Model, op: &Conv2d, x: &[i8]) -> Vec<i8> {
    let (i, o) = (op.in_shape, op.out_shape);
    let w = model.tensor(op.filter).const_i8().unwrap_or(&[]);
    let bias = op.bias.and_then(|b| model.tensor(b).const_i32());
    let icg = op.in_per_group;
    let oc_per_group = o.c / (i.c / icg);
    let zp = op.input_zero_point as i64;
    let mut out = vec![0i8; o.len()];
    for b in 0..o.n {
        for oy in 0..o.h {
            for ox in 0..o.w {
                for oc in 0..o.c {
                    let group = oc / oc_per_group;
                    let mut acc: i64 = 0;
                    for (ky, kx, iy, ix) in op.window.taps(oy, ox, i.h, i.w) {
                        let xin = &x[i.offset(b, iy, ix, group * icg)..][..icg];
                        let wk = &w
                            [((oc * op.window.kernel_h + ky) * op.window.kernel_w + kx) * icg..]
                            [..icg];
                        for (&xv, &wv) in xin.iter().zip(wk) {
                            acc += wv as i64 * (xv as i64 - zp);
                        }
                    }
                    acc += bias.map_or(0, |b| b[oc] as i64);
                    let y =
                        mbqm(acc as i32, op.multipliers[oc]) as i64 + op.output_zero_point as i64;
                    out[o.offset(b, oy, ox, oc)] = clamp_i8(y, op.act.min, op.act.max);
                }
            }
        }
    }
    out
}

pub(super) fn depthwise(model: &Model, op: &DepthwiseConv2d, x: &[i8]) -> Vec<i8> {
    let (i, o) = (op.in_shape, op.out_shape);
    let w = model.tensor(op.filter).const_i8().unwrap_or(&[]);
    let bias = op.bias.and_then(|b| model.tensor(b).const_i32());
    let zp = op.input_zero_point as i64;
    let mut out = vec![0i8; o.len()];
    for b in 0..o.n {
        for oy in 0..o.h {
            for ox in 0..o.w {
                for ic in 0..i.c {
                    for m in 0..op.depth_multiplier {
                        let oc = ic * op.depth_multiplier + m;
                        let mut acc: i64 = 0;
                        for (ky, kx, iy, ix) in op.window.taps(oy, ox, i.h, i.w) {
                            let xv = x[i.offset(b, iy, ix, ic)] as i64;
                            let wv = w[(ky * op.window.kernel_w + kx) * o.c + oc] as i64;
                            acc += wv * (xv - zp);
                        }
                        acc += bias.map_or(0, |b| b[oc] as i64);
                        let y = mbqm(acc as i32, op.multipliers[oc]) as i64
                            + op.output_zero_point as i64;
                        out[o.offset(b, oy, ox, oc)] = clamp_i8(y, op.act.min, op.act.max);
                    }
                }
            }
        }
    }
    out
}
