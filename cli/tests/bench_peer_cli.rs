//! `zkbio bench --peer 'CMD'` and `--snarkjs` on a small circuit: paired whole-process runs of
//! our two provers and the peers, the figures and ratios in `--json`; a peer whose proof is not
//! a proof of the statement under the key (another key, other public inputs), or that fails,
//! fails the bench.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const CIRCUIT: &str = "image-opening:4x16";

fn zkbio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args(args)
        .output()
        .expect("run zkbio")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn snarkjs_cli() -> String {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.is_file(),
        "snarkjs is missing: npm ci --prefix tools/js"
    );
    cli.to_str().unwrap().to_owned()
}

fn secs(side: &Value, key: &str) -> f64 {
    side["wall_seconds"][key].as_f64().unwrap()
}

#[test]
fn bench_pairs_peers_with_our_provers_and_reports_ratios() {
    let dir = tempfile::tempdir().unwrap();
    // Our own drop-in as one peer (cheap, exercises the placeholders and the name), snarkjs as
    // the other (an independent prover: its proof must verify under our key).
    let own = format!(
        "self={} groth16 prove {{zkey}} {{wtns}} {{proof}} {{public}}",
        env!("CARGO_BIN_EXE_zkbio")
    );
    let cli = snarkjs_cli();
    let out = zkbio(&[
        "--json",
        "bench",
        "--circuit",
        CIRCUIT,
        "--runs",
        "2",
        "--peer",
        &own,
        "--snarkjs",
        &cli,
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["command"], "bench");
    let p = &v["processes"];
    assert_eq!(p["runs"], 2);
    let sides = p["sides"].as_array().unwrap();
    let names: Vec<&str> = sides.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["zkbio groth16 prove", "zkbio prove", "self", "snarkjs"]
    );
    for side in sides {
        let runs: Vec<f64> = side["wall_seconds"]["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_f64().unwrap())
            .collect();
        assert_eq!(runs.len(), 2, "{side}");
        let (median, min, max) = (secs(side, "median"), secs(side, "min"), secs(side, "max"));
        assert!(runs.contains(&median) && runs.contains(&min) && runs.contains(&max));
        assert!(0.0 < min && min <= median && median <= max, "{side}");
        let rss = side["peak_rss_bytes"].as_u64().unwrap();
        let anon = side["peak_rss_anon_bytes"].as_u64().unwrap();
        assert!(0 < anon && anon <= rss, "{side}");
        assert_eq!(side["proof_verified"], true);
    }
    // The peers' commands got the exported files in place of the placeholders.
    let zkey = dir.path().join("circuit.zkey");
    let snarkjs = &sides[3]["command"];
    assert_eq!(snarkjs[4], zkey.to_str().unwrap(), "{snarkjs}");
    assert_eq!(sides[2]["command"][3], zkey.to_str().unwrap());
    // Every (ours, peer) pair, the ratio of the wall medians.
    let ratios = p["ratios"].as_array().unwrap();
    assert_eq!(ratios.len(), 4);
    for r in ratios {
        let side = |name: &Value| sides.iter().find(|s| &s["name"] == name).unwrap();
        let (ours, peer) = (side(&r["ours"]), side(&r["peer"]));
        assert_eq!(ours["ours"], true);
        assert_eq!(peer["ours"], false);
        let expected = secs(ours, "median") / secs(peer, "median");
        let got = r["wall_median"].as_f64().unwrap();
        assert!((got - expected).abs() < 1e-9 * expected, "{r}");
    }
    // The human lines went to stderr, ratios included.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("zkbio prove / snarkjs: wall "), "{stderr}");
    assert!(stderr.contains("load average before"), "{stderr}");
}

/// A key and two proofs under it for `CIRCUIT` with bench's default input: `good` with the
/// default binding (bench's public inputs), `other` with binding 7.
fn foreign_proofs(dir: &Path) {
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let out = zkbio(&[
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "other",
        "--out",
        &d("key"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let key = d("key/circuit.zpk");
    for (name, extra) in [("good", &[][..]), ("other", &["--binding", "7"][..])] {
        let out_dir = d(name);
        let mut args = vec![
            "prove",
            "--circuit",
            CIRCUIT,
            "--key",
            &key,
            "--out",
            &out_dir,
        ];
        args.extend_from_slice(extra);
        let out = zkbio(&args);
        assert!(out.status.success(), "{}", text(&out));
    }
}

/// One run of bench on `CIRCUIT` with one `peer`, in `dir`; its output.
fn bench_one_run(dir: &Path, peer: &str) -> Output {
    zkbio(&[
        "bench",
        "--circuit",
        CIRCUIT,
        "--runs",
        "1",
        "--peer",
        peer,
        "--dir",
        dir.to_str().unwrap(),
    ])
}

/// Runs bench with one peer that copies `proof` and `public` into place; its output.
fn bench_with_copying_peer(dir: &Path, proof: &Path, public: &Path) -> Output {
    let peer = format!(
        "copy=sh -c 'cp \"$0\" \"$2\" && cp \"$1\" \"$3\"' {} {} {{proof}} {{public}}",
        proof.display(),
        public.display()
    );
    bench_one_run(&dir.join("bench"), &peer)
}

#[test]
fn bench_fails_on_a_peer_proof_that_is_not_the_statements() {
    let dir = tempfile::tempdir().unwrap();
    foreign_proofs(dir.path());
    let d = |f: &str| dir.path().join(f);
    // The right public inputs, a proof under another key.
    let out = bench_with_copying_peer(dir.path(), &d("good/proof.json"), &d("good/public.json"));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("copy: its proof does not verify under the key"),
        "{}",
        text(&out)
    );
    // A valid proof (under its own key) of other public inputs.
    let out = bench_with_copying_peer(dir.path(), &d("other/proof.json"), &d("other/public.json"));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("other public inputs than the statement's"),
        "{}",
        text(&out)
    );
}

#[test]
fn bench_fails_on_a_failing_or_unusable_peer() {
    let dir = tempfile::tempdir().unwrap();
    let bench = |peer: &str| bench_one_run(dir.path(), peer);
    let out = bench("sh -c 'echo cannot prove; exit 3' {proof} {public}");
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("exit code 3") && t.contains("cannot prove"),
        "{t}"
    );
    // Refused before any work: bench could not check what this peer writes.
    let out = bench("prover {zkey} {wtns} out.json {public}");
    assert!(!out.status.success());
    assert!(text(&out).contains("must name {proof}"), "{}", text(&out));
    let out = bench("prover '{zkey} {wtns} {proof} {public}");
    assert!(!out.status.success());
    assert!(text(&out).contains("unbalanced quotes"), "{}", text(&out));
}
