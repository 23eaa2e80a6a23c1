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
