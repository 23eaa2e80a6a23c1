//! A deterministic development setup. **INSECURE**: anyone who knows the seed knows the toxic
//! waste (τ, α, β, γ, δ) and can forge proofs for this key. Use it for tests, demos and benchmarks;
//! production keys come from a phase-2 ceremony (`snarkjs zkey contribute`) and are imported.

use super::qap::Domains;
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::{BatchMulPreprocessing, ScalarMul};
use ark_ec::PrimeGroup;
use ark_ff::{Field, UniformRand, Zero};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::EvaluationDomain;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkbio_circuits::builder::R1cs;

/// Why a setup could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SetupError {
    /// The circuit needs a larger FFT domain than BN254's scalar field offers.
    #[error("circuit too large: a domain of {0} points is not available")]
    DomainTooLarge(usize),
    /// γ or δ is zero.
    #[error("gamma and delta must be nonzero")]
    ZeroSecret,
}

fn nonzero(rng: &mut ChaCha20Rng) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

/// Scalars multiplied per progress report.
const CHUNK: usize = 1 << 16;

/// `[v_i]·G` for all `v_i`, with one precomputed table, reporting `progress(what, fraction)`.
fn batch_mul<T>(
    table: &BatchMulPreprocessing<T>,
    v: &[Fr],
    what: &'static str,
    progress: &dyn Fn(&'static str, f32),
) -> Vec<T::MulBase>
where
    T: ScalarMul<ScalarField = Fr>,
{
    let mut out = Vec::with_capacity(v.len());
    for chunk in v.chunks(CHUNK) {
        out.extend(table.batch_mul(chunk));
        progress(what, out.len() as f32 / v.len() as f32);
    }
    out
}

/// Makes a proving key for `r1cs` from `seed`. **INSECURE** (see the module docs): the name says so
/// on purpose.
pub fn dev_setup_insecure(r1cs: &R1cs, seed: [u8; 32]) -> Result<ProvingKey<Bn254>, SetupError> {
    dev_setup_insecure_with_progress(r1cs, seed, &|_, _| {})
}

/// [`dev_setup_insecure`], reporting `progress(step, fraction done)` as it goes. **INSECURE**.
pub fn dev_setup_insecure_with_progress(
    r1cs: &R1cs,
    seed: [u8; 32],
    progress: &dyn Fn(&'static str, f32),
) -> Result<ProvingKey<Bn254>, SetupError> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let secrets = ToxicWaste {
        tau: nonzero(&mut rng),
        alpha: nonzero(&mut rng),
        beta: nonzero(&mut rng),
        gamma: nonzero(&mut rng),
        delta: nonzero(&mut rng),
    };
    setup_from_toxic_waste_insecure(r1cs, &secrets, progress)
}

/// The secrets of a Groth16 setup. Whoever knows them can forge proofs for the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToxicWaste {
    /// The evaluation point.
    pub tau: Fr,
    /// α.
    pub alpha: Fr,
    /// β.
    pub beta: Fr,
    /// γ (snarkjs phase 2 keeps γ = 1).
    pub gamma: Fr,
    /// δ.
    pub delta: Fr,
}

/// The proving key for `r1cs` with these secrets, in the snarkjs convention. **INSECURE**: for
/// tests that need a key whose secrets they control (e.g. one matching a made-up powers of tau).
pub fn setup_from_toxic_waste_insecure(
    r1cs: &R1cs,
    secrets: &ToxicWaste,
    progress: &dyn Fn(&'static str, f32),
) -> Result<ProvingKey<Bn254>, SetupError> {
    let n = r1cs.domain_size();
    let _span = tracing::info_span!(
        "dev-setup",
        constraints = r1cs.constraints.len(),
        domain = n
    )
    .entered();
    let progress = &crate::trace::traced_steps(progress);
    let domains = Domains::new(n).ok_or(SetupError::DomainTooLarge(n))?;
    let ToxicWaste {
        tau,
        alpha,
        beta,
        gamma,
        delta,
    } = *secrets;

    // A_i(τ), B_i(τ), C_i(τ) for every wire, in the Lagrange basis of the base domain.
    let lagrange = domains.base.evaluate_all_lagrange_coefficients(tau);
    let m = r1cs.constraints.len();
    let (mut at, mut bt, mut ct) = (
        vec![Fr::zero(); r1cs.n_wires],
        vec![Fr::zero(); r1cs.n_wires],
        vec![Fr::zero(); r1cs.n_wires],
    );
    for (k, row) in r1cs.constraints.iter().enumerate() {
        for (terms, acc) in [(&row.a, &mut at), (&row.b, &mut bt), (&row.c, &mut ct)] {
            for &(w, coeff) in terms {
                acc[w as usize] += coeff * lagrange[k];
            }
        }
    }
    for i in 0..=r1cs.n_public {
        at[i] += lagrange[m + i];
    }
    drop(lagrange);

    let (gamma_inv, delta_inv) = (
        gamma.inverse().ok_or(SetupError::ZeroSecret)?,
        delta.inverse().ok_or(SetupError::ZeroSecret)?,
    );
    let combined = |i: usize| beta * at[i] + alpha * bt[i] + ct[i];
    let ic: Vec<Fr> = (0..=r1cs.n_public)
        .map(|i| combined(i) * gamma_inv)
        .collect();
    let l: Vec<Fr> = (r1cs.n_public + 1..r1cs.n_wires)
        .map(|i| combined(i) * delta_inv)
        .collect();
    drop(ct);

    // hExps_k = L^{(2n)}_{2k+1}(τ) / δ.
    let doubled = ark_poly::Radix2EvaluationDomain::<Fr>::new(2 * n)
        .ok_or(SetupError::DomainTooLarge(2 * n))?;
    let h: Vec<Fr> = doubled
        .evaluate_all_lagrange_coefficients(tau)
        .into_iter()
        .skip(1)
        .step_by(2)
        .map(|x| x * delta_inv)
        .collect();

    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    // One table per group, sized for the longest vector, serves every query.
    let t1 = BatchMulPreprocessing::new(g1, n.max(r1cs.n_wires));
    let t2 = BatchMulPreprocessing::new(g2, r1cs.n_wires);
    let vk = VerifyingKey {
        alpha_g1: t1.batch_mul(&[alpha])[0],
        beta_g2: t2.batch_mul(&[beta])[0],
        gamma_g2: t2.batch_mul(&[gamma])[0],
        delta_g2: t2.batch_mul(&[delta])[0],
        gamma_abc_g1: t1.batch_mul(&ic),
    };
    Ok(ProvingKey {
        vk,
        beta_g1: t1.batch_mul(&[beta])[0],
        delta_g1: t1.batch_mul(&[delta])[0],
        a_query: batch_mul(&t1, &at, "A query (G1)", progress),
        b_g1_query: batch_mul(&t1, &bt, "B query (G1)", progress),
        b_g2_query: batch_mul(&t2, &bt, "B query (G2)", progress),
        h_query: batch_mul(&t1, &h, "H query (G1)", progress),
        l_query: batch_mul(&t1, &l, "C query (G1)", progress),
    })
}
