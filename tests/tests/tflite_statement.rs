//! The generic model statement (`[C_in, C_out, binding]`) proved end to end on a real `.tflite`
//! fixture (the smallest committed one): our prover with the insecure dev setup, verified by our
//! Rust verifier, by snarkjs 0.7.6 (`groth16 verify` on the exported JSON) and by the Solidity
//! verifier in the embedded EVM; each of them rejects the proof with any public input changed.

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_circuits::models::tflite::npy::{self, NpyData};
use zkbio_circuits::models::tflite::Model;
use zkbio_circuits::statements::model_io::ModelIo;
use zkbio_circuits::Circuit;
use zkbio_core::evm;
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::{dev_setup_insecure, prove, verify};
use zkbio_tests::{snarkjs, TempDir};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/tests/data/tflite")
}

/// The fixture with the fewest constraints, and its input.
fn smallest() -> (String, ModelIo, Vec<i8>) {
    let mut best: Option<(usize, String, ModelIo)> = None;
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name
            .strip_prefix("model_f")
            .and_then(|n| n.strip_suffix(".tflite"))
        else {
            continue;
        };
        let model = Model::from_bytes(&std::fs::read(fixtures().join(&name)).unwrap()).unwrap();
        let stmt = ModelIo::new(Arc::new(model)).unwrap();
        let n: usize = stmt.costs().iter().map(|c| c.constraints).sum::<usize>()
            + 8 * stmt.model().input_tensor().num_elements();
        if best.as_ref().is_none_or(|b| n < b.0) {
            best = Some((n, format!("f{stem}"), stmt));
        }
    }
    let (_, name, stmt) = best.expect("no fixtures");
    let bytes = std::fs::read(fixtures().join(format!("input_{name}.npy"))).unwrap();
    let NpyData::I8(x) = npy::read(&bytes).unwrap().data else {
        panic!("input_{name}.npy is not int8");
    };
    (name, stmt, x)
}

fn write_json(path: &Path, value: &impl serde::Serialize) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

#[test]
fn model_statement_proof_verifies_in_rust_snarkjs_and_the_evm() {
    let (name, stmt, x) = smallest();
    let r1cs = stmt.to_r1cs().unwrap();
    eprintln!("fixture {name}: {} constraints", r1cs.constraints.len());
    let pk = dev_setup_insecure(&r1cs, [11; 32]).unwrap();
    let bytes = key_to_bytes(&pk, r1cs.constraints.len()).unwrap();
    let key = KeyView::new(&bytes).unwrap();
    let vk = key.verifying_key();

    let input = stmt
        .input(x, Fr::from(123u64), Fr::from(456u64), Fr::from(789u64))
        .unwrap();
    let public = stmt.public_inputs(&input).to_vec();
    let witness = stmt.witness(&input).unwrap();
    assert_eq!(witness.first_unsatisfied(), None);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let proof = prove(&key, witness, &mut rng, &Silent).unwrap();

    // Rust.
    assert_eq!(verify(&vk, &proof, &public), Ok(()));
    // EVM.
    let v = evm::deploy_and_verify(&vk, &proof, &public).unwrap();
    assert!(v.accepted, "the EVM verifier rejected a valid proof");
    // snarkjs.
    let dir = TempDir::new("tflite-statement");
    write_json(&dir.join("vk.json"), &VerificationKeyJson::from_vk(&vk));
    write_json(&dir.join("proof.json"), &ProofJson::from_proof(&proof));
    let snark = |public: &[Fr]| {
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
    };
    assert!(snark(&public), "snarkjs rejected a valid proof");

    for i in 0..3 {
        let mut bad = public.clone();
        bad[i] += Fr::from(1u64);
        assert!(
            verify(&vk, &proof, &bad).is_err(),
            "Rust accepted input {i} changed"
        );
        assert!(
            !evm::deploy_and_verify(&vk, &proof, &bad).unwrap().accepted,
            "EVM accepted input {i} changed"
        );
        assert!(!snark(&bad), "snarkjs accepted input {i} changed");
    }
}

/// Measurement (run once, release: `cargo test --release -p zkbio-tests --test tflite_statement
/// -- --ignored --nocapture`, under `/usr/bin/time -v` for the peak RSS): the ~20k-element bench
/// model's statement: synthesis, the insecure setup, witness and proof, and verification.
#[test]
#[ignore = "measurement: minutes in a release build"]
fn bench_model_setup_and_prove() {
    use std::time::Instant;
    let t = Instant::now();
    let bytes = std::fs::read(fixtures().join("model_bench.tflite")).unwrap();
    let stmt = ModelIo::new(Arc::new(Model::from_bytes(&bytes).unwrap())).unwrap();
    let r1cs = stmt.to_r1cs().unwrap();
    eprintln!(
        "compile + record: {:.1} s, {} constraints, domain {}",
        t.elapsed().as_secs_f64(),
        r1cs.constraints.len(),
        r1cs.domain_size()
    );
    for c in stmt.costs() {
        eprintln!(
            "  op {:>2} {:<18} requantized {:>6} constraints {:>8} per element {}",
            c.index,
            c.op,
            c.requantized,
            c.constraints,
            c.per_element().map_or("-".into(), |v| format!("{v:.2}"))
        );
    }
    let t = Instant::now();
    let pk = dev_setup_insecure(&r1cs, [12; 32]).unwrap();
    let n = r1cs.constraints.len();
    drop(r1cs);
    let key_bytes = key_to_bytes(&pk, n).unwrap();
    drop(pk);
    eprintln!(
        "setup: {:.1} s, key {} bytes",
        t.elapsed().as_secs_f64(),
        key_bytes.len()
    );
    let key = KeyView::new(&key_bytes).unwrap();
    let x_bytes = std::fs::read(fixtures().join("input_bench.npy")).unwrap();
    let NpyData::I8(x) = npy::read(&x_bytes).unwrap().data else {
        panic!("input_bench.npy is not int8");
    };
    let input = stmt
        .input(x, Fr::from(5u64), Fr::from(6u64), Fr::from(7u64))
        .unwrap();
    let t = Instant::now();
    let public = stmt.public_inputs(&input).to_vec();
    let witness = stmt.witness(&input).unwrap();
    eprintln!(
        "witness (interpreter + circuit): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let proof = prove(&key, witness, &mut rng, &Silent).unwrap();
    eprintln!("prove: {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!(verify(&key.verifying_key(), &proof, &public), Ok(()));
}
