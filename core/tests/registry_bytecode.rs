//! The committed registry artifact (core/src/evm/BiometricRegistry.json) is exactly what the
//! pinned solc makes of contracts/src/BiometricRegistry.sol, the Rust bindings match its ABI, and
//! the embedded creation code deploys a working registry.

mod artifact_support;

use std::collections::BTreeSet;

use artifact_support::{
    abi_signature, abi_type, assert_pinned_paris_build, assert_rebuild_matches,
};

use alloy_primitives::{address, Address, U256};
use serde_json::Value;
use zkbio_core::evm::{EmbeddedEvm, EvmError};
use zkbio_core::registry::BiometricRegistry::{
    self as R, BiometricRegistryCalls, BiometricRegistryErrors, BiometricRegistryEvents,
};
use zkbio_core::registry::{
    binding_word, create_address, creation_code, domain_separator, registry_init_code,
    EmbeddedRegistry, Revert, REGISTRY_ARTIFACT_JSON,
};

#[test]
fn committed_bytecode_is_reproducible() {
    assert_rebuild_matches(
        "build-registry.js",
        "BiometricRegistry",
        REGISTRY_ARTIFACT_JSON,
    );
}

#[test]
fn artifact_pins_compiler_and_settings() {
    let v: Value = serde_json::from_str(REGISTRY_ARTIFACT_JSON).expect("artifact is JSON");
    assert_eq!(v["contractName"], "BiometricRegistry");
    assert_pinned_paris_build(REGISTRY_ARTIFACT_JSON);
    let code = creation_code();
    assert!(code.len() > 1000, "creation code is {} bytes", code.len());
}

#[test]
fn bindings_match_the_compiled_abi() {
    let v: Value = serde_json::from_str(REGISTRY_ARTIFACT_JSON).expect("artifact is JSON");
    let abi = v["abi"].as_array().expect("abi");
    let of_type = |t: &str| -> BTreeSet<String> {
        abi.iter()
            .filter(|i| i["type"] == t)
            .map(abi_signature)
            .collect()
    };
    let ours = |sigs: &[&str]| -> BTreeSet<String> { sigs.iter().map(|s| s.to_string()).collect() };
    assert_eq!(
        of_type("function"),
        ours(BiometricRegistryCalls::SIGNATURES)
    );
    assert_eq!(of_type("error"), ours(BiometricRegistryErrors::SIGNATURES));
    assert_eq!(of_type("event"), ours(BiometricRegistryEvents::SIGNATURES));
    assert_eq!(
        of_type("constructor"),
        BTreeSet::from(["(address)".to_string()])
    );
    // Indexed flags and output types are part of decoding too: spot-check the records.
    let record_of = abi
        .iter()
        .find(|i| i["name"] == "recordOf")
        .expect("recordOf");
    assert_eq!(
        abi_type(&record_of["outputs"][0]),
        "(uint256,uint256,uint256,uint256,uint32,uint32,address)"
    );
    let enrolled = abi
        .iter()
        .find(|i| i["name"] == "Enrolled")
        .expect("Enrolled");
    let indexed: Vec<bool> = enrolled["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|p| p["indexed"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(indexed, [true, true, false, false, false, false, false]);
}

#[test]
fn embedded_registry_deploys_and_agrees_with_the_rust_encodings() {
    let owner = address!("0x000000000000000000000000000000000000bEEF");
    let wallet = address!("0x2222222222222222222222222222222222222222");
    let mut evm = EmbeddedEvm::new();
    let (registry, deployed) = EmbeddedRegistry::deploy(&mut evm, owner).expect("deploy");
    assert_eq!(deployed.address, create_address(owner, 0), "CREATE address");
    assert_eq!(registry.contract.address, deployed.address);
    assert_eq!(registry.read(&mut evm, R::ownerCall {}).unwrap(), owner);
    // The embedded EVM's chain id is 1: the binding and the EIP-712 domain say so.
    let nonce = U256::from(7u8);
    assert_eq!(
        registry
            .read(&mut evm, R::bindingForCall { wallet, nonce })
            .unwrap(),
        binding_word(1, deployed.address, wallet, nonce)
    );
    assert_eq!(
        registry.read(&mut evm, R::domainSeparatorCall {}).unwrap(),
        domain_separator(1, deployed.address)
    );
    // Owner-only calls: a typed custom error for anyone else, success for the owner.
    let add = registry.contract.add_scanner(wallet);
    match registry.send(&mut evm, wallet, &add) {
        Err(EvmError::Reverted { output, .. }) => assert_eq!(
            Revert::decode(&output),
            Revert::Registry(BiometricRegistryErrors::NotOwner(R::NotOwner {
                caller: wallet
            }))
        ),
        other => panic!("expected NotOwner, got {other:?}"),
    }
    let gas = registry.send(&mut evm, owner, &add).expect("addScanner");
    assert!(gas > 21_000, "gas {gas}");
    assert!(registry
        .read(&mut evm, R::isScannerCall { scanner: wallet })
        .unwrap());
    // The init code carries the owner; the zero owner is refused by the constructor.
    assert!(registry_init_code(owner).ends_with(owner.as_slice()));
    assert!(evm.deploy(&registry_init_code(Address::ZERO)).is_err());
}
