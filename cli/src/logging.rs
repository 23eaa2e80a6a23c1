//! `-v` / `-vv`: zkbio's logs ([`zkbio_core::log`]) on stderr through `tracing-subscriber`.
//! Off by default, so the CLI's output stays what scripts and tests read.
//!
//! An event prints its message alone: zkbio's messages say in words what their fields hold
//! (`msm-g1 done in 12.3 ms` has `phase` and `elapsed_ms`), which the default formatter would
//! print a second time. The fields stay for the subscribers that want them as data. Spans keep
//! their fields (`prove{constraints=…}`): they are said nowhere else.

use std::fmt::Write as _;
use std::io::IsTerminal;
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events `-v` shows (not the dependencies' own).
const TARGETS: [&str; 4] = ["zkbio_core", "zkbio_groth16", "zkbio_circuits", "zkbio"];

/// The level `-v` repeated `count` times shows: none, INFO, DEBUG, TRACE.
pub fn level(count: u8) -> LevelFilter {
    match count {
        0 => LevelFilter::OFF,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the stderr logger for `count` `-v`s (nothing for none).
pub fn init(count: u8) {
    let level = level(count);
    if level == LevelFilter::OFF {
        return;
    }
    let filter = TARGETS
        .iter()
        .fold(Targets::new(), |t, target| t.with_target(*target, level));
    // Only fails if a subscriber is already set, which nothing here does.
    let _ = tracing_subscriber::registry()
        .with(layer(
            || crate::progress::Stderr,
            count,
            std::io::stderr().is_terminal(),
        ))
        .with(filter)
        .try_init();
}

/// The formatting layer of `init`, writing to `writer`.
fn layer<S, W>(writer: W, count: u8, ansi: bool) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi)
        .with_target(count > 1)
        .fmt_fields(MessageOrFields)
}

/// Formats a record with a message as the message, one without (a span's) as `name=value`s.
struct MessageOrFields;

impl<'w> FormatFields<'w> for MessageOrFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        let mut seen = Seen::default();
        fields.record(&mut seen);
        match seen.message {
            Some(message) => writer.write_str(&message),
            None => writer.write_str(&seen.others.join(" ")),
        }
    }
}

#[derive(Default)]
struct Seen {
    message: Option<String>,
    others: Vec<String>,
}

impl Visit for Seen {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        } else {
            let mut pair = String::new();
            let _ = write!(pair, "{}={value:?}", field.name());
            self.others.push(pair);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `MakeWriter` into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn events_print_their_message_once_and_spans_their_fields() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(layer(buffer.clone(), 1, false));
        tracing::subscriber::with_default(subscriber, || {
            let _span = tracing::info_span!("prove", constraints = 42u64).entered();
            let ms = 12.345;
            tracing::info!(
                phase = "msm-g1",
                elapsed_ms = ms,
                "msm-g1 done in {ms:.1} ms"
            );
        });
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains("prove{constraints=42}: msm-g1 done in 12.3 ms"),
            "{out}"
        );
        assert_eq!(out.matches("msm-g1").count(), 1, "{out}");
        assert!(
            !out.contains("elapsed_ms") && !out.contains("phase="),
            "{out}"
        );
    }
}
