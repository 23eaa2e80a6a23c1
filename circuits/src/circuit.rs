//! The [`Circuit`] trait: one description of a statement, run by any [`Builder`].

use crate::builder::{Builder, R1cs, Recorder, Witness, WitnessBuilder};
use crate::gadgets::commitment::GeometryError;

/// Why synthesis stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthesisError {
    /// The caller asked to stop (see [`Builder::checkpoint`]).
    #[error("synthesis was cancelled")]
    Cancelled,
    /// The statement's shape cannot be committed to (see [`GeometryError`]).
    #[error("commitment geometry: {0}")]
    Geometry(#[from] GeometryError),
}

/// A statement to prove.
///
/// `synthesize` must lay out the same constraints whatever the input's values are (only its shape,
/// fixed by the circuit, may matter): [`crate::check::modes_agree`] tests exactly that.
pub trait Circuit {
    /// Everything the prover knows: private inputs and the values of the public inputs' sources.
    type Input;

    /// Number of public inputs (excluding the constant-one wire).
    fn public_count(&self) -> usize;

    /// An input of the right shape and arbitrary values, used when only the constraints matter.
    fn placeholder_input(&self) -> Self::Input;

    /// Lays out the circuit on `b`. Public inputs must be allocated first, in order.
    fn synthesize<B: Builder>(&self, b: &mut B, input: &Self::Input) -> Result<(), SynthesisError>;

    /// Records the constraint system (setup, export). Uses [`Circuit::placeholder_input`].
    fn to_r1cs(&self) -> Result<R1cs, SynthesisError> {
        let mut rec = Recorder::new();
        self.synthesize(&mut rec, &self.placeholder_input())?;
        Ok(rec.finish())
    }

    /// Computes the witness and every constraint's `A·z`, `B·z`, `C·z`.
    fn witness(&self, input: &Self::Input) -> Result<Witness, SynthesisError> {
        let mut wb = WitnessBuilder::new();
        self.synthesize(&mut wb, input)?;
        Ok(wb.finish())
    }
}
