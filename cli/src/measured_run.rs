//! One whole process, measured from the outside: wall time from spawn to exit, peak RSS from the
//! kernel's accounting (`wait4`'s rusage) and peak `RssAnon` sampled from `/proc/PID/status`.
//!
//! The same measurement for every program (ours, rapidsnark, snarkjs under node), so a ratio of
//! two of them compares like with like: key loading, process start and exit included.

use crate::mem::{reset_peak, status_kib, AnonPeak};
use std::ffi::OsString;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of a process cost.
#[derive(Clone, Copy, Debug)]
pub struct ProcessRun {
    /// Spawn to exit.
    pub wall: Duration,
    /// Peak RSS of the child, in bytes: `wait4`'s `ru_maxrss` where it is above
    /// [`ProcessRun::spawner_rss`], else the child's own `VmHWM` as last sampled. Linux carries
    /// the spawning process's RSS high-water mark over the `exec` into `ru_maxrss` (the spawner
    /// resets its mark first, so that is its RSS at the spawn): a child that stays below it
    /// would otherwise be reported at the spawner's size.
    pub peak_rss: u64,
    /// Where [`ProcessRun::peak_rss`] comes from: `"wait4"` or `"sampled VmHWM"`.
    pub peak_rss_source: &'static str,
    /// `wait4`'s `ru_maxrss`, in bytes, as the kernel gave it.
    pub rusage_maxrss: u64,
    /// The largest `RssAnon` sampled every 2 ms (`None` where `/proc` has no such line).
    pub peak_rss_anon: Option<u64>,
    /// This process's own RSS when it spawned the child: the floor under [`ProcessRun::peak_rss`].
    pub spawner_rss: u64,
    /// User plus system CPU time of the child.
    pub cpu: Duration,
}

/// Runs `argv` (no shell) with stdout and stderr into `log`, and measures it. A child that
/// cannot start, is killed, or exits non-zero is an error quoting the end of its log.
pub fn run_measured(argv: &[OsString], log: &Path) -> Result<ProcessRun, String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "empty command".to_string())?;
    let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    reset_peak();
    let spawner_rss = status_kib("/proc/self/status", "VmRSS:").unwrap_or(0);
    let start = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.to_string_lossy()))?;
    let anon = AnonPeak::of_process(child.id());
    // Reaped here with wait4 for its rusage; `child` is only dropped afterwards (dropping a
    // `Child` neither waits nor kills).
    let reaped = wait4(child.id());
    let wall = start.elapsed();
    let sampled = anon.stop_all();
    drop(child);
    let (status, usage) = reaped?;
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let how = if libc::WIFEXITED(status) {
            format!("exit code {}", libc::WEXITSTATUS(status))
        } else {
            format!("signal {}", libc::WTERMSIG(status))
        };
        return Err(format!(
            "`{}` failed ({how}); the end of its output ({}):\n{}",
            argv.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            log.display(),
            log_tail(log)
        ));
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    // Linux gives ru_maxrss in KiB.
    let rusage_maxrss = (usage.ru_maxrss.max(0) as u64) * 1024;
    // A margin over the spawner's RSS for what it allocated between its reset and the spawn.
    let (peak_rss, peak_rss_source) = match sampled.vm_hwm {
        Some(hwm) if rusage_maxrss <= spawner_rss + (1 << 20) => (hwm, "sampled VmHWM"),
        _ => (rusage_maxrss, "wait4"),
    };
    Ok(ProcessRun {
        wall,
        peak_rss,
        peak_rss_source,
        rusage_maxrss,
        peak_rss_anon: sampled.rss_anon,
        spawner_rss,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
    })
}

fn wait4(pid: u32) -> Result<(i32, libc::rusage), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| format!("pid {pid} out of range"))?;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 only writes it and `status`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not yet reaped; both pointers are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {e}"));
        }
    }
}

/// The last 2,000 bytes of a log, for an error message.
fn log_tail(log: &Path) -> String {
    let bytes = std::fs::read(log).unwrap_or_default();
    let tail = &bytes[bytes.len().saturating_sub(2000)..];
    String::from_utf8_lossy(tail).into_owned()
}
