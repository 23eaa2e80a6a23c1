//! Witness mode: computes wire values and each constraint's `A·z`, `B·z`, `C·z`, nothing else.

use super::{Builder, Evaluations};
use crate::circuit::SynthesisError;
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zeroize::Zeroize;

/// A full assignment plus the per-constraint evaluations the matrix-free prover needs.
///
/// Wire values include private biometric data: the buffers are zeroized on drop. The evaluations
/// are held compactly ([`Evaluations`]).
#[derive(Debug, Default)]
pub struct Witness {
    /// All wire values, `wires[0] == 1`, then the public inputs, then private wires.
    pub wires: Vec<Fr>,
    /// Number of public inputs.
    pub n_public: usize,
    /// `A·z` for every constraint.
    pub a: Evaluations,
    /// `B·z` for every constraint.
    pub b: Evaluations,
    /// `C·z` for every constraint.
    pub c: Evaluations,
}

impl Witness {
    /// The public inputs, in order.
    pub fn public_inputs(&self) -> &[Fr] {
        &self.wires[1..=self.n_public]
    }

    /// Index of the first constraint whose evaluations do not satisfy `a * b = c` (on all
    /// cores: one multiplication per constraint). A row missing from a shorter column counts as
    /// unsatisfied.
    pub fn first_unsatisfied(&self) -> Option<usize> {
        let rows = self.a.len().max(self.b.len()).max(self.c.len());
        (0..rows).into_par_iter().find_first(|&i| {
            match (self.a.get(i), self.b.get(i), self.c.get(i)) {
                (Some(a), Some(b), Some(c)) => a * b != c,
                _ => true,
            }
        })
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        self.wires.zeroize();
    }
}

/// The witness-computing [`Builder`]: a linear combination is its value.
#[derive(Debug)]
pub struct WitnessBuilder {
    w: Witness,
    cancel: Option<Arc<AtomicBool>>,
}

impl Default for WitnessBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WitnessBuilder {
    /// An assignment holding only the constant one.
    pub fn new() -> Self {
        WitnessBuilder {
            w: Witness {
                wires: vec![Fr::one()],
                n_public: 0,
                a: Evaluations::new(),
                b: Evaluations::new(),
                c: Evaluations::new(),
            },
            cancel: None,
        }
    }

    /// A builder whose [`Builder::checkpoint`] returns [`SynthesisError::Cancelled`] once `cancel`
    /// is set (by another thread, e.g. an app's cancel button), so witness generation stops at
    /// the circuit's next checkpoint.
    pub fn with_cancel(cancel: Arc<AtomicBool>) -> Self {
        WitnessBuilder {
            cancel: Some(cancel),
            ..Self::new()
        }
    }

    /// The finished witness.
    pub fn finish(self) -> Witness {
        self.w
    }
}

impl Builder for WitnessBuilder {
    type Lc = Fr;

    fn alloc_public(&mut self, value: Fr) -> Fr {
        assert_eq!(
            self.w.wires.len(),
            self.w.n_public + 1,
            "public inputs must be allocated before private wires"
        );
        self.w.n_public += 1;
        self.w.wires.push(value);
        value
    }

    fn alloc(&mut self, value: Fr) -> Fr {
        self.w.wires.push(value);
        value
    }

    fn enforce(&mut self, a: &Fr, b: &Fr, c: &Fr) {
        self.w.a.push(*a);
        self.w.b.push(*b);
        self.w.c.push(*c);
    }

    fn value(&self, lc: &Fr) -> Fr {
        *lc
    }

    fn num_constraints(&self) -> usize {
        self.w.a.len()
    }

    fn small_sum<'a, I>(&self, terms: I) -> Fr
    where
        I: IntoIterator<Item = (&'a Fr, i64, i64)>,
    {
        // Each product is below 2^126 in magnitude; a sum that would leave i128 is moved to
        // the field first, so no input overflows.
        let mut field = Fr::zero();
        let mut acc: i128 = 0;
        for (x, coeff, value) in terms {
            debug_assert_eq!(
                *x,
                Fr::from(value),
                "a term's stated value is not its wire's"
            );
            let product = coeff as i128 * value as i128;
            acc = match acc.checked_add(product) {
                Some(sum) => sum,
                None => {
                    field += Fr::from(acc);
                    product
                }
            };
        }
        field + Fr::from(acc)
    }

    fn checkpoint(&mut self) -> Result<(), SynthesisError> {
        match &self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(SynthesisError::Cancelled),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statements::image_opening::ImageOpening;
    use crate::Circuit;

    #[test]
    fn small_sum_is_the_combinations_value_even_past_i128() {
        let mut wb = WitnessBuilder::new();
        let values = [i64::MAX, i64::MIN, -7, 0, 1];
        let xs: Vec<Fr> = values.iter().map(|&v| wb.alloc(Fr::from(v))).collect();
        let coeffs = [i64::MAX, i64::MIN, 3, 5, -1];
        // Enough products of magnitude ~2^126 (wire i with coefficient i) that an i128
        // accumulator would overflow.
        let terms: Vec<usize> = (0..9).flat_map(|_| [0, 1]).collect();
        let mut expected = Fr::zero();
        for &i in &terms {
            expected += xs[i] * Fr::from(coeffs[i]);
        }
        let sum = wb.small_sum(terms.iter().map(|&i| (&xs[i], coeffs[i], values[i])));
        assert_eq!(sum, expected);
        let mixed = wb.small_sum((0..5).map(|i| (&xs[i], coeffs[i], values[i])));
        let mut want = Fr::zero();
        for i in 0..5 {
            want += xs[i] * Fr::from(coeffs[i]);
        }
        assert_eq!(mixed, want);
        // The recording builder's default gives the same value.
        let mut rec = crate::Recorder::new();
        let lcs: Vec<_> = values.iter().map(|&v| rec.alloc(Fr::from(v))).collect();
        let lc = rec.small_sum((0..5).map(|i| (&lcs[i], coeffs[i], values[i])));
        assert_eq!(rec.value(&lc), want);
    }

    #[test]
    fn cancel_flag_stops_synthesis_at_a_checkpoint() {
        let stmt = ImageOpening { rows: 4, cols: 16 };
        let input = stmt.placeholder_input();
        let flag = Arc::new(AtomicBool::new(false));
        let mut wb = WitnessBuilder::with_cancel(flag.clone());
        assert_eq!(stmt.synthesize(&mut wb, &input), Ok(()));
        assert_eq!(
            wb.finish().a.len(),
            stmt.to_r1cs().unwrap().constraints.len()
        );

        flag.store(true, Ordering::Relaxed);
        let mut wb = WitnessBuilder::with_cancel(flag);
        assert_eq!(
            stmt.synthesize(&mut wb, &input),
            Err(SynthesisError::Cancelled)
        );
        // A builder without a flag never cancels.
        assert!(WitnessBuilder::new().checkpoint().is_ok());
    }
}
