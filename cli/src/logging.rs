//! `-v` / `-vv`: zkbio's logs ([`zkbio_core::log`]) on stderr through `tracing-subscriber`.
//! Off by default, so the CLI's output stays what scripts and tests read.

use std::io::IsTerminal;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events `-v` shows (not the dependencies' own).
const TARGETS: [&str; 3] = ["zkbio_core", "zkbio_circuits", "zkbio"];

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
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(count > 1);
    // Only fails if a subscriber is already set, which nothing here does.
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
}
