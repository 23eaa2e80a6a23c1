//! AVERAGE_POOL_2D and MAX_POOL_2D (`reference_integer_ops::AveragePool` / `MaxPool`), and MEAN
//! over the spatial axes (`reference_ops::QuantizedMeanOrSum`).

use super::super::fixedpoint::mbqm;
use super::super::model::{Mean, Pool2d};
use super::clamp_i8;

/// The in-image window of output `(oy, ox)`: rows `y0..y1`, columns `x0..x1`.
fn window(op: &Pool2d, oy: usize, ox: usize) -> (usize, usize, usize, usize) {
    let w = &op.window;
    let span = |o: usize, s: usize, pad: usize, k: usize, size: usize| {
        let origin = (o * s) as i64 - pad as i64;
        let start = origin.max(0) as usize;
        let end = (origin + k as i64).clamp(0, size as i64) as usize;
        (start, end.max(start))
    };
    let (y0, y1) = span(oy, w.stride_h, w.pad_top, w.kernel_h, op.in_shape.h);
    let (x0, x1) = span(ox, w.stride_w, w.pad_left, w.kernel_w, op.in_shape.w);
    (y0, y1, x0, x1)
}

fn pool(op: &Pool2d, x: &[i8], f: impl Fn(&mut dyn Iterator<Item = i64>) -> i64) -> Vec<i8> {
    let (i, o) = (op.in_shape, op.out_shape);
    let mut out = vec![0i8; o.len()];
    for b in 0..o.n {
        for oy in 0..o.h {
            for ox in 0..o.w {
                let (y0, y1, x0, x1) = window(op, oy, ox);
                for c in 0..o.c {
                    let mut it = (y0..y1)
                        .flat_map(|y| (x0..x1).map(move |xx| (y, xx)))
                        .map(|(y, xx)| x[i.offset(b, y, xx, c)] as i64);
                    let v = f(&mut it);
                    out[o.offset(b, oy, ox, c)] = clamp_i8(v, op.act.min, op.act.max);
                }
            }
        }
    }
    out
}

pub(super) fn average(op: &Pool2d, x: &[i8]) -> Vec<i8> {
    pool(op, x, |it| {
        let (mut acc, mut n) = (0i64, 0i64);
        for v in it {
            acc += v;
            n += 1;
        }
        if n == 0 {
            return 0; // unreachable: every SAME/VALID window has an in-image tap
        }
        // C++ `/` truncates toward zero: this is round half away from zero.
        if acc > 0 {
            (acc + n / 2) / n
        } else {
            (acc - n / 2) / n
        }
    })
}

pub(super) fn max(op: &Pool2d, x: &[i8]) -> Vec<i8> {
    pool(op, x, |it| it.fold(i8::MIN as i64, i64::max))
}

pub(super) fn mean(op: &Mean, x: &[i8]) -> Vec<i8> {
    let i = op.in_shape;
    let mut out = vec![0i8; i.n * i.c];
    for b in 0..i.n {
        for c in 0..i.c {
            let mut sum: i64 = 0;
            for y in 0..i.h {
                for xx in 0..i.w {
                    sum += x[i.offset(b, y, xx, c)] as i64;
                }
            }
            let shifted = sum - op.input_zero_point as i64 * op.count as i64;
            let y = mbqm(shifted as i32, op.multiplier) as i64 + op.output_zero_point as i64;
            out[b * i.c + c] = clamp_i8(y, -128, 127);
        }
    }
    out
}
