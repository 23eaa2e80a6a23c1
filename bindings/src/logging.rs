//! zkbio's logs ([`zkbio_core::log`]: phases with their times, downloads, refusals; never a
//! secret or biometric data) forwarded to the app's [`Logger`] (Android: `LogcatLogger`, iOS:
//! `OSLogLogger`), from the level [`set_logger`] was given up.
//!
//! A small `tracing` subscriber of our own rather than `tracing-subscriber`: the phone library
//! needs only "format this event and hand it over", and the level changes at run time (which
//! `tracing`'s callsite cache learns through [`tracing::callsite::rebuild_interest_cache`]).
//! It is installed as the process's global default on the first [`set_logger`]; if the process
//! already has one (another Rust library set it), zkbio's events go to that one instead and
//! [`set_logger`] says so.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A log level, most severe first (Kotlin/Swift: an enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LogLevel {
    /// A failure.
    Error,
    /// A refusal (with its reason) or a retried download.
    Warn,
    /// Each phase's end with its time, packages loaded, downloads and cache hits.
    Info,
    /// Progress within a phase, download chunks.
    Debug,
    /// Everything.
    Trace,
}

impl From<&Level> for LogLevel {
    fn from(l: &Level) -> Self {
        match *l {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }
}

impl From<LogLevel> for LevelFilter {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// Receives zkbio's log lines; implemented by the app (Kotlin interface, Swift protocol).
///
/// Called on whichever thread logged (often zkbio's proving thread): return quickly and do not
/// throw.
#[uniffi::export(foreign)]
pub trait Logger: Send + Sync {
    /// One line: its `level`, `target` (the Rust module, e.g. `zkbio_groth16::prover`) and
    /// `message` (the spans it happened in, then the text, e.g.
    /// `prove_iris_code/prove: msm-g1 done in 812.4 ms`).
    fn log(&self, level: LogLevel, target: String, message: String);
}

/// The logger and its level, replaced by each [`set_logger`].
static SINK: RwLock<Option<(Arc<dyn Logger>, LevelFilter)>> = RwLock::new(None);
/// Whether the global default is ours (set once).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Sends zkbio's log events at `level` and more severe to `logger`, replacing an earlier
/// logger. Returns false if they cannot reach it: the process already has another global
/// `tracing` subscriber (then zkbio's events go there).
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, level: LogLevel) -> bool {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = Some((logger, level.into()));
    let ours =
        *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Forwarder).is_ok());
    tracing::callsite::rebuild_interest_cache();
    ours
}

/// Stops forwarding log events (the default).
#[uniffi::export]
pub fn clear_logger() {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = None;
    tracing::callsite::rebuild_interest_cache();
}

fn current_filter() -> LevelFilter {
    SINK.read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map_or(LevelFilter::OFF, |(_, level)| *level)
}

/// Only zkbio's own crates: the dependencies' events are not the app's business.
fn is_zkbio(target: &str) -> bool {
    target.starts_with("zkbio")
}

/// One span: its name and how many handles to it exist.
struct SpanEntry {
    name: &'static str,
    refs: usize,
}

static SPANS: Mutex<Option<HashMap<u64, SpanEntry>>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

fn with_spans<T>(f: impl FnOnce(&mut HashMap<u64, SpanEntry>) -> T) -> T {
    let mut spans = SPANS.lock().unwrap_or_else(|e| e.into_inner());
    f(spans.get_or_insert_with(HashMap::new))
}

/// The subscriber: spans give each line its context, events become lines.
struct Forwarder;

impl Subscriber for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_zkbio(metadata.target()) && *metadata.level() <= current_filter()
    }

    fn register_callsite(
        &self,
        metadata: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if !is_zkbio(metadata.target()) {
            tracing::subscriber::Interest::never()
        } else if *metadata.level() <= current_filter() {
            tracing::subscriber::Interest::always()
        } else {
            // Rebuilt by set_logger/clear_logger when the level changes.
            tracing::subscriber::Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(current_filter())
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        with_spans(|s| {
            s.insert(
                id,
                SpanEntry {
                    name: span.metadata().name(),
                    refs: 1,
                },
            )
        });
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some((logger, _)) = SINK.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            return;
        };
        let metadata = event.metadata();
        let mut line = STACK.with(|stack| {
            let stack = stack.borrow();
            with_spans(|spans| {
                stack
                    .iter()
                    .filter_map(|id| spans.get(id).map(|s| s.name))
                    .collect::<Vec<_>>()
                    .join("/")
            })
        });
        if !line.is_empty() {
            line.push_str(": ");
        }
        event.record(&mut Line(&mut line));
        logger.log(metadata.level().into(), metadata.target().to_owned(), line);
    }

    fn enter(&self, span: &Id) {
        STACK.with(|s| s.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().rposition(|id| *id == span.into_u64()) {
                s.remove(i);
            }
        });
    }

    fn clone_span(&self, id: &Id) -> Id {
        with_spans(|s| {
            if let Some(e) = s.get_mut(&id.into_u64()) {
                e.refs += 1;
            }
        });
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        with_spans(|s| match s.get_mut(&id.into_u64()) {
            Some(e) if e.refs > 1 => {
                e.refs -= 1;
                false
            }
            Some(_) => {
                s.remove(&id.into_u64());
                true
            }
            None => false,
        })
    }
}

/// Writes an event's message. zkbio's messages say in words what their fields hold (phase,
/// artifact, `elapsed_ms`), so the fields are not repeated.
struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        }
    }
}
