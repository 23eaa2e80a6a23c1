//! The two-mode circuit builder.
//!
//! A gadget is a function generic over [`Builder`]. Its linear combinations have the builder's own
//! type [`Builder::Lc`]:
//! - [`Recorder`] (setup, export): a sparse combination of wires, [`Lc`]; `enforce` records the
//!   constraint into an [`R1cs`].
//! - [`WitnessBuilder`] (proving): just the combination's value, an [`Fr`]; `enforce` stores the
//!   three values, which are exactly the constraint's `A·z`, `B·z` and `C·z`, in compact
//!   [`Evaluations`]. No matrix exists.
//!
//! Wire 0 is the constant one; wires `1..=n_public` are the public inputs (snarkjs convention).

mod evaluations;
mod lc;
mod recorder;
mod witness;

pub use evaluations::Evaluations;
pub use lc::Lc;
pub use recorder::{eval_terms, Constraint, R1cs, Recorder};
pub use witness::{Witness, WitnessBuilder};

use crate::circuit::SynthesisError;
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInt, One, PrimeField, Zero};
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
    /// `Σ 2^i·bits[i]`.
    fn from_bits_le(bits: &[Self]) -> Self {
        sum_of_powers_of_two(bits)
    }
}

/// `Σ 2^i·bits[i]` term by term: [`LinearCombination::from_bits_le`]'s default, and `Fr`'s
/// when its inputs are not all bits.
fn sum_of_powers_of_two<L: LinearCombination>(bits: &[L]) -> L {
    let mut acc = L::zero();
    let mut pow = Fr::from(1u64);
    for bit in bits {
        acc.add_scaled(bit, pow);
        pow.double_in_place();
    }
    acc
}

impl LinearCombination for Fr {
    fn constant(c: Fr) -> Self {
        c
    }
    fn add_scaled(&mut self, other: &Self, coeff: Fr) {
        *self += *other * coeff;
    }
    /// The integer with those bits, converted once, when every value is 0 or 1 and the bits
    /// fit below the modulus (the field sum otherwise, so the value is the same for any input,
    /// a faulted one included).
    fn from_bits_le(bits: &[Fr]) -> Fr {
        let mut int = BigInt::<4>::zero();
        // Below the modulus's bit length, the packed integer is the field element itself.
        if bits.len() < Fr::MODULUS_BIT_SIZE as usize {
            let mut all_bits = true;
            for (i, bit) in bits.iter().enumerate() {
                if bit.is_one() {
                    int.0[i / 64] |= 1 << (i % 64);
                } else if !bit.is_zero() {
                    all_bits = false;
                    break;
                }
            }
            if let (true, Some(v)) = (all_bits, Fr::from_bigint(int)) {
                return v;
            }
        }
        sum_of_powers_of_two(bits)
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;

    /// The field sum the default method computes, written out independently.
    fn field_sum(bits: &[Fr]) -> Fr {
        bits.iter()
            .enumerate()
            .map(|(i, b)| *b * Fr::from(2u64).pow([i as u64]))
            .sum()
    }

    #[test]
    fn packed_bits_equal_the_field_sum_for_bits_and_for_any_other_value() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0usize, 1, 2, 63, 64, 65, 127, 128, 200, 252, 253, 254, 300] {
            let bits: Vec<Fr> = (0..n).map(|_| Fr::from(next() & 1)).collect();
            assert_eq!(Fr::from_bits_le(&bits), field_sum(&bits), "n = {n}");
            let all_ones = vec![Fr::one(); n];
            assert_eq!(Fr::from_bits_le(&all_ones), field_sum(&all_ones), "n = {n}");
            if n > 0 {
                // A value that is not a bit (a faulted wire) takes the field path.
                let mut faulted = bits.clone();
                faulted[n / 2] = Fr::from(3u64);
                assert_eq!(Fr::from_bits_le(&faulted), field_sum(&faulted), "n = {n}");
                faulted[n / 2] = -Fr::one();
                assert_eq!(Fr::from_bits_le(&faulted), field_sum(&faulted), "n = {n}");
            }
        }
    }
}
