//! What zkbio-core logs, through [`tracing`] (spans and events, no subscriber: the CLI installs
//! `tracing-subscriber` for `-v`, the bindings forward events to the app's `Logger`, an app using
//! the crate directly installs what it likes).
//!
//! Events, by level (targets are `zkbio_core::…` module paths, and `zkbio_groth16::…` for the
//! prover, [`zkbio_groth16::trace`]):
//! - INFO: each proving phase done with its time (`checks`, `msm-g1`, `msm-g2`, `fft`, `msm-h`,
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
use std::time::Instant;

use crate::package::{DownloadEvent, DownloadObserver};
pub(crate) use zkbio_groth16::trace::{millis, refused, Timed};

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

#[cfg(test)]
pub(crate) mod capture;
#[cfg(test)]
mod tests;
