//! A test subscriber that keeps every event: its level, target, the spans it ran in and its
//! message. Installed per thread with [`Capture::run`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One captured event.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub(crate) level: Level,
    pub(crate) target: String,
    /// The spans entered, outermost first, joined by `/`.
    pub(crate) spans: String,
    pub(crate) message: String,
    /// `phase = …` if the event has it.
    pub(crate) phase: Option<String>,
}

#[derive(Default)]
struct State {
    lines: Vec<Line>,
    names: Vec<(u64, &'static str)>,
    stack: Vec<u64>,
}

/// Keeps every event of the code it runs.
#[derive(Clone, Default)]
pub(crate) struct Capture {
    state: Arc<Mutex<State>>,
    next: Arc<AtomicU64>,
}

impl Capture {
    /// Runs `f` with this subscriber on this thread; returns `f`'s value and the events.
    ///
    /// Other tests prove concurrently on other threads without a subscriber. While a single
    /// dispatcher is registered, tracing-core asks only the registering thread's default about a
    /// new callsite, so a callsite first reached on such a thread would be cached as "never"
    /// for everyone. A second dispatcher kept alive for the process makes it ask every live one,
    /// captures run one at a time, and each re-evaluates the cached interests once in place.
    pub(crate) fn run<T>(f: impl FnOnce() -> T) -> (T, Vec<Line>) {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let c = Capture::default();
        let out = tracing::subscriber::with_default(c.clone(), || {
            tracing::callsite::rebuild_interest_cache();
            f()
        });
        let lines = c.state.lock().unwrap().lines.clone();
        (out, lines)
    }
}

struct Fields<'a>(&'a mut String, &'a mut Option<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => *self.0 = format!("{value:?}"),
            "phase" => *self.1 = Some(format!("{value:?}").trim_matches('"').to_owned()),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => *self.0 = value.to_owned(),
            "phase" => *self.1 = Some(value.to_owned()),
            _ => {}
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.state
            .lock()
            .unwrap()
            .names
            .push((id, span.metadata().name()));
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let (mut message, mut phase) = (String::new(), None);
        event.record(&mut Fields(&mut message, &mut phase));
        let mut s = self.state.lock().unwrap();
        let spans = s
            .stack
            .iter()
            .filter_map(|id| s.names.iter().find(|(i, _)| i == id).map(|(_, n)| *n))
            .collect::<Vec<_>>()
            .join("/");
        s.lines.push(Line {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            spans,
            message,
            phase,
        });
    }

    fn enter(&self, span: &Id) {
        self.state.lock().unwrap().stack.push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut s = self.state.lock().unwrap();
        if let Some(i) = s.stack.iter().rposition(|id| *id == span.into_u64()) {
            s.stack.remove(i);
        }
    }
}
