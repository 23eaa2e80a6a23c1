//! The fuzz campaign's smoke run at no extra build cost: every committed corpus file
//! (`fuzz/corpus/TARGET/*`) replayed through the body its libFuzzer target runs
//! (`zkbio_core::fuzzing::targets`, `zkbio_ffi::fuzzing::ffi`: the targets are one call into
//! them), in a plain `cargo test`. A panic is what the fuzzer reports as a crash: a parser that
//! panics, or a round trip or header invariant the body asserts that does not hold.
//!
//! The committed files are the generated seeds (`seed-*`, tests/fuzz_corpus.rs), which must get
//! past their parser so the fuzzer starts deep; inputs kept from campaigns (`cov-*`, a minimized
//! corpus) and from crashes (`regress-*`), which must not panic.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use zkbio_core::fuzzing::targets::{Body, TARGETS};

/// The committed corpus stays small (the repository carries it).
const MAX_CORPUS_BYTES: u64 = 2 << 20;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every target's body by name: the 13 of zkbio-core and zkbio-ffi's `ffi`.
fn bodies() -> Vec<(&'static str, Body)> {
    let mut all = TARGETS.to_vec();
    all.push(("ffi", zkbio_ffi::fuzzing::ffi));
    all
}

/// The `[[bin]]` names of fuzz/Cargo.toml.
fn fuzz_binaries() -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let mut names = BTreeSet::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(v) = line.strip_prefix("name = ").filter(|_| in_bin) {
            names.insert(v.trim_matches('"').to_string());
        }
    }
    names
}

#[test]
fn every_fuzz_target_has_a_replayed_body() {
    let bodies: BTreeSet<String> = bodies().iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(fuzz_binaries(), bodies);
}

#[test]
fn committed_corpus_replays_without_a_crash() {
    let mut failures = Vec::new();
    let mut total_bytes = 0;
    for (target, body) in bodies() {
        let dir = fuzz_dir().join("corpus").join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        files.sort();
        let (mut seeds, mut accepted) = (0, 0);
        for path in &files {
            let name = path.file_name().expect("name").to_string_lossy();
            let bytes = std::fs::read(path).expect("read corpus file");
            total_bytes += bytes.len() as u64;
            match catch_unwind(AssertUnwindSafe(|| body(&bytes))) {
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{target}/{name}: panicked: {why}"));
                }
                Ok(ok) => {
                    accepted += usize::from(ok);
                    if name.starts_with("seed-") {
                        seeds += 1;
                        if !ok {
                            failures.push(format!("{target}/{name}: a seed its parser refuses"));
                        }
                    }
                }
            }
        }
        assert!(seeds > 0, "no committed seed for {target}");
        eprintln!("{target}: {} files, {accepted} accepted", files.len());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        total_bytes < MAX_CORPUS_BYTES,
        "the committed corpus grew to {total_bytes} bytes"
    );
}
