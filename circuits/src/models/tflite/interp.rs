//! The exact integer interpreter: ai-edge-litert 2.3's `BUILTIN_REF` int8 kernels, bit for bit.
//!
//! [`run`] evaluates a validated [`Model`] on an `int8` input and returns every activation
//! tensor ([`Trace`]): the model's output, and the values a circuit's witness is built from.
//! Only integer arithmetic is used. The accumulators are computed in `i64` but the loader has
//! bounded them statically below 2^31, so they equal the C++ `int32` accumulators exactly.
//!
//! Each op lives in its own module; the requantization primitives are in
//! [`super::fixedpoint`].

mod add;
mod conv;
mod dense;
mod layout;
mod pool;

use super::model::{Model, OpKind, TensorId};

/// Why a model could not be evaluated on an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpError {
    /// The input does not have the model input's number of elements.
    #[error("input has {got} elements, the model input has {expected}")]
    InputLength {
        /// Elements of the model input.
        expected: usize,
        /// Elements given.
        got: usize,
    },
}

/// The values of every activation tensor after a run (`None` for constants and unused tensors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    values: Vec<Option<Vec<i8>>>,
    output: TensorId,
}

impl Trace {
    /// The value of an activation tensor, if the run computed it.
    pub fn value(&self, id: TensorId) -> Option<&[i8]> {
        self.values.get(id.0).and_then(|v| v.as_deref())
    }

    /// The model output, row-major in the output tensor's shape.
    pub fn output(&self) -> &[i8] {
        self.value(self.output).unwrap_or(&[])
    }

    /// The model output, by value.
    pub fn into_output(mut self) -> Vec<i8> {
        self.values
            .get_mut(self.output.0)
            .and_then(Option::take)
            .unwrap_or_default()
    }
}

/// Evaluate `model` on `input` (row-major, in the input tensor's shape).
pub fn run(model: &Model, input: &[i8]) -> Result<Trace, InterpError> {
    let expected = model.input_tensor().num_elements();
    if input.len() != expected {
        return Err(InterpError::InputLength {
            expected,
            got: input.len(),
        });
    }
    let mut values: Vec<Option<Vec<i8>>> = vec![None; model.tensors.len()];
    values[model.input.0] = Some(input.to_vec());
    for op in &model.ops {
        let get = |id: TensorId| -> &[i8] { values[id.0].as_deref().unwrap_or(&[]) };
        let out = match &op.kind {
            OpKind::Conv2d(o) => conv::conv2d(model, o, get(o.input)),
            OpKind::DepthwiseConv2d(o) => conv::depthwise(model, o, get(o.input)),
            OpKind::FullyConnected(o) => dense::fully_connected(model, o, get(o.input)),
            OpKind::Add(o) => add::add(o, get(o.input1), get(o.input2)),
            OpKind::AveragePool2d(o) => pool::average(o, get(o.input)),
            OpKind::MaxPool2d(o) => pool::max(o, get(o.input)),
            OpKind::Mean(o) => pool::mean(o, get(o.input)),
            OpKind::Reshape(o) => get(o.input).to_vec(),
            OpKind::Pad(o) => layout::pad(o, get(o.input)),
            OpKind::Concatenation(o) => {
                let parts: Vec<(&[i8], &[usize])> = o
                    .inputs
                    .iter()
                    .map(|&i| (get(i), model.tensor(i).shape.as_slice()))
                    .collect();
                layout::concatenation(o, &parts)
            }
        };
        values[op.kind.output().0] = Some(out);
    }
    Ok(Trace {
        values,
        output: model.output,
    })
}

/// Clamp a requantized value to the op's range and narrow it to `int8`.
fn clamp_i8(v: i64, min: i32, max: i32) -> i8 {
    v.clamp(min as i64, max as i64) as i8
}
