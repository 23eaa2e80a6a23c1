//! Helpers for the interop tests: locating and running the pinned JS reference tools.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `tools/js` of the repository.
pub fn js_tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js")
}

/// Runs `node <script or module path> args…` from `tools/js` and returns stdout.
///
/// # Panics
/// If node or the pinned modules are missing (the interop tests must not silently skip), or the
/// command fails; the message says how to install them.
pub fn node(script: &str, args: &[&str]) -> String {
    let dir = js_tools();
    assert!(
        dir.join("node_modules/snarkjs").is_dir(),
        "JS reference tools are missing: run `npm ci --prefix tools/js`"
    );
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js 18+"));
    assert!(
        out.status.success(),
        "node {script} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the pinned snarkjs CLI and returns (success, stdout + stderr).
pub fn snarkjs(args: &[&str]) -> (bool, String) {
    let dir = js_tools();
    let cli = dir.join("node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.is_file(),
        "snarkjs is missing: run `npm ci --prefix tools/js`"
    );
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js 18+"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs the pinned snarkjs CLI; panics with its output unless it succeeds.
pub fn snarkjs_ok(args: &[&str]) -> String {
    let (ok, out) = snarkjs(args);
    assert!(ok, "snarkjs {args:?} failed:\n{out}");
    out
}

/// Compiles the circom source `circuit` with the pinned circom2 (circom 2 in WebAssembly) into
/// `out`: `<name>.r1cs` and the witness calculator `<name>_js/<name>.wasm`. Returns circom's
/// report (its constraint and signal counts).
pub fn circom2(circuit: &Path, out: &Path) -> String {
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    node(
        "node_modules/circom2/cli.js",
        &[&path(circuit), "--r1cs", "--wasm", "-o", &path(out)],
    )
}

/// A snarkjs powers of tau of `power` with one phase-1 contribution: `(phase1, prepared)`, the
/// file as contributed and the same prepared for phase 2.
///
/// `prepare phase2` is snarkjs's slowest step (it computes the Lagrange bases of every size up to
/// `2^power`: half a minute at power 10, minutes on a loaded machine), so `scripts/test.sh` makes
/// the power-10 pair once per run in the directory named by `ZKBIO_TEST_PTAU_DIR`
/// (`pot10_phase1.ptau`, `pot10_final.ptau`), and every ceremony test reads it. Without that
/// variable, or for another power, the pair is made in `dir`.
pub fn ceremony_ptau(dir: &Path, power: u32) -> (PathBuf, PathBuf) {
    let names = (
        format!("pot{power}_phase1.ptau"),
        format!("pot{power}_final.ptau"),
    );
    if let Some(shared) = std::env::var_os("ZKBIO_TEST_PTAU_DIR").map(PathBuf::from) {
        let pair = (shared.join(&names.0), shared.join(&names.1));
        if pair.0.is_file() && pair.1.is_file() {
            return pair;
        }
    }
    let p = |f: &str| dir.join(f).to_str().expect("utf-8 path").to_owned();
    snarkjs_ok(&[
        "powersoftau",
        "new",
        "bn128",
        &power.to_string(),
        &p("pot0.ptau"),
    ]);
    snarkjs_ok(&[
        "powersoftau",
        "contribute",
        &p("pot0.ptau"),
        &p(&names.0),
        "--name=zkbio test phase 1",
        "-e=zkbio test phase 1 entropy",
    ]);
    snarkjs_ok(&[
        "powersoftau",
        "prepare",
        "phase2",
        &p(&names.0),
        &p(&names.1),
    ]);
    (dir.join(&names.0), dir.join(&names.1))
}

/// A fresh temporary directory for one test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `…/zkbio-<name>-<pid>`.
    pub fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("zkbio-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    /// Path of `file` inside the directory.
    pub fn join(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
