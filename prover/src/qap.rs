//! From per-constraint evaluations to the `H` scalars, in snarkjs's convention.

use super::coset_fft::CosetFft;
use super::progress::{Phase, ProveControl};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use zeroize::Zeroizing;
use zkbio_circuits::builder::Evaluations;

/// The `n`-point domain, and the move from it to the coset `ω_{2n}·⟨ω_n⟩` (the odd powers of
/// the `2n`-th root), where `A·B − C` is evaluated: the vanishing polynomial is `−2` there.
pub struct Domains {
    /// The evaluation domain of the constraints.
    pub base: Radix2EvaluationDomain<Fr>,
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
        let coset = CosetFft::new(base.log_size_of_group)?;
        Some(Domains { base, coset })
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
/// Each compact column becomes a length-`n` buffer just before its transform ([`column_buffer`]),
/// so at most two buffers and the one column not yet transformed are alive at once. Returns
/// `None` if `ctl` asks to stop: it is asked before each of the six transforms, so a cancellation
/// waits for one FFT at most.
pub fn h_scalars(
    [a, b, c]: [Evaluations; 3],
    public_rows: &[Fr],
    domains: &Domains,
    ctl: &dyn ProveControl,
) -> Option<Vec<Fr>> {
    let n = domains.base.size();
    h_from(
        || column_buffer(a, public_rows, n),
        || column_buffer(b, &[], n),
        || column_buffer(c, &[], n),
        domains,
        ctl,
    )
}

/// The length-`n` buffer of `column`'s rows, then `extra`, then zeros (`n` at least
/// `column.len() + extra.len()`), made without the column and the buffer resident together.
///
/// Rows past a circuit's constraints are padding (a quarter of the domain at full iris size),
/// so the column's compact form ([`Evaluations::write_staged`]) is first written into the
/// buffer's last rows, the column is freed, and only then are the rows decoded in front of it
/// and the staging rows zeroed. Without room for that, the column is decoded directly.
pub fn column_buffer(column: Evaluations, extra: &[Fr], n: usize) -> Zeroizing<Vec<Fr>> {
    let (len, staged) = (column.len(), column.staged_len());
    assert!(len + extra.len() <= n, "more rows than the domain");
    if len + extra.len() + staged > n {
        let mut out = Zeroizing::new(vec![Fr::ZERO; n]);
        column.decode_into(0, &mut out[..len]);
        out[len..len + extra.len()].copy_from_slice(extra);
        return out;
    }
    // Reserved, not written: the pages become resident as rows are written.
    let mut out: Vec<Fr> = Vec::with_capacity(n);
    let (rows, tail) = out.spare_capacity_mut()[..n].split_at_mut(n - staged);
    column.write_staged(tail);
    drop(column);
    crate::heap::release_freed();
    // SAFETY: `write_staged` wrote every element of `tail` (it asserts the length), and
    // `MaybeUninit<Fr>` has `Fr`'s layout.
    let tail: &mut [Fr] = unsafe { &mut *(tail as *mut [MaybeUninit<Fr>] as *mut [Fr]) };
    let (decoded, rest) = rows.split_at_mut(len);
    Evaluations::decode_staged(tail, decoded);
    for (row, v) in rest
        .iter_mut()
        .zip(extra.iter().chain(std::iter::repeat(&Fr::ZERO)))
    {
        row.write(*v);
    }
    // The staging rows are padding: zero, and wiped of the column.
    tail.fill(Fr::ZERO);
    // SAFETY: `decoded`, `rest` and `tail` cover the first `n` elements, and each was written.
    unsafe { out.set_len(n) };
    Zeroizing::new(out)
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
    use ark_ff::Field;
    use ark_std::rand::SeedableRng;
    use ark_std::UniformRand;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn a_column_buffer_is_the_rows_then_the_extra_rows_then_zeros() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let n = 1 << 10;
        let value = |i: usize, rng: &mut ChaCha20Rng| match i % 4 {
            0 => Fr::ZERO,
            1 => Fr::ONE,
            2 => Fr::from(i as u64),
            _ => Fr::rand(rng),
        };
        let extra: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
        // Staged in the buffer's tail (short columns) and decoded directly (no room for that).
        for len in [0, 1, 100, 700, 900, n - extra.len()] {
            let rows: Vec<Fr> = (0..len).map(|i| value(i, &mut rng)).collect();
            let column: Evaluations = rows.iter().copied().collect();
            let staged = len + extra.len() + column.staged_len() <= n;
            let mut want = rows.clone();
            want.extend(&extra);
            want.resize(n, Fr::ZERO);
            let got = column_buffer(column, &extra, n);
            assert_eq!(*got, want, "{len} rows (staged: {staged})");
        }
    }

    #[test]
    fn the_fused_coset_move_equals_interpolation_then_coset_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for log_n in [1, 4, 10] {
            let d = Domains::new(1 << log_n).unwrap();
            let doubled = Radix2EvaluationDomain::<Fr>::new(2 << log_n).unwrap();
            let odd_coset = d.base.get_coset(doubled.group_gen).unwrap();
            // Full vectors and short ones (zero padding), as the prover passes them.
            for len in [1usize << log_n, (1 << log_n) / 2 + 1] {
                let evals: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
                let mut expected = evals.clone();
                d.base.ifft_in_place(&mut expected);
                odd_coset.fft_in_place(&mut expected);
                let mut got = evals;
                got.resize(1 << log_n, Fr::ZERO);
                d.to_odd_coset(&mut got, &Silent).unwrap();
                assert_eq!(got, expected, "n = 2^{log_n}, len {len}");
            }
        }
    }
}
