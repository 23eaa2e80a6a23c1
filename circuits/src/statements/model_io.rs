//! The generic model statement: "I know an input opening `C_in`, and this model's output on it
//! opens `C_out`", bound to `binding`.
//!
//! Public inputs, in order: `C_in`, `C_out`, `binding` (docs/PROTOCOL.md, "Model statement").
//! - `C_in = Commit(Int8Tensor, input shape, [x + 128]; salt_in)`, the model input;
//! - `C_out = Commit(Int8Tensor, output shape, [y + 128]; salt_out)`, with `y` the model's output
//!   on `x`, exactly as ai-edge-litert 2.3's reference kernels compute it;
//! - `binding`, constrained by `binding·binding = binding_sq` like every statement's.
//!
//! The salts are private. The model is the circuit: its weights are constants, so a verifying key
//! belongs to one model file (its keccak256, [`Model::hash`], is the registry's model hash).
//!
//! The input's elements are allocated as the 8 bits of `x + 128` ([`alloc_int8`]): that is both
//! the int8 range check the circuit needs and the committed byte. The output's bytes `y + 128`
//! are free linear combinations of the requantized outputs, whose values the circuit already
//! pins to `[-128, 127]`.

use crate::builder::{Builder, LinearCombination};
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::commitment::{
    alloc_int8, commit_int8_tensor, commit_int8_tensor_gadget, Geometry, GeometryError,
};
use crate::gadgets::equality::enforce_equal;
use crate::gadgets::quant::Bounded;
use crate::models::tflite::circuit::{constraint_table, synthesize_model, CompileError, OpCost};
use crate::models::tflite::{interp, Model};
use ark_bn254::Fr;
use std::sync::Arc;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a model cannot be the statement's circuit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelIoError {
    /// The compiler refused the model.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The input or output shape cannot be a commitment's geometry (e.g. rank above 4).
    #[error("tensor shape: {0}")]
    Geometry(#[from] GeometryError),
}

/// An input of the wrong size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the input has {got} elements, the model input {shape:?} has {expected}")]
pub struct InputError {
    /// Elements given.
    pub got: usize,
    /// Elements of the model input.
    pub expected: usize,
    /// The model input's shape.
    pub shape: Vec<usize>,
}

/// The statement for one model.
#[derive(Debug, Clone)]
pub struct ModelIo {
    model: Arc<Model>,
    input_shape: Geometry,
    output_shape: Geometry,
    costs: Vec<OpCost>,
}

/// The prover's knowledge: the input tensor, both salts and the binding. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ModelIoInput {
    input: Vec<i8>,
    salt_in: Fr,
    salt_out: Fr,
    #[zeroize(skip)]
    binding: Fr,
}

redacted_debug!(ModelIoInput);

/// Public input values `[C_in, C_out, binding]`.
pub type ModelIoPublic = [Fr; 3];

impl ModelIo {
    /// The statement for `model`, after checking that it compiles (the layout depends only on the
    /// model, so synthesis cannot fail afterwards) and that its shapes are commitment geometries.
    pub fn new(model: Arc<Model>) -> Result<Self, ModelIoError> {
        let input_shape = Geometry::new(&model.input_tensor().shape)?;
        let output_shape = Geometry::new(&model.output_tensor().shape)?;
        let costs = constraint_table(&model)?;
        Ok(ModelIo {
            model,
            input_shape,
            output_shape,
            costs,
        })
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Constraints per operator (the model's part of the circuit).
    pub fn costs(&self) -> &[OpCost] {
        &self.costs
    }

    /// Builds an input, checking its size. `input` is row-major in the model input's shape.
    pub fn input(
        &self,
        input: Vec<i8>,
        salt_in: Fr,
        salt_out: Fr,
        binding: Fr,
    ) -> Result<ModelIoInput, InputError> {
        let expected = self.model.input_tensor().num_elements();
        if input.len() != expected {
            return Err(InputError {
                got: input.len(),
                expected,
                shape: self.model.input_tensor().shape.clone(),
            });
        }
        Ok(ModelIoInput {
            input,
            salt_in,
            salt_out,
            binding,
        })
    }

    /// The model's output on `input` (the interpreter, not the circuit).
    pub fn output(&self, input: &ModelIoInput) -> Vec<i8> {
        interp::run(&self.model, &input.input)
            .map(interp::Trace::into_output)
            // `input()` checked the length, the only way `run` fails.
            .unwrap_or_default()
    }

    /// The public inputs `[C_in, C_out, binding]` for `input`.
    pub fn public_inputs(&self, input: &ModelIoInput) -> ModelIoPublic {
        let output = self.output(input);
        [
            commit_or_zero(&self.input_shape, &input.input, input.salt_in),
            commit_or_zero(&self.output_shape, &output, input.salt_out),
            input.binding,
        ]
    }

    /// Lays out the statement claiming `public` as its public inputs. With
    /// [`ModelIo::public_inputs`] this is [`Circuit::synthesize`]; any other claim leaves the
    /// witness unsatisfiable (tests use it to check exactly that).
    pub fn synthesize_claiming<B: Builder>(
        &self,
        b: &mut B,
        input: &ModelIoInput,
        public: ModelIoPublic,
    ) -> Result<(), SynthesisError> {
        let [c_in_v, c_out_v, binding_v] = public;
        let c_in = b.alloc_public(c_in_v);
        let c_out = b.alloc_public(c_out_v);
        let binding = b.alloc_public(binding_v);
        // A public input in no constraint would not affect verification: square it.
        let binding_sq = b.alloc(binding_v * binding_v);
        b.enforce(&binding, &binding, &binding_sq);

        let mut bytes = Vec::with_capacity(input.input.len());
        let mut values = Vec::with_capacity(input.input.len());
        for (i, &q) in input.input.iter().enumerate() {
            if i % 4096 == 0 {
                b.checkpoint()?;
            }
            let w = alloc_int8(b, q);
            bytes.push(w.byte);
            values.push(Bounded::assume(w.value, -128, 127).expect("int8 bounds are valid"));
        }
        let salt_in = b.alloc(input.salt_in);
        let salt_out = b.alloc(input.salt_out);
        let c = commit_int8_tensor_gadget(b, &self.input_shape, &bytes, &salt_in)?;
        enforce_equal(b, &c, &c_in);

        let circuit = match synthesize_model(b, &self.model, values) {
            Ok(c) => c,
            Err(CompileError::Cancelled) => return Err(SynthesisError::Cancelled),
            // `new` compiled this model with the same, value-independent layout.
            Err(e) => panic!("a model that compiled in ModelIo::new failed to compile: {e}"),
        };
        b.checkpoint()?;
        let offset = B::Lc::constant(Fr::from(128u64));
        // Bytes y + 128: in [0, 256) because every output bound is within int8 (checked by
        // `synthesize_model`), so the packing stays injective.
        let out_bytes: Vec<B::Lc> = circuit
            .output
            .iter()
            .map(|y| y.lc().clone() + offset.clone())
            .collect();
        let c = commit_int8_tensor_gadget(b, &self.output_shape, &out_bytes, &salt_out)?;
        enforce_equal(b, &c, &c_out);
        Ok(())
    }
}

/// `commit_int8_tensor`, whose only error (values not filling the shape) the statement rules out.
fn commit_or_zero(shape: &Geometry, values: &[i8], salt: Fr) -> Fr {
    commit_int8_tensor(shape, values, salt).unwrap_or(Fr::from(0u64))
}

impl Circuit for ModelIo {
    type Input = ModelIoInput;

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> ModelIoInput {
        ModelIoInput {
            input: vec![0; self.model.input_tensor().num_elements()],
            salt_in: Fr::from(0u64),
            salt_out: Fr::from(0u64),
            binding: Fr::from(0u64),
        }
    }

    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &ModelIoInput,
    ) -> Result<(), SynthesisError> {
        self.synthesize_claiming(b, input, self.public_inputs(input))
    }
}
