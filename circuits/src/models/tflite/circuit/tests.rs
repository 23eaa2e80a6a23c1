//! Circuit = interpreter, op by op, on synthetic IR models (random weights and scales, built in
//! memory so every op, padding, stride, dilation and activation is covered without a file), plus
//! the constraint counts' invariants.

use super::*;
use crate::builder::{Recorder, WitnessBuilder};
use crate::gadgets::bits::alloc_byte;
use crate::models::tflite::fixedpoint::{
    quantize_multiplier, quantize_multiplier_smaller_than_one,
};
use crate::models::tflite::interp;
use crate::models::tflite::model::*;
use crate::soundness::assert_mutations_rejected;
use ark_std::rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Builds IR models op by op, deriving every constant as the loader does.
pub(crate) struct Synth {
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub rng: ChaCha20Rng,
    /// The output zero point of ReLU layers, if fixed (TFLite's calibration gives -128: the
    /// output range is `[0, max]`).
    pub relu_zp: Option<i32>,
}

fn act_range(act: FusedActivation, scale: f32, zp: i32) -> ActivationRange {
    let q = |f: f32| zp + (f / scale).round() as i32;
    let (min, max) = match act {
        FusedActivation::None => (-128, 127),
        FusedActivation::Relu => ((-128).max(q(0.0)), 127),
        FusedActivation::Relu6 => ((-128).max(q(0.0)), 127.min(q(6.0))),
        FusedActivation::ReluN1To1 => ((-128).max(q(-1.0)), 127.min(q(1.0))),
    };
    ActivationRange { min, max }
}

impl Synth {
    pub fn new(seed: u64) -> Self {
        Synth {
            tensors: Vec::new(),
            ops: Vec::new(),
            rng: ChaCha20Rng::seed_from_u64(seed),
            relu_zp: None,
        }
    }

    fn push(&mut self, t: Tensor) -> TensorId {
        self.tensors.push(t);
        TensorId(self.tensors.len() - 1)
    }

    /// An int8 activation tensor with a random scale and zero point.
    pub fn activation(&mut self, shape: &[usize], scale: f32) -> TensorId {
        let zp = self.rng.gen_range(-20..=20);
        self.activation_with(shape, scale, zp)
    }

    pub fn activation_with(&mut self, shape: &[usize], scale: f32, zp: i32) -> TensorId {
        self.push(Tensor {
            name: format!("t{}", self.tensors.len()),
            shape: shape.to_vec(),
            dtype: ElementType::Int8,
            quant: Some(Quantization {
                scales: vec![scale],
                zero_points: vec![zp],
                axis: 0,
            }),
            data: None,
        })
    }

    fn output(&mut self, shape: &[usize], scale: f32, act: FusedActivation) -> TensorId {
        match (act, self.relu_zp) {
            (FusedActivation::Relu, Some(zp)) => self.activation_with(shape, scale, zp),
            _ => self.activation(shape, scale),
        }
    }

    fn const_i8(&mut self, shape: &[usize], scales: Vec<f32>, axis: usize) -> TensorId {
        let n: usize = shape.iter().product();
        let data = (0..n).map(|_| self.rng.gen_range(-127i8..=127)).collect();
        let zps = vec![0; scales.len()];
        self.push(Tensor {
            name: format!("w{}", self.tensors.len()),
            shape: shape.to_vec(),
            dtype: ElementType::Int8,
            quant: Some(Quantization {
                scales,
                zero_points: zps,
                axis,
            }),
            data: Some(ConstData::Int8(data)),
        })
    }

    fn const_i32(&mut self, n: usize, magnitude: i32) -> TensorId {
        let data = (0..n)
            .map(|_| self.rng.gen_range(-magnitude..=magnitude))
            .collect();
        self.push(Tensor {
            name: format!("b{}", self.tensors.len()),
            shape: vec![n],
            dtype: ElementType::Int32,
            quant: None,
            data: Some(ConstData::Int32(data)),
        })
    }

    fn sz(&self, id: TensorId) -> (f32, i32) {
        self.tensors[id.0].scale_zero_point().unwrap()
    }

    fn nhwc(&self, id: TensorId) -> Nhwc {
        let s = &self.tensors[id.0].shape;
        Nhwc {
            n: s[0],
            h: s[1],
            w: s[2],
            c: s[3],
        }
    }

    fn op(&mut self, kind: OpKind) {
        let index = self.ops.len();
        self.ops.push(Op { index, kind });
    }

    #[allow(clippy::too_many_arguments)]
    fn window(
        &self,
        input: Nhwc,
        k: (usize, usize),
        s: (usize, usize),
        d: (usize, usize),
        padding: Padding,
    ) -> (Window, usize, usize) {
        let dim = |inp: usize, k: usize, s: usize, d: usize| {
            let eff = (k - 1) * d + 1;
            let out = match padding {
                Padding::Same => inp.div_ceil(s),
                Padding::Valid => (inp + s - eff) / s,
            };
            let total = ((out - 1) * s + eff).saturating_sub(inp);
            (out, total / 2)
        };
        let (oh, pt) = dim(input.h, k.0, s.0, d.0);
        let (ow, pl) = dim(input.w, k.1, s.1, d.1);
        let w = Window {
            padding,
            kernel_h: k.0,
            kernel_w: k.1,
            stride_h: s.0,
            stride_w: s.1,
            dilation_h: d.0,
            dilation_w: d.1,
            pad_top: pt,
            pad_left: pl,
        };
        (w, oh, ow)
    }

    /// A random output scale that keeps the requantized values mostly inside int8.
    fn out_scale(&mut self, s_in: f32, fan_in: usize) -> f32 {
        let spread = self.rng.gen_range(0.5f32..2.0);
        s_in * 0.01 * (fan_in as f32).sqrt() * 90.0 / 40.0 * spread
    }

    #[allow(clippy::too_many_arguments)]
    pub fn conv(
        &mut self,
        x: TensorId,
        out_c: usize,
        k: (usize, usize),
        s: (usize, usize),
        d: (usize, usize),
        padding: Padding,
        groups: usize,
        activation: FusedActivation,
    ) -> TensorId {
        let i = self.nhwc(x);
        let icg = i.c / groups;
        let (s_in, zp_in) = self.sz(x);
        let s_w: Vec<f32> = (0..out_c)
            .map(|_| self.rng.gen_range(0.005f32..0.015))
            .collect();
        let filter = self.const_i8(&[out_c, k.0, k.1, icg], s_w.clone(), 0);
        let bias = self.const_i32(out_c, 3000);
        let (window, oh, ow) = self.window(i, k, s, d, padding);
        let s_out = self.out_scale(s_in, k.0 * k.1 * icg);
        let y = self.output(&[i.n, oh, ow, out_c], s_out, activation);
        let zp_out = self.sz(y).1;
        let multipliers = s_w
            .iter()
            .map(|&w| quantize_multiplier(s_in as f64 * w as f64 / s_out as f64).unwrap())
            .collect();
        let out_shape = self.nhwc(y);
        self.op(OpKind::Conv2d(Conv2d {
            input: x,
            filter,
            bias: Some(bias),
            output: y,
            in_shape: i,
            out_shape,
            in_per_group: icg,
            window,
            input_zero_point: zp_in,
            output_zero_point: zp_out,
            multipliers,
            activation,
            act: act_range(activation, s_out, zp_out),
        }));
        y
    }

    pub fn depthwise(
        &mut self,
        x: TensorId,
        mult: usize,
        k: (usize, usize),
        s: (usize, usize),
        padding: Padding,
        activation: FusedActivation,
    ) -> TensorId {
        let i = self.nhwc(x);
        let out_c = i.c * mult;
        let (s_in, zp_in) = self.sz(x);
        let s_w: Vec<f32> = (0..out_c)
            .map(|_| self.rng.gen_range(0.005f32..0.015))
            .collect();
        let filter = self.const_i8(&[1, k.0, k.1, out_c], s_w.clone(), 3);
        let (window, oh, ow) = self.window(i, k, s, (1, 1), padding);
        let s_out = self.out_scale(s_in, k.0 * k.1);
        let y = self.output(&[i.n, oh, ow, out_c], s_out, activation);
        let zp_out = self.sz(y).1;
        let multipliers = s_w
            .iter()
            .map(|&w| quantize_multiplier(s_in as f64 * w as f64 / s_out as f64).unwrap())
            .collect();
        let out_shape = self.nhwc(y);
        self.op(OpKind::DepthwiseConv2d(DepthwiseConv2d {
            input: x,
            filter,
            bias: None,
            output: y,
            in_shape: i,
            out_shape,
            depth_multiplier: mult,
            window,
            input_zero_point: zp_in,
            output_zero_point: zp_out,
            multipliers,
            activation,
            act: act_range(activation, s_out, zp_out),
        }));
        y
    }

    pub fn fully_connected(
        &mut self,
        x: TensorId,
        units: usize,
        per_channel: bool,
        activation: FusedActivation,
    ) -> TensorId {
        let shape = self.tensors[x.0].shape.clone();
        let depth = *shape.last().unwrap();
        let batches = shape.iter().product::<usize>() / depth;
        let (s_in, zp_in) = self.sz(x);
        let n_scales = if per_channel { units } else { 1 };
        let s_w: Vec<f32> = (0..n_scales)
            .map(|_| self.rng.gen_range(0.005f32..0.015))
            .collect();
        let weights = self.const_i8(&[units, depth], s_w.clone(), 0);
        let bias = self.const_i32(units, 3000);
        let s_out = self.out_scale(s_in, depth);
        let y = self.output(&[batches, units], s_out, activation);
        let zp_out = self.sz(y).1;
        let scales = (0..units)
            .map(|u| {
                let w = s_w[if per_channel { u } else { 0 }];
                DoubleScale::new(s_in as f64 * w as f64 / s_out as f64).unwrap()
            })
            .collect();
        self.op(OpKind::FullyConnected(FullyConnected {
            input: x,
            weights,
            bias: Some(bias),
            output: y,
            batches,
            accum_depth: depth,
            out_depth: units,
            input_zero_point: zp_in,
            weights_zero_point: 0,
            output_zero_point: zp_out,
            scales,
            activation,
            act: act_range(activation, s_out, zp_out),
        }));
        y
    }

    pub fn add(&mut self, a: TensorId, c: TensorId, activation: FusedActivation) -> TensorId {
        let shape = self.tensors[a.0].shape.clone();
        let ((s1, zp1), (s2, zp2)) = (self.sz(a), self.sz(c));
        let s_out = (s1 + s2) * self.rng.gen_range(0.8f32..1.5);
        let y = self.activation(&shape, s_out);
        let zp_out = self.sz(y).1;
        let twice_max = 2.0 * (s1.max(s2) as f64);
        let m = |v: f64| quantize_multiplier_smaller_than_one(v).unwrap();
        self.op(OpKind::Add(Add {
            input1: a,
            input2: c,
            output: y,
            len: shape.iter().product(),
            input1_zero_point: zp1,
            input2_zero_point: zp2,
            output_zero_point: zp_out,
            left_shift: 20,
            input1_multiplier: m(s1 as f64 / twice_max),
            input2_multiplier: m(s2 as f64 / twice_max),
            output_multiplier: m(twice_max / ((1 << 20) as f64 * s_out as f64)),
            activation,
            act: act_range(activation, s_out, zp_out),
        }));
        y
    }

    pub fn pool(
        &mut self,
        x: TensorId,
        max: bool,
        k: (usize, usize),
        s: (usize, usize),
        padding: Padding,
        activation: FusedActivation,
    ) -> TensorId {
        let i = self.nhwc(x);
        let (sc, zp) = self.sz(x);
        let (window, oh, ow) = self.window(i, k, s, (1, 1), padding);
        let y = self.activation_with(&[i.n, oh, ow, i.c], sc, zp);
        let p = Pool2d {
            input: x,
            output: y,
            in_shape: i,
            out_shape: self.nhwc(y),
            window,
            activation,
            act: act_range(activation, sc, zp),
        };
        self.op(if max {
            OpKind::MaxPool2d(p)
        } else {
            OpKind::AveragePool2d(p)
        });
        y
    }

    pub fn mean(&mut self, x: TensorId, keep_dims: bool) -> TensorId {
        let i = self.nhwc(x);
        let (s_in, zp_in) = self.sz(x);
        let s_out = s_in * self.rng.gen_range(0.5f32..1.5);
        let shape = if keep_dims {
            vec![i.n, 1, 1, i.c]
        } else {
            vec![i.n, i.c]
        };
        let y = self.activation(&shape, s_out);
        let zp_out = self.sz(y).1;
        let count = i.h * i.w;
        let base = quantize_multiplier(s_in as f64 / s_out as f64).unwrap();
        let sh = (63 - (count as u64).leading_zeros() as i32)
            .min(32)
            .min(31 + base.shift);
        let multiplier = QuantizedMultiplier {
            multiplier: (((base.multiplier as i64) << sh) / count as i64) as i32,
            shift: base.shift - sh,
        };
        self.op(OpKind::Mean(Mean {
            input: x,
            output: y,
            in_shape: i,
            keep_dims,
            count,
            input_zero_point: zp_in,
            output_zero_point: zp_out,
            base_multiplier: base,
            multiplier,
        }));
        y
    }

    pub fn reshape(&mut self, x: TensorId, shape: &[usize]) -> TensorId {
        let (sc, zp) = self.sz(x);
        let y = self.activation_with(shape, sc, zp);
        self.op(OpKind::Reshape(Reshape {
            input: x,
            output: y,
        }));
        y
    }

    pub fn pad(&mut self, x: TensorId, paddings: &[(usize, usize)]) -> TensorId {
        let (sc, zp) = self.sz(x);
        let in_shape = self.tensors[x.0].shape.clone();
        let shape: Vec<usize> = in_shape
            .iter()
            .zip(paddings)
            .map(|(&n, &(a, b))| n + a + b)
            .collect();
        let y = self.activation_with(&shape, sc, zp);
        self.op(OpKind::Pad(Pad {
            input: x,
            output: y,
            in_shape,
            paddings: paddings.to_vec(),
            pad_value: zp as i8,
        }));
        y
    }

    pub fn concat(&mut self, xs: &[TensorId], axis: usize) -> TensorId {
        let (sc, zp) = self.sz(xs[0]);
        let mut shape = self.tensors[xs[0].0].shape.clone();
        shape[axis] = xs.iter().map(|&t| self.tensors[t.0].shape[axis]).sum();
        let y = self.activation_with(&shape, sc, zp);
        self.op(OpKind::Concatenation(Concatenation {
            inputs: xs.to_vec(),
            output: y,
            axis,
        }));
        y
    }

    pub fn finish(self, input: TensorId, output: TensorId) -> Model {
        Model {
            hash: [0; 32],
            tensors: self.tensors,
            ops: self.ops,
            input,
            output,
        }
    }
}

use FusedActivation::{None as NoAct, Relu, Relu6, ReluN1To1};
use Padding::{Same, Valid};

/// One small model per op family, covering paddings, strides, dilation, groups, depth
/// multipliers, per-tensor/per-channel FC and every fused activation.
pub(crate) fn zoo() -> Vec<(&'static str, Model)> {
    let mut out = Vec::new();
    let mut m = |name: &'static str,
                 seed: u64,
                 f: &dyn Fn(&mut Synth, TensorId) -> TensorId,
                 shape: &[usize]| {
        let mut s = Synth::new(seed);
        let x = s.activation(shape, 0.02);
        let y = f(&mut s, x);
        out.push((name, s.finish(x, y)));
    };
    m(
        "conv_same_s1_relu",
        1,
        &|s, x| s.conv(x, 3, (3, 3), (1, 1), (1, 1), Same, 1, Relu),
        &[1, 5, 5, 2],
    );
    m(
        "conv_valid_s2_none",
        2,
        &|s, x| s.conv(x, 4, (3, 2), (2, 2), (1, 1), Valid, 1, NoAct),
        &[1, 7, 6, 3],
    );
    m(
        "conv_dilated_relu6",
        3,
        &|s, x| s.conv(x, 2, (2, 2), (1, 1), (2, 2), Same, 1, Relu6),
        &[1, 6, 6, 2],
    );
    m(
        "conv_grouped_n1to1",
        4,
        &|s, x| s.conv(x, 4, (3, 3), (2, 1), (1, 1), Same, 2, ReluN1To1),
        &[1, 5, 4, 4],
    );
    m(
        "depthwise_m2_relu",
        5,
        &|s, x| s.depthwise(x, 2, (3, 3), (1, 1), Same, Relu),
        &[1, 5, 5, 2],
    );
    m(
        "depthwise_valid_s2",
        6,
        &|s, x| s.depthwise(x, 1, (2, 2), (2, 2), Valid, NoAct),
        &[1, 6, 6, 3],
    );
    m(
        "fc_per_channel_relu",
        7,
        &|s, x| s.fully_connected(x, 6, true, Relu),
        &[1, 20],
    );
    m(
        "fc_per_tensor_none_2rows",
        8,
        &|s, x| s.fully_connected(x, 5, false, NoAct),
        &[2, 12],
    );
    m(
        "add_relu",
        9,
        &|s, x| {
            let a = s.conv(x, 2, (1, 1), (1, 1), (1, 1), Same, 1, NoAct);
            s.add(x, a, Relu)
        },
        &[1, 3, 3, 2],
    );
    m(
        "avgpool_same_relu6",
        10,
        &|s, x| s.pool(x, false, (3, 3), (2, 2), Same, Relu6),
        &[1, 5, 5, 2],
    );
    m(
        "avgpool_valid",
        11,
        &|s, x| s.pool(x, false, (2, 2), (2, 2), Valid, NoAct),
        &[1, 4, 6, 2],
    );
    m(
        "maxpool_same",
        12,
        &|s, x| s.pool(x, true, (3, 3), (2, 2), Same, NoAct),
        &[1, 5, 5, 2],
    );
    m(
        "maxpool_valid_relu",
        13,
        &|s, x| s.pool(x, true, (2, 2), (1, 1), Valid, Relu),
        &[1, 3, 4, 2],
    );
    m("mean_keepdims", 14, &|s, x| s.mean(x, true), &[1, 3, 5, 3]);
    m(
        "pad_concat_reshape_fc",
        15,
        &|s, x| {
            let p = s.pad(x, &[(0, 0), (1, 0), (0, 2), (0, 0)]);
            let c = s.conv(x, 1, (2, 3), (1, 1), (1, 1), Valid, 1, Relu);
            let pc = s.pad(c, &[(0, 0), (1, 1), (2, 2), (0, 0)]);
            let cat = s.concat(&[p, pc], 3);
            let r = s.reshape(cat, &[1, 4 * 5 * 3]);
            s.fully_connected(r, 4, true, NoAct)
        },
        &[1, 3, 3, 2],
    );
    m(
        "mean_fc_embedding",
        16,
        &|s, x| {
            let c = s.conv(x, 8, (2, 2), (2, 2), (1, 1), Valid, 1, Relu);
            let g = s.mean(c, false);
            s.fully_connected(g, 6, true, NoAct)
        },
        &[1, 6, 6, 1],
    );
    out
}

/// The ~20k-requantized-element face-embedding candidate of the research notes ("Cand-A"):
/// 64x64x1, Conv 4x4/s4 1→32 ReLU, Conv 3x3/s2 →64, Conv 3x3 64→64, Conv 3x3/s2 →128,
/// Conv 3x3 128→128 (all ReLU, SAME), MEAN, FC 128→128.
pub(crate) fn cand_a() -> Model {
    let mut s = Synth::new(2026);
    s.relu_zp = Some(-128);
    let x = s.activation_with(&[1, 64, 64, 1], 1.0 / 255.0, -128);
    let mut t = s.conv(x, 32, (4, 4), (4, 4), (1, 1), Valid, 1, Relu);
    t = s.conv(t, 64, (3, 3), (2, 2), (1, 1), Same, 1, Relu);
    t = s.conv(t, 64, (3, 3), (1, 1), (1, 1), Same, 1, Relu);
    t = s.conv(t, 128, (3, 3), (2, 2), (1, 1), Same, 1, Relu);
    t = s.conv(t, 128, (3, 3), (1, 1), (1, 1), Same, 1, Relu);
    t = s.mean(t, false);
    let y = s.fully_connected(t, 128, true, NoAct);
    s.finish(x, y)
}

#[test]
#[ignore = "measurement: prints the constraint table of the ~20k-element model"]
fn cand_a_constraint_table() {
    let model = cand_a();
    let table = constraint_table(&model).unwrap();
    let mut total = 0;
    for c in &table {
        total += c.constraints;
        eprintln!(
            "{:>3} {:<18} requantized {:>6} constraints {:>8} per element {:>6.2}",
            c.index,
            c.op,
            c.requantized,
            c.constraints,
            c.per_element().unwrap_or(0.0)
        );
    }
    eprintln!("total {total}");
}

/// A circuit over the model with the input allocated as int8 (range-checked) wires and the
/// outputs exposed through equality constraints to claimed values, so a wrong output is a
/// violation.
struct ModelOnly<'a> {
    model: &'a Model,
}

impl crate::Circuit for ModelOnly<'_> {
    type Input = (Vec<i8>, Vec<i8>);
    fn public_count(&self) -> usize {
        0
    }
    fn placeholder_input(&self) -> Self::Input {
        let n = self.model.input_tensor().num_elements();
        let m = self.model.output_tensor().num_elements();
        (vec![0; n], vec![0; m])
    }
    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &Self::Input,
    ) -> Result<(), crate::SynthesisError> {
        let x = input
            .0
            .iter()
            .map(|&q| {
                let byte = alloc_byte(b, (q as u8) ^ 0x80);
                let v = byte - B::Lc::constant(Fr::from(128u64));
                Bounded::assume(v, -128, 127).unwrap()
            })
            .collect();
        let out = synthesize_model(b, self.model, x).unwrap().output;
        for (y, &claim) in out.iter().zip(&input.1) {
            let c = b.alloc(Fr::from(claim as i64));
            crate::gadgets::equality::enforce_equal(b, y.lc(), &c);
        }
        Ok(())
    }
}

fn random_input(rng: &mut ChaCha20Rng, n: usize, extremes: bool) -> Vec<i8> {
    (0..n)
        .map(|i| match (extremes, i % 3) {
            (true, 0) => -128,
            (true, 1) => 127,
            _ => rng.gen(),
        })
        .collect()
}

#[test]
fn every_op_matches_the_interpreter_in_both_modes() {
    for (name, model) in zoo() {
        let mut rng = ChaCha20Rng::seed_from_u64(99);
        let c = ModelOnly { model: &model };
        for trial in 0..4 {
            let x = random_input(&mut rng, model.input_tensor().num_elements(), trial == 0);
            let y = interp::run(&model, &x).unwrap().into_output();
            crate::check::modes_agree(&c, &(x.clone(), y.clone()))
                .unwrap_or_else(|e| panic!("{name}, trial {trial}: {e}"));
            // Any other output is unsatisfiable.
            let mut wrong = y.clone();
            let k = rng.gen_range(0..wrong.len());
            wrong[k] = wrong[k].wrapping_add(1);
            let w = crate::Circuit::witness(&c, &(x, wrong)).unwrap();
            assert!(
                w.first_unsatisfied().is_some(),
                "{name}: wrong output accepted"
            );
        }
    }
}

#[test]
fn single_wire_mutations_are_rejected() {
    for (name, model) in zoo() {
        let c = ModelOnly { model: &model };
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let x = random_input(&mut rng, model.input_tensor().num_elements(), false);
        let y = interp::run(&model, &x).unwrap().into_output();
        let mut rec = Recorder::new();
        crate::Circuit::synthesize(&c, &mut rec, &(x, y)).unwrap();
        let (r1cs, z) = rec.finish_with_assignment();
        eprintln!("{name}: {} constraints", r1cs.constraints.len());
        assert_mutations_rejected(&r1cs, &z, 1000, &mut rng);
    }
}

#[test]
fn counting_agrees_with_recording_and_requantizing_ops_cost_something() {
    for (name, model) in zoo() {
        let table = constraint_table(&model).unwrap();
        let mut rec = Recorder::new();
        let n = model.input_tensor().num_elements();
        let x = int8_placeholder(&mut rec, n).unwrap();
        let recorded = synthesize_model(&mut rec, &model, x).unwrap().costs;
        assert_eq!(table, recorded, "{name}");
        let mut wb = WitnessBuilder::new();
        let x = int8_placeholder(&mut wb, n).unwrap();
        assert_eq!(
            synthesize_model(&mut wb, &model, x).unwrap().costs,
            table,
            "{name}"
        );
        for c in &table {
            let free = matches!(c.op, "RESHAPE" | "PAD" | "CONCATENATION");
            assert_eq!(c.constraints == 0, free, "{name}: {c:?}");
        }
    }
}

#[test]
fn wrong_input_size_is_a_typed_error() {
    let (_, model) = zoo().remove(0);
    let mut b = CountingBuilder::new();
    let x = int8_placeholder(&mut b, 3).unwrap();
    assert!(matches!(
        synthesize_model(&mut b, &model, x),
        Err(CompileError::InputLength { got: 3, .. })
    ));
}
