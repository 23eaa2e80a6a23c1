//! `zkbio groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json` (rapidsnark's command
//! line) on a snarkjs ceremony key: snarkjs verifies the proof and agrees on public.json; a
//! forgeable key and a wrong witness are refused (the witness before proving with `--r1cs`) and
//! nothing is written; `zkbio verify` reads the proof with and without `curve` (rapidsnark's
//! shape). `zkbio groth16 setup` makes a development `.zkey` of a circom `.r1cs` that snarkjs
//! proves and verifies with.

mod support;

use std::path::Path;
use support::zkbio_merged as zkbio;
use zkbio_tests::{snarkjs, snarkjs_ok, TempDir};

/// `zkbio groth16 prove ZKEY WTNS PROOF PUBLIC [--r1cs R1CS]` on files of the test's directory
/// (`d` maps a file name to its path).
fn prove(
    d: &dyn Fn(&str) -> String,
    [zkey, wtns, proof, public]: [&str; 4],
    r1cs: Option<&str>,
) -> (bool, String) {
    let mut args = vec!["groth16".to_owned(), "prove".to_owned()];
    args.extend([zkey, wtns, proof, public].map(d));
    if let Some(r) = r1cs {
        args.extend(["--r1cs".to_owned(), d(r)]);
    }
    zkbio(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `bad.wtns` (a witness that does not satisfy the circuit) with `c1.zkey`: refused before
/// proving with the circuit's `.r1cs` (a constraint named), by the self-verification without it;
/// nothing written either way.
fn bad_witness_is_refused(dir: &TempDir, r1cs: &str) {
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let files = ["c1.zkey", "bad.wtns", "bad-proof.json", "bad-public.json"];
    let (ok, text) = prove(&d, files, Some(r1cs));
    assert!(
        !ok && text.contains("does not satisfy the circuit (constraint"),
        "{text}"
    );
    let (ok, text) = prove(&d, files, None);
    assert!(!ok && text.contains("does not verify"), "{text}");
    assert!(!dir.join("bad-proof.json").exists() && !dir.join("bad-public.json").exists());
}

#[test]
fn groth16_prove_from_a_snarkjs_zkey_and_wtns_verifies_in_snarkjs() {
    let dir = TempDir::new("groth16-prove");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    // 896 constraints: a 1024-point domain, ptau power 10.
    let circuit = "image-opening:2x8";
    let (ok, text) = zkbio(&[
        "export",
        "wtns",
        "--circuit",
        circuit,
        "--out",
        &d("w.wtns"),
    ]);
    assert!(ok, "{text}");
    support::snarkjs_ceremony(&dir, circuit);
    snarkjs_ok(&[
        "zkey",
        "export",
        "verificationkey",
        &d("c1.zkey"),
        &d("vk.json"),
    ]);

    let (ok, text) = prove(&d, ["c1.zkey", "w.wtns", "proof.json", "public.json"], None);
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
    let (ok, text) = prove(&d, ["c0.zkey", "w.wtns", "p0.json", "pub0.json"], None);
    assert!(!ok && text.contains("unsafe proving key"), "{text}");
    assert!(!dir.join("p0.json").exists());

    // A wrong witness: the last private wire (a blinding salt is not: any wire of a constraint
    // will do) set to 12345.
    let mut wtns = std::fs::read(dir.join("w.wtns")).unwrap();
    let last = wtns.len() - 32;
    wtns[last..].fill(0);
    wtns[last..last + 2].copy_from_slice(&12345u16.to_le_bytes());
    std::fs::write(dir.join("bad.wtns"), &wtns).unwrap();
    bad_witness_is_refused(&dir, "c.r1cs");
    // The right witness passes the .r1cs check.
    let (ok, text) = prove(
        &d,
        ["c1.zkey", "w.wtns", "proof2.json", "public2.json"],
        Some("c.r1cs"),
    );
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
    let (ok, text) = prove(
        &d,
        ["c1.zkey", "w.wtns", "proof3.json", "public3.json"],
        Some("o.r1cs"),
    );
    assert!(!ok && text.contains("not the key's circuit"), "{text}");
}

/// A circuit compiled by circom itself (circom2 from npm, pinned in tools/js), with its witness
/// from circom's own wasm calculator run by snarkjs: the drop-in proves from the ceremony key,
/// snarkjs verifies and agrees on public.json (circom's order: outputs, then public inputs), the
/// `.r1cs` circom wrote checks the witness, and a changed wire is refused.
#[test]
fn a_circuit_compiled_by_circom_proves_and_snarkjs_verifies() {
    let dir = TempDir::new("groth16-circom");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/circom/drop_in.circom");
    let report = zkbio_tests::circom2(&source, dir.path());
    assert!(report.contains("non-linear constraints: 44"), "{report}");
    let z: Vec<String> = (0..24).map(|i| (i * i * 31 + 5).to_string()).collect();
    for (name, x, y) in [("a", "11", "40000"), ("b", "23", "23")] {
        let input = serde_json::json!({ "x": x, "y": y, "z": z });
        std::fs::write(dir.join(&format!("{name}.json")), input.to_string()).unwrap();
        snarkjs_ok(&[
            "wtns",
            "calculate",
            &d("drop_in_js/drop_in.wasm"),
            &d(&format!("{name}.json")),
            &d(&format!("{name}.wtns")),
        ]);
    }
    let (_, prepared) = zkbio_tests::ceremony_ptau(dir.path(), 10);
    let ptau = prepared.to_str().unwrap();
    snarkjs_ok(&["groth16", "setup", &d("drop_in.r1cs"), ptau, &d("c0.zkey")]);
    snarkjs_ok(&[
        "zkey",
        "contribute",
        &d("c0.zkey"),
        &d("c1.zkey"),
        "--name=p2",
        "-e=circom entropy",
    ]);
    snarkjs_ok(&[
        "zkey",
        "export",
        "verificationkey",
        &d("c1.zkey"),
        &d("vk.json"),
    ]);

    for name in ["a", "b"] {
        let f = |suffix: &str| format!("{name}{suffix}");
        let (ok, text) = prove(
            &d,
            [
                "c1.zkey",
                &f(".wtns"),
                &f("-proof.json"),
                &f("-public.json"),
            ],
            Some("drop_in.r1cs"),
        );
        assert!(ok, "{text}");
        let (ok, text) = snarkjs(&[
            "groth16",
            "verify",
            &d("vk.json"),
            &d(&f("-public.json")),
            &d(&f("-proof.json")),
        ]);
        assert!(ok && text.contains("OK"), "{name}: {text}");
        snarkjs_ok(&[
            "groth16",
            "prove",
            &d("c1.zkey"),
            &d(&f(".wtns")),
            &d(&f("-sproof.json")),
            &d(&f("-spublic.json")),
        ]);
        assert_eq!(
            json(&dir.join(&f("-public.json"))),
            json(&dir.join(&f("-spublic.json")))
        );
    }
    // The outputs, as the circuit defines them: y_is_x is 0 for (11, 40000) and 1 for (23, 23);
    // the public input x is last.
    let public = |name: &str| json(&dir.join(&format!("{name}-public.json")));
    assert_eq!(public("a")[2], "0");
    assert_eq!(public("b")[2], "1");
    assert_eq!(public("a")[3], "11");
    assert_eq!(public("b")[3], "23");

    // One wire of circom's witness changed: circom's .r1cs names a failing constraint, and
    // without it the self-verification refuses; nothing is written either way.
    let mut wtns = std::fs::read(dir.join("a.wtns")).unwrap();
    let last = wtns.len() - 32;
    wtns[last] ^= 1;
    std::fs::write(dir.join("bad.wtns"), &wtns).unwrap();
    bad_witness_is_refused(&dir, "drop_in.r1cs");

    development_setup_of_the_r1cs_serves_snarkjs_and_zkbio(&dir);
}

/// `zkbio groth16 setup` on circom's `drop_in.r1cs` (in `dir`, with `a.wtns`): snarkjs reads the
/// `.zkey` and exports the same verification key zkbio wrote; proofs by zkbio and by snarkjs
/// from it verify in snarkjs; the key is the seed's function (the same seed, the same bytes;
/// another, another key); a truncated `.r1cs` is refused and writes nothing.
fn development_setup_of_the_r1cs_serves_snarkjs_and_zkbio(dir: &TempDir) {
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let setup = |zkey: &str, seed: &str| {
        zkbio(&[
            "groth16",
            "setup",
            &d("drop_in.r1cs"),
            &d(zkey),
            "--insecure-seed",
            seed,
            "--vk",
            &d(&format!("{zkey}.vk.json")),
        ])
    };
    let (ok, text) = setup("dev.zkey", "seed one");
    assert!(ok && text.contains("INSECURE"), "{text}");
    snarkjs_ok(&[
        "zkey",
        "export",
        "verificationkey",
        &d("dev.zkey"),
        &d("svk.json"),
    ]);
    let (ours, theirs) = (
        json(&dir.join("dev.zkey.vk.json")),
        json(&dir.join("svk.json")),
    );
    for field in [
        "nPublic",
        "vk_alpha_1",
        "vk_beta_2",
        "vk_gamma_2",
        "vk_delta_2",
        "IC",
    ] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    assert_ne!(theirs["vk_delta_2"], theirs["vk_gamma_2"]);

    let (ok, text) = prove(&d, ["dev.zkey", "a.wtns", "dp.json", "dpub.json"], None);
    assert!(ok, "{text}");
    snarkjs_ok(&[
        "groth16",
        "prove",
        &d("dev.zkey"),
        &d("a.wtns"),
        &d("sp.json"),
        &d("spub.json"),
    ]);
    for (proof, public) in [("dp.json", "dpub.json"), ("sp.json", "spub.json")] {
        let (ok, text) = snarkjs(&["groth16", "verify", &d("svk.json"), &d(public), &d(proof)]);
        assert!(ok && text.contains("OK"), "{proof}: {text}");
    }
    // The ceremony key's verification key rejects the development key's proof.
    let (ok, text) = snarkjs(&[
        "groth16",
        "verify",
        &d("vk.json"),
        &d("dpub.json"),
        &d("dp.json"),
    ]);
    assert!(!ok || !text.contains("OK!"), "{text}");

    let (ok, text) = setup("again.zkey", "seed one");
    assert!(ok, "{text}");
    let (ok, text) = setup("other.zkey", "seed two");
    assert!(ok, "{text}");
    let bytes = |f: &str| std::fs::read(dir.join(f)).unwrap();
    assert!(bytes("dev.zkey") == bytes("again.zkey"));
    assert!(bytes("dev.zkey") != bytes("other.zkey"));

    let r1cs = bytes("drop_in.r1cs");
    std::fs::write(dir.join("cut.r1cs"), &r1cs[..r1cs.len() - 40]).unwrap();
    let (ok, text) = zkbio(&[
        "groth16",
        "setup",
        &d("cut.r1cs"),
        &d("cut.zkey"),
        "--insecure-seed",
        "s",
    ]);
    assert!(!ok && text.contains("cut.r1cs"), "{text}");
    assert!(!dir.join("cut.zkey").exists() && !dir.join("verification_key.json").exists());
}
