//! Peak resident memory per phase, from Linux's `/proc/self` (other systems report nothing).

/// Resets the kernel's peak-RSS counter, so the next [`peak_rss_bytes`] covers only what follows.
pub fn reset_peak() {
    // "5" clears the high-water mark (Linux >= 4.0); failure only makes the reading cumulative.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since start or the last [`reset_peak`], in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
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
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The largest [`rss_anon_bytes`] seen while it runs: the kernel keeps a high-water mark for the
/// whole RSS only, and on a phone the anonymous part is what counts against the app (file pages
/// of the key are evictable). Sampled every 2 ms by a thread, so a shorter spike can be missed.
pub struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<Option<u64>>,
}

impl AnonPeak {
    /// Starts sampling.
    pub fn start() -> AnonPeak {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut peak = rss_anon_bytes()?;
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_anon_bytes().unwrap_or(0));
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Some(peak.max(rss_anon_bytes().unwrap_or(0)))
        });
        AnonPeak { stop, sampler }
    }

    /// Stops sampling; the peak in bytes (`None` where `/proc/self/status` has no `RssAnon`).
    pub fn stop(self) -> Option<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.sampler.join().ok().flatten()
    }
}
