//! From the parsed FlatBuffer ([`super::reader::RawModel`]) to the validated IR ([`Model`]):
//! every semantic check, and the derived constants of each kernel's `Prepare`.

use super::fixedpoint::{quantize_multiplier, quantize_multiplier_smaller_than_one};
use super::model::*;
use super::reader::{self, builtin_name, dtype_name, RawModel, RawOperator, Table, TfliteError};

/// Builtin operator codes (schema `BuiltinOperator`).
mod code {
    pub const ADD: i32 = 0;
    pub const AVERAGE_POOL_2D: i32 = 1;
    pub const CONCATENATION: i32 = 2;
    pub const CONV_2D: i32 = 3;
    pub const DEPTHWISE_CONV_2D: i32 = 4;
    pub const FULLY_CONNECTED: i32 = 9;
    pub const MAX_POOL_2D: i32 = 17;
    pub const RESHAPE: i32 = 22;
    pub const CUSTOM: i32 = 32;
    pub const PAD: i32 = 34;
    pub const MEAN: i32 = 40;
}

/// `BuiltinOptions` union tags.
mod options {
    pub const CONV_2D: u8 = 1;
    pub const DEPTHWISE_CONV_2D: u8 = 2;
    pub const POOL_2D: u8 = 5;
    pub const FULLY_CONNECTED: u8 = 8;
    pub const CONCATENATION: u8 = 10;
    pub const ADD: u8 = 11;
    pub const REDUCER: u8 = 27;
}

const INT8_MIN: i32 = -128;
const INT8_MAX: i32 = 127;
/// Headroom kept below 2^31 for requantized values (the output zero point is added in `int32`).
const I32_LIMIT: i128 = (1i128 << 31) - 256;

pub(super) fn lower(bytes: &[u8]) -> Result<Model, TfliteError> {
    let raw = reader::parse(bytes)?;
    // The input and output types first: they say best why a whole model is unsupported.
    for (which, list) in [("input", &raw.inputs), ("output", &raw.outputs)] {
        for &i in list.iter() {
            let Some(t) = usize::try_from(i).ok().and_then(|i| raw.tensors.get(i)) else {
                continue;
            };
            match t.dtype {
                9 => {}
                0 | 1 | 10 | 18 => {
                    return Err(TfliteError::FloatModel {
                        tensor: i as usize,
                        name: t.name.clone(),
                        dtype: dtype_name(t.dtype),
                    })
                }
                other => {
                    return Err(TfliteError::IoType {
                        which,
                        tensor: i as usize,
                        dtype: dtype_name(other).into(),
                    })
                }
            }
        }
    }
    let tensors = raw
        .tensors
        .iter()
        .enumerate()
        .map(|(i, t)| lower_tensor(&raw, i, t))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.inputs.len() != 1 || raw.outputs.len() != 1 {
        return Err(TfliteError::IoCount {
            inputs: raw.inputs.len(),
            outputs: raw.outputs.len(),
        });
    }
    let input = io_tensor(&raw, &tensors, raw.inputs[0], "input")?;
    let output = io_tensor(&raw, &tensors, raw.outputs[0], "output")?;
    if tensors[input.0].data.is_some() {
        return Err(TfliteError::IoType {
            which: "input",
            tensor: input.0,
            dtype: "a constant".into(),
        });
    }

    let mut defined: Vec<bool> = tensors.iter().map(|t| t.data.is_some()).collect();
    defined[input.0] = true;
    let mut ops = Vec::with_capacity(raw.operators.len());
    for (index, rop) in raw.operators.iter().enumerate() {
        let opcode = raw.opcodes.get(rop.opcode_index as usize).ok_or_else(|| {
            TfliteError::Malformed(format!(
                "operator {index}: opcode index {} out of range",
                rop.opcode_index
            ))
        })?;
        let cx = OpCx {
            index,
            name: "",
            rop,
            tensors: &tensors,
        };
        let kind = match opcode.builtin {
            code::CONV_2D => OpKind::Conv2d(cx.named("CONV_2D").conv2d()?),
            code::DEPTHWISE_CONV_2D => {
                OpKind::DepthwiseConv2d(cx.named("DEPTHWISE_CONV_2D").depthwise()?)
            }
            code::FULLY_CONNECTED => {
                OpKind::FullyConnected(cx.named("FULLY_CONNECTED").fully_connected()?)
            }
            code::ADD => OpKind::Add(cx.named("ADD").add()?),
            code::AVERAGE_POOL_2D => OpKind::AveragePool2d(cx.named("AVERAGE_POOL_2D").pool()?),
            code::MAX_POOL_2D => OpKind::MaxPool2d(cx.named("MAX_POOL_2D").pool()?),
            code::MEAN => OpKind::Mean(cx.named("MEAN").mean()?),
            code::RESHAPE => OpKind::Reshape(cx.named("RESHAPE").reshape()?),
            code::PAD => OpKind::Pad(cx.named("PAD").pad()?),
            code::CONCATENATION => {
                OpKind::Concatenation(cx.named("CONCATENATION").concatenation()?)
            }
            code::CUSTOM => {
                return Err(TfliteError::UnsupportedOp {
                    index,
                    op: format!("CUSTOM ({:?})", opcode.custom.as_deref().unwrap_or("")),
                })
            }
            other => {
                return Err(TfliteError::UnsupportedOp {
                    index,
                    op: builtin_name(other),
                })
            }
        };
        for t in kind.inputs() {
            if !defined[t.0] {
                return Err(TfliteError::Graph {
                    index,
                    why: format!("reads tensor {} before any operator writes it", t.0),
                });
            }
        }
        let out = kind.output();
        if defined[out.0] {
            return Err(TfliteError::Graph {
                index,
                why: format!("writes tensor {}, which already has a value", out.0),
            });
        }
        defined[out.0] = true;
        ops.push(Op { index, kind });
    }
    if !defined[output.0] {
        return Err(TfliteError::Graph {
            index: ops.len(),
            why: format!("no operator writes the model output (tensor {})", output.0),
        });
    }
    Ok(Model {
        hash: model_hash(bytes),
        tensors,
        ops,
        input,
        output,
    })
}

fn io_tensor(
    raw: &RawModel<'_>,
    tensors: &[Tensor],
    idx: i32,
    which: &'static str,
) -> Result<TensorId, TfliteError> {
    let t = usize::try_from(idx)
        .ok()
        .filter(|&i| i < tensors.len())
        .ok_or_else(|| {
            TfliteError::Malformed(format!("model {which} is tensor {idx}, out of range"))
        })?;
    let rt = &raw.tensors[t];
    let tensor = &tensors[t];
    if tensor.dtype != ElementType::Int8 {
        return Err(TfliteError::IoType {
            which,
            tensor: t,
            dtype: dtype_name(rt.dtype).into(),
        });
    }
    match &tensor.quant {
        Some(q) if q.is_per_tensor() => Ok(TensorId(t)),
        Some(_) => Err(TfliteError::IoType {
            which,
            tensor: t,
            dtype: "INT8 with per-axis quantization".into(),
        }),
        None => Err(TfliteError::IoType {
            which,
            tensor: t,
            dtype: "INT8 without quantization".into(),
        }),
    }
}

fn bad(tensor: usize, why: impl Into<String>) -> TfliteError {
    TfliteError::BadTensor {
        tensor,
        why: why.into(),
    }
}

fn lower_tensor(
    raw: &RawModel<'_>,
    i: usize,
    t: &reader::RawTensor,
) -> Result<Tensor, TfliteError> {
    let dtype = match t.dtype {
        9 => ElementType::Int8,
        2 => ElementType::Int32,
        0 | 1 | 10 | 18 => {
            return Err(TfliteError::FloatModel {
                tensor: i,
                name: t.name.clone(),
                dtype: dtype_name(t.dtype),
            })
        }
        other => {
            return Err(bad(
                i,
                format!("type {} is not supported", dtype_name(other)),
            ))
        }
    };
    if t.is_variable || t.sparse || t.external {
        return Err(bad(
            i,
            "variable, sparse and external tensors are not supported",
        ));
    }
    let mut shape = Vec::with_capacity(t.shape.len());
    let mut elements: usize = 1;
    for &d in &t.shape {
        if d < 1 {
            return Err(bad(i, format!("dimension {d} in shape {:?}", t.shape)));
        }
        shape.push(d as usize);
        elements = elements
            .checked_mul(d as usize)
            .filter(|&e| e <= reader::MAX_TENSOR_ELEMENTS)
            .ok_or(TfliteError::Limit {
                what: "tensor elements",
                value: t
                    .shape
                    .iter()
                    .fold(1u64, |a, &d| a.saturating_mul(d as u64)),
                max: reader::MAX_TENSOR_ELEMENTS as u64,
            })?;
    }
    let buffer = raw
        .buffers
        .get(t.buffer as usize)
        .ok_or_else(|| bad(i, format!("buffer index {} out of range", t.buffer)))?;
    let data = if buffer.is_empty() {
        None
    } else {
        let width = match dtype {
            ElementType::Int8 => 1,
            ElementType::Int32 => 4,
        };
        if buffer.len() != elements * width {
            return Err(bad(
                i,
                format!(
                    "buffer has {} bytes, shape {:?} of {} needs {}",
                    buffer.len(),
                    t.shape,
                    dtype.name(),
                    elements * width
                ),
            ));
        }
        Some(match dtype {
            ElementType::Int8 => ConstData::Int8(buffer.iter().map(|&b| b as i8).collect()),
            ElementType::Int32 => ConstData::Int32(
                buffer
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
        })
    };
    let quant = match &t.quant {
        Some(q) if !q.scale.is_empty() => {
            if q.has_details {
                return Err(bad(i, "custom quantization details are not supported"));
            }
            if q.zero_point.len() != q.scale.len() {
                return Err(bad(
                    i,
                    "quantization has different numbers of scales and zero points",
                ));
            }
            if let Some(s) = q.scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
                return Err(bad(
                    i,
                    format!("quantization scale {s} is not finite and positive"),
                ));
            }
            let zero_points = q
                .zero_point
                .iter()
                .map(|&z| {
                    let ok = match dtype {
                        ElementType::Int8 => (-128..=127).contains(&z),
                        ElementType::Int32 => z == 0,
                    };
                    if ok {
                        Ok(z as i32)
                    } else {
                        Err(bad(
                            i,
                            format!("zero point {z} out of range for {}", dtype.name()),
                        ))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            let axis = if q.scale.len() == 1 {
                0
            } else {
                let a = usize::try_from(q.quantized_dimension)
                    .ok()
                    .filter(|&a| a < shape.len())
                    .ok_or_else(|| {
                        bad(
                            i,
                            format!("quantized dimension {} out of range", q.quantized_dimension),
                        )
                    })?;
                if shape[a] != q.scale.len() {
                    return Err(bad(
                        i,
                        format!(
                            "{} scales for dimension {a} of size {}",
                            q.scale.len(),
                            shape[a]
                        ),
                    ));
                }
                a
            };
            Some(Quantization {
                scales: q.scale.clone(),
                zero_points,
                axis,
            })
        }
        _ => None,
    };
    Ok(Tensor {
        name: t.name.clone(),
        shape,
        dtype,
        quant,
        data,
    })
}

/// One operator being lowered.
#[derive(Clone, Copy)]
struct OpCx<'a, 'b> {
    index: usize,
    name: &'static str,
    rop: &'a RawOperator<'b>,
    tensors: &'a [Tensor],
}

impl<'a, 'b> OpCx<'a, 'b> {
    fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    fn err(&self, why: impl Into<String>) -> TfliteError {
        TfliteError::UnsupportedOpParams {
            index: self.index,
            op: self.name,
            why: why.into(),
        }
    }

    fn t(&self, id: TensorId) -> &'a Tensor {
        &self.tensors[id.0]
    }

    fn resolve(&self, idx: i32, what: &str) -> Result<TensorId, TfliteError> {
        usize::try_from(idx)
            .ok()
            .filter(|&i| i < self.tensors.len())
            .map(TensorId)
            .ok_or_else(|| {
                TfliteError::Malformed(format!(
                    "operator {} ({}): {what} is tensor {idx}, out of range",
                    self.index, self.name
                ))
            })
    }

    /// Check the input and output counts: `min..=max` inputs, one output.
    fn arity(&self, min: usize, max: usize) -> Result<(), TfliteError> {
        let n = self.rop.inputs.len();
        if n < min || n > max || self.rop.outputs.len() != 1 {
            return Err(self.err(format!(
                "has {n} inputs and {} outputs (expected {min}..={max} and 1)",
                self.rop.outputs.len()
            )));
        }
        Ok(())
    }

    fn input(&self, k: usize) -> Result<TensorId, TfliteError> {
        self.resolve(self.rop.inputs[k], "an input")
    }

    /// An optional input: absent if missing or `-1`.
    fn optional_input(&self, k: usize) -> Result<Option<TensorId>, TfliteError> {
        match self.rop.inputs.get(k) {
            None | Some(-1) => Ok(None),
            Some(&i) => self.resolve(i, "an input").map(Some),
        }
    }

    fn output(&self) -> Result<TensorId, TfliteError> {
        self.resolve(self.rop.outputs[0], "the output")
    }

    /// An `int8`, per-tensor quantized, non-constant activation: its `(scale, zero point)`.
    fn activation(&self, id: TensorId, what: &str) -> Result<(f32, i32), TfliteError> {
        let t = self.t(id);
        if t.dtype != ElementType::Int8 {
            return Err(self.err(format!(
                "{what} (tensor {}) is {}, not INT8",
                id.0,
                t.dtype.name()
            )));
        }
        if t.data.is_some() {
            return Err(self.err(format!("{what} (tensor {}) is a constant", id.0)));
        }
        match &t.quant {
            Some(q) if q.is_per_tensor() => Ok((q.scale(), q.zero_point())),
            _ => Err(self.err(format!(
                "{what} (tensor {}) needs per-tensor quantization",
                id.0
            ))),
        }
    }

    fn nhwc(&self, id: TensorId, what: &str) -> Result<Nhwc, TfliteError> {
        let s = &self.t(id).shape;
        if s.len() != 4 {
            return Err(self.err(format!("{what} has shape {s:?}, not 4-d NHWC")));
        }
        Ok(Nhwc {
            n: s[0],
            h: s[1],
            w: s[2],
            c: s[3],
        })
    }

    /// The options table, which must have tag `tag` (absent options read as defaults).
    fn options(&self, tag: u8) -> Result<Option<Table<'b>>, TfliteError> {
        match (self.rop.options_type, self.rop.options) {
            (0, _) => Ok(None),
            (t, Some(o)) if t == tag => Ok(Some(o)),
            (t, _) => Err(TfliteError::Malformed(format!(
                "operator {} ({}) has options of union type {t}, expected {tag}",
                self.index, self.name
            ))),
        }
    }

    /// A constant `int8` weight tensor with symmetric (zero-point 0 unless `allow_zp`)
    /// quantization, per-tensor or per-axis along `axis`: its scales, one per index of `axis`.
    fn weights(&self, id: TensorId, axis: usize, allow_zp: bool) -> Result<Vec<f32>, TfliteError> {
        let t = self.t(id);
        if t.dtype != ElementType::Int8 || t.data.is_none() {
            return Err(self.err(format!(
                "weights (tensor {}) must be a constant INT8 tensor",
                id.0
            )));
        }
        let q = t
            .quant
            .as_ref()
            .ok_or_else(|| self.err(format!("weights (tensor {}) are not quantized", id.0)))?;
        if !q.is_per_tensor() && q.axis != axis {
            return Err(self.err(format!(
                "weights (tensor {}) are quantized along dimension {}, expected {axis}",
                id.0, q.axis
            )));
        }
        if !allow_zp && q.zero_points.iter().any(|&z| z != 0) {
            return Err(self.err(format!(
                "weights (tensor {}) have a non-zero zero point",
                id.0
            )));
        }
        let n = t.shape[axis];
        Ok(if q.is_per_tensor() {
            vec![q.scale(); n]
        } else {
            q.scales.clone()
        })
    }

    /// An optional constant `int32` bias of `n` elements.
    fn bias(&self, id: Option<TensorId>, n: usize) -> Result<Option<TensorId>, TfliteError> {
        let Some(id) = id else { return Ok(None) };
        let t = self.t(id);
        if t.dtype != ElementType::Int32 || t.data.is_none() || t.num_elements() != n {
            return Err(self.err(format!(
                "bias (tensor {}) must be a constant INT32 tensor of {n} elements",
                id.0
            )));
        }
        Ok(Some(id))
    }

    fn fused(&self, code: u8) -> Result<FusedActivation, TfliteError> {
        Ok(match code {
            0 => FusedActivation::None,
            1 => FusedActivation::Relu,
            2 => FusedActivation::ReluN1To1,
            3 => FusedActivation::Relu6,
            4 => return Err(self.err("fused activation TANH is not supported")),
            5 => return Err(self.err("fused activation SIGN_BIT is not supported")),
            c => {
                return Err(TfliteError::Malformed(format!(
                    "operator {}: activation code {c}",
                    self.index
                )))
            }
        })
    }

    /// `CalculateActivationRangeQuantized` for an `int8` output with `(scale, zero_point)`.
    fn act_range(
        &self,
        act: FusedActivation,
        scale: f32,
        zp: i32,
    ) -> Result<ActivationRange, TfliteError> {
        // kernel_util.cc `Quantize`: `zp + (int32)TfLiteRound(f / scale)` in float32.
        let quantize = |f: f32| -> Result<i32, TfliteError> {
            let tmp = (f / scale).round();
            if !(tmp >= i32::MIN as f32 && tmp <= i32::MAX as f32) {
                return Err(self.err("activation bound overflows int32"));
            }
            Ok(zp.saturating_add(tmp as i32))
        };
        let (min, max) = match act {
            FusedActivation::None => (INT8_MIN, INT8_MAX),
            FusedActivation::Relu => (INT8_MIN.max(quantize(0.0)?), INT8_MAX),
            FusedActivation::Relu6 => (INT8_MIN.max(quantize(0.0)?), INT8_MAX.min(quantize(6.0)?)),
            FusedActivation::ReluN1To1 => {
                (INT8_MIN.max(quantize(-1.0)?), INT8_MAX.min(quantize(1.0)?))
            }
        };
        if min > max {
            return Err(self.err(format!("empty activation range [{min}, {max}]")));
        }
        Ok(ActivationRange { min, max })
    }

    fn window(
        &self,
        padding: u8,
        stride: (i32, i32),
        dilation: (i32, i32),
        kernel: (usize, usize),
        input: Nhwc,
        output: Nhwc,
    ) -> Result<Window, TfliteError> {
        let padding = match padding {
            0 => Padding::Same,
            1 => Padding::Valid,
            p => {
                return Err(TfliteError::Malformed(format!(
                    "operator {}: padding code {p}",
                    self.index
                )))
            }
        };
        let pos = |v: i32, what: &str| -> Result<usize, TfliteError> {
            if (1..=1024).contains(&v) {
                Ok(v as usize)
            } else {
                Err(self.err(format!("{what} {v} out of range 1..=1024")))
            }
        };
        let (sh, sw) = (pos(stride.0, "stride")?, pos(stride.1, "stride")?);
        let (dh, dw) = (pos(dilation.0, "dilation")?, pos(dilation.1, "dilation")?);
        let (kh, kw) = kernel;
        if kh == 0 || kw == 0 || kh > 1024 || kw > 1024 {
            return Err(self.err(format!("kernel {kh}x{kw} out of range")));
        }
        // padding.h: effective filter size, output size, total padding, top/left = floor(total/2).
        let dim = |inp: usize, k: usize, s: usize, d: usize| -> Option<(usize, usize)> {
            let eff = (k - 1) * d + 1;
            let out = match padding {
                Padding::Same => inp.div_ceil(s),
                Padding::Valid => (inp + s).checked_sub(eff)? / s,
            };
            if out == 0 {
                return None;
            }
            let total = ((out - 1) * s + eff).saturating_sub(inp);
            Some((out, total / 2))
        };
        let (oh, pad_top) =
            dim(input.h, kh, sh, dh).ok_or_else(|| self.err("window larger than the input"))?;
        let (ow, pad_left) =
            dim(input.w, kw, sw, dw).ok_or_else(|| self.err("window larger than the input"))?;
        if output.h != oh || output.w != ow || output.n != input.n {
            return Err(self.err(format!(
                "output shape {}x{}x{} does not match the window's {}x{}x{}",
                output.n, output.h, output.w, input.n, oh, ow
            )));
        }
        Ok(Window {
            padding,
            kernel_h: kh,
            kernel_w: kw,
            stride_h: sh,
            stride_w: sw,
            dilation_h: dh,
            dilation_w: dw,
            pad_top,
            pad_left,
        })
    }

    /// Per-channel `QuantizeMultiplier((double)s_in * (double)s_w / (double)s_out)`.
    fn conv_multipliers(
        &self,
        s_in: f32,
        s_w: &[f32],
        s_out: f32,
    ) -> Result<Vec<QuantizedMultiplier>, TfliteError> {
        s_w.iter()
            .map(|&w| {
                let eff = s_in as f64 * w as f64 / s_out as f64;
                quantize_multiplier(eff)
                    .ok_or_else(|| self.err(format!("effective scale {eff} is not representable")))
            })
            .collect()
    }

    /// Refuse accumulators that could leave `int32` (C++ overflow, and a wrapped field element
    /// in the circuit): `bound << left_shift` must stay below 2^31.
    fn check_acc(&self, bound: i128, m: &QuantizedMultiplier) -> Result<(), TfliteError> {
        if !(-31..=30).contains(&m.shift) {
            return Err(self.err(format!("requantization shift {} outside -31..=30", m.shift)));
        }
        if bound << m.shift.max(0) >= I32_LIMIT {
            return Err(self.err(format!(
                "accumulator bound {bound} (left shift {}) may overflow int32",
                m.shift.max(0)
            )));
        }
        Ok(())
    }

    /// What CONV_2D and DEPTHWISE_CONV_2D read alike: tensors, quantization, the options table
    /// `table` (fused activation in slot `act_slot`, dilations in `dil_slots` = (w, h)), the
    /// filter's per-channel scales on `axis`, the window and the multipliers. `fits` checks the
    /// filter shape against the input and output; `sum_w(w, f, oc)` is `Σ|w|` of channel `oc`,
    /// for the accumulator bound.
    fn conv_like(
        &self,
        table: u8,
        act_slot: u64,
        dil_slots: (u64, u64),
        axis: usize,
        fits: impl Fn(Nhwc, Nhwc, Nhwc) -> bool,
        sum_w: impl Fn(&[i8], Nhwc, usize) -> i128,
    ) -> Result<ConvLike, TfliteError> {
        self.arity(2, 3)?;
        let (input, filter, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let bias = self.optional_input(2)?;
        let (s_in, zp_in) = self.activation(input, "input")?;
        let (s_out, zp_out) = self.activation(output, "output")?;
        let o = self.options(table)?;
        let get = |slot, d| o.map_or(Ok(d), |t| t.i32(slot, d));
        let padding = o.map_or(Ok(0), |t| t.u8(0, 0))?;
        let (stride_w, stride_h) = (get(1, 0)?, get(2, 0)?);
        let activation = self.fused(o.map_or(Ok(0), |t| t.u8(act_slot, 0))?)?;
        let (dil_w, dil_h) = (get(dil_slots.0, 1)?, get(dil_slots.1, 1)?);
        let in_shape = self.nhwc(input, "input")?;
        let out_shape = self.nhwc(output, "output")?;
        let f = self.nhwc(filter, "filter")?;
        let s_w = self.weights(filter, axis, false)?;
        if !fits(f, in_shape, out_shape) {
            return Err(self.err(format!(
                "filter {:?} does not fit input channels {} and output channels {}",
                self.t(filter).shape,
                in_shape.c,
                out_shape.c
            )));
        }
        let bias = self.bias(bias, out_shape.c)?;
        let window = self.window(
            padding,
            (stride_h, stride_w),
            (dil_h, dil_w),
            (f.h, f.w),
            in_shape,
            out_shape,
        )?;
        let multipliers = self.conv_multipliers(s_in, &s_w, s_out)?;
        let w = self.t(filter).const_i8().unwrap_or(&[]);
        for (oc, m) in multipliers.iter().enumerate() {
            let bound = sum_w(w, f, oc) * x_max(zp_in) + bias_abs(self.tensors, bias, oc);
            self.check_acc(bound, m)?;
        }
        Ok(ConvLike {
            input,
            filter,
            bias,
            output,
            in_shape,
            out_shape,
            filter_shape: f,
            window,
            input_zero_point: zp_in,
            output_zero_point: zp_out,
            multipliers,
            activation,
            act: self.act_range(activation, s_out, zp_out)?,
        })
    }

    fn conv2d(&self) -> Result<Conv2d, TfliteError> {
        // Filter [out_c, kh, kw, in_per_group], per-channel scales on axis 0.
        let c = self.conv_like(
            options::CONV_2D,
            3,
            (4, 5),
            0,
            |f, i, o| f.n == o.c && i.c % f.c == 0 && o.c % (i.c / f.c) == 0,
            |w, f, oc| {
                let per_oc = f.h * f.w * f.c;
                w[oc * per_oc..(oc + 1) * per_oc]
                    .iter()
                    .map(|&v| (v as i128).abs())
                    .sum()
            },
        )?;
        Ok(Conv2d {
            input: c.input,
            filter: c.filter,
            bias: c.bias,
            output: c.output,
            in_shape: c.in_shape,
            out_shape: c.out_shape,
            in_per_group: c.filter_shape.c,
            window: c.window,
            input_zero_point: c.input_zero_point,
            output_zero_point: c.output_zero_point,
            multipliers: c.multipliers,
            activation: c.activation,
            act: c.act,
        })
    }

    fn depthwise(&self) -> Result<DepthwiseConv2d, TfliteError> {
        // Filter [1, kh, kw, out_c], per-channel scales on axis 3.
        let c = self.conv_like(
            options::DEPTHWISE_CONV_2D,
            4,
            (5, 6),
            3,
            |f, i, o| f.n == 1 && f.c == o.c && o.c % i.c == 0,
            |w, f, oc| {
                w.iter()
                    .skip(oc)
                    .step_by(f.c)
                    .map(|&v| (v as i128).abs())
                    .sum()
            },
        )?;
        Ok(DepthwiseConv2d {
            input: c.input,
            filter: c.filter,
            bias: c.bias,
            output: c.output,
            in_shape: c.in_shape,
            out_shape: c.out_shape,
            depth_multiplier: c.out_shape.c / c.in_shape.c,
            window: c.window,
            input_zero_point: c.input_zero_point,
            output_zero_point: c.output_zero_point,
            multipliers: c.multipliers,
            activation: c.activation,
            act: c.act,
        })
    }

    fn fully_connected(&self) -> Result<FullyConnected, TfliteError> {
        self.arity(2, 3)?;
        let (input, weights, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let bias = self.optional_input(2)?;
        let (s_in, zp_in) = self.activation(input, "input")?;
        let (s_out, zp_out) = self.activation(output, "output")?;
        let o = self.options(options::FULLY_CONNECTED)?;
        let activation = self.fused(o.map_or(Ok(0), |t| t.u8(0, 0))?)?;
        if o.map_or(Ok(0), |t| t.u8(1, 0))? != 0 {
            return Err(self.err("shuffled weights format is not supported"));
        }
        let ws = &self.t(weights).shape;
        if ws.len() != 2 {
            return Err(self.err(format!("weights have shape {ws:?}, not [out, in]")));
        }
        let (out_depth, accum_depth) = (ws[0], ws[1]);
        let s_w = self.weights(weights, 0, true)?;
        let wq = self
            .t(weights)
            .quant
            .as_ref()
            .map(|q| (q.is_per_tensor(), q.zero_point()));
        let weights_zero_point = match wq {
            Some((true, z)) => z,
            _ => 0,
        };
        let in_len = self.t(input).num_elements();
        let out_t = self.t(output);
        if !in_len.is_multiple_of(accum_depth)
            || out_t.shape.last() != Some(&out_depth)
            || out_t.num_elements() != in_len / accum_depth * out_depth
        {
            return Err(self.err(format!(
                "input {:?}, weights {ws:?} and output {:?} do not fit",
                self.t(input).shape,
                out_t.shape
            )));
        }
        let bias = self.bias(bias, out_depth)?;
        let w = self.t(weights).const_i8().unwrap_or(&[]);
        let mut scales = Vec::with_capacity(out_depth);
        for (o_idx, &sw) in s_w.iter().enumerate() {
            let v = s_in as f64 * sw as f64 / s_out as f64;
            let s = DoubleScale::new(v)
                .ok_or_else(|| self.err(format!("effective scale {v} is not a normal double")))?;
            let sum_w: i128 = w[o_idx * accum_depth..(o_idx + 1) * accum_depth]
                .iter()
                .map(|&v| (v as i128 - weights_zero_point as i128).abs())
                .sum();
            let bound = sum_w * x_max(zp_in) + bias_abs(self.tensors, bias, o_idx);
            if bound >= I32_LIMIT || bound as f64 * v >= I32_LIMIT as f64 {
                return Err(self.err(format!("accumulator bound {bound} may overflow int32")));
            }
            scales.push(s);
        }
        Ok(FullyConnected {
            input,
            weights,
            bias,
            output,
            batches: in_len / accum_depth,
            accum_depth,
            out_depth,
            input_zero_point: zp_in,
            weights_zero_point,
            output_zero_point: zp_out,
            scales,
            activation,
            act: self.act_range(activation, s_out, zp_out)?,
        })
    }

    fn add(&self) -> Result<Add, TfliteError> {
        self.arity(2, 2)?;
        let (input1, input2, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let (s1, zp1) = self.activation(input1, "first input")?;
        let (s2, zp2) = self.activation(input2, "second input")?;
        let (s_out, zp_out) = self.activation(output, "output")?;
        let shape = &self.t(output).shape;
        if &self.t(input1).shape != shape || &self.t(input2).shape != shape {
            return Err(self.err("inputs and output must have the same shape (no broadcasting)"));
        }
        let o = self.options(options::ADD)?;
        let activation = self.fused(o.map_or(Ok(0), |t| t.u8(0, 0))?)?;
        // add.cc: `2 * std::max(float, float)` is float arithmetic, `(1 << 20) * float` too.
        let left_shift = 20u32;
        let twice_max = (2.0f32 * s1.max(s2)) as f64;
        let out_den = ((1u32 << left_shift) as f32 * s_out) as f64;
        let q = |m: f64| {
            quantize_multiplier_smaller_than_one(m)
                .ok_or_else(|| self.err(format!("multiplier {m} is not in (0, 1)")))
        };
        Ok(Add {
            input1,
            input2,
            output,
            len: self.t(output).num_elements(),
            input1_zero_point: zp1,
            input2_zero_point: zp2,
            output_zero_point: zp_out,
            left_shift,
            input1_multiplier: q(s1 as f64 / twice_max)?,
            input2_multiplier: q(s2 as f64 / twice_max)?,
            output_multiplier: q(twice_max / out_den)?,
            activation,
            act: self.act_range(activation, s_out, zp_out)?,
        })
    }

    fn pool(&self) -> Result<Pool2d, TfliteError> {
        self.arity(1, 1)?;
        let (input, output) = (self.input(0)?, self.output()?);
        let qi = self.activation(input, "input")?;
        let qo = self.activation(output, "output")?;
        if qi != qo {
            return Err(self.err("input and output quantization differ"));
        }
        let o = self.options(options::POOL_2D)?;
        let get = |slot| o.map_or(Ok(0), |t| t.i32(slot, 0));
        let padding = o.map_or(Ok(0), |t| t.u8(0, 0))?;
        let (stride_w, stride_h, fw, fh) = (get(1)?, get(2)?, get(3)?, get(4)?);
        let activation = self.fused(o.map_or(Ok(0), |t| t.u8(5, 0))?)?;
        let in_shape = self.nhwc(input, "input")?;
        let out_shape = self.nhwc(output, "output")?;
        if in_shape.c != out_shape.c {
            return Err(self.err("input and output channels differ"));
        }
        let k = |v: i32| usize::try_from(v).unwrap_or(0);
        let window = self.window(
            padding,
            (stride_h, stride_w),
            (1, 1),
            (k(fh), k(fw)),
            in_shape,
            out_shape,
        )?;
        Ok(Pool2d {
            input,
            output,
            in_shape,
            out_shape,
            window,
            activation,
            act: self.act_range(activation, qo.0, qo.1)?,
        })
    }

    fn mean(&self) -> Result<Mean, TfliteError> {
        self.arity(2, 2)?;
        let (input, axis, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let (s_in, zp_in) = self.activation(input, "input")?;
        let (s_out, zp_out) = self.activation(output, "output")?;
        let in_shape = self.nhwc(input, "input")?;
        let axes = self
            .t(axis)
            .const_i32()
            .ok_or_else(|| self.err("axis must be a constant INT32 tensor"))?;
        let mut norm: Vec<i32> = axes
            .iter()
            .map(|&a| if a < 0 { a + 4 } else { a })
            .collect();
        norm.sort_unstable();
        norm.dedup();
        if norm != [1, 2] {
            return Err(self.err(format!(
                "only the mean over axes [1, 2] of NHWC is supported, got {axes:?}"
            )));
        }
        let o = self.options(options::REDUCER)?;
        let keep_dims = o.map_or(Ok(0), |t| t.u8(0, 0))? != 0;
        let out = &self.t(output).shape;
        let expect: Vec<usize> = if keep_dims {
            vec![in_shape.n, 1, 1, in_shape.c]
        } else {
            vec![in_shape.n, in_shape.c]
        };
        if out != &expect {
            return Err(self.err(format!("output shape {out:?}, expected {expect:?}")));
        }
        let count = in_shape.h * in_shape.w;
        let base = quantize_multiplier(s_in as f64 / s_out as f64)
            .ok_or_else(|| self.err("input/output scale ratio is not representable"))?;
        // reduce.h QuantizedMeanOrSum: fold 1/count into the multiplier.
        let mut sh = 63 - (count as u64).leading_zeros() as i32;
        sh = sh.min(32).min(31 + base.shift);
        if sh < 0 {
            return Err(self.err("requantization shift out of range"));
        }
        let multiplier = QuantizedMultiplier {
            multiplier: (((base.multiplier as i64) << sh) / count as i64) as i32,
            shift: base.shift - sh,
        };
        self.check_acc(count as i128 * x_max(zp_in), &multiplier)?;
        Ok(Mean {
            input,
            output,
            in_shape,
            keep_dims,
            count,
            input_zero_point: zp_in,
            output_zero_point: zp_out,
            base_multiplier: base,
            multiplier,
        })
    }

    fn reshape(&self) -> Result<Reshape, TfliteError> {
        self.arity(1, 2)?;
        let (input, output) = (self.input(0)?, self.output()?);
        let qi = self.activation(input, "input")?;
        let qo = self.activation(output, "output")?;
        if qi != qo {
            return Err(self.err("input and output quantization differ"));
        }
        if self.t(input).num_elements() != self.t(output).num_elements() {
            return Err(self.err("input and output have different element counts"));
        }
        Ok(Reshape { input, output })
    }

    fn pad(&self) -> Result<Pad, TfliteError> {
        self.arity(2, 2)?;
        let (input, paddings, output) = (self.input(0)?, self.input(1)?, self.output()?);
        let qi = self.activation(input, "input")?;
        let qo = self.activation(output, "output")?;
        if qi != qo {
            return Err(self.err("input and output quantization differ"));
        }
        let in_shape = self.t(input).shape.clone();
        let p = self
            .t(paddings)
            .const_i32()
            .ok_or_else(|| self.err("paddings must be a constant INT32 tensor"))?;
        if p.len() != 2 * in_shape.len() {
            return Err(self.err("paddings must have shape [rank, 2]"));
        }
        let mut pads = Vec::with_capacity(in_shape.len());
        let mut out = Vec::with_capacity(in_shape.len());
        for (d, &n) in in_shape.iter().enumerate() {
            let (b, a) = (p[2 * d], p[2 * d + 1]);
            if !(0..=4096).contains(&b) || !(0..=4096).contains(&a) {
                return Err(self.err(format!("padding ({b}, {a}) out of range")));
            }
            pads.push((b as usize, a as usize));
            out.push(n + b as usize + a as usize);
        }
        if out != self.t(output).shape {
            return Err(self.err(format!(
                "output shape {:?}, expected {out:?}",
                self.t(output).shape
            )));
        }
        Ok(Pad {
            input,
            output,
            in_shape,
            paddings: pads,
            pad_value: qo.1 as i8,
        })
    }

    fn concatenation(&self) -> Result<Concatenation, TfliteError> {
        self.arity(1, reader::MAX_OP_ARITY)?;
        let output = self.output()?;
        let qo = self.activation(output, "output")?;
        let out_shape = &self.t(output).shape;
        let rank = out_shape.len() as i32;
        let o = self.options(options::CONCATENATION)?;
        let axis = o.map_or(Ok(0), |t| t.i32(0, 0))?;
        if self.fused(o.map_or(Ok(0), |t| t.u8(1, 0))?)? != FusedActivation::None {
            return Err(self.err("a fused activation is not supported"));
        }
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&axis) {
            return Err(self.err(format!("axis {axis} out of range for rank {rank}")));
        }
        let axis = axis as usize;
        let mut inputs = Vec::with_capacity(self.rop.inputs.len());
        let mut total = 0;
        for k in 0..self.rop.inputs.len() {
            let id = self.input(k)?;
            if self.activation(id, "input")? != qo {
                return Err(self.err("inputs must have the output's quantization"));
            }
            let s = &self.t(id).shape;
            if s.len() != out_shape.len()
                || s.iter()
                    .zip(out_shape)
                    .enumerate()
                    .any(|(d, (a, b))| d != axis && a != b)
            {
                return Err(self.err(format!(
                    "input shape {s:?} does not fit output {out_shape:?}"
                )));
            }
            total += s[axis];
            inputs.push(id);
        }
        if total != out_shape[axis] {
            return Err(self.err("input sizes along the axis do not add up to the output's"));
        }
        Ok(Concatenation {
            inputs,
            output,
            axis,
        })
    }
}

/// Largest `|x - zp|` for an `int8` x.
fn x_max(zp: i32) -> i128 {
    (INT8_MAX - zp).max(zp - INT8_MIN) as i128
}

/// The fields CONV_2D and DEPTHWISE_CONV_2D share (see `OpCx::conv_like`).
struct ConvLike {
    input: TensorId,
    filter: TensorId,
    bias: Option<TensorId>,
    output: TensorId,
    in_shape: Nhwc,
    out_shape: Nhwc,
    filter_shape: Nhwc,
    window: Window,
    input_zero_point: i32,
    output_zero_point: i32,
    multipliers: Vec<QuantizedMultiplier>,
    activation: FusedActivation,
    act: ActivationRange,
}

fn bias_abs(tensors: &[Tensor], bias: Option<TensorId>, oc: usize) -> i128 {
    bias.and_then(|b| tensors[b.0].const_i32())
        .and_then(|v| v.get(oc))
        .map_or(0, |&v| (v as i128).abs())
}
