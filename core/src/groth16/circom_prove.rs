//! Proving any circom circuit from a snarkjs `.zkey` and a circom `.wtns`, as rapidsnark does
//! (`zkbio groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json`), with the same prover
//! core as our own statements ([`super::prover`]).
//!
//! A `.zkey` carries the A and B matrices (its coefficient section) but not C: as snarkjs and
//! rapidsnark do, `A·z` and `B·z` are evaluated from the coefficients on every row of the domain
//! (the public-input rows included, exactly as the key lists them) and `C·z` is taken as
//! `A·z ∘ B·z`. The C matrix enters the proof only through the key's C (L) query points, so a
//! witness that does not satisfy the circuit yields a proof that does not verify: the prover's
//! final self-verification refuses it ([`ZkeyProveError::NotSatisfiedOrCorrupted`]). Given the
//! circuit's `.r1cs`, [`check_witness_r1cs`] refuses such a witness before any proving work.
//!
//! The key's points are written once into the `.zpk` layout in memory ([`zkey_to_zpk`]), so the
//! multi-scalar multiplications are the same code as for a mapped `.zpk`.

use super::key_file::{write_key_with_origin, KeyError, KeyOrigin, KeyView};
use super::progress::{Phase, ProveControl};
use super::prover::{check_key, domains_of, prove_from_h, ProveError};
use super::qap::h_from_rows;
use ark_bn254::{Bn254, Fr};
use ark_ff::{One, Zero};
use ark_groth16::{Proof, ProvingKey};
use ark_std::rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::zkey::{coefs_from_r1cs, Zkey, ZkeyCoef};

/// Why no proof was made from a `.zkey` and a `.wtns`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ZkeyProveError {
    /// The witness has another number of values than the key has wires.
    #[error("the witness has {witness} values, the key's circuit has {key} wires")]
    WitnessLength {
        /// Wires of the key's circuit.
        key: usize,
        /// Values in the witness.
        witness: usize,
    },
    /// A witness's first value is the constant one.
    #[error("the witness's first value (the constant one) is not 1")]
    NotOne,
    /// The `.r1cs` given for the check is not the circuit the key was made for.
    #[error("the .r1cs is not the key's circuit: {0}")]
    OtherCircuit(&'static str),
    /// The witness violates a constraint of the `.r1cs` (found before proving).
    #[error("the witness does not satisfy the circuit (constraint {0} fails)")]
    Unsatisfied(usize),
    /// The proof does not verify under the key's verification key: the witness does not satisfy
    /// the circuit (a `.zkey` does not hold C, so only the proof shows it), or a key point is
    /// corrupted.
    #[error("the proof does not verify under the key's own verification key: the witness does not satisfy the circuit (pass its .r1cs to find the constraint) or the key is corrupted")]
    NotSatisfiedOrCorrupted,
    /// Any other refusal of the prover (an unsafe key, a cancellation).
    #[error(transparent)]
    Prove(ProveError),
}

impl From<ProveError> for ZkeyProveError {
    fn from(e: ProveError) -> Self {
        match e {
            ProveError::CorruptedKey => ZkeyProveError::NotSatisfiedOrCorrupted,
            e => ZkeyProveError::Prove(e),
        }
    }
}

/// The number of constraints a snarkjs key's coefficients imply: `snarkjs zkey new` puts the
/// public-input rows at `m..=m + n_public` after the `m` constraints, so the last row used is
/// `m + n_public`. (A key whose last constraints have empty A and B looks shorter; the count
/// only sizes the `.zpk` header, the proof uses every row the key lists.)
pub fn implied_constraints(z: &Zkey) -> usize {
    let rows = z.coefs.iter().map(|k| k.constraint as usize + 1).max();
    rows.unwrap_or(0).saturating_sub(z.n_public + 1)
}

/// The key's points in the `.zpk` layout (in memory), marked as external. Fails if the counts
/// do not fit the layout.
pub fn zkey_to_zpk(z: &Zkey) -> Result<Vec<u8>, KeyError> {
    let pk = ProvingKey::<Bn254> {
        vk: z.verifying_key(),
        beta_g1: z.beta_g1,
        delta_g1: z.delta_g1,
        a_query: z.a.clone(),
        b_g1_query: z.b_g1.clone(),
        b_g2_query: z.b_g2.clone(),
        h_query: z.h.clone(),
        l_query: z.c.clone(),
    };
    let mut out = Vec::new();
    write_key_with_origin(&pk, implied_constraints(z), KeyOrigin::External, &mut out)?;
    Ok(out)
}

/// `A·z` and `B·z` on every row of an `n`-point domain from a key's coefficient section.
/// Coefficients were range-checked when the key was read (row below `n`, wire below the wire
/// count); `z` must hold every wire.
pub fn row_evaluations(coefs: &[ZkeyCoef], z: &[Fr], n: usize) -> (Vec<Fr>, Vec<Fr>) {
    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    for k in coefs {
        let side = if k.matrix == 0 { &mut a } else { &mut b };
        side[k.constraint as usize] += k.value * z[k.signal as usize];
    }
    (a, b)
}

/// Checks `wires` against the circuit's `.r1cs` before proving: the `.r1cs` must be the key's
/// circuit (its counts and A/B coefficients equal the key's) and every constraint must hold.
pub fn check_witness_r1cs(z: &Zkey, r1cs: &R1cs, wires: &[Fr]) -> Result<(), ZkeyProveError> {
    if r1cs.n_wires != z.n_vars || r1cs.n_public != z.n_public {
        return Err(ZkeyProveError::OtherCircuit("its wire counts differ"));
    }
    if r1cs.domain_size() != z.domain_size || coefs_from_r1cs(r1cs) != z.coefs {
        return Err(ZkeyProveError::OtherCircuit("its A/B coefficients differ"));
    }
    check_wires(z.n_vars, wires)?;
    match r1cs.first_violation(wires) {
        Some(i) => Err(ZkeyProveError::Unsatisfied(i)),
        None => Ok(()),
    }
}

fn check_wires(n_vars: usize, wires: &[Fr]) -> Result<(), ZkeyProveError> {
    if wires.len() != n_vars {
        return Err(ZkeyProveError::WitnessLength {
            key: n_vars,
            witness: wires.len(),
        });
    }
    if !wires[0].is_one() {
        return Err(ZkeyProveError::NotOne);
    }
    Ok(())
}

/// Proves with `key` (the `.zpk` form of a `.zkey`, [`zkey_to_zpk`]) and the key's coefficient
/// section `coefs` for the witness `wires` (all wire values, `.wtns` order), then checks the
/// proof verifies under the key's verification key. `wires` is zeroized when done.
pub fn prove_zkey(
    key: &KeyView<'_>,
    coefs: &[ZkeyCoef],
    wires: Vec<Fr>,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ZkeyProveError> {
    let wires = Zeroizing::new(wires);
    check_wires(key.n_vars(), &wires)?;
    check_key(key)?;
    let domains = domains_of(key)?;
    ctl.progress(Phase::Witness, 0.0);
    let (a, b) = row_evaluations(coefs, &wires, key.domain_size());
    let c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();
    ctl.progress(Phase::Witness, 1.0);
    ctl.progress(Phase::Fft, 0.0);
    let h = h_from_rows(a, b, c, &domains, ctl).ok_or(ProveError::Cancelled)?;
    Ok(prove_from_h(key, &wires, h, rng, ctl)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::progress::Silent;
    use crate::groth16::zkey_convert::to_zkey;
    use crate::groth16::{dev_setup_insecure, verify};
    use ark_std::rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use zkbio_circuits::statements::image_opening::ImageOpening;
    use zkbio_circuits::Circuit;

    const STMT: ImageOpening = ImageOpening { rows: 2, cols: 16 };

    fn setup() -> (
        Zkey,
        R1cs,
        Vec<Fr>,
        Vec<Fr>,
        zkbio_circuits::builder::Witness,
    ) {
        let r1cs = STMT.to_r1cs().unwrap();
        let pk = dev_setup_insecure(&r1cs, [3; 32]).unwrap();
        let inp = STMT
            .input(
                (0..32).map(|i| i as u8 * 5).collect(),
                (0..32).map(|i| i % 3 != 0).collect(),
                Fr::from(9u64),
                Fr::from(4u64),
            )
            .unwrap();
        let public = STMT.public_inputs(&inp).to_vec();
        let w = STMT.witness(&inp).unwrap();
        (to_zkey(&pk, &r1cs), r1cs, w.wires.clone(), public, w)
    }

    #[test]
    fn row_evaluations_are_the_witness_builders_plus_the_public_rows() {
        let (z, r1cs, wires, _, w) = setup();
        let (a, b) = row_evaluations(&z.coefs, &wires, z.domain_size);
        let m = r1cs.constraints.len();
        assert_eq!(implied_constraints(&z), m);
        assert_eq!(&a[..m], &w.a[..]);
        assert_eq!(&b[..m], &w.b[..]);
        // snarkjs's rows m + i: A = z_i for the one wire and each public input, B = 0.
        assert_eq!(&a[m..=m + r1cs.n_public], &wires[..=r1cs.n_public]);
        assert!(a[m + r1cs.n_public + 1..].iter().all(Fr::is_zero));
        assert!(b[m..].iter().all(Fr::is_zero));
    }

    #[test]
    fn a_zkey_and_its_witness_prove_and_a_wrong_witness_is_refused() {
        let (z, r1cs, wires, public, _) = setup();
        let zpk = zkey_to_zpk(&z).unwrap();
        let key = KeyView::new(&zpk).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let proof = prove_zkey(&key, &z.coefs, wires.clone(), &mut rng, &Silent).unwrap();
        assert_eq!(verify(&z.verifying_key(), &proof, &public), Ok(()));
        assert_eq!(check_witness_r1cs(&z, &r1cs, &wires), Ok(()));

        // One private wire changed: the .r1cs check names a constraint before any proving, and
        // without it the self-verification refuses the proof.
        let mut bad = wires.clone();
        let last = bad.len() - 1;
        bad[last] += Fr::from(1u64);
        assert!(matches!(
            check_witness_r1cs(&z, &r1cs, &bad),
            Err(ZkeyProveError::Unsatisfied(_))
        ));
        assert_eq!(
            prove_zkey(&key, &z.coefs, bad, &mut rng, &Silent),
            Err(ZkeyProveError::NotSatisfiedOrCorrupted)
        );
        let mut short = wires.clone();
        short.pop();
        assert!(matches!(
            prove_zkey(&key, &z.coefs, short, &mut rng, &Silent),
            Err(ZkeyProveError::WitnessLength { .. })
        ));
        let mut not_one = wires;
        not_one[0] = Fr::from(2u64);
        assert_eq!(
            prove_zkey(&key, &z.coefs, not_one, &mut rng, &Silent),
            Err(ZkeyProveError::NotOne)
        );
        let other = ImageOpening { rows: 2, cols: 8 }.to_r1cs().unwrap();
        assert!(matches!(
            check_witness_r1cs(&z, &other, &[]),
            Err(ZkeyProveError::OtherCircuit(_))
        ));
    }
}
