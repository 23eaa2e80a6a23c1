//! Groth16 interop with snarkjs 0.7.6, on the real image-opening statement at a small size:
//! - snarkjs verifies our proofs, and rejects them with any public input changed;
//! - snarkjs accepts our `.r1cs` + `.wtns` (`wtns check`);
//! - `snarkjs groth16 prove` with our `.zkey` + `.wtns` gives a proof our verifier accepts;
//! - a `.zkey` from a snarkjs ceremony (ptau made here, `groth16 setup`, one contribution) is
//!   verified against the circuit and that ptau and imported, our matrix-free prover proves with
//!   it, and snarkjs verifies that proof.

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;
use std::sync::OnceLock;
use zkbio_circuits::circom::json::{
    public_from_json, public_to_json, ProofJson, VerificationKeyJson,
};
use zkbio_circuits::circom::{r1cs, wtns, Ptau, Zkey};
use zkbio_circuits::statements::image_opening::{ImageOpening, ImageOpeningInput};
use zkbio_circuits::Circuit;
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::zkey_convert::{from_zkey, to_zkey, ImportError};
use zkbio_core::groth16::{dev_setup_insecure, prove, verify, Proof};
use zkbio_tests::{ceremony_ptau, snarkjs, TempDir};

/// 16 pixels: 896 constraints, a 1024-point domain (ptau power 10).
const STMT: ImageOpening = ImageOpening { rows: 2, cols: 8 };

fn input(seed: u64) -> ImageOpeningInput {
    let image = (0..16).map(|i| (i * 17 + seed * 3) as u8).collect();
    let mask = (0..16).map(|i| !(i + seed).is_multiple_of(4)).collect();
    STMT.input(image, mask, Fr::from(1000 + seed), Fr::from(77 + seed))
        .unwrap()
}

fn write_json(path: &Path, value: &impl serde::Serialize) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn snarkjs_ok(args: &[&str]) -> String {
    let (ok, out) = snarkjs(args);
    assert!(ok, "snarkjs {args:?} failed:\n{out}");
    out
}

fn snarkjs_verify(
    dir: &TempDir,
    vk: &VerificationKeyJson,
    proof: &Proof<ark_bn254::Bn254>,
    public: &[Fr],
) -> bool {
    write_json(&dir.join("vk.json"), vk);
    write_json(&dir.join("proof.json"), &ProofJson::from_proof(proof));
    write_json(&dir.join("public.json"), &public_to_json(public));
    let (ok, out) = snarkjs(&[
        "groth16",
        "verify",
        dir.join("vk.json").to_str().unwrap(),
        dir.join("public.json").to_str().unwrap(),
        dir.join("proof.json").to_str().unwrap(),
    ]);
    assert_eq!(ok, out.contains("OK!"), "unexpected snarkjs output:\n{out}");
    ok
}

#[test]
fn snarkjs_verifies_our_proofs_and_checks_our_witness() {
    let dir = TempDir::new("snarkjs-ours");
    let r1cs_sys = STMT.to_r1cs().unwrap();
    let pk = dev_setup_insecure(&r1cs_sys, [3; 32]).unwrap();
    let bytes = key_to_bytes(&pk, r1cs_sys.constraints.len()).unwrap();
    let key = KeyView::new(&bytes).unwrap();
    let vk = VerificationKeyJson::from_vk(&key.verifying_key());
    let mut rng = ChaCha20Rng::seed_from_u64(9);

    let inp = input(1);
    let public = STMT.public_inputs(&inp);
    let proof = prove(&key, STMT.witness(&inp).unwrap(), &mut rng, &Silent).unwrap();
    assert!(
        snarkjs_verify(&dir, &vk, &proof, &public),
        "snarkjs rejected a valid proof"
    );
    for i in 0..public.len() {
        let mut bad = public;
        bad[i] += Fr::from(1u64);
        assert!(
            !snarkjs_verify(&dir, &vk, &proof, &bad),
            "snarkjs accepted public input {i} changed"
        );
    }

    std::fs::write(dir.join("c.r1cs"), r1cs::to_bytes(&r1cs_sys).unwrap()).unwrap();
    let w = STMT.witness(&inp).unwrap();
    std::fs::write(dir.join("w.wtns"), wtns::to_bytes(&w.wires).unwrap()).unwrap();
    let out = snarkjs_ok(&[
        "wtns",
        "check",
        dir.join("c.r1cs").to_str().unwrap(),
        dir.join("w.wtns").to_str().unwrap(),
    ]);
    assert!(out.contains("WITNESS IS CORRECT"), "{out}");
}

#[test]
fn snarkjs_proves_with_our_zkey_and_we_verify_it() {
    let dir = TempDir::new("snarkjs-prove");
    let r1cs_sys = STMT.to_r1cs().unwrap();
    let pk = dev_setup_insecure(&r1cs_sys, [4; 32]).unwrap();
    let zkey = to_zkey(&pk, &r1cs_sys);
    std::fs::write(dir.join("c.zkey"), zkey.to_bytes().unwrap()).unwrap();
    let inp = input(2);
    let w = STMT.witness(&inp).unwrap();
    std::fs::write(dir.join("w.wtns"), wtns::to_bytes(&w.wires).unwrap()).unwrap();
    let (proof_path, public_path) = (dir.join("proof.json"), dir.join("public.json"));
    snarkjs_ok(&[
        "groth16",
        "prove",
        dir.join("c.zkey").to_str().unwrap(),
        dir.join("w.wtns").to_str().unwrap(),
        proof_path.to_str().unwrap(),
        public_path.to_str().unwrap(),
    ]);
    let proof: ProofJson =
        serde_json::from_str(&std::fs::read_to_string(proof_path).unwrap()).unwrap();
    let public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(public_path).unwrap()).unwrap();
    let public = public_from_json(&public).unwrap();
    assert_eq!(public, STMT.public_inputs(&inp).to_vec());
    let proof = proof.to_proof().unwrap();
    assert_eq!(verify(&pk.vk, &proof, &public), Ok(()));
    let mut bad = public.clone();
    bad[0] += Fr::from(1u64);
    assert!(verify(&pk.vk, &proof, &bad).is_err());
}

/// A phase-1 ptau (power 10) with one contribution, prepared for phase 2; made once per run
/// (or shared by scripts/test.sh: [`ceremony_ptau`]).
fn ptau(_dir: &TempDir) -> std::path::PathBuf {
    static PTAU: OnceLock<(TempDir, std::path::PathBuf)> = OnceLock::new();
    PTAU.get_or_init(|| {
        let dir = TempDir::new("snarkjs-ptau");
        let (_, prepared) = ceremony_ptau(dir.path(), 10);
        (dir, prepared)
    })
    .1
    .clone()
}

#[test]
fn a_snarkjs_ceremony_key_is_imported_and_our_proofs_with_it_verify_in_snarkjs() {
    let dir = TempDir::new("snarkjs-ceremony");
    let r1cs_sys = STMT.to_r1cs().unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    std::fs::write(p("c.r1cs"), r1cs::to_bytes(&r1cs_sys).unwrap()).unwrap();
    let ptau = ptau(&dir);
    snarkjs_ok(&[
        "groth16",
        "setup",
        &p("c.r1cs"),
        ptau.to_str().unwrap(),
        &p("c0.zkey"),
    ]);
    snarkjs_ok(&[
        "zkey",
        "contribute",
        &p("c0.zkey"),
        &p("c1.zkey"),
        "--name=phase2",
        "-e=more entropy",
    ]);
    snarkjs_ok(&[
        "zkey",
        "export",
        "verificationkey",
        &p("c1.zkey"),
        &p("vk.json"),
    ]);

    let zkey = Zkey::from_bytes(&std::fs::read(p("c1.zkey")).unwrap()).unwrap();
    assert_eq!(zkey.contribution_info().unwrap().1, 1);
    let ptau_bytes = std::fs::read(&ptau).unwrap();
    let ptau = Ptau::from_bytes(&ptau_bytes).unwrap();
    let pk = from_zkey(&zkey, &r1cs_sys, &ptau).unwrap();
    let bytes = key_to_bytes(&pk, r1cs_sys.constraints.len()).unwrap();
    let key = KeyView::new(&bytes).unwrap();
    let snark_vk: VerificationKeyJson =
        serde_json::from_str(&std::fs::read_to_string(p("vk.json")).unwrap()).unwrap();
    assert_eq!(snark_vk.to_vk().unwrap(), key.verifying_key());

    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for seed in [3, 4] {
        let inp = input(seed);
        let public = STMT.public_inputs(&inp);
        let proof = prove(&key, STMT.witness(&inp).unwrap(), &mut rng, &Silent).unwrap();
        assert!(
            snarkjs_verify(&dir, &snark_vk, &proof, &public),
            "seed {seed}"
        );
        let mut bad = public;
        bad[1] += Fr::from(1u64);
        assert!(!snarkjs_verify(&dir, &snark_vk, &proof, &bad));
    }

    // The same key is refused for another circuit.
    let other = ImageOpening { rows: 3, cols: 8 }.to_r1cs().unwrap();
    assert!(matches!(
        from_zkey(&zkey, &other, &ptau),
        Err(ImportError::Shape { .. }) | Err(ImportError::Coefficients)
    ));
}
