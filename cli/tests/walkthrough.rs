//! scripts/walkthrough.sh, the README's re-enrollment on a local anvil, runs to its end: the
//! README's commands stay true. The script checks that the registry's record and the vault agree
//! on version 2's `C_code`; this test checks the script got there.

use std::process::Command;

#[test]
fn the_readme_walkthrough_runs_on_anvil() {
    let work = tempfile::tempdir().expect("tempdir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/walkthrough.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(work.path())
        .env("ZKBIO", env!("CARGO_BIN_EXE_zkbio"))
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().last(), Some("walkthrough ok"), "{stdout}");
    // Both packages were fetched over HTTP (byte ranges) from `zkbio serve`, not read from disk.
    assert!(stdout.contains("/v1") && stdout.contains("/v2"), "{stdout}");
    assert!(stdout.matches("iris_version 2").count() >= 1, "{stdout}");
}
