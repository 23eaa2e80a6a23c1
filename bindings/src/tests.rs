//! The FFI surface driven from Rust, as the Kotlin and Swift tests drive it from their side.

use crate::*;
use ark_bn254::Fr;
use futures_executor::block_on;
use std::sync::{Arc, Mutex};
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::dev_setup_insecure;
use zkbio_core::groth16::key_file::key_to_bytes;

const ROWS: u32 = 4;
const COLS: u32 = 16;

/// An INSECURE development key for the small statement, written to a temporary file.
fn key_file() -> tempfile::NamedTempFile {
    let stmt = ImageOpening {
        rows: ROWS as usize,
        cols: COLS as usize,
    };
    let r1cs = stmt.to_r1cs().unwrap();
    let pk = dev_setup_insecure(&r1cs, [7; 32]).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        key_to_bytes(&pk, r1cs.constraints.len()).unwrap(),
    )
    .unwrap();
    file
}

fn materials(file: &tempfile::NamedTempFile) -> Arc<ProvingMaterials> {
    ProvingMaterials::image_opening(file.path().display().to_string(), ROWS, COLS).unwrap()
}

fn be(x: u64) -> Vec<u8> {
    crate::field::to_bytes(&Fr::from(x))
}

fn input() -> ImageOpeningInput {
    let n = (ROWS * COLS) as usize;
    ImageOpeningInput {
        image: (0..n).map(|i| (i * 37 % 256) as u8).collect(),
        mask: (0..n).map(|i| i % 5 != 0).collect(),
        salt: be(12345),
        binding: be(777),
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(ProvingPhase, f32)>>);

impl ProgressListener for Recorder {
    fn on_progress(&self, phase: ProvingPhase, fraction: f32) {
        self.0.lock().unwrap().push((phase, fraction));
    }
}

#[test]
fn proves_verifies_and_reports_progress_in_order() {
    let file = key_file();
    let m = materials(&file);
    assert_eq!(
        m.statement(),
        Statement::ImageOpening {
            rows: ROWS,
            cols: COLS
        }
    );
    let rec = Arc::new(Recorder::default());
    let out = block_on(
        m.clone()
            .prove_image_opening(input(), Some(rec.clone()), None),
    )
    .unwrap();
    assert_eq!(out.public_inputs.binding, be(777));
    let vk = m.verifying_key();
    assert_eq!(vk.public_input_count(), 2);
    verify_image_opening(vk.clone(), out.clone()).unwrap();

    // Progress: phases in order, fractions non-decreasing within a phase, each phase complete.
    let events = rec.0.lock().unwrap().clone();
    let order = [
        ProvingPhase::Witness,
        ProvingPhase::Fft,
        ProvingPhase::MsmG1,
        ProvingPhase::MsmG2,
    ];
    let rank = |p| order.iter().position(|&q| q == p).unwrap();
    for w in events.windows(2) {
        let ((p0, f0), (p1, f1)) = (w[0], w[1]);
        assert!(rank(p0) < rank(p1) || (p0 == p1 && f0 <= f1), "{events:?}");
    }
    for p in order {
        assert!(events.contains(&(p, 0.0)), "{p:?} start in {events:?}");
        assert!(events.contains(&(p, 1.0)), "{p:?} end in {events:?}");
    }

    // A changed public input is rejected; so is a tampered proof.
    let mut wrong = out.clone();
    wrong.public_inputs.binding = be(778);
    assert_eq!(
        verify_image_opening(vk.clone(), wrong),
        Err(ZkbioError::VerificationFailed)
    );
    let mut tampered = out.proof.clone();
    tampered.a = out.proof.c.clone();
    assert_eq!(
        verify(vk.clone(), tampered, out.public_inputs.to_list()),
        Err(ZkbioError::VerificationFailed)
    );

    // The snarkjs exports parse back and carry the same numbers.
    let json: serde_json::Value =
        serde_json::from_str(&proof_to_snarkjs_json(out.proof.clone()).unwrap()).unwrap();
    assert_eq!(json["protocol"], "groth16");
    let public: Vec<String> =
        serde_json::from_str(&public_inputs_to_snarkjs_json(out.public_inputs.to_list()).unwrap())
            .unwrap();
    assert_eq!(public[1], "777");
    let vk2 = VerifyingKey::from_snarkjs_json(vk.to_snarkjs_json()).unwrap();
    verify_image_opening(vk2, out).unwrap();
}

#[test]
fn bad_inputs_are_typed_errors() {
    let file = key_file();
    let m = materials(&file);
    let prove = |i: ImageOpeningInput| block_on(m.clone().prove_image_opening(i, None, None));

    let mut short = input();
    short.image.pop();
    match prove(short) {
        Err(ZkbioError::InvalidInput { what, why }) => {
            assert_eq!(what, "image");
            assert!(why.contains("63 entries"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    let mut long_mask = input();
    long_mask.mask.push(true);
    assert!(
        matches!(prove(long_mask), Err(ZkbioError::InvalidInput { what, .. }) if what == "mask")
    );
    let mut bad_salt = input();
    bad_salt.salt = vec![0xff; 32];
    assert!(
        matches!(prove(bad_salt), Err(ZkbioError::InvalidInput { what, .. }) if what == "salt")
    );
    let mut bad_binding = input();
    bad_binding.binding = vec![1; 33];
    assert!(
        matches!(prove(bad_binding), Err(ZkbioError::InvalidInput { what, .. }) if what == "binding")
    );

    // Verification arguments.
    let vk = m.verifying_key();
    let out = prove(input()).unwrap();
    assert!(matches!(
        verify(vk.clone(), out.proof.clone(), vec![be(1)]),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "public_inputs"
    ));
    let mut off_curve = out.proof.clone();
    off_curve.a.y = be(5);
    assert!(matches!(
        verify(vk.clone(), off_curve, out.public_inputs.to_list()),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "proof.a"
    ));
    let mut not_field = out.proof;
    not_field.b.x_c1 = vec![0xff; 32];
    assert!(matches!(
        verify(vk, not_field, out.public_inputs.to_list()),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "proof.b.x_c1"
    ));
    assert!(matches!(
        VerifyingKey::from_snarkjs_json("{}".into()),
        Err(ZkbioError::InvalidInput { .. })
    ));
}

#[test]
fn bad_key_files_are_typed_errors() {
    let missing = "/nonexistent/zkbio/key.zpk".to_string();
    assert!(matches!(
        ProvingMaterials::image_opening(missing.clone(), ROWS, COLS),
        Err(ZkbioError::Io { path, .. }) if path == missing
    ));

    let file = key_file();
    let good = std::fs::read(file.path()).unwrap();
    let corrupt = tempfile::NamedTempFile::new().unwrap();
    let path = corrupt.path().display().to_string();
    let mut bad_magic = good.clone();
    bad_magic[0] ^= 1;
    std::fs::write(corrupt.path(), &bad_magic).unwrap();
    assert!(matches!(
        ProvingMaterials::image_opening(path.clone(), ROWS, COLS),
        Err(ZkbioError::CorruptedArtifact { path: p, why }) if p == path && why.contains("magic")
    ));
    std::fs::write(corrupt.path(), &good[..good.len() - 64]).unwrap();
    assert!(matches!(
        ProvingMaterials::image_opening(path.clone(), ROWS, COLS),
        Err(ZkbioError::CorruptedArtifact { .. })
    ));

    // A key for another image size loads (same public inputs) but fails at proving, typed.
    let other = ProvingMaterials::image_opening(file.path().display().to_string(), 2, 16).unwrap();
    let mut i = input();
    i.image.truncate(32);
    i.mask.truncate(32);
    let r = block_on(other.prove_image_opening(i, None, None));
    assert!(
        matches!(&r, Err(ZkbioError::CorruptedArtifact { why, .. }) if why.contains("another circuit")),
        "{r:?}"
    );
    assert!(matches!(
        ProvingMaterials::image_opening(file.path().display().to_string(), 0, 16),
        Err(ZkbioError::InvalidInput { what, .. }) if what == "rows"
    ));
}

/// Cancels when the listener first sees `at`, and counts what it saw afterwards.
struct CancelAt {
    at: ProvingPhase,
    token: Arc<CancellationToken>,
    after: Mutex<Vec<ProvingPhase>>,
}

impl ProgressListener for CancelAt {
    fn on_progress(&self, phase: ProvingPhase, _fraction: f32) {
        if self.token.is_cancelled() {
            self.after.lock().unwrap().push(phase);
        } else if phase == self.at {
            self.token.cancel();
        }
    }
}

#[test]
fn cancellation_stops_every_phase() {
    let file = key_file();
    let m = materials(&file);
    let token = CancellationToken::new();
    token.cancel();
    assert_eq!(
        block_on(m.clone().prove_image_opening(input(), None, Some(token))),
        Err(ZkbioError::Cancelled)
    );
    for at in [
        ProvingPhase::Witness,
        ProvingPhase::Fft,
        ProvingPhase::MsmG1,
        ProvingPhase::MsmG2,
    ] {
        let token = CancellationToken::new();
        let l = Arc::new(CancelAt {
            at,
            token: token.clone(),
            after: Mutex::default(),
        });
        let r = block_on(
            m.clone()
                .prove_image_opening(input(), Some(l.clone()), Some(token)),
        );
        assert_eq!(r, Err(ZkbioError::Cancelled), "cancelled at {at:?}");
        // The prover stopped within the phase: no later phase started.
        let after = l.after.lock().unwrap();
        assert!(after.iter().all(|&p| p == at), "{at:?}: {after:?}");
    }
}
