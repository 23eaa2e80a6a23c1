//! Check mode: proves, for one input, that the recording and witness modes describe the same
//! constraints. Used by every circuit's tests and by `zkbio` debug commands; never on the prove path.

use crate::builder::{eval_terms, Recorder};
use crate::circuit::{Circuit, SynthesisError};

/// How the two modes disagree.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Mismatch {
    /// The constraint layout depends on the input's values.
    #[error("the constraint system differs between the placeholder input and this input")]
    ValueDependentLayout,
    /// The modes allocated different wires or values.
    #[error("wire assignments differ between modes (first at wire {0})")]
    Wires(usize),
    /// The modes produced different numbers of constraints.
    #[error("constraint counts differ: recorded {recorded}, witnessed {witnessed}")]
    ConstraintCount {
        /// From the recording mode.
        recorded: usize,
        /// From the witness mode.
        witnessed: usize,
    },
    /// A recorded row does not evaluate to the witness mode's value.
    #[error("constraint {0}: recorded row disagrees with the witness-mode evaluation")]
    Evaluation(usize),
    /// The input does not satisfy the circuit.
    #[error("constraint {0} is not satisfied")]
    Unsatisfied(usize),
    /// Synthesis itself stopped.
    #[error(transparent)]
    Synthesis(#[from] SynthesisError),
}

/// Checks that both modes agree on every constraint for `input`, and that it satisfies them.
/// Returns the number of constraints checked.
pub fn modes_agree<C: Circuit>(circuit: &C, input: &C::Input) -> Result<usize, Mismatch> {
    let layout = circuit.to_r1cs()?;
    let mut rec = Recorder::new();
    circuit.synthesize(&mut rec, input)?;
    let (r1cs, z) = rec.finish_with_assignment();
    if r1cs != layout {
        return Err(Mismatch::ValueDependentLayout);
    }
    let w = circuit.witness(input)?;
    if let Some(i) = (0..z.len().max(w.wires.len())).find(|&i| z.get(i) != w.wires.get(i)) {
        return Err(Mismatch::Wires(i));
    }
    if r1cs.constraints.len() != w.a.len() {
        return Err(Mismatch::ConstraintCount {
            recorded: r1cs.constraints.len(),
            witnessed: w.a.len(),
        });
    }
    let rows = w.a.iter().zip(w.b.iter()).zip(w.c.iter());
    for (i, (k, ((a, b), c))) in r1cs.constraints.iter().zip(rows).enumerate() {
        if eval_terms(&k.a, &z) != a || eval_terms(&k.b, &z) != b || eval_terms(&k.c, &z) != c {
            return Err(Mismatch::Evaluation(i));
        }
        if a * b != c {
            return Err(Mismatch::Unsatisfied(i));
        }
    }
    Ok(r1cs.constraints.len())
}
