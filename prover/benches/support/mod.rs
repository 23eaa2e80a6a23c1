//! What the prover's benches share.

/// The integers listed (comma-separated) in the environment variable `name`, else in `default`.
pub fn env_list(name: &str, default: &str) -> Vec<u32> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().parse().expect("a list of integers"))
        .collect()
}
