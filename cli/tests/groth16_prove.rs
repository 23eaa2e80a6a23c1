//! `zkbio groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json` (rapidsnark's command
//! line) on a snarkjs ceremony key: snarkjs verifies the proof and agrees on public.json; a
//! forgeable key and a wrong witness are refused (the witness before proving with `--r1cs`) and
//! nothing is written; `zkbio verify` reads the proof with and without `curve` (rapidsnark's
//! shape).

use std::path::Path;
use std::process::Command;
use zkbio_tests::{ceremony_ptau, snarkjs, snarkjs_ok, TempDir};

fn zkbio(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args(args)
        .output()
        .expect("spawn zkbio");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn groth16_prove_from_a_snarkjs_zkey_and_wtns_verifies_in_snarkjs() {
    let dir = TempDir::new("groth16-prove");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    // 896 constraints: a 1024-point domain, ptau power 10.
    let circuit = "image-opening:2x8";
    for (what, out) in [("r1cs", "c.r1cs"), ("wtns", "w.wtns")] {
        let (ok, text) = zkbio(&["export", what, "--circuit", circuit, "--out", &d(out)]);
        assert!(ok, "{text}");
    }
    let (_, prepared) = ceremony_ptau(dir.path(), 10);
    let prepared = prepared.to_str().unwrap();
    snarkjs_ok(&["groth16", "setup", &d("c.r1cs"), prepared, &d("c0.zkey")]);
    snarkjs_ok(&[
        "zkey",
        "contribute",
        &d("c0.zkey"),
        &d("c1.zkey"),
        "--name=p2",
        "-e=entropy",
    ]);
    snarkjs_ok(&[
        "zkey",
        "export",
        "verificationkey",
        &d("c1.zkey"),
        &d("vk.json"),
    ]);

    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("w.wtns"),
        &d("proof.json"),
        &d("public.json"),
    ]);
    assert!(ok, "{text}");
    let (ok, text) = snarkjs(&[
        "groth16",
        "verify",
        &d("vk.json"),
        &d("public.json"),
        &d("proof.json"),
    ]);
    assert!(ok && text.contains("OK"), "{text}");
    // snarkjs's own proof of the same witness has the same public.json.
    snarkjs_ok(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("w.wtns"),
        &d("sproof.json"),
        &d("spublic.json"),
    ]);
    assert_eq!(
        json(&dir.join("public.json")),
        json(&dir.join("spublic.json"))
    );
    // snarkjs's verify does reject: another public input.
    let mut other = json(&dir.join("public.json"));
    other[0] = "1".into();
    std::fs::write(dir.join("other.json"), other.to_string()).unwrap();
    let (ok, text) = snarkjs(&[
        "groth16",
        "verify",
        &d("vk.json"),
        &d("other.json"),
        &d("proof.json"),
    ]);
    assert!(!ok || !text.contains("OK!"), "{text}");
    // The same fields in zkbio verify, and without `curve` as rapidsnark writes them.
    let mut rapidsnark = json(&dir.join("proof.json"));
    rapidsnark.as_object_mut().unwrap().remove("curve");
    std::fs::write(dir.join("rproof.json"), rapidsnark.to_string()).unwrap();
    for proof in ["proof.json", "rproof.json"] {
        let (ok, text) = zkbio(&[
            "verify",
            "--vk",
            &d("vk.json"),
            "--proof",
            &d(proof),
            "--public",
            &d("public.json"),
        ]);
        assert!(ok, "{proof}: {text}");
    }

    // `snarkjs groth16 setup`'s own key (δ = γ = the generator, no contribution) is forgeable:
    // refused, nothing written.
    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c0.zkey"),
        &d("w.wtns"),
        &d("p0.json"),
        &d("pub0.json"),
    ]);
    assert!(!ok && text.contains("unsafe proving key"), "{text}");
    assert!(!dir.join("p0.json").exists());

    // A wrong witness: the last private wire (a blinding salt is not: any wire of a constraint
    // will do) set to 12345.
    let mut wtns = std::fs::read(dir.join("w.wtns")).unwrap();
    let last = wtns.len() - 32;
    wtns[last..].fill(0);
    wtns[last..last + 2].copy_from_slice(&12345u16.to_le_bytes());
    std::fs::write(dir.join("bad.wtns"), &wtns).unwrap();
    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("bad.wtns"),
        &d("bad-proof.json"),
        &d("bad-public.json"),
        "--r1cs",
        &d("c.r1cs"),
    ]);
    assert!(
        !ok && text.contains("does not satisfy the circuit (constraint"),
        "{text}"
    );
    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("bad.wtns"),
        &d("bad-proof.json"),
        &d("bad-public.json"),
    ]);
    assert!(!ok && text.contains("does not verify"), "{text}");
    assert!(!dir.join("bad-proof.json").exists() && !dir.join("bad-public.json").exists());
    // The right witness passes the .r1cs check.
    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("w.wtns"),
        &d("proof2.json"),
        &d("public2.json"),
        "--r1cs",
        &d("c.r1cs"),
    ]);
    assert!(ok, "{text}");
    // Another circuit's .r1cs is refused.
    let (ok, text) = zkbio(&[
        "export",
        "r1cs",
        "--circuit",
        "image-opening:2x16",
        "--out",
        &d("o.r1cs"),
    ]);
    assert!(ok, "{text}");
    let (ok, text) = zkbio(&[
        "groth16",
        "prove",
        &d("c1.zkey"),
        &d("w.wtns"),
        &d("proof3.json"),
        &d("public3.json"),
        "--r1cs",
        &d("o.r1cs"),
    ]);
    assert!(!ok && text.contains("not the key's circuit"), "{text}");
}
