//! Progress reporting and cancellation: the app's listener and token, adapted to the core's
//! [`ProveControl`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zkbio_core::groth16::{Phase, ProveControl};

/// A phase of proving, in the order they run (Kotlin/Swift: an enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ProvingPhase {
    /// Computing the witness from the inputs (for the iris statements: the inference).
    Witness,
    /// The G1 multi-scalar multiplications over the witness (the bulk of the time).
    MsmG1,
    /// The G2 multi-scalar multiplication over the witness.
    MsmG2,
    /// Interpolating the constraint evaluations (FFTs): the peak of memory.
    Fft,
    /// The G1 multi-scalar multiplication over the FFTs' output.
    MsmH,
}

impl From<Phase> for ProvingPhase {
    fn from(p: Phase) -> Self {
        match p {
            Phase::Witness => ProvingPhase::Witness,
            Phase::Fft => ProvingPhase::Fft,
            Phase::MsmG1 => ProvingPhase::MsmG1,
            Phase::MsmG2 => ProvingPhase::MsmG2,
            Phase::MsmH => ProvingPhase::MsmH,
        }
    }
}

/// Receives progress from a running proof; implemented by the app (Kotlin interface, Swift
/// protocol).
///
/// Called on zkbio's proving thread, never the caller's: hop to the UI thread yourself, and return
/// quickly (the prover waits for the call).
#[uniffi::export(foreign)]
pub trait ProgressListener: Send + Sync {
    /// `fraction` (0.0 to 1.0) of `phase` is done. Phases come in [`ProvingPhase`]'s order, and
    /// within a phase the fraction never decreases; each phase reports 0.0 when it starts.
    fn on_progress(&self, phase: ProvingPhase, fraction: f32);
}

/// Lets the app stop a running proof: pass it to a `prove_*` call and call [`Self::cancel`] from
/// any thread. The call then fails with `Cancelled` at the prover's next check (see
/// bindings/README.md for the measured latency). A token stays cancelled: use one per call.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancellationToken {
    flag: Arc<AtomicBool>,
}

#[uniffi::export]
impl CancellationToken {
    /// A token not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks every call holding this token to stop. Idempotent; returns immediately.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl CancellationToken {
    /// The shared flag, for the witness builder and the worker.
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

/// The core's [`ProveControl`] over the app's listener and a cancel flag.
pub(crate) struct Control {
    listener: Option<Arc<dyn ProgressListener>>,
    cancel: Arc<AtomicBool>,
}

impl Control {
    /// Reports to `listener` (if any) and stops when `cancel` is set.
    pub(crate) fn new(
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Arc<AtomicBool>,
    ) -> Self {
        Control { listener, cancel }
    }
}

impl ProveControl for Control {
    fn progress(&self, phase: Phase, fraction: f32) {
        if let Some(l) = &self.listener {
            l.on_progress(phase.into(), fraction.clamp(0.0, 1.0));
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}
