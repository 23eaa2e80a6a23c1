//! Sparse linear combinations for the recording builder.

use super::LinearCombination;
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use std::ops::{Add, Mul, Neg, Sub};

/// A linear combination `Σ coeff·wire` over the wires of a [`super::Recorder`]; wire 0 is one.
///
/// Terms are appended lazily and merged (sorted by wire, like terms added, zeros dropped) when the
/// list has doubled since the last merge, so long sums cost `O(n log n)`, not `O(n²)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lc {
    terms: Vec<(u32, Fr)>,
    merged_len: usize,
}

impl Lc {
    /// The combination `1·wire`.
    pub fn wire(wire: u32) -> Self {
        Lc {
            terms: vec![(wire, Fr::one())],
            merged_len: 1,
        }
    }

    /// Sorted, merged terms with no zero coefficient.
    pub fn into_terms(mut self) -> Vec<(u32, Fr)> {
        self.merge();
        self.terms
    }

    /// The terms as they are stored (possibly unmerged).
    pub fn raw_terms(&self) -> &[(u32, Fr)] {
        &self.terms
    }

    fn merge(&mut self) {
        self.terms.sort_unstable_by_key(|t| t.0);
        let mut out: Vec<(u32, Fr)> = Vec::with_capacity(self.terms.len());
        for &(w, c) in &self.terms {
            match out.last_mut() {
                Some(last) if last.0 == w => last.1 += c,
                _ => out.push((w, c)),
            }
        }
        out.retain(|t| !t.1.is_zero());
        self.merged_len = out.len();
        self.terms = out;
    }

    fn maybe_merge(&mut self) {
        if self.terms.len() > 2 * self.merged_len + 32 {
            self.merge();
        }
    }
}

impl LinearCombination for Lc {
    fn constant(c: Fr) -> Self {
        if c.is_zero() {
            return Lc::default();
        }
        Lc {
            terms: vec![(0, c)],
            merged_len: 1,
        }
    }

    fn add_scaled(&mut self, other: &Self, coeff: Fr) {
        if coeff.is_zero() {
            return;
        }
        self.terms
            .extend(other.terms.iter().map(|&(w, c)| (w, c * coeff)));
        self.maybe_merge();
    }
}

impl Add for Lc {
    type Output = Lc;
    fn add(mut self, rhs: Lc) -> Lc {
        self.terms.extend(rhs.terms);
        self.maybe_merge();
        self
    }
}

impl Sub for Lc {
    type Output = Lc;
    fn sub(self, rhs: Lc) -> Lc {
        self + (-rhs)
    }
}

impl Neg for Lc {
    type Output = Lc;
    fn neg(mut self) -> Lc {
        for t in &mut self.terms {
            t.1 = -t.1;
        }
        self
    }
}

impl Mul<Fr> for Lc {
    type Output = Lc;
    fn mul(mut self, rhs: Fr) -> Lc {
        if rhs.is_zero() {
            return Lc::default();
        }
        for t in &mut self.terms {
            t.1 *= rhs;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_like_terms_and_drops_zeros() {
        let mut lc = Lc::wire(3) + Lc::wire(1) * Fr::from(2u64);
        for _ in 0..100 {
            lc.add_scaled(&Lc::wire(3), Fr::from(1u64));
        }
        lc = lc - Lc::wire(1) * Fr::from(2u64);
        assert_eq!(lc.into_terms(), vec![(3, Fr::from(101u64))]);
    }
}
