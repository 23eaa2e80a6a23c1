//! Progress of the long phases: on a terminal, `indicatif` bars with rate and ETA (proving by
//! phase, the setup by query, downloads and the key expansion in bytes) and a spinner with the
//! elapsed time for a phase with no fraction (synthesis); otherwise (a pipe, a log file, the
//! tests) one plain line per finished phase, so logs stay readable. Nothing with `--quiet`.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Where progress goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Live bars on stderr.
    Terminal,
    /// A line per finished phase on stderr.
    Lines,
    /// Nothing (`--quiet`).
    Off,
}

impl Target {
    /// Bars on a terminal, lines otherwise, nothing with `--quiet`.
    pub fn detect() -> Self {
        if !crate::output::progress_allowed() {
            Target::Off
        } else if std::io::stderr().is_terminal() {
            Target::Terminal
        } else {
            Target::Lines
        }
    }
}

/// Bar positions per phase: fractions become thousandths.
const STEPS: u64 = 1000;

fn fraction_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "    {prefix:<14} [{bar:32}] {percent:>3}%  {elapsed_precise}  ETA {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ")
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "    {prefix:<14} [{bar:32}] {bytes}/{total_bytes}  {bytes_per_sec}  ETA {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ")
}

/// Every bar and spinner draws through one [`MultiProgress`], so a phase's spinner and the bars
/// of the work inside it (the demo's prove phase and the prover's phases) share the terminal.
fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

fn bar(len: u64, prefix: String, style: ProgressStyle) -> ProgressBar {
    let b = multi().add(ProgressBar::new(len));
    b.set_style(style);
    b.set_prefix(prefix);
    b
}

/// One phase at a time, each with a fraction done (0.0 to 1.0): a bar per phase on a terminal,
/// `    {phase}: done ({time})` per phase otherwise.
pub struct Phases {
    target: Target,
    current: Mutex<Option<(String, Instant, Option<ProgressBar>)>>,
}

impl Phases {
    /// Reports to [`Target::detect`].
    pub fn new() -> Self {
        Self::to(Target::detect())
    }

    /// Reports to `target`.
    pub fn to(target: Target) -> Self {
        Phases {
            target,
            current: Mutex::new(None),
        }
    }

    fn end(&self, (name, start, bar): (String, Instant, Option<ProgressBar>)) {
        if let Some(b) = bar {
            b.finish();
        }
        if self.target == Target::Lines {
            eprintln!(
                "    {name}: done ({})",
                crate::report::fmt_duration(start.elapsed())
            );
        }
    }

    /// `fraction` of phase `name` is done; a new name ends the previous phase.
    pub fn update(&self, name: &str, fraction: f32) {
        if self.target == Target::Off {
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|(n, _, _)| n != name) {
            if let Some(previous) = current.take() {
                self.end(previous);
            }
        }
        let (_, _, bar) = current.get_or_insert_with(|| {
            let bar = (self.target == Target::Terminal)
                .then(|| bar(STEPS, name.to_owned(), fraction_style()));
            (name.to_owned(), Instant::now(), bar)
        });
        if let Some(b) = bar {
            b.set_position((f64::from(fraction.clamp(0.0, 1.0)) * STEPS as f64) as u64);
        }
        if fraction >= 1.0 {
            if let Some(done) = current.take() {
                self.end(done);
            }
        }
    }
}

/// Bytes of one artifact at a time: a bar with the rate and ETA on a terminal, nothing
/// otherwise (the download's own lines say what happened).
pub struct Bytes {
    target: Target,
    current: Mutex<Option<(String, ProgressBar)>>,
}

impl Bytes {
    /// Reports to [`Target::detect`].
    pub fn new() -> Self {
        Bytes {
            target: Target::detect(),
            current: Mutex::new(None),
        }
    }

    /// `done` of `total` bytes of `what`.
    pub fn update(&self, what: &str, done: u64, total: u64) {
        if self.target != Target::Terminal {
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|(n, _)| n != what) {
            if let Some((_, b)) = current.take() {
                b.finish();
            }
        }
        let (_, b) = current
            .get_or_insert_with(|| (what.to_owned(), bar(total, what.to_owned(), bytes_style())));
        b.set_length(total);
        b.set_position(done);
    }

    /// Ends the bar, so the next line starts clean.
    pub fn finish(&self) {
        if let Some((_, b)) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            b.finish();
        }
    }
}

/// A spinner with the elapsed time for a phase with no fraction (e.g. synthesis), on a terminal;
/// cleared when dropped (the caller prints the phase's result line).
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Spins for `what` on a terminal.
    pub fn start(what: &str) -> Self {
        if Target::detect() != Target::Terminal {
            return Spinner(None);
        }
        let s = multi().add(ProgressBar::new_spinner());
        s.set_style(
            ProgressStyle::with_template("  {spinner} {msg} {elapsed}").expect("a valid template"),
        );
        s.set_message(what.to_owned());
        s.enable_steady_tick(Duration::from_millis(120));
        Spinner(Some(s))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            s.finish_and_clear();
        }
    }
}

/// Bytes written per progress step of [`write_file`].
const WRITE_CHUNK: usize = 4 << 20;

/// Writes `bytes` to `path` as phase `name` (a key export: hundreds of MiB for the full iris
/// circuit): a bar on a terminal, `    {name}: done (…)` otherwise, as [`Phases`] reports.
pub fn write_file(name: &str, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let phases = Phases::new();
    let mut file = std::fs::File::create(path)?;
    let total = bytes.len() as f64;
    let mut done = 0usize;
    phases.update(name, 0.0);
    for chunk in bytes.chunks(WRITE_CHUNK) {
        file.write_all(chunk)?;
        done += chunk.len();
        // Never 1.0 before the last chunk: done < total until then.
        phases.update(name, (done as f64 / total) as f32);
    }
    file.flush()?;
    if bytes.is_empty() {
        phases.update(name, 1.0);
    }
    Ok(())
}
