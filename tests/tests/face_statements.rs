//! The two face statements proved end to end on the tiny test face model
//! (`circuits/tests/data/face/face_tiny.tflite`, 8x8 input, 8-d embedding): face embedding
//! (`[C_face, C_emb, binding]`) and face match (`[C_emb, tau, binding]`), each with our prover
//! and the insecure dev setup, verified by our Rust verifier, by snarkjs 0.7.6 (`groth16 verify`)
//! and by the Solidity verifier in the embedded EVM; each rejects the proof with any public input
//! changed (for face match that includes another `tau`). The embedding the first proof commits
//! to is the template the second opens, as in the protocol.

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use zkbio_circuits::builder::Witness;
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_circuits::gadgets::cosine::similarity;
use zkbio_circuits::models::face::FaceModel;
use zkbio_circuits::models::tflite::npy::{self, NpyData};
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::Circuit;
use zkbio_core::evm;
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::{dev_setup_insecure, prove, verify};
use zkbio_tests::{snarkjs, TempDir};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/tests/data/face")
}

fn tiny() -> FaceModel {
    FaceModel::from_bytes(&std::fs::read(data().join("face_tiny.tflite")).unwrap()).unwrap()
}

fn tiny_faces() -> Vec<Vec<u8>> {
    let a = npy::read(&std::fs::read(data().join("tiny_faces.npy")).unwrap()).unwrap();
    let NpyData::U8(v) = a.data else {
        panic!("tiny_faces.npy is not uint8")
    };
    v.chunks(64).map(<[u8]>::to_vec).collect()
}

fn write_json(path: &Path, value: &impl serde::Serialize) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Sets up `circuit`, proves `witness`, and checks the proof in Rust, the EVM and snarkjs, for
/// `public` and for each public input changed.
fn prove_and_check_everywhere<C: Circuit>(
    name: &str,
    circuit: &C,
    witness: Witness,
    public: Vec<Fr>,
) {
    let r1cs = circuit.to_r1cs().unwrap();
    eprintln!("{name}: {} constraints", r1cs.constraints.len());
    let pk = dev_setup_insecure(&r1cs, [21; 32]).unwrap();
    let bytes = key_to_bytes(&pk, r1cs.constraints.len()).unwrap();
    let key = KeyView::new(&bytes).unwrap();
    let vk = key.verifying_key();
    assert_eq!(witness.first_unsatisfied(), None);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let proof = prove(&key, witness, &mut rng, &Silent).unwrap();

    assert_eq!(verify(&vk, &proof, &public), Ok(()));
    assert!(
        evm::deploy_and_verify(&vk, &proof, &public)
            .unwrap()
            .accepted,
        "{name}: the EVM verifier rejected a valid proof"
    );
    let dir = TempDir::new(name);
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
    assert!(snark(&public), "{name}: snarkjs rejected a valid proof");
    for i in 0..3 {
        let mut bad = public.clone();
        bad[i] += Fr::from(1u64);
        assert!(
            verify(&vk, &proof, &bad).is_err(),
            "{name}: Rust accepted input {i} changed"
        );
        assert!(
            !evm::deploy_and_verify(&vk, &proof, &bad).unwrap().accepted,
            "{name}: EVM accepted input {i} changed"
        );
        assert!(!snark(&bad), "{name}: snarkjs accepted input {i} changed");
    }
}

#[test]
fn face_embedding_and_face_match_proofs_verify_in_rust_snarkjs_and_the_evm() {
    let faces = tiny_faces();
    let (salt_face, salt_emb) = (Fr::from(1001u64), Fr::from(2002u64));

    // Enrollment: E of the scanner's image, committed as C_emb.
    let emb = FaceEmbeddingStatement::new(tiny());
    let input = emb
        .input(faces[0].clone(), salt_face, salt_emb, Fr::from(77u64))
        .unwrap();
    let e = emb.embedding(&input);
    let public = emb.public_inputs(&input).to_vec();
    let c_emb = public[1];
    prove_and_check_everywhere("face-embedding", &emb, emb.witness(&input).unwrap(), public);

    // Match: a selfie (the image with some pixels changed) against E at its similarity.
    let fm = FaceMatchStatement::new(tiny());
    let selfie: Vec<u8> = faces[0]
        .iter()
        .enumerate()
        .map(|(i, &p)| if i % 5 == 0 { p.saturating_sub(6) } else { p })
        .collect();
    let t = fm.face().embed(&selfie).unwrap();
    let tau = similarity(&t, &e).unwrap().min(65535) as u16;
    let input = fm.input(selfie, e, salt_emb, tau, Fr::from(88u64)).unwrap();
    assert!(fm.matches(&input));
    let public = fm.public_inputs(&input).to_vec();
    assert_eq!(
        public[0], c_emb,
        "the match opens the C_emb the embedding proof registered"
    );
    assert_eq!(public[1], Fr::from(u64::from(tau)));
    prove_and_check_everywhere("face-match", &fm, fm.witness(&input).unwrap(), public);
}

/// Measurement (release: `cargo test --release -p zkbio-tests --test face_statements --
/// --ignored --nocapture`, under `/usr/bin/time -v` for the peak RSS; `ZKBIO_FACE_BENCH=embedding`
/// or `=match` runs one statement): both face statements on the development face model
/// (`face_dev.tflite`), with the insecure setup, the witness and the proof.
#[test]
#[ignore = "measurement: minutes in a release build"]
fn dev_model_face_statements_setup_and_prove() {
    use std::time::Instant;
    let which = std::env::var("ZKBIO_FACE_BENCH").unwrap_or_default();
    let faces = {
        let a = npy::read(&std::fs::read(data().join("faces.npy")).unwrap()).unwrap();
        let NpyData::U8(v) = a.data else {
            panic!("faces.npy is not uint8")
        };
        v.chunks(4096).map(<[u8]>::to_vec).collect::<Vec<_>>()
    };
    let dev =
        || FaceModel::from_bytes(&std::fs::read(data().join("face_dev.tflite")).unwrap()).unwrap();
    let bench = |name: &str,
                 r1cs: zkbio_circuits::builder::R1cs,
                 witness: &dyn Fn() -> (Witness, Vec<Fr>)| {
        let n = r1cs.constraints.len();
        eprintln!("{name}: {n} constraints, domain {}", r1cs.domain_size());
        let t = Instant::now();
        let pk = dev_setup_insecure(&r1cs, [31; 32]).unwrap();
        drop(r1cs);
        let bytes = key_to_bytes(&pk, n).unwrap();
        drop(pk);
        eprintln!(
            "{name}: setup {:.1} s, key {} bytes",
            t.elapsed().as_secs_f64(),
            bytes.len()
        );
        let key = KeyView::new(&bytes).unwrap();
        let t = Instant::now();
        let (w, public) = witness();
        eprintln!("{name}: witness {:.2} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let proof = prove(&key, w, &mut rng, &Silent).unwrap();
        eprintln!("{name}: prove {:.1} s", t.elapsed().as_secs_f64());
        assert_eq!(verify(&key.verifying_key(), &proof, &public), Ok(()));
    };
    let (salt_face, salt_emb) = (Fr::from(5u64), Fr::from(6u64));
    let emb = FaceEmbeddingStatement::new(dev());
    let e = emb.face().embed(&faces[0]).unwrap();
    if which.is_empty() || which == "embedding" {
        let t = Instant::now();
        let r1cs = emb.to_r1cs().unwrap();
        eprintln!("face-embedding: record {:.1} s", t.elapsed().as_secs_f64());
        bench("face-embedding", r1cs, &|| {
            let input = emb
                .input(faces[0].clone(), salt_face, salt_emb, Fr::from(7u64))
                .unwrap();
            (
                emb.witness(&input).unwrap(),
                emb.public_inputs(&input).to_vec(),
            )
        });
    }
    if which.is_empty() || which == "match" {
        let fm = FaceMatchStatement::new(dev());
        let t = Instant::now();
        let r1cs = fm.to_r1cs().unwrap();
        eprintln!("face-match: record {:.1} s", t.elapsed().as_secs_f64());
        bench("face-match", r1cs, &|| {
            // View 1 is a perturbed copy of view 0 (faces.npy is identity-major, 4 views each).
            let input = fm
                .input(
                    faces[1].clone(),
                    e.clone(),
                    salt_emb,
                    zkbio_circuits::models::face::DEV_TAU,
                    Fr::from(8u64),
                )
                .unwrap();
            assert!(fm.matches(&input));
            (
                fm.witness(&input).unwrap(),
                fm.public_inputs(&input).to_vec(),
            )
        });
    }
}
