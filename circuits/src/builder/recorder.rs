//! Recording mode: builds the R1CS matrices (setup, export, tests). Never used on the phone.

use super::{Builder, Lc};
use ark_bn254::Fr;
use ark_ff::One;

/// One constraint `A·z * B·z = C·z`, each side a sorted list of `(wire, coefficient)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraint {
    /// Terms of A.
    pub a: Vec<(u32, Fr)>,
    /// Terms of B.
    pub b: Vec<(u32, Fr)>,
    /// Terms of C.
    pub c: Vec<(u32, Fr)>,
}

/// A rank-1 constraint system. Wire 0 is one, wires `1..=n_public` are the public inputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct R1cs {
    /// Total wires, including the constant one.
    pub n_wires: usize,
    /// Public inputs (wires `1..=n_public`).
    pub n_public: usize,
    /// The constraints, in the order the prover's witness evaluates them.
    pub constraints: Vec<Constraint>,
}

/// `Σ coeff·z[wire]`.
pub fn eval_terms(terms: &[(u32, Fr)], z: &[Fr]) -> Fr {
    terms.iter().map(|&(w, c)| z[w as usize] * c).sum()
}

impl R1cs {
    /// Index of the first constraint that `z` violates, if any.
    pub fn first_violation(&self, z: &[Fr]) -> Option<usize> {
        self.constraints.iter().position(|k| !Self::holds(k, z))
    }

    /// Whether constraint `k` holds under `z`.
    pub fn holds(k: &Constraint, z: &[Fr]) -> bool {
        eval_terms(&k.a, z) * eval_terms(&k.b, z) == eval_terms(&k.c, z)
    }

    /// For every wire, the constraints it appears in (used to re-check only what a change touches).
    pub fn constraints_by_wire(&self) -> Vec<Vec<u32>> {
        let mut by_wire = vec![Vec::new(); self.n_wires];
        for (i, k) in self.constraints.iter().enumerate() {
            for &(w, _) in k.a.iter().chain(&k.b).chain(&k.c) {
                let list: &mut Vec<u32> = &mut by_wire[w as usize];
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        by_wire
    }

    /// Size of the QAP evaluation domain snarkjs uses: the next power of two at or above
    /// `constraints + public inputs + 1` (one extra row per public input and the one wire).
    pub fn domain_size(&self) -> usize {
        (self.constraints.len() + self.n_public + 1).next_power_of_two()
    }
}

/// The recording [`Builder`]. It also carries the assignment it was run with, so tests can check it.
#[derive(Debug)]
pub struct Recorder {
    values: Vec<Fr>,
    n_public: usize,
    constraints: Vec<Constraint>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// An empty system holding only the constant-one wire.
    pub fn new() -> Self {
        Recorder {
            values: vec![Fr::one()],
            n_public: 0,
            constraints: Vec::new(),
        }
    }

    /// The recorded system.
    pub fn finish(self) -> R1cs {
        self.finish_with_assignment().0
    }

    /// The recorded system and the assignment the circuit was run with.
    pub fn finish_with_assignment(self) -> (R1cs, Vec<Fr>) {
        let r1cs = R1cs {
            n_wires: self.values.len(),
            n_public: self.n_public,
            constraints: self.constraints,
        };
        (r1cs, self.values)
    }

    fn push_wire(&mut self, value: Fr) -> Lc {
        let index = u32::try_from(self.values.len()).expect("more than 2^32 wires");
        self.values.push(value);
        Lc::wire(index)
    }
}

impl Builder for Recorder {
    type Lc = Lc;

    fn alloc_public(&mut self, value: Fr) -> Lc {
        assert_eq!(
            self.values.len(),
            self.n_public + 1,
            "public inputs must be allocated before private wires"
        );
        self.n_public += 1;
        self.push_wire(value)
    }

    fn alloc(&mut self, value: Fr) -> Lc {
        self.push_wire(value)
    }

    fn enforce(&mut self, a: &Lc, b: &Lc, c: &Lc) {
        self.constraints.push(Constraint {
            a: a.clone().into_terms(),
            b: b.clone().into_terms(),
            c: c.clone().into_terms(),
        });
    }

    fn value(&self, lc: &Lc) -> Fr {
        eval_terms(lc.raw_terms(), &self.values)
    }

    fn num_constraints(&self) -> usize {
        self.constraints.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "public inputs must be allocated before private wires")]
    fn public_after_private_is_a_circuit_bug() {
        let mut r = Recorder::new();
        r.alloc(Fr::from(0u64));
        r.alloc_public(Fr::from(0u64));
    }

    #[test]
    fn domain_counts_public_rows() {
        let mut r = Recorder::new();
        let x = r.alloc_public(Fr::from(3u64));
        let y = r.alloc(Fr::from(9u64));
        r.enforce(&x, &x, &y);
        let r1cs = r.finish();
        // 1 constraint + 1 public + 1 one-wire row = 3 -> 4.
        assert_eq!(r1cs.domain_size(), 4);
        assert_eq!(r1cs.n_wires, 3);
    }
}
