//! Peak resident memory per phase, from Linux's `/proc/self` (other systems report nothing).

/// Resets the kernel's peak-RSS counter, so the next [`peak_rss_bytes`] covers only what follows.
pub fn reset_peak() {
    // "5" clears the high-water mark (Linux >= 4.0); failure only makes the reading cumulative.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since start or the last [`reset_peak`], in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("/proc/self/status", "VmHWM:")
}

/// Field `key` (e.g. `"RssAnon:"`, given in kB) of a `/proc/…/status` file, in bytes; `None` if
/// the file or the line is missing (a process that has exited has neither).
pub fn status_kib(status_path: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `bytes` as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Anonymous resident memory (`RssAnon`: heap, stacks; not the mmap'd key's file pages, which
/// the kernel can drop and re-read) now, in bytes.
pub fn rss_anon_bytes() -> Option<u64> {
    status_kib("/proc/self/status", "RssAnon:")
}

/// The largest `RssAnon` seen while it runs: the kernel keeps a high-water mark for the
/// whole RSS only, and on a phone the anonymous part is what counts against the app (file pages
/// of the key are evictable). Sampled every 2 ms by a thread, so a shorter spike can be missed.
pub struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<Sampled>,
}

/// What an [`AnonPeak`] saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sampled {
    /// The largest `RssAnon`, in bytes.
    pub rss_anon: Option<u64>,
    /// The last `VmHWM` (the kernel's RSS high-water mark) read, in bytes.
    pub vm_hwm: Option<u64>,
}

impl AnonPeak {
    /// Starts sampling this process.
    pub fn start() -> AnonPeak {
        Self::sample("/proc/self/status".into())
    }

    /// Starts sampling process `pid` (a child being measured).
    pub fn of_process(pid: u32) -> AnonPeak {
        Self::sample(format!("/proc/{pid}/status"))
    }

    fn sample(status_path: String) -> AnonPeak {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut seen = Sampled::default();
            // A child that has exited (a zombie until reaped) has neither line: it adds
            // nothing, and the high-water mark keeps its last reading.
            let read = |seen: &mut Sampled| {
                seen.rss_anon = seen.rss_anon.max(status_kib(&status_path, "RssAnon:"));
                seen.vm_hwm = status_kib(&status_path, "VmHWM:").or(seen.vm_hwm);
            };
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                read(&mut seen);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            read(&mut seen);
            seen
        });
        AnonPeak { stop, sampler }
    }

    /// Stops sampling; the peak `RssAnon` in bytes (`None` where the status file never had it).
    pub fn stop(self) -> Option<u64> {
        self.stop_all().rss_anon
    }

    /// Stops sampling; everything it saw.
    pub fn stop_all(self) -> Sampled {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.sampler.join().unwrap_or_default()
    }
}
