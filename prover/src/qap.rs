//! From per-constraint evaluations to the `H` scalars, in snarkjs's convention.

use super::coset_fft::CosetFft;
use super::progress::{Phase, ProveControl};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use zeroize::Zeroizing;
use zkbio_circuits::builder::Evaluations;

/// The `n`-point domain and the coset `ω_{2n}·⟨ω_n⟩` (the odd powers of the `2n`-th root).
pub struct Domains {
    /// The evaluation domain of the constraints.
    pub base: Radix2EvaluationDomain<Fr>,
    /// Where `A·B − C` is evaluated; the vanishing polynomial is `−2` there.
    pub odd_coset: Radix2EvaluationDomain<Fr>,
    /// The roots of the move from the base domain to the odd coset ([`CosetFft`]).
    coset: CosetFft,
}

impl Domains {
    /// Domains for `n` points (a power of two up to BN254's 2-adicity).
    pub fn new(n: usize) -> Option<Domains> {
        let base = Radix2EvaluationDomain::<Fr>::new(n)?;
        if base.size() != n {
            return None;
        }
        let doubled = Radix2EvaluationDomain::<Fr>::new(2 * n)?;
        let odd_coset = base.get_coset(doubled.group_gen)?;
        let coset = CosetFft::new(base.log_size_of_group)?;
        Some(Domains {
            base,
            odd_coset,
            coset,
        })
    }

    /// Interpolates `evals` (on the base domain) and re-evaluates on the odd coset, in place.
    /// `None` if `ctl` asks to stop before either half of the move ([`CosetFft`]).
    fn to_odd_coset(&self, evals: &mut [Fr], ctl: &dyn ProveControl) -> Option<()> {
        if ctl.is_cancelled() {
            return None;
        }
        self.coset
            .to_odd_coset(evals, || !ctl.is_cancelled())
            .then_some(())
    }
}

/// Consumes a witness's `A·z`, `B·z`, `C·z` and returns `A·B − C` on the odd coset: the scalars
/// of the H multi-exponentiation. `public_rows` are the wire values `z_0..=z_npub`, snarkjs's
/// public-input rows (`A = z_i` at row `m + i`).
///
/// Each compact column is decoded into a length-`n` buffer just before its transform and wiped
/// then, so at most two buffers and the columns not yet decoded are alive at once. Returns `None`
/// if `ctl` asks to stop: it is asked before each of the six transforms, so a cancellation waits
/// for one FFT at most.
pub fn h_scalars(
    [a, b, c]: [Evaluations; 3],
    public_rows: &[Fr],
    domains: &Domains,
    ctl: &dyn ProveControl,
) -> Option<Vec<Fr>> {
    let n = domains.base.size();
    let rows = move |column: Evaluations, extra: &[Fr]| {
        let mut out = Zeroizing::new(vec![Fr::ZERO; n]);
        column.decode_into(0, &mut out[..column.len()]);
        out[column.len()..column.len() + extra.len()].copy_from_slice(extra);
        out
    };
    h_from(
        || rows(a, public_rows),
        || rows(b, &[]),
        || rows(c, &[]),
        domains,
        ctl,
    )
}

/// `A·B − C` on the odd coset from the per-row evaluations of the whole domain (public-input rows
/// included; missing rows are zero, as are rows past `n`'s padding). Each vector is zeroized and
/// freed as soon as it has been folded into the result.
pub fn h_from_rows(
    a: Vec<Fr>,
    b: Vec<Fr>,
    c: Vec<Fr>,
    domains: &Domains,
    ctl: &dyn ProveControl,
) -> Option<Vec<Fr>> {
    let n = domains.base.size();
    let padded = move |v: Vec<Fr>| {
        let mut v = Zeroizing::new(v);
        v.resize(n, Fr::ZERO);
        v
    };
    h_from(|| padded(a), || padded(b), || padded(c), domains, ctl)
}

/// The three moves and the pointwise steps, each operand made (at length `n`) only when needed.
fn h_from(
    a: impl FnOnce() -> Zeroizing<Vec<Fr>>,
    b: impl FnOnce() -> Zeroizing<Vec<Fr>>,
    c: impl FnOnce() -> Zeroizing<Vec<Fr>>,
    domains: &Domains,
    ctl: &dyn ProveControl,
) -> Option<Vec<Fr>> {
    let mut a = a();
    domains.to_odd_coset(&mut a, ctl)?;
    ctl.progress(Phase::Fft, 1.0 / 3.0);

    let mut b = b();
    domains.to_odd_coset(&mut b, ctl)?;
    a.par_iter_mut()
        .zip(b.par_iter())
        .for_each(|(x, y)| *x *= y);
    drop(b);
    ctl.progress(Phase::Fft, 2.0 / 3.0);

    let mut c = c();
    domains.to_odd_coset(&mut c, ctl)?;
    a.par_iter_mut()
        .zip(c.par_iter())
        .for_each(|(x, y)| *x -= y);
    drop(c);
    ctl.progress(Phase::Fft, 1.0);
    Some(std::mem::take(&mut *a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use ark_std::rand::SeedableRng;
    use ark_std::UniformRand;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn the_fused_coset_move_equals_interpolation_then_coset_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for log_n in [1, 4, 10] {
            let d = Domains::new(1 << log_n).unwrap();
            // Full vectors and short ones (zero padding), as the prover passes them.
            for len in [1usize << log_n, (1 << log_n) / 2 + 1] {
                let evals: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
                let mut expected = evals.clone();
                d.base.ifft_in_place(&mut expected);
                d.odd_coset.fft_in_place(&mut expected);
                let mut got = evals;
                got.resize(1 << log_n, Fr::ZERO);
                d.to_odd_coset(&mut got, &Silent).unwrap();
                assert_eq!(got, expected, "n = 2^{log_n}, len {len}");
            }
        }
    }
}
