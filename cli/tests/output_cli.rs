//! The global output flags: `--json` (one JSON object per result on stdout, the usual lines on
//! stderr) for `setup`, `prove`, `verify` and `registry status` (on anvil), each parsed with
//! serde_json and checked against the files and the human output; `--quiet` (nothing but
//! errors); `-v` (the core's phase logs on stderr, none without it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha3::Digest;
use zkbio_core::registry::LocalSigner;

mod support;
use support::{
    deploy_args, scanner_enroll_args, strs, three_inputs_vk, value, vault_import_args, Anvil,
    Pinned, OWNER_KEY, SCANNER_KEY,
};

/// Test-only addresses: a scanner, another, a subject.
const SCANNER: &str = "0x00000000000000000000000000000000000000aa";
const NOT_SCANNER: &str = "0x00000000000000000000000000000000000000bb";
const SUBJECT: &str = "0x0000000000000000000000000000000000005b1e";
const CIRCUIT: &str = "image-opening:4x4";

fn zkbio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args(args)
        .env_remove("ZKBIO_PRIVATE_KEY")
        .output()
        .expect("spawn zkbio")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The one JSON object a `--json` run printed on stdout (nothing else may be there).
fn json_of(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one JSON line on stdout, got:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("not JSON ({e}): {}", lines[0]))
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("zkbio-output-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// `zkbio --json COMMAND… --vk --proof --public` (`verify` or `face verify`).
fn verify_json(command: &[&str], vk: &Path, proof: &Path, public: &Path) -> Output {
    let mut args = vec!["--json"];
    args.extend(command);
    args.extend(["--vk", s(vk), "--proof", s(proof), "--public", s(public)]);
    zkbio(&args)
}

/// A copy of public.json in `dir` with another binding (its second input), and its inputs.
fn with_other_binding(public: &Path, dir: &Path) -> (PathBuf, Vec<String>) {
    let mut inputs: Vec<String> = serde_json::from_value(read_json(public)).unwrap();
    inputs[1] = "778".into();
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, serde_json::to_string(&inputs).unwrap()).unwrap();
    (wrong, inputs)
}

#[test]
fn json_results_of_setup_prove_and_verify() {
    let dir = tmp("prove");
    let out = zkbio(&[
        "--json",
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "json",
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let setup = json_of(&out);
    assert_eq!(setup["command"], "setup");
    let key = PathBuf::from(setup["key"].as_str().unwrap());
    assert_eq!(key, dir.join("circuit.zpk"));
    let bytes = std::fs::read(&key).unwrap();
    assert_eq!(setup["key_bytes"], bytes.len());
    assert_eq!(
        setup["key_sha3_256"],
        hex::encode(sha3::Sha3_256::digest(&bytes)),
        "the digest of the file written"
    );
    assert_eq!(setup["insecure_dev_key"], true);
    // The human lines went to stderr.
    assert!(
        text(&out.stderr).contains("sha3-256"),
        "{}",
        text(&out.stderr)
    );

    let out = zkbio(&[
        "--json",
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&key),
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let prove = json_of(&out);
    assert_eq!(prove["command"], "prove");
    assert_eq!(prove["circuit"], CIRCUIT);
    let (proof, public) = (dir.join("proof.json"), dir.join("public.json"));
    assert_eq!(prove["proof"], s(&proof));
    assert_eq!(prove["public"], s(&public));
    assert_eq!(
        prove["public_inputs"],
        read_json(&public),
        "public.json's values"
    );
    assert_eq!(prove["public_inputs"].as_array().unwrap().len(), 2);

    let vk = dir.join("verification_key.json");
    let verify = |public: &Path| verify_json(&["verify"], &vk, &proof, public);
    let out = verify(&public);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["command"], "verify");
    assert_eq!(v["valid"], true);
    assert_eq!(v["rust"], true);
    assert!(v["reason"].is_null() && v["evm"].is_null(), "{v}");

    // Another binding: rejected, exit 1, with the reason.
    let (wrong, inputs) = with_other_binding(&public, &dir);
    let out = verify(&wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["valid"], false);
    assert!(
        v["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "a reason: {v}"
    );

    // One public input too few: unusable, exit 2, an error object (and `error:` on stderr).
    std::fs::write(&wrong, serde_json::to_string(&inputs[..1]).unwrap()).unwrap();
    let out = verify(&wrong);
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    assert_eq!(v["exit_code"], 2);
    let error = v["error"].as_str().unwrap();
    assert!(error.contains("public inputs"), "{error}");
    assert!(text(&out.stderr).contains(&format!("error: {error}")));
}

#[test]
fn quiet_prints_nothing_but_errors_and_v_logs_the_phases() {
    let dir = tmp("quiet");
    let out = zkbio(&[
        "--quiet",
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "q",
        "--out",
        s(&dir),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        out.stderr.is_empty(),
        "not even the INSECURE warning: {}",
        text(&out.stderr)
    );
    assert!(dir.join("circuit.zpk").is_file(), "the work was done");

    let key = dir.join("circuit.zpk");
    let prove = |flags: &[&str]| {
        let mut args = flags.to_vec();
        args.extend([
            "prove",
            "--circuit",
            CIRCUIT,
            "--key",
            s(&key),
            "--out",
            s(&dir),
        ]);
        zkbio(&args)
    };
    let out = prove(&["-q"]);
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());

    // An error still shows, alone.
    let out = zkbio(&[
        "-q",
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        "/nonexistent.zpk",
        "--out",
        s(&dir),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: /nonexistent.zpk"), "{err}");

    // Logs only with -v: the core's phases with their times at INFO, progress at DEBUG (-vv).
    let plain = text(&prove(&[]).stderr);
    assert!(!plain.contains("done in"), "no logs by default: {plain}");
    let info = prove(&["-v"]);
    assert!(info.status.success());
    let info = text(&info.stderr);
    for phase in ["checks", "msm-g1", "msm-g2", "fft", "msm-h", "self-verify"] {
        assert!(
            info.contains(&format!("{phase} done in ")),
            "{phase} in:\n{info}"
        );
    }
    assert!(!info.contains("DEBUG"), "{info}");
    // The message says the phase and its time; the fields are not printed after it again.
    assert!(
        !info.contains("elapsed_ms=") && !info.contains("phase="),
        "{info}"
    );
    let debug = text(&prove(&["-vv"]).stderr);
    assert!(
        debug.contains("DEBUG") && debug.contains("msm-g1 100%"),
        "{debug}"
    );

    // -q and -v (or --json) together are refused by the parser.
    let out = prove(&["-q", "-v"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_result_of_registry_status_matches_the_chain_and_the_lines() {
    let dir = tmp("status");
    let vk = dir.join("verification_key.json");
    let key_vk = three_inputs_vk(&vk, 7);
    let anvil = Anvil::start();
    let rpc = anvil.url.as_str();
    let hash = format!("0x{}", "11".repeat(32));
    let mut deploy = vec!["--json".to_owned()];
    deploy.extend(deploy_args(rpc, &vk, Pinned::Hash(&hash)));
    deploy.extend(["--scanner", SCANNER].map(String::from));
    let out = zkbio(&strs(&deploy));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deploy = json_of(&out);
    assert_eq!(deploy["command"], "registry deploy");
    let registry = deploy["registry"].as_str().unwrap().to_owned();
    let verifier = deploy["model"]["verifier"].as_str().unwrap().to_owned();
    // The lines went to stderr, with the same addresses.
    assert_eq!(value(&text(&out.stderr), "registry"), registry);
    assert_eq!(value(&text(&out.stderr), "verifier"), verifier);
    for gas in [
        &deploy["gas"],
        &deploy["model"]["gas"],
        &deploy["scanners"][0]["gas"],
    ] {
        assert!(gas.as_u64().is_some_and(|g| g > 21_000), "{deploy}");
    }

    let status = |json: bool| {
        let mut args = vec![];
        if json {
            args.push("--json");
        }
        args.extend([
            "registry",
            "status",
            "--rpc",
            rpc,
            "--registry",
            &registry,
            "--version",
            "1",
            "--scanner",
            SCANNER,
            "--scanner",
            NOT_SCANNER,
            "--subject",
            SUBJECT,
        ]);
        zkbio(&args)
    };
    let out = status(true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let j = json_of(&out);
    let lower = |v: &Value| v.as_str().unwrap().to_ascii_lowercase();
    assert_eq!(j["command"], "registry status");
    assert_eq!(lower(&j["registry"]), registry.to_ascii_lowercase());
    assert_eq!(j["chain_id"], 31337);
    let owner = LocalSigner::from_hex(OWNER_KEY).unwrap().address();
    assert_eq!(lower(&j["owner"]), owner.to_string().to_ascii_lowercase());
    let scanners = j["scanners"].as_array().unwrap();
    assert_eq!(scanners.len(), 2);
    assert_eq!(lower(&scanners[0]["address"]), SCANNER);
    assert_eq!(scanners[0]["active"], true);
    assert_eq!(lower(&scanners[1]["address"]), NOT_SCANNER);
    assert_eq!(scanners[1]["active"], false);
    let m = &j["model"];
    assert_eq!(
        (m["kind"].as_str(), m["version"].as_u64()),
        (Some("iris"), Some(1))
    );
    assert_eq!(m["status"], "active");
    assert_eq!(m["model_hash"], hash);
    assert_eq!(
        m["vk_hash"],
        zkbio_core::evm::vk_hash(&key_vk).unwrap().to_string(),
        "the key's hash, computed here"
    );
    assert_eq!(lower(&m["verifier"]), verifier.to_ascii_lowercase());
    assert_eq!(m["latest_version"], 1);
    let subject = &j["subject"];
    assert_eq!(lower(&subject["address"]), SUBJECT);
    assert_eq!(subject["enrolled"], false);
    assert_eq!(subject["nonce"], "0");
    assert_eq!(subject["current"], false);
    assert!(subject.get("C_code").is_none(), "no record: {subject}");

    // The same values as the human lines, which --json moved to stderr.
    let human = text(&status(false).stdout);
    assert_eq!(text(&out.stderr), human, "the usual lines, on stderr");
    assert_eq!(value(&human, "chain-id"), j["chain_id"].to_string());
    assert_eq!(value(&human, "  vk-hash"), m["vk_hash"].as_str().unwrap());
    assert_eq!(value(&human, "  nonce"), subject["nonce"].as_str().unwrap());

    // A version never added: its fields are null.
    let out = zkbio(&[
        "--json",
        "registry",
        "status",
        "--rpc",
        rpc,
        "--registry",
        &registry,
        "--version",
        "9",
    ]);
    let m = &json_of(&out)["model"];
    assert_eq!(m["status"], "none (never added)");
    assert!(m["model_hash"].is_null() && m["verifier"].is_null(), "{m}");
}

/// The `key value` lines of a human run, as a map (the lines without a space are left out).
fn lines_of(out: &Output) -> std::collections::BTreeMap<String, String> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// `json` holds exactly the human run's `key value` lines (a JSON null is the line's `none`),
/// besides `command`; the values of the keys in `varies` (random per run) are not compared.
fn assert_same_fields(json: &Value, human: &Output, varies: &[&str]) {
    let lines = lines_of(human);
    for (key, line) in &lines {
        assert!(json.get(key.as_str()).is_some(), "{key} missing: {json}");
        if varies.contains(&key.as_str()) {
            continue;
        }
        let as_text = match &json[key.as_str()] {
            Value::String(s) => s.clone(),
            Value::Null => "none".into(),
            other => other.to_string(),
        };
        assert_eq!(&as_text, line, "{key}: {json}");
    }
    let object = json.as_object().unwrap();
    for key in object.keys() {
        assert!(
            key == "command" || lines.contains_key(key),
            "{key} is not in the human output: {json}"
        );
    }
}

#[test]
fn json_results_of_scanner_vault_and_face_agree_with_their_lines() {
    let dir = tmp("vault");
    let transfer = dir.join("transfer.bin");
    let enroll = |flags: &[&str]| {
        let mut args: Vec<String> = flags.iter().map(|f| (*f).to_owned()).collect();
        args.extend(scanner_enroll_args(SCANNER, SUBJECT, &transfer));
        args.extend(["--deadline", "4102444800"].map(String::from));
        zkbio(&strs(&args))
    };
    let out = enroll(&["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let scanner = json_of(&out);
    assert_eq!(scanner["command"], "scanner enroll");
    assert_eq!(scanner["transfer"], s(&transfer));
    assert_eq!(
        scanner["scanner"],
        format!(
            "{:#x}",
            LocalSigner::from_hex(SCANNER_KEY).unwrap().address()
        )
    );
    assert_eq!(scanner["deadline"], 4_102_444_800u64);

    let vault = dir.join("vault");
    let mut import = vec!["--json".to_owned()];
    import.extend(vault_import_args(
        &vault,
        "me",
        &transfer,
        scanner["scanner"].as_str().unwrap(),
    ));
    let out = zkbio(&strs(&import));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let import = json_of(&out);
    assert_eq!(import["command"], "vault import");
    assert_eq!(
        (&import["record"], &import["chain_id"]),
        (&"me".into(), &31337.into())
    );

    let status = |flags: &[&str], record: bool| {
        let mut args = flags.to_vec();
        args.extend(["vault", "status", "--vault", s(&vault)]);
        if record {
            args.extend(["--record", "me"]);
        }
        zkbio(&args)
    };
    let list = json_of(&status(&["--json"], false));
    assert_eq!(list["command"], "vault status");
    assert_eq!(list["records"], serde_json::json!(["me"]));
    let record = json_of(&status(&["--json"], true));
    // The commitments the scanner attested, read back from the vault.
    assert_eq!(record["c_img"], scanner["c_img"]);
    assert_eq!(record["c_face"], scanner["c_face"]);
    // A human run (after the import: it writes another transfer, with fresh salts, so other
    // commitments) prints the same keys.
    assert_same_fields(&scanner, &enroll(&[]), &["c_img", "c_face"]);
    assert_eq!(record["scanner_deadline"], 4_102_444_800u64);
    assert!(
        record["iris_version"].is_null() && record.get("c_code").is_none(),
        "{record}"
    );
    assert_same_fields(&record, &status(&[], true), &[]);

    // A vault that is not there: the error object, nothing else on stdout.
    let out = zkbio(&["--json", "vault", "status", "--vault", s(&dir.join("typo"))]);
    let code = out.status.code().unwrap();
    assert_ne!(code, 0);
    let v = json_of(&out);
    assert_eq!(v["exit_code"], code);
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    assert!(!dir.join("typo").exists(), "not created");

    let face = dir.join("face.png");
    let sample = |flags: &[&str]| {
        let mut args = flags.to_vec();
        args.extend(["face", "sample", "--side", "8", "--out", s(&face)]);
        zkbio(&args)
    };
    let out = sample(&["--json"]);
    let v = json_of(&out);
    assert_eq!(v["command"], "face sample");
    assert_eq!(v["face"], s(&face));
    assert!(face.is_file());
    assert_same_fields(&v, &sample(&[]), &[]);
}

#[test]
fn json_results_of_export_and_face_verify() {
    let dir = tmp("export");
    let setup = zkbio(&[
        "setup",
        "--circuit",
        CIRCUIT,
        "--seed",
        "export",
        "--out",
        s(&dir),
    ]);
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    // Writing the key is a phase of its own (a bar on a terminal, this line otherwise).
    assert!(
        text(&setup.stderr).contains("    key export: done ("),
        "{}",
        text(&setup.stderr)
    );
    let key = dir.join("circuit.zpk");
    for (what, file, with_circuit) in [
        ("r1cs", "c.r1cs", true),
        ("zkey", "c.zkey", true),
        ("vk", "vk.json", false),
    ] {
        let out_path = dir.join(file);
        let mut args = vec!["--json", "export", what];
        if with_circuit {
            args.extend(["--circuit", CIRCUIT]);
        }
        if what != "r1cs" {
            args.extend(["--key", s(&key)]);
        }
        args.extend(["--out", s(&out_path)]);
        let out = zkbio(&args);
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
        let v = json_of(&out);
        assert_eq!(v["command"], format!("export {what}"));
        assert_eq!(v["out"], s(&out_path));
        assert_eq!(
            v["bytes"],
            std::fs::metadata(&out_path).unwrap().len(),
            "{what}: the size of the file written"
        );
    }
    let sol = dir.join("sol");
    let out = zkbio(&[
        "--json",
        "export",
        "solidity",
        "--key",
        s(&key),
        "--out",
        s(&sol),
    ]);
    let v = json_of(&out);
    assert_eq!(v["command"], "export solidity");
    for (field, file) in [
        ("source", "Groth16Verifier.sol"),
        ("abi", "Groth16Verifier.abi.json"),
        ("init_code", "deploy.initcode.hex"),
    ] {
        assert_eq!(v[field], s(&sol.join(file)));
        assert!(sol.join(file).is_file(), "{file}");
    }
    // A missing key: the error object.
    let out = zkbio(&[
        "--json",
        "export",
        "vk",
        "--key",
        s(&dir.join("none.zpk")),
        "--out",
        s(&dir.join("x.json")),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(json_of(&out)["error"].is_string());

    // `face verify` of a proof of another statement under its key: REJECTED is a result, not an
    // error (exit 1, `valid` false with the reason).
    let prove = zkbio(&[
        "prove",
        "--circuit",
        CIRCUIT,
        "--key",
        s(&key),
        "--out",
        s(&dir),
    ]);
    assert!(prove.status.success(), "{}", text(&prove.stderr));
    let (vk, proof, public) = (
        dir.join("vk.json"),
        dir.join("proof.json"),
        dir.join("public.json"),
    );
    let verify = |public: &Path| verify_json(&["face", "verify"], &vk, &proof, public);
    let out = verify(&public);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(
        (&v["command"], &v["valid"]),
        (&"face verify".into(), &true.into())
    );
    assert!(v["reason"].is_null());
    let (wrong, _) = with_other_binding(&public, &dir);
    let out = verify(&wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["valid"], false);
    assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
}
