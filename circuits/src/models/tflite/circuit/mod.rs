//! The TFLite circuit compiler: a validated [`Model`] laid out as constraints on a [`Builder`].
//!
//! [`synthesize_model`] walks the model's operators in execution order. Each operator is one
//! gadget, written once against [`Builder`], so the same code records the R1CS (setup, export) and
//! computes the witness (proving):
//! - `conv`: CONV_2D and DEPTHWISE_CONV_2D; `dense`: FULLY_CONNECTED; `add`: ADD;
//! - `pool`: AVERAGE_POOL_2D, MAX_POOL_2D and MEAN; `layout`: RESHAPE, PAD, CONCATENATION.
//!
//! **Tensors.** Every activation element travels as a [`Bounded`]: a linear combination with
//! static integer bounds. The model input's bounds come from its range check; every gadget derives
//! its outputs' bounds from its inputs' and the model's constants. Weights, zero points and biases
//! are circuit constants, so an accumulator `bias + Σ w·(x − zp)` is a free linear combination
//! whose exact interval is known at compile time; the requantization widths are taken from it, so
//! nothing wraps the field. Fused activations are part of the requantization's clamp.
//!
//! **Determinism.** The layout depends only on the model (never on input values), and the model
//! only on the file's bytes, so the same file gives the same R1CS byte for byte. Floats appear only
//! where the model loader derived its integer constants.
//!
//! **Cost.** [`OpCost`] reports the constraints each operator added and the elements it
//! requantized; [`constraint_table`] computes the table without storing any constraint.

mod add;
mod arith;
mod conv;
mod count;
mod dense;
mod layout;
mod pool;

pub use count::CountingBuilder;

use super::model::{Conv2d, Model, OpKind, TensorId};
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::quant::{Bounded, QuantError};
use ark_bn254::Fr;

/// A tensor in the circuit: row-major elements, each bounded.
pub type CircuitTensor<L> = Vec<Bounded<L>>;

/// Why a model cannot be laid out as a circuit. Depends only on the model, never on the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    /// The input has the wrong number of elements.
    #[error("the model input has {expected} elements, {got} were given")]
    InputLength {
        /// Elements of the model's input tensor.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// A quantized gadget refused its constants or bounds.
    #[error("operator {index} ({op}): {source}")]
    Quant {
        /// The operator's index in the file.
        index: usize,
        /// Its builtin name.
        op: &'static str,
        /// What the gadget refused.
        source: QuantError,
    },
    /// An operator's constants or tensors do not have the sizes its parameters imply.
    #[error("operator {index} ({op}): {what}")]
    Inconsistent {
        /// The operator's index in the file.
        index: usize,
        /// Its builtin name.
        op: &'static str,
        /// What is inconsistent.
        what: String,
    },
    /// The builder asked to stop (see [`Builder::checkpoint`]).
    #[error("synthesis was cancelled")]
    Cancelled,
    /// The model output's static bounds leave int8 (no supported operator does this).
    #[error("the model output's bounds [{lo}, {hi}] are not within int8")]
    OutputNotInt8 {
        /// Lowest possible value.
        lo: i128,
        /// Highest possible value.
        hi: i128,
    },
}

/// What one operator cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpCost {
    /// The operator's index in the file.
    pub index: usize,
    /// Its builtin name.
    pub op: &'static str,
    /// Output elements it requantized ([`Model::requantized_elements`]).
    pub requantized: usize,
    /// Constraints it added.
    pub constraints: usize,
}

impl OpCost {
    /// Constraints per requantized element, if the operator requantizes.
    pub fn per_element(&self) -> Option<f64> {
        (self.requantized > 0).then(|| self.constraints as f64 / self.requantized as f64)
    }
}

/// The model's output elements and what each operator cost.
#[derive(Debug, Clone)]
pub struct ModelCircuit<L> {
    /// The output tensor, row-major; every bound is within int8.
    pub output: CircuitTensor<L>,
    /// One entry per operator, in execution order.
    pub costs: Vec<OpCost>,
}

/// The context every op gadget gets: the operator's index and name, for errors.
#[derive(Clone, Copy)]
pub(crate) struct OpCtx {
    pub index: usize,
    pub op: &'static str,
}

impl OpCtx {
    pub(crate) fn quant(&self, source: QuantError) -> CompileError {
        CompileError::Quant {
            index: self.index,
            op: self.op,
            source,
        }
    }

    pub(crate) fn inconsistent(&self, what: impl Into<String>) -> CompileError {
        CompileError::Inconsistent {
            index: self.index,
            op: self.op,
            what: what.into(),
        }
    }

    /// `data`, checked to have `len` elements.
    pub(crate) fn sized<'a, T>(
        &self,
        data: Option<&'a [T]>,
        len: usize,
        what: &str,
    ) -> Result<&'a [T], CompileError> {
        match data {
            Some(d) if d.len() == len => Ok(d),
            Some(d) => {
                Err(self.inconsistent(format!("{what} has {} elements, expected {len}", d.len())))
            }
            None => Err(self.inconsistent(format!("{what} is missing"))),
        }
    }
}

/// Lays out `model` on `b`, reading the model input from `input` (row-major, already bounded, e.g.
/// range-checked int8), and returns the output elements and the cost of each operator.
///
/// The constraints depend only on the model and the input's bounds, never on its values.
pub fn synthesize_model<B: Builder>(
    b: &mut B,
    model: &Model,
    input: CircuitTensor<B::Lc>,
) -> Result<ModelCircuit<B::Lc>, CompileError> {
    let (mut values, costs) = synthesize_ops(b, model, input, model.ops.len())?;
    let output = values[model.output.0]
        .take()
        .ok_or(CompileError::Inconsistent {
            index: usize::MAX,
            op: "model",
            what: "no operator writes the model output".into(),
        })?;
    if let Some(x) = output.iter().find(|x| x.lo() < -128 || x.hi() > 127) {
        return Err(CompileError::OutputNotInt8 {
            lo: x.lo(),
            hi: x.hi(),
        });
    }
    Ok(ModelCircuit { output, costs })
}

/// The last operator of a model, a CONV_2D writing the model output, as its accumulators: what
/// [`synthesize_to_last_conv`] returns.
#[derive(Debug, Clone)]
pub struct LastConv<L> {
    /// `bias + Σ w·(x − zp)` per output element (row-major NHWC), free linear combinations with
    /// exact bounds; the model output is `clamp(MBQM(acc, multipliers[c]) + zp, act)`.
    pub accumulators: Vec<Bounded<L>>,
    /// The operator (multipliers, zero point and activation range per output channel).
    pub op: Conv2d,
    /// The cost of every operator before it.
    pub costs: Vec<OpCost>,
}

/// Lays out every operator of `model` but the last, which must be a CONV_2D writing the model
/// output, and returns that convolution's accumulators instead of requantizing them. For
/// statements that only test the output against constants: the requantization is monotone in
/// the accumulator, so such a test is a test of the accumulator against a threshold.
pub fn synthesize_to_last_conv<B: Builder>(
    b: &mut B,
    model: &Model,
    input: CircuitTensor<B::Lc>,
) -> Result<LastConv<B::Lc>, CompileError> {
    let last = model.ops.last().ok_or(CompileError::Inconsistent {
        index: usize::MAX,
        op: "model",
        what: "the model has no operator".into(),
    })?;
    let ctx = OpCtx {
        index: last.index,
        op: last.kind.name(),
    };
    let OpKind::Conv2d(op) = &last.kind else {
        return Err(ctx.inconsistent("the last operator is not CONV_2D"));
    };
    if op.output != model.output {
        return Err(ctx.inconsistent("the last operator does not write the model output"));
    }
    let (values, costs) = synthesize_ops(b, model, input, model.ops.len() - 1)?;
    let x = values
        .get(op.input.0)
        .and_then(Option::as_ref)
        .ok_or_else(|| ctx.inconsistent("its input is never written"))?;
    let accumulators = conv::conv2d_accumulators(b, ctx, model, op, x)?;
    Ok(LastConv {
        accumulators,
        op: op.clone(),
        costs,
    })
}

/// Tensor values after the first `n_ops` operators, and their costs.
#[allow(clippy::type_complexity)]
fn synthesize_ops<B: Builder>(
    b: &mut B,
    model: &Model,
    input: CircuitTensor<B::Lc>,
    n_ops: usize,
) -> Result<(Vec<Option<CircuitTensor<B::Lc>>>, Vec<OpCost>), CompileError> {
    let expected = model.input_tensor().num_elements();
    if input.len() != expected {
        return Err(CompileError::InputLength {
            expected,
            got: input.len(),
        });
    }
    let mut values: Vec<Option<CircuitTensor<B::Lc>>> = vec![None; model.tensors.len()];
    values[model.input.0] = Some(input);
    let mut costs = Vec::with_capacity(model.ops.len());
    for op in &model.ops[..n_ops] {
        let ctx = OpCtx {
            index: op.index,
            op: op.kind.name(),
        };
        let before = b.num_constraints();
        let get = |id: TensorId| -> Result<&CircuitTensor<B::Lc>, CompileError> {
            values.get(id.0).and_then(Option::as_ref).ok_or_else(|| {
                ctx.inconsistent(format!("tensor {} is read before it is written", id.0))
            })
        };
        let out = match &op.kind {
            OpKind::Conv2d(o) => conv::conv2d(b, ctx, model, o, get(o.input)?)?,
            OpKind::DepthwiseConv2d(o) => conv::depthwise(b, ctx, model, o, get(o.input)?)?,
            OpKind::FullyConnected(o) => dense::fully_connected(b, ctx, model, o, get(o.input)?)?,
            OpKind::Add(o) => add::add(b, ctx, o, get(o.input1)?, get(o.input2)?)?,
            OpKind::AveragePool2d(o) => pool::average(b, ctx, o, get(o.input)?)?,
            OpKind::MaxPool2d(o) => pool::max(b, ctx, o, get(o.input)?)?,
            OpKind::Mean(o) => pool::mean(b, ctx, o, get(o.input)?)?,
            OpKind::Reshape(o) => layout::reshape(ctx, model, o, get(o.input)?)?,
            OpKind::Pad(o) => layout::pad(ctx, o, get(o.input)?)?,
            OpKind::Concatenation(o) => {
                let parts = o
                    .inputs
                    .iter()
                    .map(|&i| Ok((get(i)?, model.tensor(i).shape.as_slice())))
                    .collect::<Result<Vec<_>, CompileError>>()?;
                layout::concatenation(ctx, o, &parts)?
            }
        };
        let out_id = op.kind.output();
        let want = model.tensor(out_id).num_elements();
        if out.len() != want {
            return Err(ctx.inconsistent(format!(
                "produced {} elements, its output tensor has {want}",
                out.len()
            )));
        }
        values[out_id.0] = Some(out);
        costs.push(OpCost {
            index: op.index,
            op: ctx.op,
            requantized: model.requantized_elements(op),
            constraints: b.num_constraints() - before,
        });
    }
    Ok((values, costs))
}

/// The constraint cost of each operator of `model` on an int8 input, computed with a
/// [`CountingBuilder`] (no constraint is stored, so this is cheap even for large models).
pub fn constraint_table(model: &Model) -> Result<Vec<OpCost>, CompileError> {
    let mut b = CountingBuilder::new();
    let input = int8_placeholder::<CountingBuilder>(&mut b, model.input_tensor().num_elements())?;
    Ok(synthesize_model(&mut b, model, input)?.costs)
}

/// `n` fresh wires bounded to int8 without a range check: only for counting, where the values
/// never matter.
fn int8_placeholder<B: Builder>(b: &mut B, n: usize) -> Result<CircuitTensor<B::Lc>, CompileError> {
    (0..n)
        .map(|_| {
            let w = b.alloc(Fr::from(0u64));
            Bounded::assume(w, -128, 127).map_err(|source| CompileError::Quant {
                index: usize::MAX,
                op: "input",
                source,
            })
        })
        .collect()
}

/// Each element's value as an integer, for [`Accumulator::add`] (one field-to-integer
/// conversion per element and op, not one field multiplication per use).
pub(crate) fn int_values<B: Builder>(
    b: &B,
    ctx: OpCtx,
    x: &CircuitTensor<B::Lc>,
) -> Result<Vec<i64>, CompileError> {
    x.iter()
        .map(|e| {
            i64::try_from(e.value(b))
                .map_err(|_| ctx.inconsistent("an input's bounds exceed 64 bits"))
        })
        .collect()
}

/// `Σ w_i·(x_i − zp) + bias` as a free linear combination with its exact interval.
///
/// The terms are kept until [`Accumulator::finish`], which sums them with
/// [`Builder::small_sum`]: witness generation then adds integers.
pub(crate) struct Accumulator<'x, L> {
    terms: Vec<(&'x L, i64, i64)>,
    constant: i128,
    lo: i128,
    hi: i128,
}

impl<'x, L: LinearCombination> Accumulator<'x, L> {
    /// The constant `bias`.
    pub(crate) fn new(bias: i128) -> Self {
        Accumulator {
            terms: Vec::new(),
            constant: bias,
            lo: bias,
            hi: bias,
        }
    }

    /// Adds `w·(x − zp)`, where `value` is `x`'s value ([`int_values`]). Bounds are exact per
    /// term: the sum's interval is the sum of the terms' intervals, which is tight because the
    /// terms' inputs vary independently.
    pub(crate) fn add(&mut self, w: i64, x: &'x Bounded<L>, value: i64, zp: i128) {
        if w == 0 {
            return;
        }
        self.terms.push((x.lc(), w, value));
        let w = i128::from(w);
        // Saturating: an absurd bound then fails `Bounded::assume`'s width check, never wraps.
        self.constant = self.constant.saturating_sub(w.saturating_mul(zp));
        let a = w.saturating_mul(x.lo().saturating_sub(zp));
        let c = w.saturating_mul(x.hi().saturating_sub(zp));
        self.lo = self.lo.saturating_add(a.min(c));
        self.hi = self.hi.saturating_add(a.max(c));
    }

    /// The accumulator as a bounded value.
    pub(crate) fn finish<B: Builder<Lc = L>>(self, b: &B) -> Result<Bounded<L>, QuantError> {
        let lc = b.small_sum(self.terms.iter().copied());
        Bounded::assume(lc + L::constant(Fr::from(self.constant)), self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests;
