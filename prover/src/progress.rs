//! Progress reporting and cancellation for long proving phases.

/// A phase of proving, in the order they run.
///
/// The multi-scalar multiplications over the wire values come before the FFTs, so the wires are
/// wiped before the FFTs' two length-`n` buffers exist: the FFT phase is the peak of memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Computing the witness (the inference itself).
    Witness,
    /// The G1 multi-scalar multiplications over the wire values (A, B in G1, C).
    MsmG1,
    /// The G2 multi-scalar multiplication over the wire values (B).
    MsmG2,
    /// Interpolating A, B, C and evaluating them on the coset: the H scalars.
    Fft,
    /// The G1 multi-scalar multiplication over the H scalars.
    MsmH,
}

/// What the prover tells its caller, and asks it, between units of work.
pub trait ProveControl: Sync {
    /// `fraction` of `phase` is done (0.0 to 1.0, non-decreasing within a phase).
    fn progress(&self, _phase: Phase, _fraction: f32) {}
    /// Whether the caller asked to stop; the prover then returns `Cancelled` promptly.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl ProveControl for Silent {}
