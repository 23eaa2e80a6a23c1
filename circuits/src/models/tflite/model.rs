//! The validated model IR: what the interpreter ([`super::interp`]) and the circuit compiler consume.
//!
//! A [`Model`] is built from a `.tflite` file's bytes alone ([`Model::from_bytes`]) and is then
//! immutable. It lists the tensors (shape, element type, quantization, constant data) and the
//! operators in execution order, each with its decoded options and every *derived integer
//! constant* the reference kernels compute in their `Prepare` step: the `QuantizeMultiplier`
//! pairs `(M, shift)`, fused-activation ranges, padding offsets, MEAN's adjusted multiplier, ADD's
//! three multipliers, FULLY_CONNECTED's double-precision effective scale.
//!
//! **Floats.** The file stores scales as IEEE-754 `f32`. Deriving the constants uses the same
//! `f32`/`f64` basic operations (`*`, `/`, `frexp`, `round`) as LiteRT's C++ code; IEEE basic
//! operations are correctly rounded, so the constants are a deterministic function of the file's
//! bytes on every platform. Floats appear only here, at load time: evaluating a model
//! ([`super::interp`]) uses integers only. FULLY_CONNECTED's scale is kept as the exact `f64`
//! value decomposed into an integer mantissa and exponent ([`DoubleScale`]) so the interpreter and
//! the circuit can reproduce `(int32)round((double)acc * scale)` with integer arithmetic.
//!
//! **Layout.** Activation tensors are NHWC (TFLite's layout), row-major ("C order"). Constant
//! filters keep the file's layout: CONV_2D `[out_c, kh, kw, in_c / groups]`, DEPTHWISE_CONV_2D
//! `[1, kh, kw, out_c]`, FULLY_CONNECTED `[out, in]`.
//!
//! **Stability.** Identifiers are indices into [`Model::tensors`]; [`Op::index`] is the operator's
//! index in the file's subgraph (for error messages and reports).

use super::reader::TfliteError;

/// Index of a tensor in [`Model::tensors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(pub usize);

/// Element type of a tensor that a supported model may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    /// `int8`: activations and weights.
    Int8,
    /// `int32`: biases, and shape/padding operands.
    Int32,
}

impl ElementType {
    /// The TFLite schema name (`INT8`, `INT32`).
    pub fn name(self) -> &'static str {
        match self {
            ElementType::Int8 => "INT8",
            ElementType::Int32 => "INT32",
        }
    }
}

/// Affine quantization: real value `= scale[i] * (q - zero_point[i])`.
///
/// Per-tensor quantization has one scale and one zero point; per-axis quantization has one per
/// index of dimension `axis` (`quantized_dimension` in the schema).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantization {
    /// Scales, as stored (`f32`), all finite and positive.
    pub scales: Vec<f32>,
    /// Zero points, one per scale.
    pub zero_points: Vec<i32>,
    /// The quantized dimension (0 for per-tensor).
    pub axis: usize,
}

impl Quantization {
    /// `true` when there is a single scale for the whole tensor.
    pub fn is_per_tensor(&self) -> bool {
        self.scales.len() == 1
    }

    /// The scale of a per-tensor quantized tensor (the first scale otherwise).
    pub fn scale(&self) -> f32 {
        self.scales[0]
    }

    /// The zero point of a per-tensor quantized tensor (the first one otherwise).
    pub fn zero_point(&self) -> i32 {
        self.zero_points[0]
    }
}

/// The data of a constant tensor (weights, biases, shape and padding operands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstData {
    /// `int8` values, row-major.
    Int8(Vec<i8>),
    /// `int32` values, row-major.
    Int32(Vec<i32>),
}

/// One tensor of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The tensor's name in the file (informational).
    pub name: String,
    /// Dimensions (NHWC for 4-d activations). Every dimension is at least 1.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: ElementType,
    /// Quantization parameters (required on `int8` tensors).
    pub quant: Option<Quantization>,
    /// The constant data, for tensors backed by a non-empty buffer.
    pub data: Option<ConstData>,
}

impl Tensor {
    /// Number of elements (product of the shape).
    pub fn num_elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// The constant `int8` data, if this tensor is an `int8` constant.
    pub fn const_i8(&self) -> Option<&[i8]> {
        match &self.data {
            Some(ConstData::Int8(v)) => Some(v),
            _ => None,
        }
    }

    /// The constant `int32` data, if this tensor is an `int32` constant.
    pub fn const_i32(&self) -> Option<&[i32]> {
        match &self.data {
            Some(ConstData::Int32(v)) => Some(v),
            _ => None,
        }
    }

    /// Per-tensor scale and zero point (the first of each for per-axis tensors).
    pub fn scale_zero_point(&self) -> Option<(f32, i32)> {
        self.quant.as_ref().map(|q| (q.scale(), q.zero_point()))
    }
}

/// A requantization multiplier as `QuantizeMultiplier` produces it: the real multiplier is
/// approximately `multiplier * 2^(shift - 31)`, with `multiplier` in `[2^30, 2^31 - 1]` (or 0
/// for a multiplier flushed to zero, or smaller after MEAN's adjustment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantizedMultiplier {
    /// The Q31 significand `M`.
    pub multiplier: i32,
    /// The exponent: `> 0` is a left shift of the input, `<= 0` a rounding right shift of the
    /// product.
    pub shift: i32,
}

/// An `f64` requantization scale, exactly as the reference kernel computes it, decomposed so that
/// `value == mantissa * 2^exponent` exactly, with `mantissa < 2^53` odd (or `mantissa == 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoubleScale {
    /// The `f64` value (finite, non-negative, normal or zero).
    pub value: f64,
    /// Integer significand (odd unless zero).
    pub mantissa: u64,
    /// Binary exponent.
    pub exponent: i32,
}

/// Fused activation function of an op, as stored in its options table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FusedActivation {
    /// No activation.
    None,
    /// `max(0, x)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
}

impl FusedActivation {
    /// The TFLite schema name.
    pub fn name(self) -> &'static str {
        match self {
            FusedActivation::None => "NONE",
            FusedActivation::Relu => "RELU",
            FusedActivation::ReluN1To1 => "RELU_N1_TO_1",
            FusedActivation::Relu6 => "RELU6",
        }
    }
}

/// The output clamp `[min, max]` of an op (TFLite's `CalculateActivationRangeQuantized` applied to
/// the fused activation and the output's quantization; `[-128, 127]` without activation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationRange {
    /// Lowest output value.
    pub min: i32,
    /// Highest output value.
    pub max: i32,
}

/// Padding scheme of a windowed op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(in / stride)`, zero-point padding split with the odd pixel at the end.
    Same,
    /// No padding.
    Valid,
}

/// The geometry of a 2-d windowed op (convolution or pooling) on NHWC tensors.
///
/// Output position `(oy, ox)` reads input rows `oy * stride_h - pad_top + ky * dilation_h` for
/// `ky < kernel_h` (and columns likewise); taps outside the input are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Padding scheme as stored.
    pub padding: Padding,
    /// Kernel (filter) height.
    pub kernel_h: usize,
    /// Kernel (filter) width.
    pub kernel_w: usize,
    /// Vertical stride (≥ 1).
    pub stride_h: usize,
    /// Horizontal stride (≥ 1).
    pub stride_w: usize,
    /// Vertical dilation (≥ 1; 1 for pooling).
    pub dilation_h: usize,
    /// Horizontal dilation (≥ 1; 1 for pooling).
    pub dilation_w: usize,
    /// Rows of padding before the first row (TFLite's `padding_values.height`).
    pub pad_top: usize,
    /// Columns of padding before the first column (TFLite's `padding_values.width`).
    pub pad_left: usize,
}

impl Window {
    /// The in-image taps `(ky, kx, iy, ix)` of output position `(oy, ox)` on an input of `h` rows
    /// and `w` columns, in the kernels' order (rows, then columns); out-of-image taps are skipped,
    /// as the reference kernels do. The interpreter and the circuit both walk windows with it.
    pub fn taps(
        &self,
        oy: usize,
        ox: usize,
        h: usize,
        w: usize,
    ) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
        (0..self.kernel_h).flat_map(move |ky| {
            (0..self.kernel_w).filter_map(move |kx| {
                let iy = tap(oy, ky, self.stride_h, self.dilation_h, self.pad_top, h)?;
                let ix = tap(ox, kx, self.stride_w, self.dilation_w, self.pad_left, w)?;
                Some((ky, kx, iy, ix))
            })
        })
    }
}

/// The input row (or column) that output position `o`, tap `k`, reads, if it is inside the input.
fn tap(
    o: usize,
    k: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    size: usize,
) -> Option<usize> {
    (o * stride + k * dilation)
        .checked_sub(pad)
        .filter(|&i| i < size)
}

/// An NHWC shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nhwc {
    /// Batch.
    pub n: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
    /// Channels.
    pub c: usize,
}

impl Nhwc {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }

    /// `true` if some dimension is 0 (never for a validated model).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row-major offset of `(b, y, x, c)`.
    pub fn offset(&self, b: usize, y: usize, x: usize, c: usize) -> usize {
        ((b * self.h + y) * self.w + x) * self.c + c
    }
}

/// CONV_2D (per-channel or per-tensor filter), TFLite's `reference_integer_ops::ConvPerChannel`.
///
/// `acc = bias[oc] + Σ w[oc, ky, kx, ic] * (x[..., g * in_per_group + ic] - input_zero_point)`
/// over in-image taps (`g = oc / (out_c / groups)`), then
/// `y = clamp(MBQM(acc, multipliers[oc]) + output_zero_point, act.min, act.max)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    /// Activation input.
    pub input: TensorId,
    /// Constant `int8` filter `[out_c, kh, kw, in_c / groups]`.
    pub filter: TensorId,
    /// Constant `int32` bias `[out_c]`, if present.
    pub bias: Option<TensorId>,
    /// Activation output.
    pub output: TensorId,
    /// Input shape.
    pub in_shape: Nhwc,
    /// Output shape.
    pub out_shape: Nhwc,
    /// Input channels per group (`filter`'s last dimension); `groups = in_shape.c / this`.
    pub in_per_group: usize,
    /// Window geometry.
    pub window: Window,
    /// Input zero point (the kernel's `input_offset` is its negation).
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(s_in * s_w[oc] / s_out)` per output channel (length `out_c`).
    pub multipliers: Vec<QuantizedMultiplier>,
    /// Fused activation, as stored.
    pub activation: FusedActivation,
    /// Output clamp.
    pub act: ActivationRange,
}

/// DEPTHWISE_CONV_2D, TFLite's `reference_integer_ops::DepthwiseConvPerChannel`.
///
/// Output channel `oc = ic * depth_multiplier + m` reads input channel `ic` with filter
/// `[0, ky, kx, oc]`; otherwise as [`Conv2d`].
#[derive(Debug, Clone, PartialEq)]
pub struct DepthwiseConv2d {
    /// Activation input.
    pub input: TensorId,
    /// Constant `int8` filter `[1, kh, kw, out_c]`.
    pub filter: TensorId,
    /// Constant `int32` bias `[out_c]`, if present.
    pub bias: Option<TensorId>,
    /// Activation output.
    pub output: TensorId,
    /// Input shape.
    pub in_shape: Nhwc,
    /// Output shape.
    pub out_shape: Nhwc,
    /// `out_c / in_c`.
    pub depth_multiplier: usize,
    /// Window geometry.
    pub window: Window,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(s_in * s_w[oc] / s_out)` per output channel (length `out_c`).
    pub multipliers: Vec<QuantizedMultiplier>,
    /// Fused activation, as stored.
    pub activation: FusedActivation,
    /// Output clamp.
    pub act: ActivationRange,
}

/// FULLY_CONNECTED, ai-edge-litert 2.3's reference kernel (`reference_integer_ops::FullyConnected`
/// / `FullyConnectedPerChannel`, float-scale overloads):
///
/// `acc = bias[o] + Σ_d (w[o, d] - weights_zero_point) * (x[b, d] - input_zero_point)`, then
/// `y = clamp((int32)round((double)acc * scales[o].value) + output_zero_point, act.min, act.max)`
/// with C's `round` (half away from zero). See [`super::fixedpoint::round_mul_f64`].
#[derive(Debug, Clone, PartialEq)]
pub struct FullyConnected {
    /// Activation input (any rank; read as `[batches, accum_depth]`).
    pub input: TensorId,
    /// Constant `int8` weights `[out_depth, accum_depth]`.
    pub weights: TensorId,
    /// Constant `int32` bias `[out_depth]`, if present.
    pub bias: Option<TensorId>,
    /// Activation output (read as `[batches, out_depth]`).
    pub output: TensorId,
    /// Rows: output elements divided by `out_depth`.
    pub batches: usize,
    /// Inner dimension (weights' last dimension).
    pub accum_depth: usize,
    /// Output units (weights' first dimension, output's last dimension).
    pub out_depth: usize,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Weights zero point (per-tensor weights only; 0 for per-channel weights, as the kernel
    /// ignores it there).
    pub weights_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `(double)s_in * (double)s_w[o] / (double)s_out` per output unit (length `out_depth`; the
    /// same value repeated for per-tensor weights).
    pub scales: Vec<DoubleScale>,
    /// Fused activation, as stored.
    pub activation: FusedActivation,
    /// Output clamp.
    pub act: ActivationRange,
}

/// ADD of two `int8` tensors of the same shape (`reference_integer_ops::Add`, no broadcasting):
///
/// `a = MBQM((x1 - zp1) << left_shift, input1_multiplier)`, `b` likewise,
/// `y = clamp(MBQM(a + b, output_multiplier) + output_zero_point, act.min, act.max)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Add {
    /// First input.
    pub input1: TensorId,
    /// Second input.
    pub input2: TensorId,
    /// Output.
    pub output: TensorId,
    /// Elements (all three tensors have the same shape).
    pub len: usize,
    /// First input's zero point.
    pub input1_zero_point: i32,
    /// Second input's zero point.
    pub input2_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// 20 for `int8` (`add.cc`).
    pub left_shift: u32,
    /// `QuantizeMultiplierSmallerThanOneExp(s1 / (2 max(s1, s2)))`.
    pub input1_multiplier: QuantizedMultiplier,
    /// `QuantizeMultiplierSmallerThanOneExp(s2 / (2 max(s1, s2)))`.
    pub input2_multiplier: QuantizedMultiplier,
    /// `QuantizeMultiplierSmallerThanOneExp(2 max(s1, s2) / (2^left_shift * s_out))`.
    pub output_multiplier: QuantizedMultiplier,
    /// Fused activation, as stored.
    pub activation: FusedActivation,
    /// Output clamp.
    pub act: ActivationRange,
}

/// AVERAGE_POOL_2D or MAX_POOL_2D (`reference_integer_ops::AveragePool` / `MaxPool`); input and
/// output have the same quantization.
///
/// Average: `acc = Σ x` over in-image taps (`n` of them), `y = clamp(round_half_away(acc / n))`.
/// Max: `y = clamp(max x)` over in-image taps.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool2d {
    /// Input.
    pub input: TensorId,
    /// Output.
    pub output: TensorId,
    /// Input shape.
    pub in_shape: Nhwc,
    /// Output shape (same channels).
    pub out_shape: Nhwc,
    /// Window geometry (dilation 1).
    pub window: Window,
    /// Fused activation, as stored.
    pub activation: FusedActivation,
    /// Output clamp.
    pub act: ActivationRange,
}

/// MEAN over the spatial axes of an NHWC tensor (global average pooling; `reduce.cc`,
/// `reference_ops::QuantizedMeanOrSum`):
///
/// `sum = Σ_{y,x} x[b, y, x, c]`, `y = clamp(MBQM(sum - count * input_zero_point, multiplier) +
/// output_zero_point, -128, 127)`. The fused activation of the reducer is not applied (the
/// reference kernel ignores it).
#[derive(Debug, Clone, PartialEq)]
pub struct Mean {
    /// Input, 4-d NHWC.
    pub input: TensorId,
    /// Output: `[n, 1, 1, c]` (keep_dims) or `[n, c]`.
    pub output: TensorId,
    /// Input shape.
    pub in_shape: Nhwc,
    /// `true` if the output keeps the reduced dimensions.
    pub keep_dims: bool,
    /// Number of elements averaged (`h * w`).
    pub count: usize,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(s_in / s_out)` as `Prepare` computes it (before the adjustment).
    pub base_multiplier: QuantizedMultiplier,
    /// The multiplier `Eval` uses: `sh = min(floor(log2 count), 32, 31 + shift)`,
    /// `M' = (M << sh) / count`, `shift' = shift - sh`.
    pub multiplier: QuantizedMultiplier,
}

/// RESHAPE: the same elements in the same order (same quantization).
#[derive(Debug, Clone, PartialEq)]
pub struct Reshape {
    /// Input.
    pub input: TensorId,
    /// Output.
    pub output: TensorId,
}

/// PAD (constant padding with the output zero point, which equals the input's).
#[derive(Debug, Clone, PartialEq)]
pub struct Pad {
    /// Input.
    pub input: TensorId,
    /// Output.
    pub output: TensorId,
    /// Input shape.
    pub in_shape: Vec<usize>,
    /// `(before, after)` per dimension.
    pub paddings: Vec<(usize, usize)>,
    /// Value of padded elements (the zero point).
    pub pad_value: i8,
}

/// CONCATENATION along one axis; every input has the output's quantization (no rescaling).
#[derive(Debug, Clone, PartialEq)]
pub struct Concatenation {
    /// Inputs, in order.
    pub inputs: Vec<TensorId>,
    /// Output.
    pub output: TensorId,
    /// The axis (non-negative, `< rank`).
    pub axis: usize,
}

/// A supported operator with its decoded parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// CONV_2D.
    Conv2d(Conv2d),
    /// DEPTHWISE_CONV_2D.
    DepthwiseConv2d(DepthwiseConv2d),
    /// FULLY_CONNECTED.
    FullyConnected(FullyConnected),
    /// ADD.
    Add(Add),
    /// AVERAGE_POOL_2D.
    AveragePool2d(Pool2d),
    /// MAX_POOL_2D.
    MaxPool2d(Pool2d),
    /// MEAN.
    Mean(Mean),
    /// RESHAPE.
    Reshape(Reshape),
    /// PAD.
    Pad(Pad),
    /// CONCATENATION.
    Concatenation(Concatenation),
}

impl OpKind {
    /// The TFLite builtin operator name.
    pub fn name(&self) -> &'static str {
        match self {
            OpKind::Conv2d(_) => "CONV_2D",
            OpKind::DepthwiseConv2d(_) => "DEPTHWISE_CONV_2D",
            OpKind::FullyConnected(_) => "FULLY_CONNECTED",
            OpKind::Add(_) => "ADD",
            OpKind::AveragePool2d(_) => "AVERAGE_POOL_2D",
            OpKind::MaxPool2d(_) => "MAX_POOL_2D",
            OpKind::Mean(_) => "MEAN",
            OpKind::Reshape(_) => "RESHAPE",
            OpKind::Pad(_) => "PAD",
            OpKind::Concatenation(_) => "CONCATENATION",
        }
    }

    /// The activation tensors this op reads (constants excluded).
    pub fn inputs(&self) -> Vec<TensorId> {
        match self {
            OpKind::Conv2d(o) => vec![o.input],
            OpKind::DepthwiseConv2d(o) => vec![o.input],
            OpKind::FullyConnected(o) => vec![o.input],
            OpKind::Add(o) => vec![o.input1, o.input2],
            OpKind::AveragePool2d(o) | OpKind::MaxPool2d(o) => vec![o.input],
            OpKind::Mean(o) => vec![o.input],
            OpKind::Reshape(o) => vec![o.input],
            OpKind::Pad(o) => vec![o.input],
            OpKind::Concatenation(o) => o.inputs.clone(),
        }
    }

    /// The tensor this op writes.
    pub fn output(&self) -> TensorId {
        match self {
            OpKind::Conv2d(o) => o.output,
            OpKind::DepthwiseConv2d(o) => o.output,
            OpKind::FullyConnected(o) => o.output,
            OpKind::Add(o) => o.output,
            OpKind::AveragePool2d(o) | OpKind::MaxPool2d(o) => o.output,
            OpKind::Mean(o) => o.output,
            OpKind::Reshape(o) => o.output,
            OpKind::Pad(o) => o.output,
            OpKind::Concatenation(o) => o.output,
        }
    }
}

/// One operator in execution order.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// The operator's index in the file's subgraph.
    pub index: usize,
    /// What it computes.
    pub kind: OpKind,
}

/// A validated full-integer `int8` model: one subgraph, one `int8` input, one `int8` output.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// keccak256 of the file's bytes (the registry's model hash).
    pub hash: [u8; 32],
    /// All tensors of the subgraph, indexed by [`TensorId`].
    pub tensors: Vec<Tensor>,
    /// Operators in execution order (the file's order, checked to be topological).
    pub ops: Vec<Op>,
    /// The model input (`int8`, per-tensor quantized).
    pub input: TensorId,
    /// The model output (`int8`, per-tensor quantized).
    pub output: TensorId,
}

impl Model {
    /// Parse and validate a `.tflite` file. Every malformed or unsupported file is a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, TfliteError> {
        super::lower::lower(bytes)
    }

    /// The tensor with this id.
    pub fn tensor(&self, id: TensorId) -> &Tensor {
        &self.tensors[id.0]
    }

    /// The model input tensor.
    pub fn input_tensor(&self) -> &Tensor {
        self.tensor(self.input)
    }

    /// The model output tensor.
    pub fn output_tensor(&self) -> &Tensor {
        self.tensor(self.output)
    }

    /// Number of requantized (rescaled and clamped) `int8` elements an op produces: the
    /// circuit's main cost driver. Zero for ops that only move or select values (RESHAPE, PAD,
    /// CONCATENATION, MAX_POOL_2D); the output size for the others.
    pub fn requantized_elements(&self, op: &Op) -> usize {
        match &op.kind {
            OpKind::Reshape(_)
            | OpKind::Pad(_)
            | OpKind::Concatenation(_)
            | OpKind::MaxPool2d(_) => 0,
            k => self.tensor(k.output()).num_elements(),
        }
    }
}

/// keccak256 of a model file's bytes: the registry's model hash.
pub fn model_hash(bytes: &[u8]) -> [u8; 32] {
    use sha3::{Digest, Keccak256};
    Keccak256::digest(bytes).into()
}
