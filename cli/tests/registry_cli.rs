//! `zkbio registry …` against a real node: anvil (pinned, tools/js) on 127.0.0.1; the registry
//! deployed from the embedded artifact with a verifier for a tiny 3-input key; scanners and model
//! versions administered; `status` reflects them; a non-owner gets the decoded custom error.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha3::Digest;
use zkbio_core::registry::LocalSigner;

mod support;
use support::{deploy_args, strs, three_inputs_vk, value, Anvil, Pinned, OWNER_KEY};

/// anvil's second default account (funded at genesis; the first is support's OWNER_KEY).
const OTHER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SCANNER_A: &str = "0x00000000000000000000000000000000000000aa";
const SCANNER_B: &str = "0x00000000000000000000000000000000000000bb";
const SUBJECT: &str = "0x0000000000000000000000000000000000005b1e";

/// Runs `zkbio registry args…` with `env`; returns success and stdout followed by stderr.
fn zkbio(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .arg("registry")
        .args(args)
        .env_remove("ZKBIO_PRIVATE_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("spawn zkbio");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("zkbio-registry-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[test]
fn deploy_administer_and_read_a_registry() {
    let dir = tmp("admin");
    let vk_path = dir.join("verification_key.json");
    let key_vk = three_inputs_vk(&vk_path, 7);
    let vk = vk_path.to_str().unwrap();

    let anvil = Anvil::start();
    let rpc = anvil.url.as_str();
    let owner = LocalSigner::from_hex(OWNER_KEY).unwrap().address();
    let other = LocalSigner::from_hex(OTHER_KEY).unwrap().address();
    let lower = |s: &str| s.to_ascii_lowercase();

    // Deploy: registry, verifier for the key, iris version 1, scanner A.
    let hash_v1 = format!("0x{}", "11".repeat(32));
    let mut deploy = deploy_args(rpc, &vk_path, Pinned::Hash(&hash_v1));
    deploy.extend(["--scanner", SCANNER_A].map(String::from));
    // This file's zkbio() puts the `registry` in front.
    let (ok, out) = zkbio(&strs(&deploy[1..]), &[]);
    assert!(ok, "{out}");
    let registry = value(&out, "registry").to_owned();
    let verifier = value(&out, "verifier").to_owned();
    // The key's hash, pinned with the version: the one Rust definition.
    let vk_hash = zkbio_core::evm::vk_hash(&key_vk).unwrap().to_string();
    assert_eq!(value(&out, "vk-hash"), vk_hash);
    assert_eq!(lower(value(&out, "owner")), lower(&owner.to_string()));
    assert_eq!(value(&out, "chain-id"), "31337");
    for tx in [
        "deploy-registry",
        "deploy-verifier",
        "add-model-version",
        "add-scanner",
    ] {
        let gas: u64 = value(&out, &format!("gas {tx}"))
            .parse()
            .expect("gas figure");
        assert!(gas > 21_000, "{tx}: {gas}");
    }

    // Version 2 from a model file (its keccak256), reusing the verifier; the key from the
    // environment; scanner B; version 1 deprecated.
    let model = dir.join("model.bin");
    let exported = Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args(["export", "iris-model", "--name", "scaled-test", "--out"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(exported.status.success());
    let hash_v2 = format!(
        "0x{}",
        hex::encode(sha3::Keccak256::digest(std::fs::read(&model).unwrap()))
    );
    let key_env = [("ZKBIO_PRIVATE_KEY", OWNER_KEY)];
    let (ok, out) = zkbio(
        &[
            "add-model",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--version",
            "2",
            "--model",
            model.to_str().unwrap(),
            "--verifier",
            &verifier,
        ],
        &key_env,
    );
    assert!(ok, "{out}");
    let (ok, out) = zkbio(
        &[
            "add-scanner",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--scanner",
            SCANNER_B,
        ],
        &key_env,
    );
    assert!(ok, "{out}");
    let (ok, out) = zkbio(
        &[
            "deprecate-model",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--version",
            "1",
        ],
        &key_env,
    );
    assert!(ok && out.contains("model iris 1 deprecated"), "{out}");

    // status reflects all of it.
    let (ok, out) = zkbio(
        &[
            "status",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--subject",
            SUBJECT,
            "--version",
            "2",
            "--scanner",
            SCANNER_A,
            "--scanner",
            SCANNER_B,
            "--scanner",
            SUBJECT,
        ],
        &[],
    );
    assert!(ok, "{out}");
    let out = lower(&out);
    assert_eq!(value(&out, "owner"), lower(&owner.to_string()));
    assert_eq!(value(&out, "chain-id"), "31337");
    assert!(
        out.contains(&format!("scanner {SCANNER_A} active")),
        "{out}"
    );
    assert!(
        out.contains(&format!("scanner {SCANNER_B} active")),
        "{out}"
    );
    assert!(
        out.contains(&format!("scanner {SUBJECT} inactive")),
        "{out}"
    );
    assert!(out.contains("model iris 2 active"), "{out}");
    assert_eq!(value(&out, "  hash"), hash_v2);
    assert_eq!(
        value(&out, "  vk-hash"),
        lower(&vk_hash),
        "read from the verifier"
    );
    assert_eq!(value(&out, "  latest-version"), "2");
    assert_eq!(value(&out, "  current"), "false");
    assert_eq!(value(&out, "  verifier"), lower(&verifier));
    assert!(
        out.contains(&format!("subject {SUBJECT} not enrolled")),
        "{out}"
    );
    assert_eq!(value(&out, "  nonce"), "0");
    let (ok, out) = zkbio(
        &[
            "status",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--version",
            "1",
        ],
        &[],
    );
    assert!(ok && out.contains("model iris 1 deprecated"), "{out}");
    assert_eq!(lower(value(&out, "  hash")), hash_v1);

    // Administration by anyone else: the registry's custom error, decoded; non-zero exit.
    let (ok, out) = zkbio(
        &[
            "add-scanner",
            "--rpc",
            rpc,
            "--key",
            OTHER_KEY,
            "--registry",
            &registry,
            "--scanner",
            SUBJECT,
        ],
        &[],
    );
    assert!(!ok, "{out}");
    assert!(
        lower(&out).contains(&format!(
            "notowner {{ caller: {} }}",
            lower(&other.to_string())
        )),
        "{out}"
    );
    // `add-model --version V --model-hash H` by the owner, with the deployed verifier.
    let add_model = |version: &str, hash: &str| {
        let args = [
            "add-model",
            "--rpc",
            rpc,
            "--key",
            OWNER_KEY,
            "--registry",
            &registry,
            "--version",
            version,
            "--model-hash",
            hash,
            "--verifier",
            &verifier,
        ];
        zkbio(&args, &[])
    };
    // A version that exists already (and any lower one): its custom error too.
    let (ok, out) = add_model("2", &hash_v1);
    assert!(
        !ok && out.contains("VersionNotIncreasing { kind: 0, latest: 2, version: 2 }"),
        "{out}"
    );
    // Version 1's model again as version 3: one model hash names one version of a kind.
    let (ok, out) = add_model("3", &hash_v1);
    assert!(
        !ok && out.contains("ModelHashAlreadyRegistered") && out.contains("existing: 1"),
        "{out}"
    );

    // zkbio model audit: version 2 holds together (its model file, the package's key, the
    // deployed verifier and the circuit rebuilt from the model agree).
    let audit = |version: &str, extra: &[&str]| {
        let mut args = vec![
            "model",
            "audit",
            "--rpc",
            rpc,
            "--registry",
            registry.as_str(),
            "--version",
            version,
        ];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_zkbio"))
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let model_arg = model.to_str().unwrap();
    let (code, out) = audit("2", &["--model", model_arg, "--vk", vk]);
    assert_eq!(code, Some(0), "{out}");
    for check in [
        "registered",
        "model-hash",
        "model-file",
        "verifier-vk-hash",
        "verifier-key",
        "package-vk-hash",
        "public-inputs",
    ] {
        assert!(out.contains(&format!("PASS {check}:")), "{check}: {out}");
    }
    assert!(out.contains("verdict PASS"), "{out}");
    // Another key as the package's: its hash is not the pinned one.
    let other_vk = dir.join("other_vk.json");
    three_inputs_vk(&other_vk, 8);
    let (code, out) = audit(
        "2",
        &["--model", model_arg, "--vk", other_vk.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL package-vk-hash:"), "{out}");
    assert!(out.contains("PASS verifier-vk-hash:"), "{out}");
    assert!(out.contains("verdict FAIL"), "{out}");
    // Version 1 pinned a hash no model file has: the built-in model does not match it.
    let (code, out) = audit("1", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL model-hash:"), "{out}");
    assert!(out.contains("SKIP package-vk-hash:"), "{out}");
    // A version never added.
    let (code, out) = audit("9", &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL registered: never added"), "{out}");
    // Inputs are checked before anything is sent.
    let (ok, out) = zkbio(
        &[
            "add-model",
            "--rpc",
            rpc,
            "--key",
            OWNER_KEY,
            "--registry",
            &registry,
            "--version",
            "3",
            "--model-hash",
            &hash_v1,
        ],
        &[],
    );
    assert!(!ok && out.contains("--verifier"), "{out}");
    let (ok, out) = zkbio(
        &[
            "add-scanner",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--scanner",
            SCANNER_A,
        ],
        &[],
    );
    assert!(!ok && out.contains("ZKBIO_PRIVATE_KEY"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The small demo (the CI's only demo run): the iris enrollment, then the face steps with the
/// tiny face model; the face artifacts it leaves verify in snarkjs, and a changed public input
/// of each is rejected there.
#[test]
fn iris_demo_enrolls_through_the_embedded_registry() {
    let dir = zkbio_tests::TempDir::new("demo-face");
    let cache = zkbio_tests::TempDir::new("demo-cache");
    let demo = |out: &Path| {
        let run = Command::new(env!("CARGO_BIN_EXE_zkbio"))
            .args(["demo", "--circuit", "iris-scaled", "--out"])
            .arg(out)
            .env("XDG_CACHE_HOME", cache.path())
            .output()
            .expect("spawn zkbio");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(run.status.success(), "{text}");
        text
    };
    let text = demo(dir.path());
    // The first run sets up the four keys (iris code v1 and v2, face embedding, face match) and
    // caches them.
    assert!(!text.contains("cached:"), "{text}");
    let keys = cache.path().join("zkbio/demo-keys");
    let mut entries: Vec<_> = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zpk"))
        .collect();
    entries.sort();
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(
        text.contains("binding = registry binding (chain 1"),
        "{text}"
    );
    assert!(text.contains("9. enroll via BiometricRegistry"), "{text}");
    assert!(
        text.contains("(= the proof's C_code), iris version 1, nonce now 1"),
        "{text}"
    );
    assert!(
        text.contains("replayed enroll: reverted with AlreadyEnrolled"),
        "{text}"
    );
    for line in [
        "face model: face_tiny.tflite",
        "registerFaceEmbedding(subject",
        "verifyFaceMatch(subject, challenge, tau 62259) from relying party",
        "replayed verifyFaceMatch: reverted with ChallengeAlreadyUsed",
        "): refused before proving (FaceNoMatch, similarity",
        "iris model v2: iris_v2_small.tflite (int8 TFLite",
        "reenroll to v2 with the v1 proof: reverted with InvalidProof",
        "with the v2 proof: gas",
        "record: iris version 2 (was 1), C_code ",
        "C_img unchanged",
        "replayed reenroll: reverted with ",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // The v2 artifacts: the network itself, and a proof with v1's C_img and another C_code.
    let v2 = dir.path().join("iris-v2");
    assert_eq!(
        std::fs::read(v2.join("model.tflite")).unwrap(),
        include_bytes!("../../circuits/tests/data/iris_v2/iris_v2_small.tflite").to_vec()
    );
    let read_public = |p: &Path| -> Vec<String> {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (v1_public, v2_public) = (
        read_public(&dir.path().join("public.json")),
        read_public(&v2.join("public.json")),
    );
    assert_eq!(v1_public[0], v2_public[0], "same C_img");
    assert_ne!(v1_public[1], v2_public[1], "another C_code");
    for (name, first_public) in [
        ("face-embedding", "C_face"),
        ("face-match", "C_emb"),
        ("iris-v2", "C_img"),
    ] {
        let d = |f: &str| dir.path().join(name).join(f).to_str().unwrap().to_owned();
        let verify = || {
            zkbio_tests::snarkjs(&[
                "groth16",
                "verify",
                &d("verification_key.json"),
                &d("public.json"),
                &d("proof.json"),
            ])
        };
        let (ok, log) = verify();
        assert!(ok && log.contains("OK!"), "{name}: {log}");
        let public: Vec<String> =
            serde_json::from_str(&std::fs::read_to_string(d("public.json")).unwrap()).unwrap();
        assert_eq!(public.len(), 3, "{name}: [{first_public}, …, binding]");
        if name == "face-match" {
            assert_eq!(public[1], "62259", "face-match: tau");
        }
        let mut tampered = public.clone();
        tampered[1] = (num_bigint::BigUint::parse_bytes(public[1].as_bytes(), 10).unwrap() + 1u32)
            .to_string();
        std::fs::write(d("public.json"), serde_json::to_string(&tampered).unwrap()).unwrap();
        let (ok, log) = verify();
        assert!(!ok && !log.contains("OK!"), "{name} tampered: {log}");
    }

    // A second run reuses the cached keys once their digests check, and sets up again a key whose
    // file changed; its artifacts still verify.
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&entries[0], bytes).unwrap();
    let again = zkbio_tests::TempDir::new("demo-face-again");
    let text = demo(again.path());
    assert_eq!(text.matches("cached:").count(), 3, "{text}");
    assert_eq!(
        text.matches("does not match its recorded digest: setting up again")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("verifyFaceMatch(subject, challenge, tau 62259)"),
        "{text}"
    );
    let d = |f: &str| {
        again
            .path()
            .join("face-match")
            .join(f)
            .to_str()
            .unwrap()
            .to_owned()
    };
    let (ok, log) = zkbio_tests::snarkjs(&[
        "groth16",
        "verify",
        &d("verification_key.json"),
        &d("public.json"),
        &d("proof.json"),
    ]);
    assert!(ok && log.contains("OK!"), "second run's face match: {log}");
}
