//! Shared by the tests of the committed contract artifacts (core/src/evm/*.json): the rebuild
//! with the pinned solc, the pinned compiler settings, and canonical ABI signatures.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

/// Runs `node contracts/<script> OUT` and requires OUT to equal `committed` byte for byte
/// (`name` is the contract, for the messages).
pub fn assert_rebuild_matches(script: &str, name: &str, committed: &str) {
    let root = repo_root();
    assert!(
        root.join("tools/js/node_modules/solc").is_dir(),
        "pinned solc missing: run npm ci --prefix tools/js"
    );
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}.{}.json", std::process::id()));
    let run = Command::new("node")
        .arg(root.join("contracts").join(script))
        .arg(&out)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run node ({e}): install Node.js, then run npm ci --prefix tools/js")
        });
    assert!(
        run.status.success(),
        "contracts/{script} failed (run npm ci --prefix tools/js if solc is missing):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = std::fs::read_to_string(&out).expect("read fresh artifact");
    let _ = std::fs::remove_file(&out);
    let field = |json: &str, key: &str| -> String {
        let v: Value = serde_json::from_str(json).expect("artifact is JSON");
        v[key].as_str().unwrap_or_default().to_owned()
    };
    let (new, old) = (field(&fresh, "bytecode"), field(committed, "bytecode"));
    if new != old {
        let at = new
            .bytes()
            .zip(old.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        panic!(
            "committed creation bytecode ({} hex digits) differs from a fresh compile of \
             contracts/src/{name}.sol ({} hex digits) from digit {at} on: \
             run `node contracts/{script}` and commit core/src/evm/{name}.json",
            old.len(),
            new.len()
        );
    }
    assert!(
        fresh == committed,
        "committed artifact (ABI, settings) differs from a fresh build: run `node contracts/{script}`"
    );
}

/// The artifact was built by solc 0.8.37, optimizer on with 200 runs, for paris, and its runtime
/// code has no PUSH0 (Shanghai).
pub fn assert_pinned_paris_build(artifact: &str) {
    let v: Value = serde_json::from_str(artifact).expect("artifact is JSON");
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
    // Walk the opcodes (skipping PUSH data) of the deployed code up to its metadata trailer.
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

/// Canonical type of an ABI parameter (tuples expanded).
pub fn abi_type(param: &Value) -> String {
    let ty = param["type"].as_str().expect("type");
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let inner: Vec<String> = param["components"]
                .as_array()
                .expect("components")
                .iter()
                .map(abi_type)
                .collect();
            format!("({}){suffix}", inner.join(","))
        }
        None => ty.to_string(),
    }
}

/// Canonical signature `name(type,...)` of an ABI entry's inputs.
pub fn abi_signature(item: &Value) -> String {
    let inputs: Vec<String> = item["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(abi_type)
        .collect();
    format!(
        "{}({})",
        item["name"].as_str().unwrap_or_default(),
        inputs.join(",")
    )
}
