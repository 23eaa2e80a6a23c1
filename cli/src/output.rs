//! `--quiet` and `--json`, for every command at once.
//!
//! The commands print their human lines with `println!`/`eprintln!` as before. Rather than
//! thread a mode through every one of them (and every command added later), the mode is applied
//! to the process's file descriptors before any output: `--quiet` points stdout and stderr at
//! `/dev/null`, `--json` points stdout at stderr (the human lines stay visible to a person,
//! out of the JSON stream). The real stdout and stderr are kept aside: [`result`] writes one
//! JSON object per result to the real stdout, [`error`] the error to the real stderr. Without a
//! flag nothing changes and [`result`] does nothing.

use std::fs::File;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::{Mutex, OnceLock};

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The human lines (default).
    Human,
    /// Nothing but errors.
    Quiet,
    /// One JSON object per result on stdout; the human lines on stderr.
    Json,
}

struct Streams {
    mode: Mode,
    stdout: Option<Mutex<File>>,
    stderr: Option<Mutex<File>>,
}

static STREAMS: OnceLock<Streams> = OnceLock::new();

/// A copy of descriptor `fd` that survives `dup2` over it.
fn keep(fd: i32) -> std::io::Result<File> {
    // SAFETY: dup returns a new descriptor this process owns (or -1, checked), which the File
    // then owns alone.
    let new = unsafe { libc::dup(fd) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(new) }))
}

/// Points descriptor `target` at what `source` refers to.
fn redirect(source: &impl std::os::fd::AsRawFd, target: i32) -> std::io::Result<()> {
    // SAFETY: both descriptors are open; dup2 only replaces `target`'s open file.
    if unsafe { libc::dup2(source.as_raw_fd(), target) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn apply(mode: Mode) -> std::io::Result<Streams> {
    let (stdout, stderr) = (keep(libc::STDOUT_FILENO)?, keep(libc::STDERR_FILENO)?);
    match mode {
        Mode::Human => {}
        Mode::Quiet => {
            let null = File::options().write(true).open("/dev/null")?;
            redirect(&null, libc::STDOUT_FILENO)?;
            redirect(&null, libc::STDERR_FILENO)?;
        }
        Mode::Json => redirect(&stderr, libc::STDOUT_FILENO)?,
    }
    Ok(Streams {
        mode,
        stdout: Some(Mutex::new(stdout)),
        stderr: Some(Mutex::new(stderr)),
    })
}

/// Sets the mode; call once, before anything is printed. If the descriptors cannot be
/// redirected, it says so and prints as without the flag.
pub fn init(mode: Mode) {
    let streams = if mode == Mode::Human {
        Streams {
            mode,
            stdout: None,
            stderr: None,
        }
    } else {
        apply(mode).unwrap_or_else(|e| {
            eprintln!("warning: cannot apply --quiet/--json ({e}); printing as usual");
            Streams {
                mode: Mode::Human,
                stdout: None,
                stderr: None,
            }
        })
    };
    let _ = STREAMS.set(streams);
}

/// The mode [`init`] set (human if none).
pub fn mode() -> Mode {
    STREAMS.get().map_or(Mode::Human, |s| s.mode)
}

/// Whether progress may be drawn (not with `--quiet`).
pub fn progress_allowed() -> bool {
    mode() != Mode::Quiet
}

/// With `--json`: writes `value` as one line on the real stdout. Otherwise nothing (the
/// command's human lines are the result).
pub fn result(value: serde_json::Value) {
    let Some(s) = STREAMS.get() else { return };
    if s.mode != Mode::Json {
        return;
    }
    if let Some(out) = &s.stdout {
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{value}");
        let _ = out.flush();
    }
}

/// Prints a failed command's error on the real stderr (`error: …`), whatever the mode; with
/// `--json` also `{"error": …, "exit_code": N}` on the real stdout.
pub fn error(message: &str, exit_code: u8) {
    let streams = STREAMS.get();
    match streams.and_then(|s| s.stderr.as_ref()) {
        Some(err) => {
            let mut err = err.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(err, "error: {message}");
        }
        None => eprintln!("error: {message}"),
    }
    if mode() == Mode::Json {
        result(serde_json::json!({ "error": message, "exit_code": exit_code }));
    }
}

/// A command's result as `key value` lines for people and, with `--json`, the same fields as one
/// object (`{"command": …, key: value, …}`) from [`Fields::emit`]: the two outputs cannot drift
/// apart, since each field is written once.
pub struct Fields {
    map: serde_json::Map<String, serde_json::Value>,
}

impl Fields {
    /// The result of `command` (as typed, e.g. `"vault status"`).
    pub fn new(command: &str) -> Self {
        let mut map = serde_json::Map::new();
        map.insert("command".into(), command.into());
        Self { map }
    }

    /// Prints `key value` (a string as it is, `null` as `none`) and records the field.
    pub fn line(&mut self, key: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        let value = value.into();
        match &value {
            serde_json::Value::String(s) => println!("{key} {s}"),
            serde_json::Value::Null => println!("{key} none"),
            other => println!("{key} {other}"),
        }
        self.set(key, value)
    }

    /// Records the field without a line of its own (the human output says it otherwise).
    pub fn set(&mut self, key: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        self.map.insert(key.into(), value.into());
        self
    }

    /// Writes the object with `--json` (see [`result`]).
    pub fn emit(self) {
        result(serde_json::Value::Object(self.map));
    }
}
