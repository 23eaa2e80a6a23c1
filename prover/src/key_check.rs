//! The structure check every Groth16 key passes before zkbio proves or verifies with it.
//!
//! A key can be *forgeable* (anyone can make proofs for any public inputs) or can *leak the
//! witness* without any point being off the curve. What this refuses, and why:
//!
//! - **δ₂ = ±γ₂.** The verification equation is `e(A,B) = e(α₁,β₂)·e(IC(x),γ₂)·e(C,δ₂)`. With
//!   δ₂ = γ₂ the last two factors merge into `e(IC(x) + C, γ₂)`, so `A = α₁, B = β₂,
//!   C = −IC(x)` verifies for every `x` (with δ₂ = −γ₂, `C = IC(x)`). snarkjs's `groth16 setup`
//!   output (`_0000.zkey`, before any phase-2 contribution) has δ₂ = γ₂ = the G2 generator.
//! - **δ₂ = ±g₂**: the same key state (no contribution moved δ away from the generator), and
//!   since snarkjs fixes γ₂ = g₂ this is the first case again for every snarkjs key.
//! - **A point at infinity** among α₁, β₂, γ₂, δ₂ and the IC points (an IC point at infinity
//!   drops its public input from the equation: the proof then holds for any value of it), and
//!   β₁, δ₁ where the proving key is at hand. δ₁ = O removes the prover's blinding `r·δ₁` from
//!   `A`, which then is a deterministic function of the witness (issue 10, row 4).
//! - **Points off the curve or outside the prime-order subgroup** (a `.zpk` is read unchecked).
//! - **`e(δ₁, g₂) ≠ e(g₁, δ₂)` or `e(β₁, g₂) ≠ e(g₁, β₂)`**: the prover's G1 copies must be the
//!   verifier's G2 points, or its blinding does not cancel as the verifier expects.
//!
//! Why the query points (A, B, C, H) are not read: that is a pass over the whole key (hundreds
//! of MiB on a phone), and it is not needed for privacy. With δ₁ ≠ O and δ₂ ≠ O the blinding
//! makes `A` and `B` uniform, and once the proof verifies under the key's verification key (the
//! prover checks that before returning, [`super::prove`]), `C` is the unique point the
//! equation allows for that `A`, `B` and public inputs, so the proof says nothing more about the
//! witness. Whether a key is *sound* for its circuit beyond the trivial cases above is what a
//! ceremony's transcript and `snarkjs zkey verify` establish; this check catches the keys that
//! are forgeable by construction.

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::One;
use ark_groth16::{ProvingKey, VerifyingKey};

use super::key_file::KeyView;

/// Why a key is refused (see the module docs for what each case allows).
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum KeyStructureError {
    /// δ₂ equals γ₂ (or its negation): anyone can forge proofs for any public inputs.
    #[error("δ₂ = ±γ₂: proofs for any public inputs can be forged with this key (no phase-2 contribution?)")]
    DeltaEqualsGamma,
    /// δ₂ is the G2 generator (or its negation): the key had no phase-2 contribution.
    #[error("δ₂ is the G2 generator: the key had no phase-2 contribution, proofs can be forged")]
    DeltaIsGenerator,
    /// A point that must not be the point at infinity is.
    #[error("{0} is the point at infinity")]
    Infinity(&'static str),
    /// A point is not on the curve or not in the prime-order subgroup.
    #[error("{0} is not on the curve or not in the prime-order subgroup")]
    InvalidPoint(&'static str),
    /// A G1 point of the proving key is not the G1 image of its G2 partner.
    #[error("{0}₁ and {0}₂ are not the same scalar (e({0}₁, g₂) ≠ e(g₁, {0}₂))")]
    Inconsistent(&'static str),
    /// The key has no IC point (it must have one per public input plus one).
    #[error("the verification key has no IC points")]
    NoIc,
}

/// The proving key's G1 copies of β and δ, checked against the verification key's G2 points.
#[derive(Clone, Copy, Debug)]
pub struct ProverPoints {
    /// β₁.
    pub beta_g1: G1Affine,
    /// δ₁.
    pub delta_g1: G1Affine,
}

fn valid_g1(p: &G1Affine, what: &'static str) -> Result<(), KeyStructureError> {
    if p.is_zero() {
        return Err(KeyStructureError::Infinity(what));
    }
    if !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()) {
        return Err(KeyStructureError::InvalidPoint(what));
    }
    Ok(())
}

fn valid_g2(p: &G2Affine, what: &'static str) -> Result<(), KeyStructureError> {
    if p.is_zero() {
        return Err(KeyStructureError::Infinity(what));
    }
    if !(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()) {
        return Err(KeyStructureError::InvalidPoint(what));
    }
    Ok(())
}

/// `e(p1, g₂) = e(g₁, p2)`, as one multi-pairing `e(p1, g₂)·e(−g₁, p2) = 1`.
fn same_scalar(p1: &G1Affine, p2: &G2Affine) -> bool {
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    Bn254::multi_pairing([*p1, -g1], [g2, *p2]).0.is_one()
}

/// Checks `vk` (and, when given, the proving key's β₁ and δ₁) for the forgeable and degenerate
/// structures listed in the module docs. Cost: a few subgroup checks and, with `prover`, two
/// multi-pairings; it reads no query point.
pub fn check_key_structure(
    vk: &VerifyingKey<Bn254>,
    prover: Option<&ProverPoints>,
) -> Result<(), KeyStructureError> {
    valid_g1(&vk.alpha_g1, "α₁")?;
    valid_g2(&vk.beta_g2, "β₂")?;
    valid_g2(&vk.gamma_g2, "γ₂")?;
    valid_g2(&vk.delta_g2, "δ₂")?;
    if vk.gamma_abc_g1.is_empty() {
        return Err(KeyStructureError::NoIc);
    }
    for p in &vk.gamma_abc_g1 {
        valid_g1(p, "an IC point")?;
    }
    let delta = vk.delta_g2;
    if delta == vk.gamma_g2 || delta == -vk.gamma_g2 {
        return Err(KeyStructureError::DeltaEqualsGamma);
    }
    let g2 = G2Affine::generator();
    if delta == g2 || delta == -g2 {
        return Err(KeyStructureError::DeltaIsGenerator);
    }
    if let Some(p) = prover {
        valid_g1(&p.beta_g1, "β₁")?;
        valid_g1(&p.delta_g1, "δ₁")?;
        if !same_scalar(&p.delta_g1, &vk.delta_g2) {
            return Err(KeyStructureError::Inconsistent("δ"));
        }
        if !same_scalar(&p.beta_g1, &vk.beta_g2) {
            return Err(KeyStructureError::Inconsistent("β"));
        }
    }
    Ok(())
}

/// [`check_key_structure`] of a whole proving key.
pub fn check_proving_key(pk: &ProvingKey<Bn254>) -> Result<(), KeyStructureError> {
    check_key_structure(
        &pk.vk,
        Some(&ProverPoints {
            beta_g1: pk.beta_g1,
            delta_g1: pk.delta_g1,
        }),
    )
}

/// [`check_key_structure`] of a `.zpk` key (reads its verification-key section only).
pub fn check_key_view(key: &KeyView<'_>) -> Result<(), KeyStructureError> {
    check_key_structure(
        &key.verifying_key(),
        Some(&ProverPoints {
            beta_g1: key.beta_g1(),
            delta_g1: key.delta_g1(),
        }),
    )
}
