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
    w.c[5] += Fr::from(1u64);
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
        [Phase::Fft, Phase::MsmG1, Phase::MsmG2]
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
    assert_eq!(events.last(), Some(&(Phase::MsmG2, 1.0)));

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
