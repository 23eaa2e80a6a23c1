//! The committed verifier artifact (core/src/evm/Groth16Verifier.json) is exactly what the pinned
//! solc makes of contracts/src/Groth16Verifier.sol, and the Rust bindings match its ABI.

use std::path::PathBuf;
use std::process::Command;

use alloy_sol_types::{SolCall, SolConstructor, SolError, SolType};
use serde_json::Value;
use zkbio_core::evm::abi::Groth16Verifier;
use zkbio_core::evm::{verifier_creation_code, VERIFIER_ARTIFACT_JSON};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

#[test]
fn committed_bytecode_is_reproducible() {
    let root = repo_root();
    assert!(
        root.join("tools/js/node_modules/solc").is_dir(),
        "pinned solc missing: run npm ci --prefix tools/js"
    );
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("Groth16Verifier.{}.json", std::process::id()));
    let run = Command::new("node")
        .arg(root.join("contracts/build-verifier.js"))
        .arg(&out)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run node ({e}): install Node.js, then run npm ci --prefix tools/js")
        });
    assert!(
        run.status.success(),
        "contracts/build-verifier.js failed (run npm ci --prefix tools/js if solc is missing):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = std::fs::read_to_string(&out).expect("read fresh artifact");
    let _ = std::fs::remove_file(&out);
    let field = |json: &str, key: &str| -> String {
        let v: Value = serde_json::from_str(json).expect("artifact is JSON");
        v[key].as_str().unwrap_or_default().to_owned()
    };
    let (new, old) = (
        field(&fresh, "bytecode"),
        field(VERIFIER_ARTIFACT_JSON, "bytecode"),
    );
    if new != old {
        let at = new
            .bytes()
            .zip(old.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        panic!(
            "committed creation bytecode ({} hex digits) differs from a fresh compile of \
             contracts/src/Groth16Verifier.sol ({} hex digits) from digit {at} on: \
             run `node contracts/build-verifier.js` and commit core/src/evm/Groth16Verifier.json",
            old.len(),
            new.len()
        );
    }
    assert!(
        fresh == VERIFIER_ARTIFACT_JSON,
        "committed artifact (ABI, settings) differs from a fresh build: run `node contracts/build-verifier.js`"
    );
}

#[test]
fn artifact_pins_compiler_and_settings() {
    let v: Value = serde_json::from_str(VERIFIER_ARTIFACT_JSON).expect("artifact is JSON");
    assert!(
        v["compiler"]
            .as_str()
            .is_some_and(|c| c.starts_with("0.8.37+")),
        "{}",
        v["compiler"]
    );
    assert_eq!(v["settings"]["optimizer"]["enabled"], true);
    assert_eq!(v["settings"]["optimizer"]["runs"], 200);
    assert_eq!(v["settings"]["evmVersion"], "paris");
    let code = verifier_creation_code().expect("creation code decodes");
    assert!(code.len() > 1000, "creation code is {} bytes", code.len());
    // Paris has no PUSH0 (0x5f); the runtime must not need Shanghai. Walk the opcodes (skipping
    // PUSH data) of the deployed code up to its metadata trailer.
    let runtime = hex::decode(
        v["deployedBytecode"]
            .as_str()
            .expect("deployedBytecode")
            .trim_start_matches("0x"),
    )
    .expect("runtime hex");
    let meta_len = usize::from(u16::from_be_bytes([
        runtime[runtime.len() - 2],
        runtime[runtime.len() - 1],
    ]));
    let body = &runtime[..runtime.len() - 2 - meta_len];
    let mut pc = 0;
    while pc < body.len() {
        let op = body[pc];
        assert_ne!(op, 0x5f, "PUSH0 at {pc}: the build is not for paris");
        pc += 1 + if (0x60..=0x7f).contains(&op) {
            usize::from(op - 0x5f)
        } else {
            0
        };
    }
}

/// Canonical signature `name(type,...)` of an ABI entry's inputs.
fn signature(entry: &Value) -> String {
    let types: Vec<&str> = entry["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["type"].as_str().expect("type"))
        .collect();
    format!(
        "{}({})",
        entry["name"].as_str().unwrap_or_default(),
        types.join(",")
    )
}

#[test]
fn bindings_match_the_compiled_abi() {
    let v: Value = serde_json::from_str(VERIFIER_ARTIFACT_JSON).expect("artifact is JSON");
    let abi = v["abi"].as_array().expect("abi");
    let mut functions: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut constructor = None;
    for e in abi {
        match e["type"].as_str() {
            Some("function") => functions.push(signature(e)),
            Some("error") => errors.push(signature(e)),
            Some("constructor") => constructor = Some(signature(e)),
            other => panic!("unexpected ABI entry {other:?}"),
        }
    }
    functions.sort();
    errors.sort();
    let mut want_functions = vec![
        Groth16Verifier::verifyProofCall::SIGNATURE,
        Groth16Verifier::verifyingKeyCall::SIGNATURE,
        Groth16Verifier::nPublicCall::SIGNATURE,
        Groth16Verifier::MAX_PUBLICCall::SIGNATURE,
    ];
    want_functions.sort();
    assert_eq!(functions, want_functions);
    let mut want_errors = vec![
        Groth16Verifier::TooManyPublicInputs::SIGNATURE,
        Groth16Verifier::MissingIC::SIGNATURE,
        Groth16Verifier::InvalidG1Point::SIGNATURE,
        Groth16Verifier::InvalidG2Points::SIGNATURE,
    ];
    want_errors.sort();
    assert_eq!(errors, want_errors);
    // The constructor has no name in the ABI; compare its parameter types.
    let binding =
        <<Groth16Verifier::constructorCall as SolConstructor>::Parameters<'_> as SolType>::SOL_NAME;
    assert_eq!(constructor.as_deref(), Some(binding));
    assert_eq!(
        binding,
        "(uint256[2],uint256[2][2],uint256[2][2],uint256[2][2],uint256[2][])"
    );
    // verifyProof's return type is a single bool.
    let verify = abi
        .iter()
        .find(|e| e["name"] == "verifyProof")
        .expect("verifyProof");
    assert_eq!(verify["outputs"][0]["type"], "bool");
    assert_eq!(verify["stateMutability"], "view");
}
