//! The CLI end to end at a small size: `zkbio demo --out` leaves snarkjs-checkable artifacts, and
//! `setup`/`prove`/`verify` agree with them.

mod support;

use std::path::PathBuf;
use std::process::Command;
use support::run_merged;
use zkbio_tests::snarkjs;

fn zkbio(args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkbio"));
    // The demo's key cache goes to a directory of this process, not the user's ~/.cache.
    cmd.args(args).env("XDG_CACHE_HOME", tmp("cache"));
    run_merged(cmd)
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("zkbio-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

#[test]
fn demo_artifacts_check_out_in_snarkjs() {
    let dir = tmp("demo");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let (ok, out) = zkbio(&["demo", "--circuit", "image-opening:8x32", "--out", &d("")]);
    assert!(ok, "{out}");
    assert!(
        out.contains("INSECURE"),
        "the demo must say its setup is insecure:\n{out}"
    );
    assert!(out.contains("verify (EVM"), "{out}");
    for f in [
        "circuit.r1cs",
        "witness.wtns",
        "circuit.zkey",
        "verification_key.json",
        "proof.json",
        "public.json",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let (ok, out) = snarkjs(&[
        "groth16",
        "verify",
        &d("verification_key.json"),
        &d("public.json"),
        &d("proof.json"),
    ]);
    assert!(ok && out.contains("OK!"), "{out}");
    let (ok, out) = snarkjs(&["wtns", "check", &d("circuit.r1cs"), &d("witness.wtns")]);
    assert!(ok, "{out}");

    // prove again from the PNGs the demo left, with the same key, and verify with the CLI.
    let key_dir = tmp("demo-key");
    let k = |f: &str| key_dir.join(f).to_str().unwrap().to_owned();
    // The demo's key is not from a ceremony: without a ptau import-zkey refuses it, and as a
    // development key it imports marked INSECURE (ceremony keys: tests/import_zkey.rs).
    let import = |dev: bool| {
        let (zkey, out) = (d("circuit.zkey"), d("again.zpk"));
        let mut args = vec![
            "import-zkey",
            "--circuit",
            "image-opening:8x32",
            "--zkey",
            &zkey,
            "--out",
            &out,
        ];
        if dev {
            args.push("--insecure-dev-key");
        }
        zkbio(&args)
    };
    let (ok, out) = import(false);
    assert!(!ok && out.contains("without --ptau"), "{out}");
    assert!(!dir.join("again.zpk").exists());
    let (ok, out) = import(true);
    assert!(ok && out.contains("INSECURE development key"), "{out}");
    assert!(dir.join("again.zpk").exists());
    let (ok, out) = zkbio(&[
        "prove",
        "--circuit",
        "image-opening:8x32",
        "--key",
        &d("circuit.zpk"),
        "--out",
        &k(""),
        "--image",
        &d("sample_image.png"),
        "--mask",
        &d("sample_mask.png"),
    ]);
    assert!(ok, "{out}");
    let public_demo = std::fs::read_to_string(dir.join("public.json")).unwrap();
    let public_png = std::fs::read_to_string(key_dir.join("public.json")).unwrap();
    assert_eq!(
        public_demo, public_png,
        "the PNG round trip must commit to the same image"
    );
    let (ok, out) = zkbio(&[
        "verify",
        "--vk",
        &d("verification_key.json"),
        "--proof",
        &k("proof.json"),
        "--public",
        &k("public.json"),
        "--evm",
    ]);
    assert!(ok, "{out}");

    // A changed public input is rejected with exit code 1.
    let tampered = public_png.replacen("\"42\"", "\"43\"", 1);
    assert_ne!(tampered, public_png);
    std::fs::write(key_dir.join("public.json"), tampered).unwrap();
    let (ok, out) = zkbio(&[
        "verify",
        "--vk",
        &d("verification_key.json"),
        "--proof",
        &k("proof.json"),
        "--public",
        &k("public.json"),
    ]);
    assert!(!ok && out.contains("REJECTED"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&key_dir);
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.zpk");
    std::fs::write(&garbage, b"not a key").unwrap();
    let g = garbage.to_str().unwrap();
    let (ok, out) = zkbio(&[
        "prove",
        "--circuit",
        "image-opening:2x8",
        "--key",
        g,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!ok && out.contains("garbage.zpk"), "{out}");
    let (ok, out) = zkbio(&[
        "setup",
        "--circuit",
        "image-opening:0x8",
        "--seed",
        "x",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!ok && out.contains("out of range"), "{out}");
    let (ok, out) = zkbio(&[
        "prove",
        "--circuit",
        "image-opening:2x8",
        "--key",
        g,
        "--out",
        dir.to_str().unwrap(),
        "--salt",
        "-1",
    ]);
    assert!(!ok, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
