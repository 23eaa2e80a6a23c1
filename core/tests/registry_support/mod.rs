//! Shared by the registry tests: the statements they prove (the real iris-code statement with two
//! small models, the real face statements with the tiny face model, and a stand-in circuit for
//! tests that only need any three public inputs), and an anvil node on 127.0.0.1 that lives as
//! long as its handle.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::PathBuf;

use ark_bn254::{Bn254, Fr};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use ark_groth16::{Proof, VerifyingKey};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkbio_circuits::builder::Builder;
use zkbio_circuits::models::face::FaceModel;
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::models::tflite::npy::{self, NpyData};
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::{Circuit, SynthesisError};
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::{dev_setup_insecure, prove, verify};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

// ------------------------------------------------------------------ statements

/// A small iris model (12 x 24 image, two 3x5 / 5x3 kernels, 3 x 4 probes); `variant` changes
/// the kernel values, so versions 1 and 2 compute different codes from the same image.
pub fn small_iris_model(variant: i16) -> IrisModel {
    IrisModel::tiny_test_model(variant)
}

/// The enrolled iris: a deterministic 12 x 24 image and mask, and `salt_img`.
pub fn enrolled_iris() -> (Vec<u8>, Vec<bool>, Fr) {
    let image = (0..12 * 24).map(|i| ((i * 37 + 11) % 256) as u8).collect();
    let mask = (0..12 * 24).map(|i| i % 17 != 3).collect();
    (image, mask, Fr::from(0x5a17_u64))
}

/// The tiny face model (`circuits/tests/data/face/face_tiny.tflite`: 8x8 image, 8-d embedding),
/// so that both face statements prove in well under a second.
pub fn tiny_face_model() -> FaceModel {
    let bytes = std::fs::read(repo_root().join("circuits/tests/data/face/face_tiny.tflite"))
        .expect("read face_tiny.tflite");
    FaceModel::from_bytes(&bytes).expect("the tiny face model loads")
}

/// The enrolled face image: the first of the tiny model's committed samples
/// (`circuits/tests/data/face/tiny_faces.npy`), and `salt_face`.
pub fn enrolled_face() -> (Vec<u8>, Fr) {
    let bytes = std::fs::read(repo_root().join("circuits/tests/data/face/tiny_faces.npy"))
        .expect("read tiny_faces.npy");
    let a = npy::read(&bytes).expect("tiny_faces.npy parses");
    let NpyData::U8(v) = a.data else {
        panic!("tiny_faces.npy is not uint8")
    };
    (v[..64].to_vec(), Fr::from(0xface_5a17_u64))
}

/// A selfie of `image` (`side x side`): shifted right by one pixel (the first column repeated),
/// brighter by `brightness`, with deterministic noise of +-3 from `seed`, the kind of change a
/// new camera capture makes. Integer arithmetic only, so the bytes are the same everywhere.
pub fn perturbed(image: &[u8], side: usize, brightness: i16, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..image.len())
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let (r, c) = (i / side, i % side);
            let p = i16::from(image[r * side + c.saturating_sub(1)]);
            let noise = (state % 7) as i16 - 3;
            (p + brightness + noise).clamp(0, 255) as u8
        })
        .collect()
}

/// A threshold the tiny face model's [`selfie`] meets (a 16-bit fraction: 0.75); the model is
/// an untrained stand-in, so this is set from the sample, not a meaningful threshold.
pub const TINY_FACE_TAU: u16 = 49152;

/// The subject's selfie: the enrolled face, [`perturbed`] (a shift, brightness 5, noise).
pub fn selfie() -> Vec<u8> {
    perturbed(&enrolled_face().0, 8, 5, 7)
}

/// A face-embedding proof of `stmt` for the enrolled face with `salt_emb` and `binding`;
/// returns `[C_face, C_emb, binding]`, the proof and the embedding `E`.
pub fn face_embedding_proof(
    stmt: &FaceEmbeddingStatement,
    keys: &Keys,
    salt_emb: Fr,
    binding: Fr,
    rng: &mut ChaCha20Rng,
) -> ([Fr; 3], Proof<Bn254>, Vec<i8>) {
    let (image, salt_face) = enrolled_face();
    let input = stmt
        .input(image, salt_face, salt_emb, binding)
        .expect("sizes match");
    let public = stmt.public_inputs(&input);
    let proof = prove_checked(stmt, keys, &input, &public, rng);
    (public, proof, stmt.embedding(&input))
}

/// A face-match proof of `stmt` that `selfie` matches the enrolled `(E, salt_emb)` at `tau`,
/// bound to `binding`; returns `[C_emb, tau, binding]` and the proof.
pub fn face_match_proof(
    stmt: &FaceMatchStatement,
    keys: &Keys,
    selfie: Vec<u8>,
    (template, salt_emb): (Vec<i8>, Fr),
    (tau, binding): (u16, Fr),
    rng: &mut ChaCha20Rng,
) -> ([Fr; 3], Proof<Bn254>) {
    let input = stmt
        .input(selfie, template, salt_emb, tau, binding)
        .expect("sizes match");
    assert!(stmt.matches(&input), "the selfie must match at tau {tau}");
    let public = stmt.public_inputs(&input);
    let proof = prove_checked(stmt, keys, &input, &public, rng);
    (public, proof)
}

/// A stand-in circuit with three public inputs, each constrained (squared), nothing private, so
/// every input triple has a proof: for tests of the registry's input order, binding, replay and
/// key rules that need a real verifier but no particular statement.
#[derive(Clone, Copy, Debug)]
pub struct AnyInputs;

impl Circuit for AnyInputs {
    type Input = [Fr; 3];

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> [Fr; 3] {
        [Fr::from(0u64); 3]
    }

    fn synthesize<B: Builder>(&self, b: &mut B, input: &[Fr; 3]) -> Result<(), SynthesisError> {
        let publics: Vec<B::Lc> = input.iter().map(|x| b.alloc_public(*x)).collect();
        for (x, value) in publics.iter().zip(input) {
            let sq = b.alloc(value.square());
            b.enforce(x, x, &sq);
        }
        Ok(())
    }
}

/// A proving key (as `.zpk` bytes) and its verification key.
pub struct Keys {
    pub zpk: Vec<u8>,
    pub vk: VerifyingKey<Bn254>,
}

/// An insecure dev setup for `circuit` from `seed`.
pub fn setup<C: Circuit>(circuit: &C, seed: u8) -> Keys {
    let r1cs = circuit.to_r1cs().expect("not cancelled");
    let pk = dev_setup_insecure(&r1cs, [seed; 32]).expect("setup");
    let zpk = key_to_bytes(&pk, r1cs.constraints.len()).expect("key bytes");
    let vk = KeyView::new(&zpk).expect("key view").verifying_key();
    Keys { zpk, vk }
}

/// Proves `input` with zkbio's prover and checks the proof with zkbio's verifier.
pub fn prove_checked<C: Circuit>(
    circuit: &C,
    keys: &Keys,
    input: &C::Input,
    public: &[Fr],
    rng: &mut ChaCha20Rng,
) -> Proof<Bn254> {
    let key = KeyView::new(&keys.zpk).expect("key view");
    let witness = circuit.witness(input).expect("not cancelled");
    let proof = prove(&key, witness, rng, &Silent).expect("prove");
    verify(&keys.vk, &proof, public).expect("the proof verifies");
    proof
}

/// An iris-code proof of `stmt` for the enrolled iris with `salt_code` and `binding`; returns
/// `[C_img, C_code, binding]` and the proof.
pub fn iris_proof(
    stmt: &IrisCodeStatement,
    keys: &Keys,
    salt_code: Fr,
    binding: Fr,
    rng: &mut ChaCha20Rng,
) -> ([Fr; 3], Proof<Bn254>) {
    let (image, mask, salt_img) = enrolled_iris();
    let input = stmt
        .input(image, mask, salt_img, salt_code, binding)
        .expect("sizes match");
    let public = stmt.public_inputs(&input).expect("sizes match");
    let proof = prove_checked(stmt, keys, &input, &public, rng);
    (public, proof)
}

/// Another valid proof of the same statement (Groth16 proofs are malleable):
/// `(A / r, r B, C)` for a random `r`.
pub fn rerandomize(proof: &Proof<Bn254>, rng: &mut ChaCha20Rng) -> Proof<Bn254> {
    let r = Fr::rand(rng);
    let r_inv = r.inverse().expect("nonzero");
    Proof {
        a: (proof.a.into_group() * r_inv).into_affine(),
        b: (proof.b.into_group() * r).into_affine(),
        c: proof.c,
    }
}

/// A deterministic RNG for a test.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

// ------------------------------------------------------------------ anvil

#[cfg(feature = "http-fetcher")]
#[allow(unused_imports)] // registry_fixture does not start a node
pub use anvil::Anvil;

#[cfg(feature = "http-fetcher")]
mod anvil {
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use zkbio_core::registry::{HttpTransport, RpcClient};

    use super::repo_root;

    /// An anvil node on 127.0.0.1 (pinned anvil from tools/js), killed when dropped.
    pub struct Anvil {
        child: Child,
        /// `http://127.0.0.1:PORT`.
        pub url: String,
    }

    impl Anvil {
        /// Starts anvil on a free loopback port with chain id `chain_id` and waits until it answers.
        pub fn start(chain_id: u64) -> Anvil {
            let script = repo_root().join("contracts").join("anvil.sh");
            // A free port: bind port 0, read it, release it (anvil binds it right after).
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let child = Command::new(&script)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--chain-id", &chain_id.to_string(), "--silent"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
            let mut anvil = Anvil {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            anvil.wait_ready();
            anvil
        }

        fn wait_ready(&mut self) {
            let start = Instant::now();
            let rpc = self.client();
            loop {
                if rpc.chain_id().is_ok() {
                    return;
                }
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("anvil exited early: {status}");
                }
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "anvil did not answer on {} within 30 s",
                    self.url
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    impl Anvil {
        /// A JSON-RPC client of this node.
        pub fn client(&self) -> RpcClient<HttpTransport> {
            RpcClient::new(HttpTransport::new(&self.url, Duration::from_secs(30)))
        }
    }

    impl Drop for Anvil {
        fn drop(&mut self) {
            // anvil.sh execs anvil, so this is the node's own process.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
