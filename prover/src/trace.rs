//! What the prover logs, through [`tracing`] (no subscriber here; targets are `zkbio_groth16::…`
//! module paths): each proving phase's end with its time at INFO (`checks`, `msm-g1`, `msm-g2`,
//! `fft`, `msm-h`, `self-verify`), progress within a phase at DEBUG, a refusal with its reason at
//! WARN, each development-setup query's end at INFO. zkbio-core's flows use the same helpers for
//! their own phases.
//!
//! Never logged: witness values, key bytes, or anything computed from the witness; only phases,
//! sizes and times.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{Phase, ProveControl};

/// Milliseconds, with microsecond resolution, for a log field.
pub fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// A phase's stopwatch: [`Timed::done`] logs `"{what} done"` at INFO with `elapsed_ms`.
#[must_use = "call done() when the phase ends"]
pub struct Timed {
    what: &'static str,
    start: Instant,
}

impl Timed {
    /// Starts timing `what`.
    pub fn start(what: &'static str) -> Self {
        tracing::debug!(phase = what, "{what} started");
        Timed {
            what,
            start: Instant::now(),
        }
    }

    /// Logs the phase's time.
    pub fn done(self) {
        let ms = millis(self.start.elapsed());
        tracing::info!(
            phase = self.what,
            elapsed_ms = ms,
            "{} done in {ms:.1} ms",
            self.what
        );
    }
}

/// The log name of a proving phase.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Witness => "witness",
        Phase::Fft => "fft",
        Phase::MsmG1 => "msm-g1",
        Phase::MsmG2 => "msm-g2",
        Phase::MsmH => "msm-h",
    }
}

/// Logs `what` was refused and why, at WARN. `why` must hold no secret and no biometric data:
/// the callers pass typed errors whose messages hold none (zkbio-core's flows drop the one that
/// does: a face match's similarity).
pub fn refused(what: &'static str, why: &dyn std::fmt::Display) {
    tracing::warn!(step = what, "{what} refused: {why}");
}

/// Where a proof run is: the phase last started, whether it is still running, and since when.
struct Clock {
    phase: Option<Phase>,
    running: bool,
    since: Instant,
    started: Instant,
}

/// The caller's [`ProveControl`], with each proving phase's end logged with its time (INFO) and
/// each progress report at DEBUG. A phase ends when it reports 1.0 or the next one starts; what
/// runs before the first phase is `checks` (key shape and structure, satisfiability), what runs
/// after the last is `self-verify` ([`TracedControl::finish`]).
pub struct TracedControl<'a> {
    inner: &'a dyn ProveControl,
    clock: Mutex<Clock>,
}

impl<'a> TracedControl<'a> {
    /// Starts the clock.
    pub fn new(inner: &'a dyn ProveControl) -> Self {
        let now = Instant::now();
        TracedControl {
            inner,
            clock: Mutex::new(Clock {
                phase: None,
                running: true,
                since: now,
                started: now,
            }),
        }
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, Clock> {
        // A poisoned clock only means a panic elsewhere; its times are still fine to log.
        self.clock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs the end of a successful run: the self-verification since the last phase, and the
    /// total.
    pub fn finish(&self) {
        let c = self.clock();
        phase_done("self-verify", c.since);
        let total = millis(c.started.elapsed());
        tracing::info!(elapsed_ms = total, "proof done in {total:.1} ms");
    }
}

fn phase_done(name: &str, since: Instant) {
    let ms = millis(since.elapsed());
    tracing::info!(phase = name, elapsed_ms = ms, "{name} done in {ms:.1} ms");
}

impl ProveControl for TracedControl<'_> {
    fn progress(&self, phase: Phase, fraction: f32) {
        {
            let mut c = self.clock();
            if c.phase != Some(phase) {
                if c.running {
                    phase_done(c.phase.map_or("checks", phase_name), c.since);
                }
                c.phase = Some(phase);
                c.running = true;
                c.since = Instant::now();
            }
            let percent = f64::from(fraction) * 100.0;
            tracing::debug!(
                phase = phase_name(phase),
                percent,
                "{} {percent:.0}%",
                phase_name(phase)
            );
            if fraction >= 1.0 && c.running {
                phase_done(phase_name(phase), c.since);
                c.running = false;
                c.since = Instant::now();
            }
        }
        self.inner.progress(phase, fraction);
    }

    fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}

/// A development-setup progress callback that also logs each query's end with its time (INFO).
pub fn traced_steps<'a>(inner: &'a dyn Fn(&'static str, f32)) -> impl Fn(&'static str, f32) + 'a {
    let since = Mutex::new(Instant::now());
    move |step, fraction| {
        if fraction >= 1.0 {
            let mut t = since.lock().unwrap_or_else(|e| e.into_inner());
            phase_done(step, *t);
            *t = Instant::now();
        }
        inner(step, fraction);
    }
}
