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
