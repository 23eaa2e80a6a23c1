//! The committed verifier artifact (core/src/evm/Groth16Verifier.json) is exactly what the pinned
//! solc makes of contracts/src/Groth16Verifier.sol, and the Rust bindings match its ABI.

mod artifact_support;

use alloy_sol_types::{SolCall, SolConstructor, SolError, SolType};
use artifact_support::{abi_signature, assert_pinned_paris_build, assert_rebuild_matches};
use serde_json::Value;
use zkbio_core::evm::abi::Groth16Verifier;
use zkbio_core::evm::{verifier_creation_code, VERIFIER_ARTIFACT_JSON};

#[test]
fn committed_bytecode_is_reproducible() {
    assert_rebuild_matches(
        "build-verifier.js",
        "Groth16Verifier",
        VERIFIER_ARTIFACT_JSON,
    );
}

#[test]
fn artifact_pins_compiler_and_settings() {
    assert_pinned_paris_build(VERIFIER_ARTIFACT_JSON);
    let code = verifier_creation_code().expect("creation code decodes");
    assert!(code.len() > 1000, "creation code is {} bytes", code.len());
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
            Some("function") => functions.push(abi_signature(e)),
            Some("error") => errors.push(abi_signature(e)),
            Some("constructor") => constructor = Some(abi_signature(e)),
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
        Groth16Verifier::vkHashCall::SIGNATURE,
    ];
    want_functions.sort();
    assert_eq!(functions, want_functions);
    let mut want_errors = vec![
        Groth16Verifier::TooManyPublicInputs::SIGNATURE,
        Groth16Verifier::MissingIC::SIGNATURE,
        Groth16Verifier::InvalidG1Point::SIGNATURE,
        Groth16Verifier::InvalidG2Points::SIGNATURE,
        Groth16Verifier::DeltaIsGamma::SIGNATURE,
        Groth16Verifier::DeltaIsG2Generator::SIGNATURE,
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
