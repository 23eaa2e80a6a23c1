//! Conversions between our keys and snarkjs `.zkey` files (desktop, one-time steps).
//!
//! Importing a ceremony's `.zkey` checks the whole key against the circuit and the powers of tau
//! it was made from ([`super::zkey_verify`], what `snarkjs zkey verify` does): the A/B
//! coefficients, A, B, IC exactly, and the L and H points, which carry C's coefficients (every
//! model constant), by random-combination pairing checks. A key for another circuit, or for
//! another version of the same model that differs only in constants, is refused before anything
//! is proven with it. The key must also pass [`check_proving_key`] (a snarkjs `groth16 setup`
//! output, δ = γ = the generator, is forgeable) and record at least one phase-2 contribution.
//! There is no ceremony import without the ptau: the coefficient section alone does not bind C.
//! Our own development keys (exported by [`to_zkey`], made by no ceremony) are imported only by
//! [`from_zkey_insecure_dev`], which the caller marks as INSECURE.

use ark_bn254::Bn254;
use ark_groth16::ProvingKey;

use super::key_check::{check_proving_key, KeyStructureError};
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::zkey::{coefs_from_r1cs, Zkey, CS_HASH_SIZE};
use zkbio_circuits::circom::Ptau;

use super::zkey_verify::{verify_zkey, ZkeyVerifyError};

/// Why a `.zkey` cannot be used for a circuit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
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
    /// Same counts, different constraints.
    #[error(
        "the .zkey was made for another circuit: its A/B coefficients differ from this circuit's"
    )]
    Coefficients,
    /// The key is forgeable or degenerate.
    #[error("unsafe .zkey: {0}")]
    UnsafeKey(#[from] KeyStructureError),
    /// Section 10 records no phase-2 contribution: whoever made the key knows its δ.
    #[error("the .zkey records no phase-2 contribution (run `snarkjs zkey contribute`); a development key can be imported as INSECURE only")]
    NoContribution,
    /// Section 10 does not parse.
    #[error("the .zkey's contribution section: {0}")]
    Contributions(String),
    /// The key is not the one this circuit and powers of tau give (see [`super::zkey_verify`]).
    #[error(transparent)]
    Verify(#[from] ZkeyVerifyError),
}

/// A snarkjs `.zkey` for `pk`, whose circuit is `r1cs`. Section 10 records no contribution and a
/// zero circuit hash: such a key can seed a ceremony (`snarkjs zkey contribute`) but is not one.
pub fn to_zkey(pk: &ProvingKey<Bn254>, r1cs: &R1cs) -> Zkey {
    Zkey {
        n_vars: r1cs.n_wires,
        n_public: r1cs.n_public,
        domain_size: pk.h_query.len(),
        alpha_g1: pk.vk.alpha_g1,
        beta_g1: pk.beta_g1,
        beta_g2: pk.vk.beta_g2,
        gamma_g2: pk.vk.gamma_g2,
        delta_g1: pk.delta_g1,
        delta_g2: pk.vk.delta_g2,
        ic: pk.vk.gamma_abc_g1.clone(),
        coefs: coefs_from_r1cs(r1cs),
        a: pk.a_query.clone(),
        b_g1: pk.b_g1_query.clone(),
        b_g2: pk.b_g2_query.clone(),
        c: pk.l_query.clone(),
        h: pk.h_query.clone(),
        contributions: Zkey::empty_contributions(&[0; CS_HASH_SIZE]),
    }
}

/// Our proving key from a ceremony's `.zkey`, after checking it: made for `r1cs` from `ptau`
/// ([`verify_zkey`]), passing the key structure check, with at least one phase-2 contribution.
pub fn from_zkey(z: &Zkey, r1cs: &R1cs, ptau: &Ptau<'_>) -> Result<ProvingKey<Bn254>, ImportError> {
    let (_, contributions) = z
        .contribution_info()
        .map_err(|e| ImportError::Contributions(e.to_string()))?;
    if contributions == 0 {
        return Err(ImportError::NoContribution);
    }
    let pk = convert(z, r1cs)?;
    verify_zkey(z, r1cs, ptau)?;
    Ok(pk)
}

/// [`from_zkey`] without the contribution requirement and the ptau, for **INSECURE** development
/// keys (e.g. a `.zkey` exported by [`to_zkey`]); the caller must mark the result as such
/// ([`super::KeyOrigin::InsecureDev`]). The structure check still applies.
pub fn from_zkey_insecure_dev(z: &Zkey, r1cs: &R1cs) -> Result<ProvingKey<Bn254>, ImportError> {
    convert(z, r1cs)
}

fn convert(z: &Zkey, r1cs: &R1cs) -> Result<ProvingKey<Bn254>, ImportError> {
    let shape = [
        ("the wire count", z.n_vars, r1cs.n_wires),
        ("the public-input count", z.n_public, r1cs.n_public),
        ("the domain size", z.domain_size, r1cs.domain_size()),
    ];
    for (what, zkey, circuit) in shape {
        if zkey != circuit {
            return Err(ImportError::Shape {
                what,
                zkey,
                circuit,
            });
        }
    }
    if z.coefs != coefs_from_r1cs(r1cs) {
        return Err(ImportError::Coefficients);
    }
    let pk = ProvingKey {
        vk: z.verifying_key(),
        beta_g1: z.beta_g1,
        delta_g1: z.delta_g1,
        a_query: z.a.clone(),
        b_g1_query: z.b_g1.clone(),
        b_g2_query: z.b_g2.clone(),
        h_query: z.h.clone(),
        l_query: z.c.clone(),
    };
    check_proving_key(&pk)?;
    Ok(pk)
}
