//! Soundness harness shared by every gadget's tests: single-wire mutations of a valid assignment
//! must each violate some constraint.
//!
//! A wire that can change without breaking a constraint is either unconstrained or under-constrained:
//! both are soundness bugs (a prover could choose its value freely).

use crate::builder::R1cs;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_std::rand::{Rng, RngCore};

/// Outcome of a mutation campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutationReport {
    /// Mutations tried.
    pub trials: usize,
    /// Wires whose mutation no constraint noticed (empty for a sound circuit).
    pub accepted: Vec<usize>,
}

/// Mutates one random wire (never the constant one) of `z` to a random different value, `trials`
/// times, and records every mutation that leaves all constraints satisfied. `z` must satisfy `r1cs`.
///
/// # Panics
/// If `z` does not satisfy `r1cs` to begin with: the campaign would mean nothing.
pub fn mutate_wires(
    r1cs: &R1cs,
    z: &[Fr],
    trials: usize,
    rng: &mut impl RngCore,
) -> MutationReport {
    assert_eq!(z.len(), r1cs.n_wires, "assignment has the wrong length");
    assert_eq!(
        r1cs.first_violation(z),
        None,
        "the starting assignment must satisfy the system"
    );
    let by_wire = r1cs.constraints_by_wire();
    let mut z = z.to_vec();
    let mut accepted = Vec::new();
    for _ in 0..trials {
        let wire = rng.gen_range(1..r1cs.n_wires);
        let old = z[wire];
        let mut new = small_or_random(rng);
        if new == old {
            new += Fr::from(1u64);
        }
        z[wire] = new;
        let noticed = by_wire[wire]
            .iter()
            .any(|&k| !R1cs::holds(&r1cs.constraints[k as usize], &z));
        if !noticed {
            accepted.push(wire);
        }
        z[wire] = old;
    }
    MutationReport { trials, accepted }
}

/// Half the time a small value (0, 1, 2, -1: the ones most likely to slip past a weak gadget),
/// otherwise a uniformly random field element.
fn small_or_random(rng: &mut impl RngCore) -> Fr {
    match rng.gen_range(0..8) {
        0 => Fr::from(0u64),
        1 => Fr::from(1u64),
        2 => Fr::from(2u64),
        3 => -Fr::from(1u64),
        _ => Fr::rand(rng),
    }
}

/// Asserts that `trials` (at least 1,000) mutations of `z` are all rejected.
///
/// # Panics
/// On any accepted mutation, naming the wires.
pub fn assert_mutations_rejected(r1cs: &R1cs, z: &[Fr], trials: usize, rng: &mut impl RngCore) {
    assert!(
        trials >= 1000,
        "a soundness campaign needs at least 1,000 mutations"
    );
    let report = mutate_wires(r1cs, z, trials, rng);
    assert!(
        report.accepted.is_empty(),
        "{} of {} single-wire mutations satisfied every constraint (wires {:?})",
        report.accepted.len(),
        report.trials,
        &report.accepted[..report.accepted.len().min(20)]
    );
}
