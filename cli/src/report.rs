//! Console reporting: numbered phases with wall time and peak memory, and a progress line.

use crate::mem::{mib, peak_rss_bytes, reset_peak};
use std::io::{IsTerminal, Write};
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
    if std::io::stderr().is_terminal() {
        eprint!("  {name} ...\r");
    }
    reset_peak();
    let start = Instant::now();
    let out = f();
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

/// Shows prover progress on stderr when it is a terminal.
pub struct ConsoleProgress {
    tty: bool,
}

impl ConsoleProgress {
    /// A progress line, drawn only on a terminal.
    pub fn new() -> Self {
        ConsoleProgress {
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl ProveControl for ConsoleProgress {
    fn progress(&self, phase: Phase, fraction: f32) {
        if self.tty {
            let mut e = std::io::stderr();
            let _ = write!(
                e,
                "\r    {:<8} {:>5.1}%   ",
                format!("{phase:?}"),
                fraction * 100.0
            );
            if phase == Phase::MsmG2 && fraction >= 1.0 {
                let _ = writeln!(e);
            }
            let _ = e.flush();
        }
    }
}

/// Progress of a long step list (setup): a live line on a terminal, a line per finished step
/// otherwise (logs).
pub fn step_progress() -> impl Fn(&'static str, f32) {
    let tty = std::io::stderr().is_terminal();
    move |step, fraction| {
        let mut e = std::io::stderr();
        if tty {
            let _ = write!(e, "\r    {step:<16} {:>5.1}%   ", fraction * 100.0);
            if fraction >= 1.0 {
                let _ = writeln!(e);
            }
        } else if fraction >= 1.0 {
            let _ = writeln!(e, "    {step}: done");
        }
        let _ = e.flush();
    }
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

/// A live `artifact: 42%` line on stderr while bytes arrive, drawn only on a terminal.
pub struct ByteProgress {
    tty: bool,
    drawn: std::sync::atomic::AtomicBool,
}

impl ByteProgress {
    /// Draws on stderr if it is a terminal.
    pub fn new() -> Self {
        ByteProgress {
            tty: std::io::stderr().is_terminal(),
            drawn: false.into(),
        }
    }

    /// Shows `done` of `total` bytes of `artifact`.
    pub fn update(&self, artifact: &str, done: u64, total: u64) {
        if self.tty {
            let pct = if total == 0 {
                100.0
            } else {
                done as f64 * 100.0 / total as f64
            };
            let mut e = std::io::stderr();
            let _ = write!(
                e,
                "\r    {artifact}: {pct:>5.1}% of {}   ",
                fmt_bytes(total)
            );
            let _ = e.flush();
            self.drawn.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Ends the live line, so the next line starts clean.
    pub fn finish_line(&self) {
        if self.drawn.swap(false, std::sync::atomic::Ordering::Relaxed) {
            eprintln!();
        }
    }
}
