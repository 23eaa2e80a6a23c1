//! `zkbio import-zkey` with a snarkjs ceremony key: verified against the circuit and the ptau,
//! refused without `--ptau`, with an unprepared ptau, and for a circuit the key was not made for.

mod support;

use support::zkbio_merged as zkbio;
use zkbio_tests::TempDir;

#[test]
fn import_zkey_verifies_a_ceremony_key_against_the_circuit_and_the_ptau() {
    let dir = TempDir::new("cli-import-zkey");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    // 896 constraints: a 1024-point domain, ptau power 10.
    let circuit = "image-opening:2x8";
    let (phase1, prepared) = support::snarkjs_ceremony(&dir, circuit);
    let (phase1, prepared) = (phase1.to_str().unwrap(), prepared.to_str().unwrap());
    let import = |ptau: Option<&str>, circuit: &str, out: &str| {
        let zkey = d("c1.zkey");
        let mut args = vec!["import-zkey", "--circuit", circuit, "--zkey", zkey.as_str()];
        if let Some(p) = ptau {
            args.extend(["--ptau", p]);
        }
        let out_path = d(out);
        args.extend(["--out", out_path.as_str()]);
        zkbio(&args)
    };

    let (ok, out) = import(None, circuit, "none.zpk");
    assert!(!ok && out.contains("without --ptau"), "{out}");
    let (ok, out) = import(Some(phase1), circuit, "unprepared.zpk");
    assert!(!ok && out.contains("prepare phase2"), "{out}");
    let (ok, out) = import(Some(prepared), "image-opening:2x16", "other.zpk");
    assert!(!ok && out.contains("another circuit"), "{out}");
    for f in ["none.zpk", "unprepared.zpk", "other.zpk"] {
        assert!(!dir.join(f).exists(), "{f} written for a refused key");
    }

    let (ok, out) = import(Some(prepared), circuit, "k.zpk");
    assert!(ok && out.contains("verified"), "{out}");
    // The imported key proves, and its proof verifies against the ceremony's verifying key.
    let (ok, out) = zkbio(&["export", "vk", "--key", &d("k.zpk"), "--out", &d("vk.json")]);
    assert!(ok, "{out}");
    let (ok, out) = zkbio(&[
        "prove",
        "--circuit",
        circuit,
        "--key",
        &d("k.zpk"),
        "--out",
        &d(""),
    ]);
    assert!(ok, "{out}");
    let (ok, out) = zkbio(&[
        "verify",
        "--vk",
        &d("vk.json"),
        "--proof",
        &d("proof.json"),
        "--public",
        &d("public.json"),
    ]);
    assert!(ok, "{out}");
}
