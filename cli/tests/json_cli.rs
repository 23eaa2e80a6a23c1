//! `--json` on every command: each leaf of the command tree listed in support/commands.rs
//! (which main.rs's unit test checks against clap's tree) runs with `--json` on small inputs —
//! a 4x4 image opening, the tiny iris and face models, a small LiteRT fixture, a registry on
//! anvil — and its stdout is exactly one JSON object whose `command` is the command's path.
//! The repeatable ones also run with `--quiet` and must print nothing at all.

#[path = "support/commands.rs"]
mod commands;
mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{
    address_of, enroll_into_vault, package_deploy_args, scanner_enroll_args, strs, tflite_fixture,
    vault_import_args, Anvil, Registry, OWNER_KEY, PUBLISHER_KEY, SUBJECT_KEY,
};

/// anvil's default account 3: the relying party of the face match (test-only).
const RP_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const CIRCUIT: &str = "image-opening:4x4";
/// An address no contract is at, for the attestation of the off-chain vault flow.
const OFF_CHAIN_REGISTRY: &str = "0x7777777777777777777777777777777777777777";

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `--vk VK --proof DIR/proof.json --public DIR/public.json`, for the verify commands.
fn proof_args(vk: &Path, dir: &Path) -> Vec<String> {
    let (proof, public) = (dir.join("proof.json"), dir.join("public.json"));
    ["--vk", s(vk), "--proof", s(&proof), "--public", s(&public)]
        .map(String::from)
        .to_vec()
}

/// `head` then `tail`, as `zkbio`'s arguments.
fn with(head: &[&str], tail: &[String]) -> Vec<String> {
    head.iter()
        .map(|a| (*a).to_owned())
        .chain(tail.iter().cloned())
        .collect()
}

/// The command path `args` start with (`["registry", "status", "--rpc", …]`: `registry status`).
fn command_of(args: &[&str]) -> String {
    (1..=2)
        .map(|n| args[..n.min(args.len())].join(" "))
        .find(|path| commands::RUN.contains(&path.as_str()))
        .unwrap_or_else(|| panic!("{args:?} starts with no listed command"))
}

/// Runs commands and remembers which ran with `--json`.
struct Runner {
    /// The demo's key cache: in the test's directory, not the user's.
    cache: PathBuf,
    ran: BTreeSet<String>,
}

impl Runner {
    fn command(&self, flag: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkbio"));
        cmd.arg(flag)
            .args(args)
            .env("XDG_CACHE_HOME", &self.cache)
            .env_remove("ZKBIO_PRIVATE_KEY");
        cmd
    }

    /// `zkbio --json ARGS`: exit code 0 and one JSON object on stdout, its `command` the path.
    fn json(&mut self, args: &[&str]) -> Value {
        let out = self.command("--json", args).output().expect("spawn zkbio");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "zkbio --json {args:?}:\n{stderr}"
        );
        self.one_object(args, &stdout, &stderr)
    }

    fn one_object(&mut self, args: &[&str], stdout: &str, stderr: &str) -> Value {
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "zkbio --json {args:?}: one JSON line on stdout, got:\n{stdout}\nstderr:\n{stderr}"
        );
        let v: Value = serde_json::from_str(lines[0])
            .unwrap_or_else(|e| panic!("zkbio --json {args:?}: not JSON ({e}): {}", lines[0]));
        let command = command_of(args);
        assert!(v.is_object(), "{v}");
        assert_eq!(v["command"], command.as_str(), "{v}");
        self.ran.insert(command);
        v
    }

    /// `zkbio --quiet ARGS`: exit code 0, nothing on stdout or stderr.
    fn quiet(&self, args: &[&str]) {
        let out = self.command("--quiet", args).output().expect("spawn zkbio");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.is_empty() && out.stderr.is_empty(),
            "zkbio --quiet {args:?} printed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Both: the `--quiet` run first, so the `--json` run's files are the ones left.
    fn both(&mut self, args: &[&str]) -> Value {
        self.quiet(args);
        self.json(args)
    }

    /// `zkbio --json serve DIR`: its result comes before it serves; stopped when dropped.
    fn serve(&mut self, dir: &Path) -> (Served, String) {
        let args = ["serve", s(dir), "--addr", "127.0.0.1:0"];
        let mut child = self
            .command("--json", &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn zkbio serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("serve's first line");
        let served = Served(child);
        let v = self.one_object(&args, &line, "");
        (served, v["url"].as_str().expect("url").to_owned())
    }
}

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_command_prints_one_json_object_and_quiet_prints_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let p = |name: &str| d.join(name);
    let mut z = Runner {
        cache: p("cache"),
        ran: BTreeSet::new(),
    };

    // Proofs of a 4x4 image opening, and the circom formats.
    let (keys, proof) = (p("keys"), p("proof"));
    let setup = z.both(&[
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "json",
        "--out",
        s(&keys),
    ]);
    let key = keys.join("circuit.zpk");
    let vk = keys.join("verification_key.json");
    z.both(&[
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&key),
        "--out",
        s(&proof),
    ]);
    let verified = z.both(&strs(&with(&["verify"], &proof_args(&vk, &proof))));
    assert_eq!(verified["valid"], true);
    for (what, file, circuit, key_arg) in [
        ("r1cs", "c.r1cs", true, false),
        ("wtns", "c.wtns", true, false),
        ("zkey", "c.zkey", true, true),
        ("vk", "vk.json", false, true),
    ] {
        let mut args = vec!["export", what];
        if circuit {
            args.extend(["--circuit", CIRCUIT]);
        }
        if key_arg {
            args.extend(["--key", s(&key)]);
        }
        let out = p(file);
        args.extend(["--out", s(&out)]);
        z.both(&args);
    }
    z.both(&[
        "export",
        "solidity",
        "--key",
        s(&key),
        "--out",
        s(&p("sol")),
    ]);
    let model = z.both(&[
        "export",
        "iris-model",
        "--name",
        "scaled-test",
        "--out",
        s(&p("scaled.bin")),
    ]);
    assert_eq!(
        model["bytes"],
        std::fs::metadata(p("scaled.bin")).unwrap().len()
    );
    let g = z.both(&[
        "groth16",
        "prove",
        s(&p("c.zkey")),
        s(&p("c.wtns")),
        s(&p("g-proof.json")),
        s(&p("g-public.json")),
    ]);
    let g_public: Value =
        serde_json::from_str(&std::fs::read_to_string(p("g-public.json")).unwrap()).unwrap();
    assert_eq!(g["public_inputs"], g_public);
    let dev_setup = z.both(&[
        "groth16",
        "setup",
        s(&p("c.r1cs")),
        s(&p("dev.zkey")),
        "--insecure-seed",
        "json",
        "--vk",
        s(&p("dev-vk.json")),
    ]);
    assert_eq!(dev_setup["insecure_dev_key"], true);
    assert_eq!(dev_setup["zkey"], s(&p("dev.zkey")));
    assert!(p("dev.zkey").is_file() && p("dev-vk.json").is_file());
    z.both(&[
        "import-zkey",
        "--circuit",
        CIRCUIT,
        "--zkey",
        s(&p("c.zkey")),
        "--insecure-dev-key",
        "--out",
        s(&p("imported.zpk")),
    ]);
    z.json(&["demo", "--circuit", CIRCUIT]);
    let bench = z.both(&[
        "bench",
        "--circuit",
        CIRCUIT,
        "--runs",
        "1",
        "--dir",
        s(&p("bench")),
    ]);
    assert!(bench["in_process"]["witness_seconds"].is_f64(), "{bench}");
    assert!(
        bench["processes"].is_null(),
        "no peer, no process runs: {bench}"
    );
    let address = z.both(&["key", "address", "--key", OWNER_KEY]);
    assert_eq!(address["address"], address_of(OWNER_KEY));

    // A LiteRT model's statement.
    let (tflite, input) = (
        tflite_fixture("model_f08.tflite"),
        tflite_fixture("input_f08.npy"),
    );
    z.both(&["model", "inspect", &tflite]);
    z.both(&[
        "model",
        "infer",
        "--model",
        &tflite,
        "--input",
        &input,
        "--output",
        s(&p("y.npy")),
    ]);
    let (mkeys, mproof) = (p("mkeys"), p("mproof"));
    z.json(&[
        "model",
        "setup",
        "--model",
        &tflite,
        "--seed",
        "json",
        "--out",
        s(&mkeys),
    ]);
    z.json(&[
        "model",
        "prove",
        "--model",
        &tflite,
        "--key",
        s(&mkeys.join("circuit.zpk")),
        "--input",
        &input,
        "--out",
        s(&mproof),
    ]);
    let mkey_vk = mkeys.join("verification_key.json");
    let verified = z.both(&strs(&with(
        &["model", "verify"],
        &proof_args(&mkey_vk, &mproof),
    )));
    assert_eq!(verified["valid"], true);

    // Packages: two iris model versions (different model hashes), the tiny face model.
    let (iris1, iris2, face) = (p("www/iris1"), p("www/iris2"), p("www/face"));
    let mut iris_hashes = Vec::new();
    for (dir, version, variant) in [(&iris1, "1", "1"), (&iris2, "2", "-1")] {
        let package = z.json(&[
            "package",
            "dev-iris",
            "--out",
            s(dir),
            "--version",
            version,
            "--variant",
            variant,
            "--publisher-key",
            PUBLISHER_KEY,
        ]);
        iris_hashes.push(
            package["model_hash"]
                .as_str()
                .expect("model_hash")
                .to_owned(),
        );
    }
    assert_ne!(iris_hashes[0], iris_hashes[1]);
    let package = z.json(&[
        "package",
        "dev-face",
        "--out",
        s(&face),
        "--version",
        "1",
        "--model",
        "tiny",
        "--seed",
        "json",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    let publisher = package["publisher"].as_str().expect("publisher").to_owned();
    z.both(&[
        "package",
        "compress-key",
        "--key",
        s(&key),
        "--out",
        s(&p("key.zpkz")),
    ]);
    z.both(&[
        "package",
        "expand-key",
        "--input",
        s(&p("key.zpkz")),
        "--out",
        s(&p("expanded.zpk")),
        "--sha3",
        setup["key_sha3_256"].as_str().expect("digest"),
    ]);
    assert_eq!(
        std::fs::read(p("expanded.zpk")).unwrap(),
        std::fs::read(&key).unwrap()
    );

    // The tiny model's iris code of a 12 x 24 synthetic iris.
    let (image, mask) = zkbio_core::sample::synthetic_iris(12, 24, 5);
    support::write_png(&p("iris.png"), 24, 12, &image);
    let mask: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
    support::write_png(&p("mask.png"), 24, 12, &mask);
    let code = z.both(&[
        "iris-code",
        "--image",
        s(&p("iris.png")),
        "--mask",
        s(&p("mask.png")),
        "--model",
        s(&iris1.join("model.bin")),
    ]);
    assert_eq!(code["model_hash"], iris_hashes[0].as_str());

    // On chain: the registry with iris version 1, the scanner's enrollment in a vault.
    let anvil = Anvil::start();
    let subject = address_of(SUBJECT_KEY);
    let on_chain = d.join("on-chain");
    std::fs::create_dir_all(&on_chain).unwrap();
    let e = enroll_into_vault(
        &on_chain,
        Registry::Deploy {
            anvil: &anvil,
            package: &iris1,
        },
        &subject,
        &[],
    );
    let node = [
        "--rpc",
        anvil.url.as_str(),
        "--registry",
        e.registry.as_str(),
    ];
    let wallet = |key: &'static str| ["--rpc", &anvil.url, "--key", key, "--registry", &e.registry];
    let deployed = z.json(&strs(&package_deploy_args(&anvil.url, &iris1)));
    assert_ne!(
        deployed["registry"],
        e.registry.as_str(),
        "a second registry"
    );
    let other_scanner = "0x00000000000000000000000000000000000000aa";
    for cmd in ["add-scanner", "remove-scanner"] {
        let mut args = vec!["registry", cmd];
        args.extend(wallet(OWNER_KEY));
        args.extend(["--scanner", other_scanner]);
        z.json(&args);
    }
    let vault_args = |package: &Path| {
        vec![
            "--vault".to_owned(),
            e.vault_arg().to_owned(),
            "--record".into(),
            "me".into(),
            "--package".into(),
            s(package).to_owned(),
            "--publisher".into(),
            publisher.clone(),
        ]
    };
    let run = |z: &mut Runner, args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        z.json(&args)
    };
    let mut enroll = vec!["registry", "enroll"];
    enroll.extend(wallet(SUBJECT_KEY));
    enroll.extend(["--version", "1"]);
    let enrolled = run(&mut z, with(&enroll, &vault_args(&iris1)));
    assert_eq!(enrolled["iris_version"], 1);
    let mut status = vec!["registry", "status"];
    status.extend(node);
    status.extend(["--subject", &subject]);
    let status = z.both(&status);
    assert!(status.is_object());
    let mut audit = vec!["model", "audit"];
    audit.extend(node);
    let (model1, vk1) = (iris1.join("model.bin"), iris1.join("verification_key.json"));
    audit.extend(["--version", "1", "--model", s(&model1), "--vk", s(&vk1)]);
    z.json(&audit);

    // The model upgrade: version 2, version 1 deprecated, the record re-enrolled.
    let on_chain = |z: &mut Runner, command: &[&str], key: &'static str, tail: &[&str]| {
        let mut args = command.to_vec();
        args.extend(wallet(key));
        args.extend(tail);
        z.json(&args)
    };
    let (model2, vk2) = (iris2.join("model.bin"), iris2.join("verification_key.json"));
    on_chain(
        &mut z,
        &["registry", "add-model"],
        OWNER_KEY,
        &[
            "--kind",
            "iris",
            "--version",
            "2",
            "--model",
            s(&model2),
            "--vk",
            s(&vk2),
        ],
    );
    let mut deprecate = vec!["registry", "deprecate-model"];
    deprecate.extend(wallet(OWNER_KEY));
    deprecate.extend(["--kind", "iris", "--version", "1"]);
    z.json(&deprecate);
    let mut reenroll = vec!["registry", "reenroll"];
    reenroll.extend(wallet(SUBJECT_KEY));
    reenroll.extend(["--version", "2"]);
    let reenrolled = run(&mut z, with(&reenroll, &vault_args(&iris2)));
    assert_eq!(reenrolled["iris_version"], 2);

    // The face: its two kinds registered, the embedding registered, a match sent by the
    // relying party and verified against the chain.
    for (kind, key_file) in [
        ("face-embedding", "embedding_vk.json"),
        ("face", "match_vk.json"),
    ] {
        let (model, vk) = (face.join("model.tflite"), face.join(key_file));
        on_chain(
            &mut z,
            &["registry", "add-model"],
            OWNER_KEY,
            &[
                "--kind",
                kind,
                "--version",
                "1",
                "--model",
                s(&model),
                "--vk",
                s(&vk),
            ],
        );
    }
    let mut register = vec!["face", "register"];
    register.extend(wallet(SUBJECT_KEY));
    register.extend(["--version", "1"]);
    run(&mut z, with(&register, &vault_args(&face)));
    let selfie = p("selfie.png");
    z.both(&[
        "face",
        "sample",
        "--identity",
        "1",
        "--selfie-seed",
        "5",
        "--out",
        s(&selfie),
    ]);
    let rp = address_of(RP_KEY);
    let matched = p("match");
    // The match's terms, which its verification must name again.
    let terms = [
        "--relying-party",
        &rp,
        "--challenge",
        "0xc0ffee",
        "--tau",
        "57344",
    ];
    let mut face_match = vec!["face", "match"];
    face_match.extend(wallet(RP_KEY));
    face_match.extend(["--selfie", s(&selfie)]);
    face_match.extend(terms);
    face_match.extend(["--out", s(&matched), "--send"]);
    run(&mut z, with(&face_match, &vault_args(&face)));
    let mut verify = proof_args(&face.join("match_vk.json"), &matched);
    verify.extend(node.map(String::from));
    verify.extend(["--subject", &subject].map(String::from));
    verify.extend(terms.map(String::from));
    let verified = z.both(&strs(&with(&["face", "verify"], &verify)));
    assert_eq!(verified["valid"], true);

    // Off chain: the scanner's enrollment of the PNGs above into another vault, its code
    // regenerated from a package downloaded from `zkbio serve`, proven and confirmed.
    let transfer = p("transfer.bin");
    let mut scan = scanner_enroll_args(OFF_CHAIN_REGISTRY, &subject, &transfer);
    scan.extend([
        "--image".to_owned(),
        s(&p("iris.png")).to_owned(),
        "--mask".to_owned(),
        s(&p("mask.png")).to_owned(),
    ]);
    let scanned = z.json(&strs(&scan));
    let vault = p("vault");
    let scanner = scanned["scanner"].as_str().expect("scanner");
    z.json(&strs(&vault_import_args(&vault, "me", &transfer, scanner)));
    z.both(&["vault", "status", "--vault", s(&vault), "--record", "me"]);
    let (_served, url) = z.serve(&p("www"));
    let package = [
        "--package".to_owned(),
        format!("{url}/iris1"),
        "--publisher".into(),
        publisher.clone(),
        "--version".into(),
        "1".into(),
        "--model-hash".into(),
        iris_hashes[0].clone(),
    ];
    let vault_record = ["--vault", s(&vault), "--record", "me"];
    let mut regenerate = vec!["vault", "regenerate"];
    regenerate.extend(vault_record);
    let regenerated = run(&mut z, with(&regenerate, &package));
    assert_eq!(regenerated["code"], code["code"], "the same model and iris");
    let vproof = p("vault-proof");
    let mut prove = vec!["vault", "prove"];
    prove.extend(vault_record);
    prove.extend([
        "--purpose",
        "enroll",
        "--chain-id",
        "31337",
        "--registry",
        OFF_CHAIN_REGISTRY,
        "--wallet",
        &subject,
        "--nonce",
        "0",
        "--out",
        s(&vproof),
    ]);
    run(&mut z, with(&prove, &package));
    let mut confirm = vec!["vault", "confirm"];
    confirm.extend(vault_record);
    confirm.extend(["--proof-dir", s(&vproof)]);
    z.json(&confirm);

    let listed: BTreeSet<String> = commands::RUN.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(
        z.ran, listed,
        "every command support/commands.rs lists ran with --json"
    );
}
