//! Shared by the EVM verifier tests: real Groth16 keys and proofs made with ark-groth16's own
//! prover (independent of zkbio's), and paths to the pinned JS tools.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::PathBuf;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_relations::lc;
use ark_snark::SNARK;
use ark_std::rand::rngs::StdRng;
use ark_std::rand::SeedableRng;

/// Public inputs x_1 = a * b and x_{i+1} = x_i * a for private a, b: every public input is in a
/// constraint, so each one is bound by the proof.
#[derive(Clone)]
pub struct Chain {
    pub n_public: usize,
    pub witness: Option<(Fr, Fr)>,
}

impl Chain {
    /// The public inputs for private (a, b).
    pub fn outputs(n_public: usize, a: Fr, b: Fr) -> Vec<Fr> {
        let mut x = a * b;
        let mut out = Vec::with_capacity(n_public);
        for _ in 0..n_public {
            out.push(x);
            x *= a;
        }
        out
    }
}

impl ConstraintSynthesizer<Fr> for Chain {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = self.witness;
        let a_val = || w.map(|(a, _)| a).ok_or(SynthesisError::AssignmentMissing);
        let a = cs.new_witness_variable(a_val)?;
        let b =
            cs.new_witness_variable(|| w.map(|(_, b)| b).ok_or(SynthesisError::AssignmentMissing))?;
        let values = w.map(|(a, b)| Chain::outputs(self.n_public, a, b));
        let mut prev = b;
        for i in 0..self.n_public {
            let x = cs.new_input_variable(|| {
                values
                    .as_ref()
                    .map(|v| v[i])
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            // x_1 = a * b, x_{i+1} = a * x_i
            cs.enforce_r1cs_constraint(|| lc!() + a, || lc!() + prev, || lc!() + x)?;
            prev = x;
        }
        Ok(())
    }
}

/// A key pair and one valid proof with its public inputs.
pub struct Fixture {
    pub pk: ProvingKey<Bn254>,
    pub vk: VerifyingKey<Bn254>,
    pub proof: Proof<Bn254>,
    pub inputs: Vec<Fr>,
}

/// Deterministic setup and proof for a `Chain` with `n_public` inputs.
pub fn fixture(n_public: usize, seed: u64) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(
        Chain {
            n_public,
            witness: None,
        },
        &mut rng,
    )
    .expect("setup");
    let (a, b) = (Fr::from(3u64 + seed), Fr::from(5u64 + 7 * seed));
    let proof = Groth16::<Bn254>::prove(
        &pk,
        Chain {
            n_public,
            witness: Some((a, b)),
        },
        &mut rng,
    )
    .expect("prove");
    let inputs = Chain::outputs(n_public, a, b);
    Fixture {
        pk,
        vk,
        proof,
        inputs,
    }
}

/// arkworks' own verdict.
pub fn ark_accepts(vk: &VerifyingKey<Bn254>, proof: &Proof<Bn254>, inputs: &[Fr]) -> bool {
    Groth16::<Bn254>::verify(vk, inputs, proof).unwrap_or(false)
}

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

/// tools/js, where the pinned snarkjs / solc live; panics with the fix if it is not installed.
pub fn js_tools() -> PathBuf {
    let dir = repo_root().join("tools").join("js");
    assert!(
        dir.join("node_modules").join("snarkjs").is_dir()
            && dir.join("node_modules").join("solc").is_dir(),
        "JS reference tools missing in {}: run npm ci --prefix tools/js",
        dir.display()
    );
    dir
}
