//! Checks a ceremony `.zkey` against the circuit and the powers of tau, as `snarkjs zkey verify`
//! does, so that every model constant is bound to the key, not only the A/B matrices.
//!
//! `snarkjs zkey new` derives the initial key from the circuit and a prepared `.ptau` (sections
//! 12 to 15: `L_k(τ)` in G1 and G2, `α·L_k(τ)`, `β·L_k(τ)` in G1, `k` a row of the domain):
//! `A_i = Σ_k a_ki·L_k(τ)` (plus `L_{m+i}(τ)` for the one wire and each public input: the extra
//! rows), `B_i` likewise in G1 and G2, and for every wire `K_i = Σ_k a_ki·βL_k + b_ki·αL_k +
//! c_ki·L_k` (plus `βL_{m+i}`), which is `IC_i` for public wires (γ = 1) and the L ("C")
//! section for private ones; H is the odd half of the `2n`-point Lagrange block of section 12.
//! α, β come from the ptau, γ₂ = δ₁ = δ₂ = the generators. Each phase-2 contribution multiplies δ
//! by a secret and divides L and H by it; nothing else changes.
//!
//! So a key for this circuit and ptau has: the coefficients, α, β, γ₂, A, B1, B2 and IC exactly
//! as recomputed here; `e(δ₁, g₂) = e(g₁, δ₂)`; and `δ·L_i = K_i`, `δ·H_k = H⁰_k`, which are
//! checked without knowing δ by random linear combinations: `e(Σ r_i·L_i, δ₂) = e(Σ r_i·K_i, g₂)`
//! with fresh 128-bit `r_i` (a key with any wrong point passes with probability at most
//! `2^-128`), and the same for H. C's coefficients, which the key does not store, only reach
//! the key through K_i: this is the check that tells two models whose circuits differ only in C
//! apart.
//!
//! Not checked: the contribution transcript (section 10), which `snarkjs zkey verify` also
//! replays; it proves who contributed, not that the key fits the circuit. Whether the key has
//! had a contribution at all (δ ≠ the generator) is a key-structure check, done separately. The
//! `.ptau` is trusted as given: check its hash against the ceremony's published one.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use rand::{CryptoRng, Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use std::fmt;
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::{coefs_from_r1cs, Ptau, PtauReadError, Zkey};

/// A part of a `.zkey`, named in [`ZkeyVerifyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySection {
    /// Section 4, the A and B coefficients.
    Coefficients,
    /// α₁ (header).
    Alpha,
    /// β₁ or β₂ (header).
    Beta,
    /// γ₂ (header).
    Gamma,
    /// δ₁, δ₂ (header).
    Delta,
    /// Section 3, the verifying key's public-input points.
    Ic,
    /// Section 5.
    A,
    /// Section 6.
    B1,
    /// Section 7.
    B2,
    /// Section 8, the private wires' points (snarkjs calls it C; the model constants in C live here).
    L,
    /// Section 9, the quotient points.
    H,
}

impl fmt::Display for KeySection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeySection::Coefficients => "the A/B coefficients (section 4)",
            KeySection::Alpha => "alpha (header)",
            KeySection::Beta => "beta (header)",
            KeySection::Gamma => "gamma (header)",
            KeySection::Delta => "delta (header)",
            KeySection::Ic => "the IC points (section 3)",
            KeySection::A => "the A points (section 5)",
            KeySection::B1 => "the B1 points (section 6)",
            KeySection::B2 => "the B2 points (section 7)",
            KeySection::L => "the L points (section 8)",
            KeySection::H => "the H points (section 9)",
        })
    }
}

/// Why a `.zkey` is not a key for this circuit and powers of tau.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZkeyVerifyError {
    /// A count differs between the key and the circuit.
    #[error("the .zkey was made for another circuit: {what} is {zkey} in the key, {circuit} in the circuit")]
    Shape {
        /// Which count.
        what: &'static str,
        /// The key's value.
        zkey: usize,
        /// The circuit's value.
        circuit: usize,
    },
    /// A section differs from what the circuit and the ptau give.
    #[error(
        "the .zkey was not made for this circuit from this powers of tau: {0} differ from the \
         recomputed ones"
    )]
    Mismatch(KeySection),
    /// A point of the key is not a valid group element.
    #[error("the .zkey's {section}: point {index} is not a valid curve point")]
    BadPoint {
        /// The section.
        section: KeySection,
        /// The point's index in it.
        index: usize,
    },
    /// The ptau is too small for the circuit or holds an invalid point.
    #[error(transparent)]
    Ptau(#[from] PtauReadError),
    /// The operating system gave no randomness for the random checks.
    #[error("no randomness for the key checks: {0}")]
    Randomness(String),
}

/// [`verify_zkey_with_rng`] with scalars from the operating system's randomness, which the key's
/// maker cannot predict.
pub fn verify_zkey(z: &Zkey, r1cs: &R1cs, ptau: &Ptau<'_>) -> Result<(), ZkeyVerifyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| ZkeyVerifyError::Randomness(e.to_string()))?;
    verify_zkey_with_rng(z, r1cs, ptau, &mut ChaCha20Rng::from_seed(seed))
}

/// Checks that `z` is a key `snarkjs zkey new` + `zkey contribute` could have made for `r1cs`
/// from `ptau` (see the module docs). `rng` draws the random-combination scalars: it must be
/// unpredictable to whoever made the key.
pub fn verify_zkey_with_rng(
    z: &Zkey,
    r1cs: &R1cs,
    ptau: &Ptau<'_>,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(), ZkeyVerifyError> {
    let n = r1cs.domain_size();
    for (what, zkey, circuit) in [
        ("the wire count", z.n_vars, r1cs.n_wires),
        ("the public-input count", z.n_public, r1cs.n_public),
        ("the domain size", z.domain_size, n),
        ("the number of A points", z.a.len(), r1cs.n_wires),
        ("the number of B1 points", z.b_g1.len(), r1cs.n_wires),
        ("the number of B2 points", z.b_g2.len(), r1cs.n_wires),
        ("the number of IC points", z.ic.len(), r1cs.n_public + 1),
        (
            "the number of L points",
            z.c.len(),
            r1cs.n_wires.saturating_sub(r1cs.n_public + 1),
        ),
        ("the number of H points", z.h.len(), n),
    ] {
        if zkey != circuit {
            return Err(ZkeyVerifyError::Shape {
                what,
                zkey,
                circuit,
            });
        }
    }
    let mismatch = |ok: bool, s: KeySection| {
        if ok {
            Ok(())
        } else {
            Err(ZkeyVerifyError::Mismatch(s))
        }
    };
    mismatch(z.coefs == coefs_from_r1cs(r1cs), KeySection::Coefficients)?;
    mismatch(z.alpha_g1 == ptau.alpha_g1, KeySection::Alpha)?;
    mismatch(
        z.beta_g1 == ptau.beta_g1 && z.beta_g2 == ptau.beta_g2,
        KeySection::Beta,
    )?;
    mismatch(z.gamma_g2 == G2Affine::generator(), KeySection::Gamma)?;
    check_delta(z)?;

    let tau_v = ptau.lagrange_g1(n)?;
    let tau_g2_v = ptau.lagrange_g2(n)?;
    let alpha_tau_v = ptau.lagrange_alpha_g1(n)?;
    let beta_tau_v = ptau.lagrange_beta_g1(n)?;
    let (tau, tau_g2, alpha_tau, beta_tau) = (&tau_v, &tau_g2_v, &alpha_tau_v, &beta_tau_v);
    let m = r1cs.constraints.len();
    let public = r1cs.n_public as u32;

    // A, B1, B2: `Σ r_i·A_i = Σ_k (Σ_i r_i·a_ki)·L_k(τ)` for fresh 128-bit `r_i`, one MSM a side,
    // instead of recomputing each wire's point (a scalar multiplication per nonzero term, minutes
    // at 2^13). Key points are checked on the curve (and B2 in the subgroup, the slowest step:
    // on every core) first, so a wrong point passes with probability at most 2^-128.
    check_points(&z.a, KeySection::A)?;
    check_points(&z.b_g1, KeySection::B1)?;
    if let Some(index) = z
        .b_g2
        .par_iter()
        .position_first(|p| !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()))
    {
        return Err(ZkeyVerifyError::BadPoint {
            section: KeySection::B2,
            index,
        });
    }
    let r: Vec<Fr> = random_scalars(rng, r1cs.n_wires);
    // The extra rows of A: `z_i` at row `m + i` for the one wire and each public input.
    let mut a_rows = vec![Fr::zero(); m + r1cs.n_public + 1];
    a_rows[m..].copy_from_slice(&r[..=r1cs.n_public]);
    let mut b_rows = vec![Fr::zero(); m];
    for (k, c) in r1cs.constraints.iter().enumerate() {
        a_rows[k] = combine(&c.a, &r);
        b_rows[k] = combine(&c.b, &r);
    }
    let (a_n, b_n) = (a_rows.len(), m);
    mismatch(
        G1Projective::msm_unchecked(&z.a, &r) == G1Projective::msm_unchecked(&tau[..a_n], &a_rows),
        KeySection::A,
    )?;
    mismatch(
        G1Projective::msm_unchecked(&z.b_g1, &r)
            == G1Projective::msm_unchecked(&tau[..b_n], &b_rows),
        KeySection::B1,
    )?;
    mismatch(
        G2Projective::msm_unchecked(&z.b_g2, &r)
            == G2Projective::msm_unchecked(&tau_g2[..b_n], &b_rows),
        KeySection::B2,
    )?;
    drop((a_rows, b_rows, r));

    // IC: K_i of the few public wires, recomputed exactly (β·A, α·B and C terms, and the extra
    // row's β·L_{m+i}).
    let rows = r1cs.constraints.iter().enumerate();
    let extra = (0..=r1cs.n_public).map(|i| (i as u32, &beta_tau[m + i], Fr::one()));
    let k_terms = rows
        .flat_map(|(k, c)| {
            let a = c.a.iter().map(move |&(w, v)| (w, &beta_tau[k], v));
            let b = c.b.iter().map(move |&(w, v)| (w, &alpha_tau[k], v));
            let cc = c.c.iter().map(move |&(w, v)| (w, &tau[k], v));
            a.chain(b).chain(cc)
        })
        .chain(extra);
    let ic = per_wire::<G1Projective>(r1cs.n_public + 1, k_terms.filter(|t| t.0 <= public));
    mismatch(ic == z.ic, KeySection::Ic)?;

    // L: Σ r_j·K_j as one MSM per ptau section, with the r_j folded into per-row scalars.
    check_points(&z.c, KeySection::L)?;
    let r = random_scalars(rng, z.c.len());
    let mut row_scalars = [
        vec![Fr::zero(); m],
        vec![Fr::zero(); m],
        vec![Fr::zero(); m],
    ];
    for (k, c) in r1cs.constraints.iter().enumerate() {
        for (side, terms) in [&c.a, &c.b, &c.c].into_iter().enumerate() {
            for &(w, v) in terms {
                if w > public {
                    row_scalars[side][k] += r[(w - public - 1) as usize] * v;
                }
            }
        }
    }
    let expected = G1Projective::msm_unchecked(&beta_tau[..m], &row_scalars[0])
        + G1Projective::msm_unchecked(&alpha_tau[..m], &row_scalars[1])
        + G1Projective::msm_unchecked(&tau[..m], &row_scalars[2]);
    let got = G1Projective::msm_unchecked(&z.c, &r);
    mismatch(same_ratio(got, expected, z.delta_g2), KeySection::L)?;
    drop((tau_v, tau_g2_v, alpha_tau_v, beta_tau_v, row_scalars));

    // H: the odd points of the 2n-point block, divided by δ.
    check_points(&z.h, KeySection::H)?;
    let h0: Vec<G1Affine> = ptau
        .lagrange_g1(2 * n)?
        .into_iter()
        .skip(1)
        .step_by(2)
        .collect();
    let s = random_scalars(rng, n);
    let got = G1Projective::msm_unchecked(&z.h, &s);
    let expected = G1Projective::msm_unchecked(&h0, &s);
    mismatch(same_ratio(got, expected, z.delta_g2), KeySection::H)
}

/// δ₁ on the curve, δ₂ on it and in the prime-order subgroup, and `e(δ₁, g₂) = e(g₁, δ₂)`.
fn check_delta(z: &Zkey) -> Result<(), ZkeyVerifyError> {
    let valid = z.delta_g1.is_on_curve()
        && z.delta_g2.is_on_curve()
        && z.delta_g2.is_in_correct_subgroup_assuming_on_curve();
    if !valid {
        return Err(ZkeyVerifyError::BadPoint {
            section: KeySection::Delta,
            index: 0,
        });
    }
    if !same_ratio(
        G1Projective::from(G1Affine::generator()),
        z.delta_g1.into(),
        z.delta_g2,
    ) {
        return Err(ZkeyVerifyError::Mismatch(KeySection::Delta));
    }
    Ok(())
}

/// `e(p, q) = e(p', g₂)`: `p = p'/δ` when `q = δ·g₂`.
fn same_ratio(p: G1Projective, p_prime: G1Projective, q: G2Affine) -> bool {
    Bn254::multi_pairing(
        [p.into_affine(), (-p_prime).into_affine()],
        [q, G2Affine::generator()],
    )
    .0
    .is_one()
}

/// Every point on the curve (G1 has cofactor 1, so that is the group).
fn check_points(points: &[G1Affine], section: KeySection) -> Result<(), ZkeyVerifyError> {
    match points.par_iter().position_first(|p| !p.is_on_curve()) {
        Some(index) => Err(ZkeyVerifyError::BadPoint { section, index }),
        None => Ok(()),
    }
}

/// `n` independent uniform 128-bit scalars.
fn random_scalars(rng: &mut impl RngCore, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::from(rng.gen::<u128>())).collect()
}

/// `Σ r_w·v` over a row's `(wire, v)` terms (wires were range-checked when the R1CS was built or
/// parsed; an out-of-range one would contribute nothing rather than panic).
fn combine(terms: &[(u32, Fr)], r: &[Fr]) -> Fr {
    terms
        .iter()
        .filter_map(|&(w, v)| r.get(w as usize).map(|rw| *rw * v))
        .sum()
}

/// Terms per wire below which a plain sum of scalar multiplications beats an MSM.
const SMALL: usize = 8;

/// `Σ v·P` over the `(wire, P, v)` terms of each of `n_wires` wires (identity where none).
fn per_wire<'a, G>(
    n_wires: usize,
    terms: impl Iterator<Item = (u32, &'a G::Affine, Fr)>,
) -> Vec<G::Affine>
where
    G: CurveGroup<ScalarField = Fr> + VariableBaseMSM<MulBase = <G as CurveGroup>::Affine>,
{
    let mut by_wire: Vec<Vec<(&'a G::Affine, Fr)>> = vec![Vec::new(); n_wires];
    for (w, p, v) in terms {
        // Wires were range-checked when the R1CS was built or parsed; skip rather than panic.
        if let Some(list) = by_wire.get_mut(w as usize) {
            list.push((p, v));
        }
    }
    let sums: Vec<G> = by_wire
        .iter()
        .map(|list| {
            if list.len() < SMALL {
                list.iter()
                    .map(|&(p, v)| if v.is_one() { p.into_group() } else { *p * v })
                    .sum()
            } else {
                let (bases, scalars): (Vec<G::Affine>, Vec<Fr>) =
                    list.iter().map(|&(p, v)| (*p, v)).unzip();
                G::msm_unchecked(&bases, &scalars)
            }
        })
        .collect();
    G::normalize_batch(&sums)
}

#[cfg(test)]
mod tests;
