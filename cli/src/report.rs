//! Console reporting: numbered phases with wall time and peak memory, and a progress line.

use crate::mem::{mib, peak_rss_bytes, reset_peak};
use std::time::{Duration, Instant};
use zkbio_core::groth16::progress::{Phase, ProveControl};
use zkbio_core::package::DownloadEvent;

/// One measured phase.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Wall time.
    pub time: Duration,
    /// Peak RSS during the phase, if the platform reports it.
    pub peak_rss: Option<u64>,
}

/// Runs `f` as phase `name`, printing its result line; returns `f`'s value and the measurement.
pub fn phase<T>(name: &str, f: impl FnOnce() -> T) -> (T, Measured) {
    reset_peak();
    let start = Instant::now();
    let spinner = crate::progress::Spinner::start(name);
    let out = f();
    drop(spinner);
    let m = Measured {
        time: start.elapsed(),
        peak_rss: peak_rss_bytes(),
    };
    tracing::info!(
        phase = name,
        elapsed_ms = m.time.as_secs_f64() * 1e3,
        "{name} done in {}",
        fmt_duration(m.time)
    );
    println!(
        "  {:<44} {:>10}   peak RSS {}",
        name,
        fmt_duration(m.time),
        m.peak_rss.map(mib).unwrap_or_else(|| "n/a".into())
    );
    (out, m)
}

/// `d` in ms or s.
pub fn fmt_duration(d: Duration) -> String {
    if d.as_secs_f64() < 1.0 {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Prover progress ([`crate::progress::Phases`]): a bar per phase on a terminal, a line per
/// phase otherwise.
pub struct ConsoleProgress {
    phases: crate::progress::Phases,
}

impl ConsoleProgress {
    /// Progress on stderr, as [`crate::progress::Target::detect`] says.
    pub fn new() -> Self {
        ConsoleProgress {
            phases: crate::progress::Phases::new(),
        }
    }
}

/// A proving phase's name, as the logs write it.
fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Witness => "witness",
        Phase::Fft => "fft",
        Phase::MsmG1 => "msm-g1",
        Phase::MsmG2 => "msm-g2",
        Phase::MsmH => "msm-h",
    }
}

impl ProveControl for ConsoleProgress {
    fn progress(&self, phase: Phase, fraction: f32) {
        self.phases.update(phase_name(phase), fraction);
    }
}

/// Progress of a long step list (the setup, by query): a bar per step on a terminal, a line per
/// finished step otherwise (logs).
pub fn step_progress() -> impl Fn(&'static str, f32) {
    let phases = crate::progress::Phases::new();
    move |step, fraction| phases.update(step, fraction)
}

/// `bytes` in B, KiB or MiB, for people.
pub fn fmt_bytes(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => mib(bytes),
    }
}

/// One line for a download event (the live [`DownloadEvent::Progress`] is [`ByteProgress`]'s).
pub fn download_event(event: &DownloadEvent) -> String {
    match event {
        DownloadEvent::CacheHit { artifact } => format!("{artifact}: cached (digest checked)"),
        DownloadEvent::Started {
            artifact,
            resumed_from: 0,
            total,
        } => format!("{artifact}: downloading {}", fmt_bytes(*total)),
        DownloadEvent::Started {
            artifact,
            resumed_from,
            total,
        } => format!(
            "{artifact}: resuming at {} of {}",
            fmt_bytes(*resumed_from),
            fmt_bytes(*total)
        ),
        DownloadEvent::Progress {
            artifact,
            done,
            total,
        } => format!("{artifact}: {} of {}", fmt_bytes(*done), fmt_bytes(*total)),
        DownloadEvent::Retrying {
            artifact,
            attempt,
            error,
        } => format!("{artifact}: attempt {attempt} failed ({error}); retrying"),
        DownloadEvent::Expanding {
            artifact,
            done,
            total,
        } => format!(
            "{artifact}: expanding, {} of {}",
            fmt_bytes(*done),
            fmt_bytes(*total)
        ),
        DownloadEvent::Verified { artifact } => {
            format!("{artifact}: verified (size and digest)")
        }
    }
}

/// A bar with the rate and ETA on stderr while an artifact's bytes arrive (or the key expands),
/// drawn only on a terminal ([`crate::progress::Bytes`]).
pub struct ByteProgress {
    bytes: crate::progress::Bytes,
}

impl ByteProgress {
    /// Draws on stderr if it is a terminal.
    pub fn new() -> Self {
        ByteProgress {
            bytes: crate::progress::Bytes::new(),
        }
    }

    /// Shows `done` of `total` bytes of `artifact`.
    pub fn update(&self, artifact: &str, done: u64, total: u64) {
        self.bytes.update(artifact, done, total);
    }

    /// Ends the bar, so the next line starts clean.
    pub fn finish_line(&self) {
        self.bytes.finish();
    }
}
