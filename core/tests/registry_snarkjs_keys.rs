//! The verifier contract against real snarkjs 0.7.6 keys (tools/js), in the embedded EVM:
//! - the `_0000.zkey` of `snarkjs groth16 setup` (no phase-2 contribution: delta = gamma = the
//!   G2 generator, so anyone could forge proofs with it) is refused by the constructor with
//!   `DeltaIsGamma()`;
//! - after one `snarkjs zkey contribute`, the key deploys, and the verifier's `vkHash()` is
//!   `zkbio_core::evm::vk_hash` of the key snarkjs exports.

mod registry_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use alloy_sol_types::{SolCall, SolError};
use ark_bn254::{Bn254, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::VerifyingKey;
use registry_support::{repo_root, AnyInputs};
use zkbio_circuits::circom::json::VerificationKeyJson;
use zkbio_circuits::circom::r1cs;
use zkbio_circuits::Circuit;
use zkbio_core::evm::abi::Groth16Verifier as V;
use zkbio_core::evm::{verifier_init_code, vk_hash, EmbeddedEvm, EvmError};

fn snarkjs(dir: &Path, args: &[&str]) {
    let cli = repo_root().join("tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.is_file(),
        "{} missing: run npm ci --prefix tools/js",
        cli.display()
    );
    let out = Command::new("node")
        .arg(&cli)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "snarkjs {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_vk(path: PathBuf) -> VerifyingKey<Bn254> {
    let json: VerificationKeyJson =
        serde_json::from_slice(&std::fs::read(&path).expect("vk json")).expect("parse vk");
    json.to_vk().expect("vk")
}

#[test]
fn snarkjs_key_without_contribution_is_refused_and_a_contributed_one_is_hashed_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let r1cs = AnyInputs.to_r1cs().expect("r1cs");
    std::fs::write(d.join("c.r1cs"), r1cs::to_bytes(&r1cs).expect("r1cs bytes")).unwrap();
    // 3 constraints + 3 public inputs: a 2^3 domain; a 2^4 ptau is enough.
    // Phase 1 gets a contribution (with tau = 1 some IC points are infinity, which the
    // verifier refuses for another reason); phase 2 is what the test is about.
    snarkjs(d, &["powersoftau", "new", "bn128", "4", "pot_0000.ptau"]);
    snarkjs(
        d,
        &[
            "powersoftau",
            "contribute",
            "pot_0000.ptau",
            "pot_0001.ptau",
            "--name=phase 1",
            "-e=phase 1 entropy",
        ],
    );
    snarkjs(
        d,
        &[
            "powersoftau",
            "prepare",
            "phase2",
            "pot_0001.ptau",
            "pot.ptau",
        ],
    );
    snarkjs(
        d,
        &["groth16", "setup", "c.r1cs", "pot.ptau", "c_0000.zkey"],
    );
    snarkjs(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "c_0000.zkey",
            "vk_0000.json",
        ],
    );
    snarkjs(
        d,
        &[
            "zkey",
            "contribute",
            "c_0000.zkey",
            "c_0001.zkey",
            "--name=registry test",
            "-e=registry test entropy",
        ],
    );
    snarkjs(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "c_0001.zkey",
            "vk_0001.json",
        ],
    );

    // The uncontributed key is what the audit says: delta = gamma = the G2 generator.
    let raw = read_vk(d.join("vk_0000.json"));
    assert_eq!(raw.gamma_g2, G2Affine::generator());
    assert_eq!(raw.delta_g2, raw.gamma_g2);
    let mut evm = EmbeddedEvm::new();
    match evm.deploy(&verifier_init_code(&raw).expect("init code")) {
        Err(EvmError::Reverted { output, .. }) => {
            assert_eq!(output, V::DeltaIsGamma {}.abi_encode(), "revert data");
        }
        other => panic!("a _0000.zkey key deployed: {other:?}"),
    }

    // One contribution moves delta (gamma stays the generator, as in every snarkjs key).
    let contributed = read_vk(d.join("vk_0001.json"));
    assert_eq!(contributed.gamma_g2, G2Affine::generator());
    assert_ne!(contributed.delta_g2, contributed.gamma_g2);
    let deployed = evm
        .deploy(&verifier_init_code(&contributed).expect("init code"))
        .expect("a contributed key deploys");
    let out = evm
        .view(deployed.address, &V::vkHashCall {}.abi_encode())
        .expect("call")
        .into_success()
        .expect("vkHash()");
    let onchain = V::vkHashCall::abi_decode_returns(&out.output).expect("bytes32");
    assert_eq!(onchain, vk_hash(&contributed).expect("hash"));
    assert_ne!(onchain, vk_hash(&raw).expect("hash"));
}
