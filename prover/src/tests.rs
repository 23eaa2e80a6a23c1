//! End-to-end tests of setup, key file, prover and verifier on small statements.

use super::key_file::{digest, key_to_bytes, KeyError, KeyView, MappedKey};
use super::progress::{Phase, ProveControl, Silent};
use super::{dev_setup_insecure, prove, verify, ProveError, VerifyError};
use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;

const STMT: ImageOpening = ImageOpening { rows: 4, cols: 16 };

fn input(seed: u64) -> zkbio_circuits::statements::image_opening::ImageOpeningInput {
    let image = (0..STMT.pixels())
        .map(|i| (i as u64 * 7 + seed) as u8)
        .collect();
    let mask = (0..STMT.pixels())
        .map(|i| !(i as u64 ^ seed).is_multiple_of(5))
        .collect();
    STMT.input(image, mask, Fr::from(seed + 1), Fr::from(42u64))
        .unwrap()
}

fn key_bytes() -> Vec<u8> {
    let r1cs = STMT.to_r1cs().unwrap();
    let pk = dev_setup_insecure(&r1cs, [7; 32]).unwrap();
    key_to_bytes(&pk, r1cs.constraints.len()).unwrap()
}

#[test]
fn proof_verifies_and_any_changed_public_input_is_rejected() {
    let bytes = key_bytes();
    let key = KeyView::new(&bytes).unwrap();
    let vk = key.verifying_key();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for seed in 0..2 {
        let inp = input(seed);
        let public = STMT.public_inputs(&inp);
        let w = STMT.witness(&inp).unwrap();
        let proof = prove(&key, w, &mut rng, &Silent).unwrap();
        assert_eq!(verify(&vk, &proof, &public), Ok(()));
        for i in 0..public.len() {
            let mut bad = public;
            bad[i] += Fr::from(1u64);
            assert_eq!(
                verify(&vk, &proof, &bad),
                Err(VerifyError::Rejected),
                "input {i}"
            );
        }
        assert!(matches!(
            verify(&vk, &proof, &public[..1]),
            Err(VerifyError::PublicInputCount {
                expected: 2,
                got: 1
            })
        ));
    }
}

#[test]
fn a_key_for_another_circuit_or_an_unsatisfied_witness_is_refused() {
    let bytes = key_bytes();
    let key = KeyView::new(&bytes).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let other = ImageOpening { rows: 2, cols: 16 };
    let inp = other
        .input(vec![1; 32], vec![true; 32], Fr::from(1u64), Fr::from(2u64))
        .unwrap();
    let w = other.witness(&inp).unwrap();
    assert!(matches!(
        prove(&key, w, &mut rng, &Silent),
        Err(ProveError::KeyMismatch {
            what: "the wire count",
            ..
        })
    ));
    let mut w = STMT.witness(&input(3)).unwrap();
    w.c.set(5, w.c.get(5).unwrap() + Fr::from(1u64));
    assert_eq!(
        prove(&key, w, &mut rng, &Silent),
        Err(ProveError::Unsatisfied(5))
    );
}

struct Recording {
    events: Mutex<Vec<(Phase, f32)>>,
    cancel_after: usize,
    polls: AtomicUsize,
}

impl ProveControl for Recording {
    fn progress(&self, phase: Phase, fraction: f32) {
        self.events.lock().unwrap().push((phase, fraction));
    }
    fn is_cancelled(&self) -> bool {
        self.polls.fetch_add(1, Ordering::SeqCst) >= self.cancel_after
    }
}

#[test]
fn progress_is_ordered_and_cancellation_stops_the_prover() {
    let bytes = key_bytes();
    let key = KeyView::new(&bytes).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let ctl = Recording {
        events: Mutex::new(Vec::new()),
        cancel_after: usize::MAX,
        polls: AtomicUsize::new(0),
    };
    prove(&key, STMT.witness(&input(4)).unwrap(), &mut rng, &ctl).unwrap();
    let events = ctl.events.into_inner().unwrap();
    let order = |p: Phase| {
        [Phase::MsmG1, Phase::MsmG2, Phase::Fft, Phase::MsmH]
            .iter()
            .position(|&q| q == p)
    };
    for pair in events.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert!(
            order(a.0) < order(b.0) || (a.0 == b.0 && a.1 <= b.1),
            "{events:?}"
        );
    }
    assert_eq!(events.last(), Some(&(Phase::MsmH, 1.0)));

    for cancel_after in [0, 1, 3] {
        let ctl = Recording {
            events: Mutex::new(Vec::new()),
            cancel_after,
            polls: AtomicUsize::new(0),
        };
        let r = prove(&key, STMT.witness(&input(4)).unwrap(), &mut rng, &ctl);
        assert_eq!(r, Err(ProveError::Cancelled));
    }
}

#[test]
fn key_files_are_checked_and_map_from_disk() {
    let bytes = key_bytes();
    let dir = std::env::temp_dir().join(format!("zkbio-key-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.zpk");
    std::fs::write(&path, &bytes).unwrap();
    let d = digest(&bytes);
    let mapped = MappedKey::open_verified(&path, &d).unwrap();
    assert_eq!(
        mapped.view().to_proving_key(),
        KeyView::new(&bytes).unwrap().to_proving_key()
    );

    let mut wrong = d;
    wrong[0] ^= 1;
    assert!(matches!(
        MappedKey::open_verified(&path, &wrong),
        Err(KeyError::DigestMismatch { .. })
    ));

    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert!(matches!(KeyView::new(&bad), Err(KeyError::BadMagic)));
    let mut bad = bytes.clone();
    bad[8] = 9;
    assert!(matches!(
        KeyView::new(&bad),
        Err(KeyError::UnsupportedVersion(9))
    ));
    assert!(matches!(
        KeyView::new(&bytes[..bytes.len() - 1]),
        Err(KeyError::WrongLength { .. })
    ));
    assert!(matches!(
        KeyView::new(&bytes[..100]),
        Err(KeyError::WrongLength { .. })
    ));
    let mut bad = bytes.clone();
    bad[32] = 3; // domain size 3
    assert!(matches!(KeyView::new(&bad), Err(KeyError::Inconsistent(_))));
    // Counts near u64::MAX (found by the zpk fuzz target): typed errors, not an overflow.
    for (at, what) in [(24, "n_public"), (40, "n_constraints")] {
        let mut bad = bytes.clone();
        bad[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(
            matches!(KeyView::new(&bad), Err(KeyError::Inconsistent(_))),
            "{what} = u64::MAX"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dev_setup_is_deterministic_in_its_seed() {
    let r1cs = STMT.to_r1cs().unwrap();
    let a = dev_setup_insecure(&r1cs, [1; 32]).unwrap();
    let b = dev_setup_insecure(&r1cs, [1; 32]).unwrap();
    let c = dev_setup_insecure(&r1cs, [2; 32]).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.vk, c.vk);
}

mod unsafe_keys {
    //! Keys the structure check refuses, and the self-check of the prover.

    use super::*;
    use crate::encoding::{G1_BYTES, G2_BYTES};
    use crate::key_check::{check_proving_key, KeyStructureError as E};
    use crate::KeyOrigin;
    use ark_bn254::{Bn254, G1Affine, G2Affine};
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_groth16::{Groth16, Proof, ProvingKey};
    use zkbio_circuits::builder::Builder;
    use zkbio_circuits::SynthesisError;

    fn dev_pk(seed: u8) -> ProvingKey<Bn254> {
        dev_setup_insecure(&STMT.to_r1cs().unwrap(), [seed; 32]).unwrap()
    }

    fn bytes_of(pk: &ProvingKey<Bn254>) -> Vec<u8> {
        key_to_bytes(pk, STMT.to_r1cs().unwrap().constraints.len()).unwrap()
    }

    /// A key whose δ is its γ, as `snarkjs groth16 setup` leaves it (there both are g₂).
    fn delta_is_gamma(mut pk: ProvingKey<Bn254>) -> ProvingKey<Bn254> {
        pk.vk.delta_g2 = pk.vk.gamma_g2;
        pk
    }

    /// With δ₂ = γ₂, `A = α₁, B = β₂, C = −IC(x)` satisfies the verification equation for
    /// every `x`: the key's owner needs no witness, and neither does anyone else.
    fn forge(pk: &ProvingKey<Bn254>, public: &[Fr]) -> Proof<Bn254> {
        let ic = pk.vk.gamma_abc_g1[0].into_group()
            + pk.vk.gamma_abc_g1[1..]
                .iter()
                .zip(public)
                .map(|(p, x)| *p * x)
                .sum::<ark_bn254::G1Projective>();
        Proof {
            a: pk.vk.alpha_g1,
            b: pk.vk.beta_g2,
            c: (-ic).into_affine(),
        }
    }

    #[test]
    fn development_keys_pass_the_structure_check() {
        for seed in 0..4 {
            let pk = dev_pk(seed);
            assert_eq!(check_proving_key(&pk), Ok(()));
            let bytes = bytes_of(&pk);
            let view = KeyView::new(&bytes).unwrap();
            assert_eq!(crate::key_check::check_key_view(&view), Ok(()));
        }
    }

    #[test]
    fn a_key_with_delta_equal_to_gamma_forges_any_statement_and_is_refused() {
        let pk = delta_is_gamma(dev_pk(11));
        let public = [Fr::from(123456789u64), Fr::from(987654321u64)];
        let forged = forge(&pk, &public);
        // What `verify` did before the check: arkworks' pairing check accepts the forgery.
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        assert!(matches!(
            Groth16::<Bn254>::verify_proof(&pvk, &forged, &public),
            Ok(true)
        ));
        assert_eq!(
            verify(&pk.vk, &forged, &public),
            Err(VerifyError::UnsafeKey(E::DeltaEqualsGamma))
        );
        let mut neg = pk.clone();
        neg.vk.delta_g2 = -neg.vk.gamma_g2;
        assert_eq!(
            verify(&neg.vk, &forged, &public),
            Err(VerifyError::UnsafeKey(E::DeltaEqualsGamma))
        );
        // And the prover will not use it either.
        let bytes = bytes_of(&pk);
        let key = KeyView::new(&bytes).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        assert_eq!(
            prove(&key, STMT.witness(&input(1)).unwrap(), &mut rng, &Silent),
            Err(ProveError::UnsafeKey(E::DeltaEqualsGamma))
        );
    }

    #[test]
    fn every_degenerate_structure_is_refused() {
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let base = dev_pk(12);
        let double1 = |p: G1Affine| (p + p).into_affine();
        let off_curve = |p: G1Affine| {
            let (x, y) = p.xy().unwrap();
            G1Affine::new_unchecked(x, y + ark_bn254::Fq::from(1u64))
        };
        type Edit = Box<dyn Fn(&mut ProvingKey<Bn254>)>;
        let cases: Vec<(Edit, E)> = vec![
            (Box::new(move |pk| pk.vk.delta_g2 = g2), E::DeltaIsGenerator),
            (
                Box::new(move |pk| pk.vk.delta_g2 = -g2),
                E::DeltaIsGenerator,
            ),
            (
                Box::new(|pk| pk.vk.delta_g2 = G2Affine::identity()),
                E::Infinity("δ₂"),
            ),
            (
                Box::new(|pk| pk.vk.gamma_g2 = G2Affine::identity()),
                E::Infinity("γ₂"),
            ),
            (
                Box::new(|pk| pk.vk.beta_g2 = G2Affine::identity()),
                E::Infinity("β₂"),
            ),
            (
                Box::new(|pk| pk.vk.alpha_g1 = G1Affine::identity()),
                E::Infinity("α₁"),
            ),
            (
                Box::new(|pk| pk.vk.gamma_abc_g1[2] = G1Affine::identity()),
                E::Infinity("an IC point"),
            ),
            (Box::new(|pk| pk.vk.gamma_abc_g1.clear()), E::NoIc),
            (
                Box::new(|pk| pk.delta_g1 = G1Affine::identity()),
                E::Infinity("δ₁"),
            ),
            (
                Box::new(|pk| pk.beta_g1 = G1Affine::identity()),
                E::Infinity("β₁"),
            ),
            (
                Box::new(move |pk| pk.delta_g1 = double1(pk.delta_g1)),
                E::Inconsistent("δ"),
            ),
            (Box::new(move |pk| pk.delta_g1 = g1), E::Inconsistent("δ")),
            (
                Box::new(move |pk| pk.beta_g1 = double1(pk.beta_g1)),
                E::Inconsistent("β"),
            ),
            (
                Box::new(move |pk| pk.vk.alpha_g1 = off_curve(pk.vk.alpha_g1)),
                E::InvalidPoint("α₁"),
            ),
            (
                Box::new(move |pk| pk.delta_g1 = off_curve(pk.delta_g1)),
                E::InvalidPoint("δ₁"),
            ),
        ];
        for (i, (edit, expected)) in cases.iter().enumerate() {
            let mut pk = base.clone();
            edit(&mut pk);
            assert_eq!(check_proving_key(&pk), Err(*expected), "case {i}");
        }
        // γ₂ = g₂ is what snarkjs always uses: not a problem while δ₂ differs.
        let mut pk = base.clone();
        pk.vk.gamma_g2 = g2;
        assert_eq!(check_proving_key(&pk), Ok(()));
    }

    /// The offset of the first point of a key section, from the layout in `key_file.rs`.
    fn section_start(bytes: &[u8], section: &str) -> usize {
        let key = KeyView::new(bytes).unwrap();
        let at = |s: &[u8]| s.as_ptr() as usize - bytes.as_ptr() as usize;
        match section {
            "A" => at(key.a_bytes()),
            "B1" => at(key.b_g1_bytes()),
            "B2" => at(key.b_g2_bytes()),
            "C" => at(key.c_bytes()),
            "H" => at(key.h_bytes()),
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_flipped_byte_in_any_query_point_fails_proving_with_corrupted_key() {
        let bytes = key_bytes();
        let inp = input(5);
        let w = STMT.witness(&inp).unwrap();
        // The C query covers private wires only: flip the point of one whose value is not zero.
        let n_public = w.n_public;
        let private = w.wires[n_public + 1..]
            .iter()
            .position(|v| !v.is_zero())
            .unwrap();
        drop(w);
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for (section, point, width) in [
            ("A", 0, G1_BYTES),
            ("B1", 0, G1_BYTES),
            ("B2", 0, G2_BYTES),
            ("C", private, G1_BYTES),
            ("H", 0, G1_BYTES),
        ] {
            let mut bad = bytes.clone();
            bad[section_start(&bytes, section) + point * width] ^= 1;
            let key = KeyView::new(&bad).unwrap();
            assert_eq!(
                prove(&key, STMT.witness(&inp).unwrap(), &mut rng, &Silent),
                Err(ProveError::CorruptedKey),
                "section {section}"
            );
        }
        let key = KeyView::new(&bytes).unwrap();
        assert!(prove(&key, STMT.witness(&inp).unwrap(), &mut rng, &Silent).is_ok());
    }

    use ark_ff::Zero;

    /// `x = w·w` with a second public input `y` that no constraint uses.
    struct UnusedInput;

    impl zkbio_circuits::Circuit for UnusedInput {
        type Input = (Fr, Fr);
        fn public_count(&self) -> usize {
            2
        }
        fn placeholder_input(&self) -> (Fr, Fr) {
            (Fr::from(3u64), Fr::from(0u64))
        }
        fn synthesize<B: Builder>(
            &self,
            b: &mut B,
            &(w, y): &(Fr, Fr),
        ) -> Result<(), SynthesisError> {
            let x = b.alloc_public(w * w);
            b.alloc_public(y);
            let w = b.alloc(w);
            b.enforce(&w, &w, &x);
            Ok(())
        }
    }

    #[test]
    fn an_unconstrained_public_input_is_still_bound() {
        // docs/PROTOCOL.md "Binding": the snarkjs rows `A = z_i` bind every public input.
        let c = UnusedInput;
        let r1cs = c.to_r1cs().unwrap();
        let pk = dev_setup_insecure(&r1cs, [13; 32]).unwrap();
        assert!(!pk.vk.gamma_abc_g1[2].is_zero());
        let bytes = key_to_bytes(&pk, r1cs.constraints.len()).unwrap();
        let key = KeyView::new(&bytes).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let w = c.witness(&(Fr::from(5u64), Fr::from(42u64))).unwrap();
        let proof = prove(&key, w, &mut rng, &Silent).unwrap();
        let x = Fr::from(25u64);
        assert_eq!(verify(&pk.vk, &proof, &[x, Fr::from(42u64)]), Ok(()));
        assert_eq!(
            verify(&pk.vk, &proof, &[x, Fr::from(43u64)]),
            Err(VerifyError::Rejected)
        );
    }

    #[test]
    fn the_header_marks_development_keys_and_refuses_unknown_flags() {
        let pk = dev_pk(14);
        let n = STMT.to_r1cs().unwrap().constraints.len();
        let plain = key_to_bytes(&pk, n).unwrap();
        let marked =
            crate::key_file::key_to_bytes_with_origin(&pk, n, KeyOrigin::InsecureDev).unwrap();
        assert_eq!(KeyView::new(&plain).unwrap().origin(), KeyOrigin::External);
        assert_eq!(
            KeyView::new(&marked).unwrap().origin(),
            KeyOrigin::InsecureDev
        );
        // Only the flags word differs: the key itself is the same.
        let diff: Vec<usize> = (0..plain.len())
            .filter(|&i| plain[i] != marked[i])
            .collect();
        assert_eq!(diff, vec![12]);
        let mut unknown = marked.clone();
        unknown[13] = 0x80;
        assert!(matches!(
            KeyView::new(&unknown),
            Err(KeyError::UnknownFlags(0x8001))
        ));
    }
}
