//! Progress of the long phases: on a terminal, `indicatif` bars with rate and ETA (proving by
//! phase, the setup by query, downloads and the key expansion in bytes) and a spinner with the
//! elapsed time for a phase with no fraction (synthesis); otherwise (a pipe, a log file, the
//! tests) one plain line per finished phase, so logs stay readable. Nothing with `--quiet`.
//!
//! On a terminal the [`MultiProgress`] holds only what is still running: a finished bar is
//! cleared and its phase's plain line printed above the live ones ([`MultiProgress::println`]).
//! A finished bar left in it is redrawn (or wiped) over whatever was printed after it, which lost
//! the demo's phase lines. Writers that are not ours (the `-v` logs) go through [`Stderr`],
//! which clears the live bars around each write; a log line written under a half-drawn bar left
//! that bar behind.

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
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

// `wide_bar` takes what the terminal has left, so a line never wraps (a wrapped bar leaves its
// first half behind on every redraw).
fn fraction_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "    {prefix:<14} [{wide_bar}] {percent:>3}%  {elapsed_precise}  ETA {eta}",
    )
    .expect("a valid template")
    .progress_chars("=> ")
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "    {prefix:<14} [{wide_bar}] {bytes}/{total_bytes}  {bytes_per_sec}  ETA {eta}",
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

/// Prints `line` on stderr for `target`: above the live bars on a terminal (a bar's redraw
/// would overwrite a line written under it), as it is otherwise, not at all with `--quiet`.
pub fn println(target: Target, line: &str) {
    match target {
        Target::Terminal => {
            if multi().println(line).is_err() {
                eprintln!("{line}");
            }
        }
        Target::Lines => eprintln!("{line}"),
        Target::Off => {}
    }
}

/// Clears `bar` off the terminal and out of the [`MultiProgress`] (see the module docs).
fn retire(bar: &ProgressBar) {
    bar.finish_and_clear();
    multi().remove(bar);
}

/// stderr for writers that are not ours (the `-v` logs): each write happens with the live bars
/// cleared, then they are redrawn below it. Without bars it is plain stderr.
pub struct Stderr;

impl std::io::Write for Stderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // One write_all per call: a log event is one write, and must not be split by a redraw.
        multi()
            .suspend(|| std::io::stderr().lock().write_all(bytes))
            .map(|()| bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
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
    /// When the last phase ended (or these phases were made): the start of a phase whose first
    /// report is already its end (a small setup reports each query once, when it is done).
    last_end: Mutex<Instant>,
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
            last_end: Mutex::new(Instant::now()),
        }
    }

    fn end(&self, (name, start, bar): (String, Instant, Option<ProgressBar>)) {
        if let Some(b) = bar {
            retire(&b);
        }
        let line = format!(
            "    {name}: done ({})",
            crate::report::fmt_duration(start.elapsed())
        );
        *self.last_end.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        println(self.target, &line);
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
            let start = if fraction < 1.0 {
                Instant::now()
            } else {
                *self.last_end.lock().unwrap_or_else(|e| e.into_inner())
            };
            (name.to_owned(), start, bar)
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

/// Bytes of one artifact at a time: a bar with the rate and ETA on a terminal, then a line with
/// the size, time and mean rate; nothing otherwise (the download's own lines say what happened).
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
            if let Some(done) = current.take() {
                Self::end(done);
            }
        }
        let (_, b) = current
            .get_or_insert_with(|| (what.to_owned(), bar(total, what.to_owned(), bytes_style())));
        b.set_length(total);
        b.set_position(done);
    }

    /// Ends the bar, so the next line starts clean.
    pub fn finish(&self) {
        if let Some(done) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            Self::end(done);
        }
    }

    fn end((what, bar): (String, ProgressBar)) {
        let (bytes, time) = (bar.position(), bar.elapsed());
        retire(&bar);
        let rate = bytes as f64 / time.as_secs_f64().max(1e-3);
        println(
            Target::Terminal,
            &format!(
                "    {what}: {} in {} ({}/s)",
                HumanBytes(bytes),
                crate::report::fmt_duration(time),
                HumanBytes(rate as u64)
            ),
        );
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
            retire(&s);
        }
    }
}

/// Bytes written per progress step of [`write_file`].
const WRITE_CHUNK: usize = 4 << 20;

/// Writes `bytes` to `path` as phase `name` (a key export: hundreds of MiB for the full iris
/// circuit): a bar on a terminal, `    {name}: done (…)` otherwise, as [`Phases`] reports.
pub fn write_file(name: &str, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
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
