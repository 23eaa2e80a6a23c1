//! Fault injection: a third [`Builder`] that runs a circuit's own code with one allocated value
//! replaced, lets the code recompute everything after it from the faulted value (public outputs
//! included), and checks the recorded constraints against the resulting assignment.
//!
//! [`crate::soundness`] mutates one wire of a finished assignment. That misses a missing
//! constraint whose effect flows into a hash: change an unconstrained wire that feeds Poseidon and
//! the S-box constraints after it break, so the mutation looks rejected although a prover who
//! recomputes the hash (and the public output) from the changed wire satisfies everything. Here
//! the circuit's code does that recomputation, so such a wire is accepted and reported.
//!
//! How one fault is checked ([`FaultCampaign::inject`]):
//! 1. the honest layout is recorded once with [`crate::Recorder`] (the layout does not depend on
//!    values: [`crate::check::modes_agree`] tests that);
//! 2. [`FaultBuilder`] reruns the circuit in value mode with wire `w` set to the faulted value;
//!    every later `alloc` gets what the code computes from it;
//! 3. public inputs are allocated first, from values the statement computes natively, so they
//!    cannot follow the fault by themselves: each public input that some constraint determines
//!    linearly (e.g. `enforce_equal(commitment, C_img)`) is solved from that constraint and the
//!    circuit is run again with the solved values, until they are stable (if the code computes no
//!    private wire from a public input's value, which is checked once per campaign, the solved
//!    values are written in without a second run). A public input that no constraint determines
//!    linearly (e.g. `binding`, only squared) keeps its value;
//! 4. the recorded constraints (what a key for the circuit encodes) are evaluated on the final
//!    assignment; a run that allocates another number of wires or constraints is reported as
//!    [`FaultOutcome::LayoutChanged`].
//!
//! Faulted runs compute values only, so one costs what witness generation costs.
//!
//! A fault that satisfies every constraint is legitimate only on a **free input** of the
//! statement: a private value the prover chooses (pixel bits, mask bits, salts), which the
//! statement declares with [`Builder::mark_free_input`]. An accepted fault anywhere else is a
//! soundness bug: [`FaultReport::holes`] lists those wires.
//!
//! If the circuit's code panics on a faulted value (or stops with an error), the fault counts as
//! rejected by the code: no witness comes out of it.

use crate::builder::{eval_terms, Builder, Lc, R1cs, Recorder, WitnessBuilder};
use crate::circuit::{Circuit, SynthesisError};
use ark_bn254::Fr;
use ark_ff::{Field, PrimeField, Zero};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs at most this many passes to let the solved public inputs settle (two suffice unless the
/// circuit's code reads a public input's value to compute another one).
const MAX_PASSES: usize = 4;

/// The value-mode [`Builder`] with one allocated value overridden (and, optionally, the public
/// inputs' values).
///
/// Wire `w` (wire 0 is the constant one, so the `k`-th allocation is wire `k + 1`) gets the
/// faulted value whatever the code asked for; everything else is what the code computes.
#[derive(Debug)]
pub struct FaultBuilder {
    inner: WitnessBuilder,
    next_wire: usize,
    fault_wire: usize,
    fault_value: Fr,
    public_values: Vec<Option<Fr>>,
}

impl FaultBuilder {
    /// A builder that sets wire `wire` to `value`.
    pub fn new(wire: u32, value: Fr) -> Self {
        FaultBuilder {
            inner: WitnessBuilder::new(),
            next_wire: 1,
            fault_wire: wire as usize,
            fault_value: value,
            public_values: Vec::new(),
        }
    }

    /// Also overrides public input `i` (0-based, so wire `i + 1`) with `values[i]` where it is
    /// `Some`. The faulted wire keeps its faulted value.
    pub fn with_public_values(mut self, values: Vec<Option<Fr>>) -> Self {
        self.public_values = values;
        self
    }

    /// The faulted assignment and the circuit's own evaluation of every constraint.
    pub fn finish(self) -> crate::builder::Witness {
        self.inner.finish()
    }

    fn pick(&mut self, computed: Fr, public: bool) -> Fr {
        let wire = self.next_wire;
        self.next_wire += 1;
        if wire == self.fault_wire {
            self.fault_value
        } else if public {
            self.public_values
                .get(wire - 1)
                .copied()
                .flatten()
                .unwrap_or(computed)
        } else {
            computed
        }
    }
}

impl Builder for FaultBuilder {
    type Lc = Fr;

    fn alloc_public(&mut self, value: Fr) -> Fr {
        let value = self.pick(value, true);
        self.inner.alloc_public(value)
    }

    fn alloc(&mut self, value: Fr) -> Fr {
        let value = self.pick(value, false);
        self.inner.alloc(value)
    }

    fn enforce(&mut self, a: &Fr, b: &Fr, c: &Fr) {
        self.inner.enforce(a, b, c)
    }

    fn value(&self, lc: &Fr) -> Fr {
        *lc
    }

    fn num_constraints(&self) -> usize {
        self.inner.num_constraints()
    }
}

/// A [`Recorder`] that also collects the wires the statement marks as free inputs.
struct MarkingRecorder {
    inner: Recorder,
    free_inputs: BTreeSet<u32>,
}

impl Builder for MarkingRecorder {
    type Lc = Lc;

    fn alloc_public(&mut self, value: Fr) -> Lc {
        self.inner.alloc_public(value)
    }
    fn alloc(&mut self, value: Fr) -> Lc {
        self.inner.alloc(value)
    }
    fn enforce(&mut self, a: &Lc, b: &Lc, c: &Lc) {
        self.inner.enforce(a, b, c)
    }
    fn value(&self, lc: &Lc) -> Fr {
        self.inner.value(lc)
    }
    fn num_constraints(&self) -> usize {
        self.inner.num_constraints()
    }
    fn mark_free_input(&mut self, lc: &Lc) {
        self.free_inputs.extend(
            lc.clone()
                .into_terms()
                .into_iter()
                .map(|t| t.0)
                .filter(|&w| w != 0),
        );
    }
}

/// Why a campaign could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// The honest synthesis stopped.
    #[error(transparent)]
    Synthesis(#[from] SynthesisError),
    /// The honest assignment does not satisfy the circuit: faults would mean nothing.
    #[error("the honest assignment violates constraint {0}")]
    Unsatisfied(usize),
}

/// What one fault led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Constraint `constraint` is violated.
    Rejected {
        /// Index of a violated constraint.
        constraint: usize,
    },
    /// The circuit's code panicked or stopped on the faulted value.
    RejectedByCode,
    /// The faulted run allocated a different number of wires or constraints than the layout.
    LayoutChanged,
    /// Every constraint holds.
    Accepted,
}

/// The fault values tried on a wire holding `original`: 0, 1, −1, `original ± 1` and a
/// pseudo-random element drawn from `seed`, without repeats and without `original` itself.
pub fn fault_values(original: Fr, seed: u64) -> Vec<Fr> {
    let one = Fr::from(1u64);
    let candidates = [
        Fr::zero(),
        one,
        -one,
        original + one,
        original - one,
        random_element(seed),
    ];
    let mut out: Vec<Fr> = Vec::with_capacity(candidates.len());
    for v in candidates {
        if v != original && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// splitmix64: deterministic, dependency-free pseudo-randomness for sampling.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn random_element(seed: u64) -> Fr {
    let mut state = seed;
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
    }
    Fr::from_le_bytes_mod_order(&bytes)
}

/// `count` distinct wires out of `1..n_wires` (every one if there are fewer), chosen
/// deterministically from `seed`, in increasing order.
pub fn sample_wires(n_wires: usize, count: usize, seed: u64) -> Vec<u32> {
    let all: Vec<u32> = (1..n_wires as u32).collect();
    if count >= all.len() {
        return all;
    }
    // Partial Fisher-Yates: the first `count` entries become a uniform sample.
    let mut all = all;
    let mut state = seed;
    for i in 0..count {
        let j = i + (splitmix(&mut state) % (all.len() - i) as u64) as usize;
        all.swap(i, j);
    }
    let mut picked = all[..count].to_vec();
    picked.sort_unstable();
    picked
}

/// The tally of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultReport {
    /// Distinct wires faulted.
    pub wires_checked: usize,
    /// Faults injected (wires × values).
    pub faults: usize,
    /// Faults a constraint caught.
    pub rejected: usize,
    /// Faults the circuit's code refused (panicked or stopped).
    pub rejected_by_code: usize,
    /// Faults whose run laid out a different number of wires or constraints: `(wire, value)`.
    pub layout_changed: Vec<(u32, Fr)>,
    /// Faults that satisfied every constraint: `(wire, value)`.
    pub accepted: Vec<(u32, Fr)>,
    /// The wires the statement marks as free inputs.
    pub free_inputs: BTreeSet<u32>,
}

impl FaultReport {
    /// Wires with at least one accepted fault.
    pub fn accepted_wires(&self) -> BTreeSet<u32> {
        self.accepted.iter().map(|a| a.0).collect()
    }

    /// Accepted wires that are not free inputs: soundness bugs (empty for a sound circuit).
    pub fn holes(&self) -> BTreeSet<u32> {
        self.accepted_wires()
            .difference(&self.free_inputs)
            .copied()
            .collect()
    }
}

/// Fault injection over one circuit and one honest input.
pub struct FaultCampaign<'a, C: Circuit> {
    circuit: &'a C,
    input: &'a C::Input,
    r1cs: R1cs,
    honest: Vec<Fr>,
    by_wire: Vec<Vec<u32>>,
    /// For each public input, the first constraint linear in it (which then determines it).
    defining: Vec<Option<usize>>,
    /// Whether the circuit's code computes any private wire from a public input's value; if not,
    /// re-solved public inputs are written into the assignment without running the code again.
    publics_feed_private: bool,
    free_inputs: BTreeSet<u32>,
}

impl<'a, C: Circuit> FaultCampaign<'a, C> {
    /// Records the layout and the honest assignment of `circuit` on `input`, which must satisfy
    /// it.
    pub fn new(circuit: &'a C, input: &'a C::Input) -> Result<Self, CampaignError> {
        let mut rec = MarkingRecorder {
            inner: Recorder::new(),
            free_inputs: BTreeSet::new(),
        };
        circuit.synthesize(&mut rec, input)?;
        let free_inputs = rec.free_inputs;
        let (r1cs, honest) = rec.inner.finish_with_assignment();
        if let Some(i) = r1cs.first_violation(&honest) {
            return Err(CampaignError::Unsatisfied(i));
        }
        let defining = (1..=r1cs.n_public as u32)
            .map(|p| {
                r1cs.constraints.iter().position(|k| {
                    let has = |terms: &[(u32, Fr)]| terms.iter().any(|t| t.0 == p);
                    let (in_a, in_b, in_c) = (has(&k.a), has(&k.b), has(&k.c));
                    (in_a || in_b || in_c) && !(in_a && in_b)
                })
            })
            .collect();
        let mut campaign = FaultCampaign {
            circuit,
            input,
            by_wire: r1cs.constraints_by_wire(),
            r1cs,
            honest,
            defining,
            publics_feed_private: true,
            free_inputs,
        };
        campaign.publics_feed_private = campaign.private_wires_follow_publics();
        Ok(campaign)
    }

    /// Runs the honest input with every public input replaced by an unrelated value and reports
    /// whether any private wire changed (checked once, on this input: circuits are straight-line
    /// code, so what reads a public value reads it whatever the fault).
    fn private_wires_follow_publics(&self) -> bool {
        let n_public = self.r1cs.n_public;
        if n_public == 0 {
            return false;
        }
        let publics = (0..n_public as u64)
            .map(|i| Some(random_element(0x5eed ^ i)))
            .collect::<Vec<_>>();
        // Wire 0 is never faulted: the constant one is not an allocation, so this run only
        // overrides the public inputs.
        match self.faulted_run(0, Fr::zero(), &publics) {
            Ok(z) => z[n_public + 1..] != self.honest[n_public + 1..],
            Err(_) => true,
        }
    }

    /// The recorded layout.
    pub fn r1cs(&self) -> &R1cs {
        &self.r1cs
    }

    /// The honest assignment.
    pub fn honest(&self) -> &[Fr] {
        &self.honest
    }

    /// The wires the statement marks as free inputs.
    pub fn free_inputs(&self) -> &BTreeSet<u32> {
        &self.free_inputs
    }

    /// Runs the circuit with wire `wire` (1 to `n_wires - 1`) set to `value` and the given public
    /// overrides, and returns the assignment, or the outcome that ends the fault early.
    fn faulted_run(
        &self,
        wire: u32,
        value: Fr,
        publics: &[Option<Fr>],
    ) -> Result<Vec<Fr>, FaultOutcome> {
        let run = catch_unwind(AssertUnwindSafe(|| {
            let mut fb = FaultBuilder::new(wire, value).with_public_values(publics.to_vec());
            self.circuit
                .synthesize(&mut fb, self.input)
                .map(|()| fb.finish())
        }));
        match run {
            Ok(Ok(mut w)) => {
                if w.a.len() != self.r1cs.constraints.len() || w.wires.len() != self.r1cs.n_wires {
                    return Err(FaultOutcome::LayoutChanged);
                }
                Ok(std::mem::take(&mut w.wires))
            }
            Ok(Err(_)) | Err(_) => Err(FaultOutcome::RejectedByCode),
        }
    }

    /// The value of public wire `p` that makes constraint `k` hold with the other wires as in
    /// `z`, if the constraint depends on it (it is linear in it by construction).
    fn solve_public(&self, k: usize, p: u32, z: &mut [Fr]) -> Option<Fr> {
        let c = &self.r1cs.constraints[k];
        let residual = |z: &[Fr]| eval_terms(&c.a, z) * eval_terms(&c.b, z) - eval_terms(&c.c, z);
        let current = z[p as usize];
        let f0 = residual(z);
        z[p as usize] = current + Fr::from(1u64);
        let slope = residual(z) - f0;
        z[p as usize] = current;
        slope.inverse().map(|inv| current - f0 * inv)
    }

    /// Injects one fault: wire `wire` (1 to `n_wires - 1`) set to `value`.
    pub fn inject(&self, wire: u32, value: Fr) -> FaultOutcome {
        let n_public = self.r1cs.n_public;
        let mut publics: Vec<Option<Fr>> = vec![None; n_public];
        for pass in 0..MAX_PASSES {
            let mut z = match self.faulted_run(wire, value, &publics) {
                Ok(z) => z,
                Err(outcome) => return outcome,
            };
            let mut changed = false;
            for p in 1..=n_public as u32 {
                if p == wire {
                    continue;
                }
                let Some(k) = self.defining[p as usize - 1] else {
                    continue;
                };
                if let Some(v) = self.solve_public(k, p, &mut z) {
                    if v != z[p as usize] {
                        publics[p as usize - 1] = Some(v);
                        changed = true;
                        if !self.publics_feed_private {
                            // What the next run would compute: nothing else reads the value.
                            z[p as usize] = v;
                        }
                    }
                }
            }
            if !changed || !self.publics_feed_private || pass == MAX_PASSES - 1 {
                return self.check(&z, wire);
            }
        }
        unreachable!("the last pass returns")
    }

    /// Evaluates the recorded constraints on `z`, those of the faulted wire first (where a
    /// rejection usually shows).
    fn check(&self, z: &[Fr], wire: u32) -> FaultOutcome {
        let holds = |k: usize| R1cs::holds(&self.r1cs.constraints[k], z);
        let first = self.by_wire[wire as usize]
            .iter()
            .map(|&k| k as usize)
            .find(|&k| !holds(k));
        match first.or_else(|| (0..self.r1cs.constraints.len()).find(|&k| !holds(k))) {
            Some(constraint) => FaultOutcome::Rejected { constraint },
            None => FaultOutcome::Accepted,
        }
    }

    /// Injects every value of [`fault_values`] into each of `wires` (at most `values_per_wire`
    /// of them per wire, rotating which ones so a sample still covers every kind).
    pub fn run(&self, wires: &[u32], values_per_wire: usize) -> FaultReport {
        let mut report = FaultReport {
            free_inputs: self.free_inputs.clone(),
            ..FaultReport::default()
        };
        for (i, &wire) in wires.iter().enumerate() {
            let values = fault_values(self.honest[wire as usize], u64::from(wire));
            let n = values.len();
            let take = values_per_wire.min(n);
            report.wires_checked += 1;
            for j in 0..take {
                let value = values[(i + j) % n];
                report.faults += 1;
                match self.inject(wire, value) {
                    FaultOutcome::Rejected { .. } => report.rejected += 1,
                    FaultOutcome::RejectedByCode => report.rejected_by_code += 1,
                    FaultOutcome::LayoutChanged => report.layout_changed.push((wire, value)),
                    FaultOutcome::Accepted => report.accepted.push((wire, value)),
                }
            }
        }
        report
    }

    /// [`FaultCampaign::run`] over every wire but the constant one, with every fault value.
    pub fn run_all(&self) -> FaultReport {
        let wires: Vec<u32> = (1..self.r1cs.n_wires as u32).collect();
        self.run(&wires, usize::MAX)
    }
}

#[cfg(test)]
mod tests;
