//! What zkbio-core logs, through [`tracing`] (spans and events, no subscriber: the CLI installs
//! `tracing-subscriber` for `-v`, the bindings forward events to the app's `Logger`, an app using
//! the crate directly installs what it likes).
//!
//! Events, by level (targets are `zkbio_core::…` module paths):
//! - INFO: each proving phase done with its time (`checks`, `fft`, `msm-g1`, `msm-g2`,
//!   `self-verify`; the flows' `witness`), each development-setup query, a package loaded and its
//!   key checked, each artifact downloaded, found in the cache or verified (with its time).
//! - WARN: a refusal, with its reason (a flow step, the prover, a package); a download retried.
//! - DEBUG: progress within a phase (each MSM chunk, each FFT step), download chunks, the key
//!   expansion.
//!
//! Never logged: a secret (salts, the vault key, private keys, openings), biometric data or
//! anything computed from it (images, iris codes, embeddings, similarity scores), key bytes.
//! What is logged are sizes, counts, names, versions, addresses and times. Events are only
//! built when a subscriber enabled their level, so a phone with no logger pays one atomic load
//! per call site.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::groth16::{Phase, ProveControl};
use crate::package::{DownloadEvent, DownloadObserver};

/// Milliseconds, with microsecond resolution, for a log field.
pub(crate) fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// A phase's stopwatch: [`Timed::done`] logs `"{what} done"` at INFO with `elapsed_ms`.
#[must_use = "call done() when the phase ends"]
pub(crate) struct Timed {
    what: &'static str,
    start: Instant,
}

impl Timed {
    /// Starts timing `what`.
    pub(crate) fn start(what: &'static str) -> Self {
        tracing::debug!(phase = what, "{what} started");
        Timed {
            what,
            start: Instant::now(),
        }
    }

    /// Logs the phase's time.
    pub(crate) fn done(self) {
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
pub(crate) fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Witness => "witness",
        Phase::Fft => "fft",
        Phase::MsmG1 => "msm-g1",
        Phase::MsmG2 => "msm-g2",
    }
}

/// Logs `what` was refused and why, at WARN. `why` must hold no secret and no biometric data:
/// the callers pass typed errors whose messages hold none ([`refusal_reason`] drops the one
/// that does).
pub(crate) fn refused(what: &'static str, why: &dyn std::fmt::Display) {
    tracing::warn!(step = what, "{what} refused: {why}");
}

/// A flow error's reason, fit for a log: the face similarity (computed from two faces) is left
/// out.
pub(crate) fn refusal_reason(e: &crate::flows::FlowError) -> String {
    match e {
        crate::flows::FlowError::FaceNoMatch { tau, .. } => {
            format!("the selfie does not match at tau {tau} (in 1/65536)")
        }
        other => other.to_string(),
    }
}

/// Logs a flow step's refusal (see [`refused`]) and returns the result unchanged.
pub(crate) fn flow_result<T>(
    what: &'static str,
    r: Result<T, crate::flows::FlowError>,
) -> Result<T, crate::flows::FlowError> {
    if let Err(e) = &r {
        if matches!(e, crate::flows::FlowError::Cancelled) {
            tracing::info!(step = what, "{what} cancelled");
        } else {
            refused(what, &refusal_reason(e));
        }
    }
    r
}

/// Logs a package fetch's refusal (see [`refused`]) and returns the result unchanged.
pub(crate) fn package_result<T>(
    r: Result<T, crate::package::PackageError>,
) -> Result<T, crate::package::PackageError> {
    match &r {
        Err(crate::package::PackageError::Cancelled) => tracing::info!("package fetch cancelled"),
        Err(e) => refused("package fetch", e),
        Ok(_) => {}
    }
    r
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
pub(crate) struct TracedControl<'a> {
    inner: &'a dyn ProveControl,
    clock: Mutex<Clock>,
}

impl<'a> TracedControl<'a> {
    /// Starts the clock.
    pub(crate) fn new(inner: &'a dyn ProveControl) -> Self {
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
    pub(crate) fn finish(&self) {
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

/// The caller's [`DownloadObserver`], with each event logged: cache hits, downloads started and
/// verified (with the time since the start) and retries at INFO/WARN, chunks at DEBUG.
pub(crate) struct TracedObserver<'a> {
    inner: &'a dyn DownloadObserver,
    started: Mutex<HashMap<String, Instant>>,
}

impl<'a> TracedObserver<'a> {
    /// Logs `inner`'s events.
    pub(crate) fn new(inner: &'a dyn DownloadObserver) -> Self {
        TracedObserver {
            inner,
            started: Mutex::new(HashMap::new()),
        }
    }

    fn started(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.started.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl DownloadObserver for TracedObserver<'_> {
    fn on_event(&self, event: &DownloadEvent) {
        match event {
            DownloadEvent::CacheHit { artifact } => {
                tracing::info!(artifact = %artifact, "{artifact}: cached (digest checked)");
            }
            DownloadEvent::Started {
                artifact,
                resumed_from,
                total,
            } => {
                self.started().insert(artifact.clone(), Instant::now());
                tracing::info!(
                    artifact = %artifact,
                    bytes = total,
                    resumed_from,
                    "{artifact}: downloading {total} bytes (from byte {resumed_from})"
                );
            }
            DownloadEvent::Progress {
                artifact,
                done,
                total,
            } => {
                tracing::debug!(artifact = %artifact, done, total, "{artifact}: {done} of {total} bytes")
            }
            DownloadEvent::Retrying {
                artifact,
                attempt,
                error,
            } => tracing::warn!(
                artifact = %artifact,
                attempt,
                "{artifact}: attempt {attempt} failed ({error}); retrying"
            ),
            DownloadEvent::Expanding {
                artifact,
                done,
                total,
            } => {
                tracing::debug!(artifact = %artifact, done, total, "{artifact}: expanding, {done} of {total} bytes")
            }
            DownloadEvent::Verified { artifact } => match self.started().remove(artifact) {
                Some(t) => {
                    let ms = millis(t.elapsed());
                    tracing::info!(
                        artifact = %artifact,
                        elapsed_ms = ms,
                        "{artifact}: downloaded and verified in {ms:.1} ms"
                    );
                }
                None => {
                    tracing::info!(artifact = %artifact, "{artifact}: verified (size and digest)")
                }
            },
        }
        self.inner.on_event(event);
    }

    fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}

/// A development-setup progress callback that also logs each query's end with its time (INFO).
pub(crate) fn traced_steps<'a>(
    inner: &'a dyn Fn(&'static str, f32),
) -> impl Fn(&'static str, f32) + 'a {
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

#[cfg(test)]
pub(crate) mod capture;
#[cfg(test)]
mod tests;
