//! `zkbio bench` on a small circuit: it proves, and reports the medians and both memory figures
//! (peak RSS, and the sampled peak of anonymous memory, which cannot exceed it).

use std::process::Command;

fn mib(out: &str, label: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{out}"));
    let value = line.trim_start()[label.len()..].trim_start();
    value
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no MiB figure in `{line}`"))
}

#[test]
fn bench_reports_times_and_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args([
            "bench",
            "--circuit",
            "image-opening:4x16",
            "--runs",
            "1",
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .expect("run zkbio");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for label in ["key load", "witness", "prove", "load + witness + prove"] {
        assert!(stdout.contains(label), "{label}: {stdout}");
    }
    let rss = mib(&stdout, "peak RSS (load..prove)");
    let anon = mib(&stdout, "peak RssAnon (load..prove)");
    assert!(
        anon > 0.0 && anon <= rss,
        "RssAnon {anon} vs RSS {rss}:\n{stdout}"
    );
    let key = mib(&stdout, "key file (.zpk)");
    let on_disk = std::fs::metadata(dir.path().join("circuit.zpk"))
        .unwrap()
        .len() as f64;
    assert!(
        (key - on_disk / 1048576.0).abs() < 0.1,
        "{key} MiB vs {on_disk} B"
    );
}
