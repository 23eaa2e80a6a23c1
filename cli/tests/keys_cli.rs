//! Keys the CLI must refuse (issue 10, rows 1, 4 and 9), against a real snarkjs `_0000.zkey`:
//! - a key with no phase-2 contribution (`snarkjs groth16 setup`, δ = γ = g₂) is refused by
//!   `import-zkey`, by `verify` (where a proof forged for arbitrary public inputs passes
//!   snarkjs) and by `registry deploy`/`add-model` before anything is sent; after one
//!   `zkey contribute` the key imports, proves and verifies;
//! - a `.zpk` with one flipped byte in a query point makes `prove` fail instead of writing a proof;
//! - INSECURE development keys are marked, and registry commands refuse them off local chains
//!   unless `--allow-insecure-dev-key`.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Affine, G1Projective};
use support::{strs, zkbio, zkbio_err, zkbio_ok, Pinned};
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_core::groth16::dev_marker::{vk_json, VK_JSON_MARKER};
use zkbio_core::groth16::encoding::{G1_BYTES, G2_BYTES};
use zkbio_core::groth16::{KeyOrigin, KeyView, Proof, VerifyingKey};
use zkbio_tests::{ceremony_ptau, snarkjs_ok};

const CIRCUIT: &str = "image-opening:2x8";
const OWNER_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("zkbio-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_vk(path: &Path) -> VerifyingKey<ark_bn254::Bn254> {
    serde_json::from_slice::<VerificationKeyJson>(&std::fs::read(path).unwrap())
        .unwrap()
        .to_vk()
        .unwrap()
}

fn write_json(path: &Path, v: &impl serde::Serialize) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// With δ₂ = γ₂, `A = α₁, B = β₂, C = −IC(x)` verifies for every public input vector `x`.
fn forge(vk: &VerifyingKey<ark_bn254::Bn254>, public: &[Fr]) -> Proof<ark_bn254::Bn254> {
    let mut ic = G1Projective::from(vk.gamma_abc_g1[0]);
    for (p, x) in vk.gamma_abc_g1[1..].iter().zip(public) {
        ic += *p * x;
    }
    Proof {
        a: vk.alpha_g1,
        b: vk.beta_g2,
        c: G1Affine::from(-ic),
    }
}

/// A JSON-RPC node that answers `eth_chainId` with `chain_id`, refuses every other method, and
/// records every method asked for.
struct FakeNode {
    url: String,
    methods: Arc<Mutex<Vec<String>>>,
}

impl FakeNode {
    fn start(chain_id: u64) -> FakeNode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let methods = Arc::new(Mutex::new(Vec::new()));
        let seen = methods.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut len = None;
                        let mut line = String::new();
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == "\r\n" {
                                break;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("content-length:") {
                                len = v.trim().parse::<usize>().ok();
                            }
                        }
                        let mut body = vec![0u8; len.unwrap_or(0)];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        let req: serde_json::Value =
                            serde_json::from_slice(&body).unwrap_or_default();
                        let method = req["method"].as_str().unwrap_or("?").to_string();
                        seen.lock().unwrap().push(method.clone());
                        let reply = if method == "eth_chainId" {
                            serde_json::json!({"jsonrpc": "2.0", "id": req["id"], "result": format!("{chain_id:#x}")})
                        } else {
                            serde_json::json!({"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": "not supported by the test node"}})
                        };
                        let text = reply.to_string();
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                            text.len()
                        );
                    }
                });
            }
        });
        FakeNode { url, methods }
    }

    fn methods(&self) -> Vec<String> {
        self.methods.lock().unwrap().clone()
    }

    fn clear(&self) {
        self.methods.lock().unwrap().clear();
    }
}

fn deploy_args(rpc: &str, vk: &Path) -> Vec<String> {
    let hash = "0x1111111111111111111111111111111111111111111111111111111111111111";
    support::deploy_args(rpc, vk, Pinned::Hash(hash))
}

fn add_model_args(rpc: &str, vk: &Path) -> Vec<String> {
    [
        "registry",
        "add-model",
        "--rpc",
        rpc,
        "--key",
        OWNER_KEY,
        "--registry",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--vk",
        s(vk),
        "--version",
        "2",
        "--model-hash",
        "0x2222222222222222222222222222222222222222222222222222222222222222",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_snarkjs_key_without_contribution_is_refused_everywhere_and_one_contribution_fixes_it() {
    let dir = tmp("zkey0");
    let f = |name: &str| dir.join(name);
    zkbio_ok(&[
        "export",
        "r1cs",
        "--circuit",
        CIRCUIT,
        "--out",
        s(&f("c.r1cs")),
    ]);
    // Phase 1 needs a contribution: a fresh ptau has τ = 1, which puts IC points at infinity
    // (also refused, but this test is about phase 2).
    let (_, final_ptau) = ceremony_ptau(&dir, 10);
    snarkjs_ok(&[
        "groth16",
        "setup",
        s(&f("c.r1cs")),
        s(&final_ptau),
        s(&f("c_0000.zkey")),
    ]);
    snarkjs_ok(&[
        "zkey",
        "contribute",
        s(&f("c_0000.zkey")),
        s(&f("c_0001.zkey")),
        "--name=test",
        "-e=zkbio keys test entropy",
    ]);
    for (zkey, vk) in [("c_0000.zkey", "vk0.json"), ("c_0001.zkey", "vk1.json")] {
        snarkjs_ok(&["zkey", "export", "verificationkey", s(&f(zkey)), s(&f(vk))]);
    }

    // import-zkey: no contribution, and even as a development key δ = γ is refused.
    let import = |zkey: &str, out: &str, dev: bool| {
        let ptau = final_ptau.clone();
        let mut args = vec![
            "import-zkey",
            "--circuit",
            CIRCUIT,
            "--zkey",
            zkey,
            "--out",
            out,
        ];
        if dev {
            args.push("--insecure-dev-key");
        } else {
            args.extend(["--ptau", s(&ptau)]);
        }
        zkbio(&args)
    };
    let out = import(s(&f("c_0000.zkey")), s(&f("k0.zpk")), false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no phase-2 contribution"),
        "{err}"
    );
    let out = import(s(&f("c_0000.zkey")), s(&f("k0.zpk")), true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("δ₂ = ±γ₂"), "{err}");
    assert!(!f("k0.zpk").exists());

    // verify: a proof forged for arbitrary public inputs passes snarkjs, and zkbio refuses the key.
    let vk0 = read_vk(&f("vk0.json"));
    let public = [Fr::from(31337u64), Fr::from(42u64)];
    write_json(
        &f("forged.json"),
        &ProofJson::from_proof(&forge(&vk0, &public)),
    );
    write_json(&f("public.json"), &public_to_json(&public));
    let out = snarkjs_ok(&[
        "groth16",
        "verify",
        s(&f("vk0.json")),
        s(&f("public.json")),
        s(&f("forged.json")),
    ]);
    assert!(out.contains("OK!"), "the forgery must be real: {out}");
    let out = zkbio(&[
        "verify",
        "--vk",
        s(&f("vk0.json")),
        "--proof",
        s(&f("forged.json")),
        "--public",
        s(&f("public.json")),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("unsafe verification key"), "{text}");

    // registry deploy / add-model: refused before any request reaches the node.
    let node = FakeNode::start(31337);
    for args in [
        deploy_args(&node.url, &f("vk0.json")),
        add_model_args(&node.url, &f("vk0.json")),
    ] {
        let err = zkbio_err(&strs(&args));
        assert!(
            err.contains("refusing this key") && err.contains("δ₂ = ±γ₂"),
            "{err}"
        );
        assert_eq!(node.methods(), Vec::<String>::new());
    }

    // After one contribution the key imports, proves and verifies.
    let out = import(s(&f("c_0001.zkey")), s(&f("k1.zpk")), false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let proof_dir = f("proof");
    zkbio_ok(&[
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&f("k1.zpk")),
        "--out",
        s(&proof_dir),
    ]);
    let verdict = zkbio_ok(&[
        "verify",
        "--vk",
        s(&f("vk1.json")),
        "--proof",
        s(&proof_dir.join("proof.json")),
        "--public",
        s(&proof_dir.join("public.json")),
    ]);
    assert!(verdict.contains("OK"), "{verdict}");
    let out = snarkjs_ok(&[
        "groth16",
        "verify",
        s(&f("vk1.json")),
        s(&proof_dir.join("public.json")),
        s(&proof_dir.join("proof.json")),
    ]);
    assert!(out.contains("OK!"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_key_with_a_flipped_query_byte_fails_to_prove_instead_of_writing_a_bad_proof() {
    let dir = tmp("flip");
    let f = |name: &str| dir.join(name);
    zkbio_ok(&[
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "flip",
        "--out",
        s(&dir),
    ]);
    let bytes = std::fs::read(f("circuit.zpk")).unwrap();
    let view = KeyView::new(&bytes).unwrap();
    let offset = |section: &[u8]| section.as_ptr() as usize - bytes.as_ptr() as usize;
    // Wire 0 (the constant one) weighs every A/B point's first entry; the H scalars are not zero.
    let targets = [
        ("A", offset(view.a_bytes())),
        ("B1", offset(view.b_g1_bytes())),
        ("B2", offset(view.b_g2_bytes()) + G2_BYTES / 2),
        ("H", offset(view.h_bytes()) + G1_BYTES),
    ];
    for (name, at) in targets {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        let key = f(&format!("bad-{name}.zpk"));
        std::fs::write(&key, &bad).unwrap();
        let out_dir = f(&format!("out-{name}"));
        let out = zkbio(&[
            "prove",
            "--circuit",
            CIRCUIT,
            "--key",
            s(&key),
            "--out",
            s(&out_dir),
        ]);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(!out.status.success(), "section {name}: {stdout}");
        assert!(
            !stdout.contains("proof written"),
            "section {name}: {stdout}"
        );
        assert!(
            stderr.contains("corrupted proving key"),
            "section {name}: {stderr}"
        );
        assert!(!out_dir.join("proof.json").exists(), "section {name}");
    }
    let ok = zkbio_ok(&[
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&f("circuit.zpk")),
        "--out",
        s(&f("out-good")),
    ]);
    assert!(ok.contains("proof written"), "{ok}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A marked development key with the registry's 3 public inputs, as `zkbio package dev-iris`
/// writes it (a tiny circuit, so the test does not run the iris setup).
fn dev_registry_vk(path: &Path) {
    use zkbio_circuits::builder::Builder;
    struct ThreeInputs;
    impl zkbio_circuits::Circuit for ThreeInputs {
        type Input = ();
        fn public_count(&self) -> usize {
            3
        }
        fn placeholder_input(&self) {}
        fn synthesize<B: Builder>(
            &self,
            b: &mut B,
            _: &(),
        ) -> Result<(), zkbio_circuits::SynthesisError> {
            let x = b.alloc_public(Fr::from(4u64));
            let y = b.alloc_public(Fr::from(2u64));
            let z = b.alloc_public(Fr::from(1u64));
            b.enforce(&y, &y, &x);
            b.enforce(&z, &z, &z);
            Ok(())
        }
    }
    let r1cs = zkbio_circuits::Circuit::to_r1cs(&ThreeInputs).unwrap();
    let pk = zkbio_core::groth16::dev_setup_insecure(&r1cs, [21; 32]).unwrap();
    write_json(path, &vk_json(&pk.vk, KeyOrigin::InsecureDev));
}

#[test]
fn development_keys_are_marked_and_deploy_only_on_local_chains() {
    let dir = tmp("devkey");
    let f = |name: &str| dir.join(name);
    // zkbio setup marks both files, and snarkjs still reads the marked verification key.
    zkbio_ok(&[
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "dev",
        "--out",
        s(&dir),
    ]);
    let zpk = std::fs::read(f("circuit.zpk")).unwrap();
    assert_eq!(KeyView::new(&zpk).unwrap().origin(), KeyOrigin::InsecureDev);
    let vk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f("verification_key.json")).unwrap()).unwrap();
    assert_eq!(vk[VK_JSON_MARKER], serde_json::Value::Bool(true));
    zkbio_ok(&[
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&f("circuit.zpk")),
        "--out",
        s(&dir),
    ]);
    let out = snarkjs_ok(&[
        "groth16",
        "verify",
        s(&f("verification_key.json")),
        s(&f("public.json")),
        s(&f("proof.json")),
    ]);
    assert!(out.contains("OK!"), "{out}");
    zkbio_ok(&[
        "export",
        "vk",
        "--key",
        s(&f("circuit.zpk")),
        "--out",
        s(&f("exported.json")),
    ]);
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f("exported.json")).unwrap()).unwrap();
    assert_eq!(exported, vk);

    let vk3 = f("dev3.json");
    dev_registry_vk(&vk3);
    let mainnet = FakeNode::start(1);
    for args in [
        deploy_args(&mainnet.url, &vk3),
        add_model_args(&mainnet.url, &vk3),
    ] {
        let err = zkbio_err(&strs(&args));
        assert!(
            err.contains("INSECURE development key") && err.contains("chain 1"),
            "{err}"
        );
        // Only the chain id was read: no transaction was estimated or sent.
        assert_eq!(
            mainnet.methods(),
            vec!["eth_chainId".to_string()],
            "{args:?}"
        );
        mainnet.clear();

        // The override lets the command go on to the node (which refuses the rest here).
        let mut allowed = args.clone();
        allowed.push("--allow-insecure-dev-key".to_owned());
        let err = zkbio_err(&strs(&allowed));
        assert!(!err.contains("refusing"), "{err}");
        let methods = mainnet.methods();
        assert!(
            methods.len() > 1 && methods[0] == "eth_chainId",
            "{methods:?}"
        );
        mainnet.clear();
    }
    // On a local chain the marked key goes on without the override.
    let local = FakeNode::start(31337);
    for args in [
        deploy_args(&local.url, &vk3),
        add_model_args(&local.url, &vk3),
    ] {
        let err = zkbio_err(&strs(&args));
        assert!(!err.contains("refusing"), "{err}");
        assert!(local.methods().len() > 1, "{:?}", local.methods());
        local.clear();
    }
    // The same key unmarked is not refused on chain 1 (the marker, not the key, decides).
    let mut plain: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&vk3).unwrap()).unwrap();
    plain.as_object_mut().unwrap().remove(VK_JSON_MARKER);
    write_json(&f("plain3.json"), &plain);
    let err = zkbio_err(&strs(&deploy_args(&mainnet.url, &f("plain3.json"))));
    assert!(!err.contains("INSECURE"), "{err}");
    assert!(mainnet.methods().len() > 1);
    let _ = std::fs::remove_dir_all(&dir);
}
