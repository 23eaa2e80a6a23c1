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
