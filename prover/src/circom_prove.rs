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
//! The key is used where it lies: a `.zkey`'s point sections hold the encoding the prover reads
//! (Montgomery limbs, little-endian), so the multi-scalar multiplications read a mapped `.zkey`
//! directly ([`key_view`]), with no decoded or converted copy in memory, and the coefficients are
//! read one entry at a time ([`row_evaluations`]). The wires and then the rows are held compactly
//! ([`Evaluations`]) as soon as they are read: A's rows are summed into one full-length vector,
//! compacted, then B's (two passes over the mapped coefficients rather than one with both
//! vectors alive), so the peak is one full row vector while the coefficients are summed, or the
//! FFT buffers, as for our own statements.

use super::heap::release_freed;
use super::key_file::{KeyOrigin, KeySections, KeyView};
use super::progress::{Phase, ProveControl};
use super::prover::{check_key, domains_of, prove_compact, ProveError};
use ark_bn254::{Bn254, Fr};
use ark_ff::{One, Zero};
use ark_groth16::Proof;
use ark_std::rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkbio_circuits::builder::{Evaluations, R1cs};
use zkbio_circuits::circom::zkey::{coefs_from_r1cs, radix_inverse, ZkeyView};
use zkbio_circuits::circom::FormatError;

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
    /// The key's counts or sections do not fit together as a proving key.
    #[error("the .zkey is not a usable proving key: {0}")]
    Key(String),
    /// A coefficient entry is out of range or not canonical.
    #[error("the .zkey's coefficients: {0}")]
    Coefficients(String),
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
/// only sizes the key's header checks, the proof uses every row the key lists.)
pub fn implied_constraints(z: &ZkeyView<'_>) -> Result<usize, ZkeyProveError> {
    Ok(constraints_below(z.rows_used().map_err(coef_error)?, z))
}

/// The constraint count when the coefficients use rows `0..rows`.
fn constraints_below(rows: usize, z: &ZkeyView<'_>) -> usize {
    rows.saturating_sub(z.n_public + 1)
}

fn coef_error(e: FormatError) -> ZkeyProveError {
    ZkeyProveError::Coefficients(e.to_string())
}

/// The key's points where they lie in the `.zkey`'s bytes, as the prover reads them (marked as
/// external: a `.zkey` says nothing of its origin; the prover's key check refuses the forgeable
/// ones). The counts are checked as a `.zpk` header's are.
pub fn key_view<'a>(z: &ZkeyView<'a>) -> Result<KeyView<'a>, ZkeyProveError> {
    key_view_with(z, implied_constraints(z)?)
}

/// [`key_view`] with the constraint count already known (the prover learns it from the pass
/// that evaluates the rows, so the coefficients are read once).
fn key_view_with<'a>(
    z: &ZkeyView<'a>,
    n_constraints: usize,
) -> Result<KeyView<'a>, ZkeyProveError> {
    let sections = KeySections {
        vk: z.header_points,
        ic: z.ic,
        a: z.a,
        b_g1: z.b_g1,
        b_g2: z.b_g2,
        c: z.c,
        h: z.h,
    };
    KeyView::from_sections(
        z.n_vars,
        z.n_public,
        z.domain_size,
        n_constraints,
        KeyOrigin::External,
        sections,
    )
    .map_err(|e| ZkeyProveError::Key(e.to_string()))
}

/// `A·z` and `B·z` on every row of the key's domain from its coefficient section. Each term is
/// the entry's Montgomery-scaled value times the wire (one multiplication), and each row is
/// unscaled once at the end. `wires` must hold every wire (and start with the one); entries are
/// range-checked as they are read.
pub fn row_evaluations(
    z: &ZkeyView<'_>,
    wires: &[Fr],
) -> Result<(Vec<Fr>, Vec<Fr>), ZkeyProveError> {
    check_wires(z.n_vars, wires)?;
    let (a, _) = evaluate_rows(z, Matrix::A, |i| wires[i])?;
    let (b, _) = evaluate_rows(z, Matrix::B, |i| wires[i])?;
    Ok((a, b))
}

/// The two matrices of a `.zkey`'s coefficient section.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Matrix {
    A = 0,
    B = 1,
}

/// One matrix's rows `M·z` on the key's domain, with wire `i`'s value `wire(i)` (every `i` below
/// the key's wire count), in one pass over the coefficients (the other matrix's entries are
/// skipped), and one more than the highest row a coefficient of either matrix uses.
fn evaluate_rows(
    z: &ZkeyView<'_>,
    matrix: Matrix,
    wire: impl Fn(usize) -> Fr,
) -> Result<(Vec<Fr>, usize), ZkeyProveError> {
    let mut out = vec![Fr::zero(); z.domain_size];
    let mut rows = 0;
    z.for_each_coef(|m, row, signal, scaled| {
        if m == matrix as u32 {
            out[row] += scaled * wire(signal);
        }
        rows = rows.max(row + 1);
    })
    .map_err(coef_error)?;
    let r_inv = radix_inverse();
    for x in out.iter_mut() {
        *x *= r_inv;
    }
    Ok((out, rows))
}

/// Checks `wires` against the circuit's `.r1cs` before proving: the `.r1cs` must be the key's
/// circuit (its counts and A/B coefficients equal the key's) and every constraint must hold.
pub fn check_witness_r1cs(
    z: &ZkeyView<'_>,
    r1cs: &R1cs,
    wires: &[Fr],
) -> Result<(), ZkeyProveError> {
    if r1cs.n_wires != z.n_vars || r1cs.n_public != z.n_public {
        return Err(ZkeyProveError::OtherCircuit("its wire counts differ"));
    }
    if r1cs.domain_size() != z.domain_size
        || coefs_from_r1cs(r1cs) != z.coefs().map_err(coef_error)?
    {
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

/// Proves from the `.zkey` `z` (its points read in place) for the witness `wires` (all wire
/// values, `.wtns` order), then checks the proof verifies under the key's verification key.
/// `wires` is zeroized when done.
pub fn prove_zkey(
    z: &ZkeyView<'_>,
    wires: Vec<Fr>,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ZkeyProveError> {
    let mut wires = Zeroizing::new(wires);
    check_wires(z.n_vars, &wires)?;
    ctl.progress(Phase::Witness, 0.0);
    // The wires held compactly from here on (most are bits): 4 bytes each instead of 32.
    let compact = Evaluations::from(&wires[..]);
    wires.zeroize();
    drop(wires);
    release_freed();
    let wire = |i: usize| {
        compact
            .get(i)
            .expect("the coefficients' signals are range-checked")
    };
    // A's rows, then B's: one full-length vector at a time (two passes over the mapped
    // coefficients), each dropped as soon as its compact column exists. Both at once were the
    // drop-in's peak on the full iris key. The passes also give the constraint count the key's
    // header checks need.
    let (a, rows) = evaluate_rows(z, Matrix::A, wire)?;
    let a = Zeroizing::new(a);
    let a_column = Evaluations::from(&a[..rows]);
    drop(a);
    release_freed();
    let key = key_view_with(z, constraints_below(rows, z))?;
    check_key(&key)?;
    let domains = domains_of(&key)?;
    let (b, _) = evaluate_rows(z, Matrix::B, wire)?;
    let b = Zeroizing::new(b);
    // The rows compactly too (they include snarkjs's public-input rows); C = A∘B row by row.
    let c: Evaluations = a_column
        .iter()
        .zip(&b[..rows])
        .map(|(x, y)| x * y)
        .collect();
    let b_column = Evaluations::from(&b[..rows]);
    drop(b);
    let columns = [a_column, b_column, c];
    release_freed();
    ctl.progress(Phase::Witness, 1.0);
    // As in `prove`; A's column already holds the public-input rows.
    Ok(prove_compact(
        &key, compact, columns, 0, &domains, rng, ctl,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use crate::zkey_convert::to_zkey;
    use crate::{dev_setup_insecure, verify};
    use ark_std::rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use zkbio_circuits::circom::zkey::{Zkey, COEF_SIZE};
    use zkbio_circuits::statements::image_opening::ImageOpening;
    use zkbio_circuits::Circuit;

    const STMT: ImageOpening = ImageOpening { rows: 2, cols: 16 };

    struct Setup {
        zkey: Zkey,
        bytes: Vec<u8>,
        r1cs: R1cs,
        wires: Vec<Fr>,
        public: Vec<Fr>,
        witness: zkbio_circuits::builder::Witness,
        pk: ark_groth16::ProvingKey<Bn254>,
    }

    fn setup() -> Setup {
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
        let witness = STMT.witness(&inp).unwrap();
        let zkey = to_zkey(&pk, &r1cs);
        Setup {
            bytes: zkey.to_bytes().unwrap(),
            zkey,
            r1cs,
            wires: witness.wires.clone(),
            public,
            witness,
            pk,
        }
    }

    #[test]
    fn row_evaluations_are_the_witness_builders_plus_the_public_rows() {
        let s = setup();
        let z = ZkeyView::parse(&s.bytes).unwrap();
        let (a, b) = row_evaluations(&z, &s.wires).unwrap();
        assert_eq!(a.len(), z.domain_size);
        let m = s.r1cs.constraints.len();
        assert_eq!(implied_constraints(&z), Ok(m));
        assert_eq!(a[..m], s.witness.a.to_vec());
        assert_eq!(b[..m], s.witness.b.to_vec());
        // snarkjs's rows m + i: A = z_i for the one wire and each public input, B = 0.
        let n_public = s.r1cs.n_public;
        assert_eq!(&a[m..=m + n_public], &s.wires[..=n_public]);
        assert!(a[m + n_public + 1..].iter().all(Fr::is_zero));
        assert!(b[m..].iter().all(Fr::is_zero));
    }

    #[test]
    fn the_key_in_place_is_the_key_and_bad_coefficients_are_typed_errors() {
        let s = setup();
        let z = ZkeyView::parse(&s.bytes).unwrap();
        assert_eq!(z.coefs().unwrap(), s.zkey.coefs);
        let key = key_view(&z).unwrap();
        assert_eq!(key.to_proving_key(), s.pk);
        assert_eq!(key.n_constraints(), s.r1cs.constraints.len());

        // Where the first coefficient entry lies in the file (the view borrows the file).
        let at = z.coefs.as_ptr() as usize - s.bytes.as_ptr() as usize;
        let modulus = <Fr as ark_ff::PrimeField>::MODULUS;
        let mut r_le = [0u8; 32];
        for (i, l) in modulus.0.iter().enumerate() {
            r_le[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
        }
        let bad: [(usize, Vec<u8>); 3] = [
            // A row past the domain.
            (at + 4, (z.domain_size as u32).to_le_bytes().to_vec()),
            // A stored value equal to r: not canonical.
            (at + 12, r_le.to_vec()),
            // Matrix 2 (only A and B are stored).
            (at, 2u32.to_le_bytes().to_vec()),
        ];
        for (offset, patch) in bad {
            let mut b = s.bytes.clone();
            b[offset..offset + patch.len()].copy_from_slice(&patch);
            // The view parses (it reads no coefficient), every use of the entries refuses.
            let v = ZkeyView::parse(&b).unwrap();
            assert!(matches!(
                row_evaluations(&v, &s.wires),
                Err(ZkeyProveError::Coefficients(_))
            ));
            assert!(matches!(key_view(&v), Err(ZkeyProveError::Coefficients(_))));
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            assert!(matches!(
                prove_zkey(&v, s.wires.clone(), &mut rng, &Silent),
                Err(ZkeyProveError::Coefficients(_))
            ));
            assert!(Zkey::from_bytes(&b).is_err());
        }
        assert_eq!(COEF_SIZE, 44);
    }

    #[test]
    fn a_zkey_and_its_witness_prove_and_a_wrong_witness_is_refused() {
        let s = setup();
        let z = ZkeyView::parse(&s.bytes).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let proof = prove_zkey(&z, s.wires.clone(), &mut rng, &Silent).unwrap();
        assert_eq!(verify(&s.zkey.verifying_key(), &proof, &s.public), Ok(()));
        assert_eq!(check_witness_r1cs(&z, &s.r1cs, &s.wires), Ok(()));

        // One private wire changed: the .r1cs check names a constraint before any proving, and
        // without it the self-verification refuses the proof.
        let mut bad = s.wires.clone();
        let last = bad.len() - 1;
        bad[last] += Fr::from(1u64);
        assert!(matches!(
            check_witness_r1cs(&z, &s.r1cs, &bad),
            Err(ZkeyProveError::Unsatisfied(_))
        ));
        assert_eq!(
            prove_zkey(&z, bad, &mut rng, &Silent),
            Err(ZkeyProveError::NotSatisfiedOrCorrupted)
        );
        let mut short = s.wires.clone();
        short.pop();
        assert!(matches!(
            prove_zkey(&z, short, &mut rng, &Silent),
            Err(ZkeyProveError::WitnessLength { .. })
        ));
        let mut not_one = s.wires;
        not_one[0] = Fr::from(2u64);
        assert_eq!(
            prove_zkey(&z, not_one, &mut rng, &Silent),
            Err(ZkeyProveError::NotOne)
        );
        let other = ImageOpening { rows: 2, cols: 8 }.to_r1cs().unwrap();
        assert!(matches!(
            check_witness_r1cs(&z, &other, &[]),
            Err(ZkeyProveError::OtherCircuit(_))
        ));
    }
}
