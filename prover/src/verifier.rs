//! Groth16 verification: the pairing check of arkworks, after checking that the key has none of
//! the forgeable structures of [`super::key_check`] and that the proof's points are on the curve
//! and in the prime-order subgroup (an unchecked G2 point is a known forgery vector).

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, VerifyingKey};

use super::key_check::{check_key_structure, KeyStructureError};

/// Why a proof was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The verification key expects another number of public inputs.
    #[error("expected {expected} public inputs, got {got}")]
    PublicInputCount {
        /// From the key.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The verification key is forgeable or degenerate: no proof under it means anything.
    #[error("unsafe verification key: {0}")]
    UnsafeKey(#[from] KeyStructureError),
    /// A proof point is not a valid group element.
    #[error("proof point {0} is not on the curve or not in the prime-order subgroup")]
    InvalidPoint(&'static str),
    /// The pairing check failed: the proof is not valid for these public inputs.
    #[error("the proof does not verify for these public inputs")]
    Rejected,
}

/// Verifies `proof` for `public_inputs` under `vk`, after refusing a forgeable `vk`
/// ([`check_key_structure`]).
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Result<(), VerifyError> {
    check_key_structure(vk, None)?;
    let expected = vk.gamma_abc_g1.len().saturating_sub(1);
    if public_inputs.len() != expected {
        return Err(VerifyError::PublicInputCount {
            expected,
            got: public_inputs.len(),
        });
    }
    let ok_g1 =
        |p: &ark_bn254::G1Affine| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve();
    if !ok_g1(&proof.a) {
        return Err(VerifyError::InvalidPoint("A"));
    }
    if !(proof.b.is_on_curve() && proof.b.is_in_correct_subgroup_assuming_on_curve()) {
        return Err(VerifyError::InvalidPoint("B"));
    }
    if !ok_g1(&proof.c) {
        return Err(VerifyError::InvalidPoint("C"));
    }
    let pvk = ark_groth16::prepare_verifying_key(vk);
    match Groth16::<Bn254>::verify_proof(&pvk, proof, public_inputs) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::Rejected),
    }
}
