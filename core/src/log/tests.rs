//! What the core logs while proving, setting up and downloading, read back through a capturing
//! subscriber.

use super::capture::{Capture, Line};
use super::*;
use crate::groth16::key_file::{key_to_bytes, KeyView};
use crate::groth16::progress::Silent;
use crate::groth16::{
    dev_setup_insecure, dev_setup_insecure_with_progress, prove, ProveControl, ProveError,
};
use crate::package::{FetchError, Quiet};
use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tracing::Level;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;

const STMT: ImageOpening = ImageOpening { rows: 4, cols: 16 };

fn witness() -> zkbio_circuits::builder::Witness {
    let image = (0..STMT.pixels()).map(|i| (i * 7) as u8).collect();
    let mask = (0..STMT.pixels()).map(|i| i % 5 != 0).collect();
    let input = STMT
        .input(image, mask, Fr::from(11u64), Fr::from(42u64))
        .unwrap();
    STMT.witness(&input).unwrap()
}

fn key() -> Vec<u8> {
    let r1cs = STMT.to_r1cs().unwrap();
    key_to_bytes(
        &dev_setup_insecure(&r1cs, [7; 32]).unwrap(),
        r1cs.constraints.len(),
    )
    .unwrap()
}

fn at(lines: &[Line], level: Level) -> Vec<&Line> {
    lines.iter().filter(|l| l.level == level).collect()
}

/// The `phase` fields of the INFO events, in order.
fn info_phases(lines: &[Line]) -> Vec<String> {
    at(lines, Level::INFO)
        .iter()
        .filter_map(|l| l.phase.clone())
        .collect()
}

#[test]
fn a_proof_logs_each_phase_once_in_order_with_its_time() {
    let bytes = key();
    let key = KeyView::new(&bytes).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (proof, lines) = Capture::run(|| prove(&key, witness(), &mut rng, &Silent));
    proof.expect("proves");
    assert_eq!(
        info_phases(&lines),
        ["checks", "msm-g1", "msm-g2", "fft", "msm-h", "self-verify"],
        "{lines:#?}"
    );
    for l in at(&lines, Level::INFO) {
        assert_eq!(l.spans, "prove", "{l:?}");
        assert!(l.target.starts_with("zkbio_groth16"), "{l:?}");
        assert!(l.message.contains(" ms"), "a time in {l:?}");
    }
    assert!(
        at(&lines, Level::INFO)
            .last()
            .is_some_and(|l| l.message.starts_with("proof done in ")),
        "{lines:#?}"
    );
    // Progress within the phases is DEBUG only: the FFT's three steps, one per MSM chunk.
    let debug = at(&lines, Level::DEBUG);
    assert!(debug.iter().any(|l| l.message == "fft 100%"), "{debug:#?}");
    assert!(
        debug.iter().any(|l| l.message == "msm-g2 100%"),
        "{debug:#?}"
    );
    assert!(at(&lines, Level::WARN).is_empty(), "{lines:#?}");
}

#[test]
fn a_refused_proof_logs_its_reason_and_a_cancelled_one_does_not_warn() {
    let bytes = key();
    let key = KeyView::new(&bytes).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut bad = witness();
    bad.c.set(3, bad.c.get(3).unwrap() + Fr::from(1u64));
    let (r, lines) = Capture::run(|| prove(&key, bad, &mut rng, &Silent));
    assert_eq!(r.unwrap_err(), ProveError::Unsatisfied(3));
    let warn = at(&lines, Level::WARN);
    assert_eq!(warn.len(), 1, "{lines:#?}");
    assert_eq!(
        warn[0].message,
        "prove refused: the inputs do not satisfy the circuit (constraint 3 fails)"
    );
    assert!(info_phases(&lines).is_empty(), "no phase ran: {lines:#?}");

    struct Stop;
    impl ProveControl for Stop {
        fn is_cancelled(&self) -> bool {
            true
        }
    }
    let (r, lines) = Capture::run(|| prove(&key, witness(), &mut rng, &Stop));
    assert_eq!(r.unwrap_err(), ProveError::Cancelled);
    assert!(at(&lines, Level::WARN).is_empty(), "{lines:#?}");
    assert!(
        at(&lines, Level::INFO)
            .iter()
            .any(|l| l.message == "proving cancelled"),
        "{lines:#?}"
    );
}

#[test]
fn the_development_setup_logs_each_query() {
    let r1cs = STMT.to_r1cs().unwrap();
    let (pk, lines) = Capture::run(|| dev_setup_insecure_with_progress(&r1cs, [1; 32], &|_, _| {}));
    pk.expect("setup");
    assert_eq!(
        info_phases(&lines),
        [
            "A query (G1)",
            "B query (G1)",
            "B query (G2)",
            "H query (G1)",
            "C query (G1)"
        ]
    );
    assert!(at(&lines, Level::INFO)
        .iter()
        .all(|l| l.spans == "dev-setup"));
}

#[test]
fn downloads_log_cache_hits_retries_and_verified_files() {
    let events = [
        DownloadEvent::CacheHit {
            artifact: "model.bin".into(),
        },
        DownloadEvent::Started {
            artifact: "circuit.zpk".into(),
            resumed_from: 4096,
            total: 10_000,
        },
        DownloadEvent::Progress {
            artifact: "circuit.zpk".into(),
            done: 8192,
            total: 10_000,
        },
        DownloadEvent::Retrying {
            artifact: "circuit.zpk".into(),
            attempt: 1,
            error: FetchError::Network("reset".into()),
        },
        DownloadEvent::Verified {
            artifact: "circuit.zpk".into(),
        },
        DownloadEvent::Verified {
            artifact: "model.bin".into(),
        },
    ];
    #[derive(Default)]
    struct Count(Mutex<usize>);
    impl DownloadObserver for Count {
        fn on_event(&self, _: &DownloadEvent) {
            *self.0.lock().unwrap() += 1;
        }
    }
    let inner = Count::default();
    let ((), lines) = Capture::run(|| {
        let traced = TracedObserver::new(&inner);
        for e in &events {
            traced.on_event(e);
        }
        assert!(!traced.is_cancelled());
    });
    assert_eq!(
        *inner.0.lock().unwrap(),
        events.len(),
        "every event passed on"
    );
    let text = |level| {
        at(&lines, level)
            .iter()
            .map(|l| l.message.clone())
            .collect::<Vec<_>>()
    };
    let info = text(Level::INFO);
    assert_eq!(info[0], "model.bin: cached (digest checked)");
    assert_eq!(
        info[1],
        "circuit.zpk: downloading 10000 bytes (from byte 4096)"
    );
    assert!(
        info[2].starts_with("circuit.zpk: downloaded and verified in "),
        "{info:?}"
    );
    // Not downloaded (a cache hit): no time to report.
    assert_eq!(info[3], "model.bin: verified (size and digest)");
    assert_eq!(
        text(Level::WARN),
        ["circuit.zpk: attempt 1 failed (network error: reset); retrying"]
    );
    assert_eq!(text(Level::DEBUG), ["circuit.zpk: 8192 of 10000 bytes"]);
    // The quiet observer is wrapped the same way (nothing to pass on).
    let ((), lines) = Capture::run(|| TracedObserver::new(&Quiet).on_event(&events[0]));
    assert_eq!(lines.len(), 1);
}

#[test]
fn a_face_refusal_is_logged_without_the_similarity() {
    let e = crate::flows::FlowError::FaceNoMatch {
        similarity: Some(51234),
        tau: 57344,
    };
    assert!(e.to_string().contains("51234"), "the error itself has it");
    let ((), lines) = Capture::run(|| {
        let _ = flow_result::<()>("prove_face_match", Err(e));
    });
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0].message,
        "prove_face_match refused: the selfie does not match at tau 57344 (in 1/65536)"
    );
    assert!(!lines[0].message.contains("51234"));
    assert_eq!(lines[0].level, Level::WARN);
}
