//! The two-mode circuit builder.
//!
//! A gadget is a function generic over [`Builder`]. Its linear combinations have the builder's own
//! type [`Builder::Lc`]:
//! - [`Recorder`] (setup, export): a sparse combination of wires, [`Lc`]; `enforce` records the
//!   constraint into an [`R1cs`].
//! - [`WitnessBuilder`] (proving): just the combination's value, an [`Fr`]; `enforce` stores the
//!   three values, which are exactly the constraint's `A·z`, `B·z` and `C·z`. No matrix exists.
//!
//! Wire 0 is the constant one; wires `1..=n_public` are the public inputs (snarkjs convention).

mod lc;
mod recorder;
mod witness;

pub use lc::Lc;
pub use recorder::{eval_terms, Constraint, R1cs, Recorder};
pub use witness::{Witness, WitnessBuilder};

use crate::circuit::SynthesisError;
use ark_bn254::Fr;
use std::ops::{Add, Mul, Neg, Sub};

/// Operations every builder's linear-combination type supports.
pub trait LinearCombination:
    Clone + Add<Output = Self> + Sub<Output = Self> + Neg<Output = Self> + Mul<Fr, Output = Self>
{
    /// The constant `c` (a multiple of wire 0).
    fn constant(c: Fr) -> Self;
    /// The zero combination.
    fn zero() -> Self {
        Self::constant(Fr::from(0u64))
    }
    /// `self += coeff * other`, without cloning `other`.
    fn add_scaled(&mut self, other: &Self, coeff: Fr);
}

impl LinearCombination for Fr {
    fn constant(c: Fr) -> Self {
        c
    }
    fn add_scaled(&mut self, other: &Self, coeff: Fr) {
        *self += *other * coeff;
    }
}

/// A constraint system under construction, in one of two modes (see the module docs).
pub trait Builder {
    /// How this builder represents a linear combination of wires.
    type Lc: LinearCombination;

    /// Allocates the next public input. All public inputs come before any private wire.
    ///
    /// # Panics
    /// If a private wire was allocated already: the circuit's code is wrong, whatever its input.
    fn alloc_public(&mut self, value: Fr) -> Self::Lc;

    /// Allocates a private wire holding `value` (ignored where values do not matter).
    fn alloc(&mut self, value: Fr) -> Self::Lc;

    /// Adds the constraint `a * b = c`.
    fn enforce(&mut self, a: &Self::Lc, b: &Self::Lc, c: &Self::Lc);

    /// The value of `lc` under the current assignment.
    fn value(&self, lc: &Self::Lc) -> Fr;

    /// Number of constraints so far.
    fn num_constraints(&self) -> usize;

    /// Called by long gadgets between units of work, so a caller can cancel or watch progress.
    fn checkpoint(&mut self) -> Result<(), SynthesisError> {
        Ok(())
    }

    /// Declares every wire of `lc` a free input of the statement: a private value the prover
    /// chooses (a pixel's bits, a mask bit, a salt), so any value of it that satisfies the
    /// constraints is legitimate. Only analysis builders read it ([`crate::fault`] reports an
    /// accepted fault on any other wire as a soundness bug); the default does nothing, so it costs
    /// the prover nothing.
    fn mark_free_input(&mut self, _lc: &Self::Lc) {}

    /// `Σ coeff·x` over `(x, coeff, value)` terms, where `value` is `x`'s value as an integer,
    /// known to the caller (a pixel, a mask bit): the same combination as adding each term with
    /// [`LinearCombination::add_scaled`], which is what this default does.
    ///
    /// [`WitnessBuilder`] sums the integers instead: one conversion to the field for the whole
    /// sum, not a field multiplication per term, which is most of a filter response's cost
    /// in witness generation. Analysis builders keep the default, so a faulted wire's value
    /// still flows through the combination ([`crate::fault`] depends on it).
    fn small_sum<'a, I>(&self, terms: I) -> Self::Lc
    where
        I: IntoIterator<Item = (&'a Self::Lc, i64, i64)>,
        Self::Lc: 'a,
    {
        let mut acc = Self::Lc::zero();
        for (x, coeff, _) in terms {
            acc.add_scaled(x, Fr::from(coeff));
        }
        acc
    }
}
