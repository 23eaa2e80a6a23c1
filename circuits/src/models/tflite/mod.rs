//! Full-integer int8 TFLite models: a hostile-input-safe `.tflite` reader, the validated IR and an
//! exact integer interpreter matching ai-edge-litert 2.3's reference kernels (`BUILTIN_REF`).
//!
//! - [`reader`]: the FlatBuffers subset, bounds-checked, size-limited, typed errors.
//! - [`model`]: the validated IR ([`Model`]) with every derived integer constant; what the
//!   interpreter and the circuit compiler consume.
//! - [`fixedpoint`]: TFLite's fixed-point primitives as literal emulations of the C++.
//! - [`interp`]: the interpreter (the witness of a model circuit is its trace).
//! - [`npy`]: NumPy `.npy` files for tensors (inputs and outputs of `zkbio model infer`).
//!
//! Supported: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MAX_POOL_2D,
//! MEAN (spatial), RESHAPE, PAD, CONCATENATION with fused NONE/RELU/RELU6/RELU_N1_TO_1, on int8
//! activations with per-tensor quantization and int8 weights with per-tensor or per-channel
//! quantization. Everything else is refused when the model is loaded, naming the operator and
//! its index.
//!
//! **Oracle.** The semantics are ai-edge-litert 2.3's reference kernels
//! (`OpResolverType.BUILTIN_REF`), checked by `circuits/tests/tflite_litert.rs` against vectors
//! from `tests/tflite/gen_models.py`. In that version FULLY_CONNECTED requantizes in `double`
//! (`(int32)round((double)acc * scale)`); [`fixedpoint::round_mul_f64`] computes that exactly with
//! integers, so there is no input-dependent exception. The optimized kernels (and the phone's
//! TFLite, XNNPACK, NNAPI) may differ by one at ties: never use them as the witness.
//!
//! **Refused, and why** (each a typed [`TfliteError`] at load):
//! - other operators, CUSTOM ops, fused TANH/SIGN_BIT: not needed by the target models;
//! - float, float16, int16 and uint8 tensors; hybrid models; QUANTIZE/DEQUANTIZE: the model must
//!   be full-integer int8 end to end so that no float arithmetic is on the proven path;
//! - broadcasting ADD, MEAN over axes other than H and W, CONCATENATION or RESHAPE/PAD/POOL with
//!   rescaling between input and output: the converter does not emit them for the target
//!   architectures, and each would be another circuit;
//! - accumulators that could overflow `int32` (static bound from the constant weights), and
//!   requantization shifts outside `-31..=30`: C++ behaviour is undefined there;
//! - more than one subgraph, input or output; sparse, variable or external tensors; buffers
//!   stored outside the FlatBuffer (models over 2 GB);
//! - files over 64 MiB, tensors over 2^24 elements or of rank over 4.

pub mod circuit;
pub mod fixedpoint;
pub mod interp;
mod lower;
pub mod model;
pub mod npy;
pub mod reader;

pub use interp::{run, InterpError, Trace};
pub use model::{model_hash, Model, Op, OpKind, TensorId};
pub use reader::TfliteError;

#[cfg(test)]
mod tests;
