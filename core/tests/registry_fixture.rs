//! The real-proof fixture of the forge tests, `contracts/test/fixtures/RegistryFixture.sol`:
//! verification keys and Groth16 proofs made by zkbio (insecure dev setup, seeded prover) for
//! the real iris-code statement (two small models) and the real face-embedding and face-match
//! statements (the tiny face model, `circuits/tests/data/face/face_tiny.tflite`), bound to the
//! registry that `contracts/test/BiometricRegistryReal.t.sol` deploys first (forge's test
//! contract, CREATE nonce 1) on chain 31337.
//!
//! The file is generated here and must match byte for byte; after a deliberate change (to the
//! statement, the prover or this generator) regenerate it with
//! `ZKBIO_UPDATE_FIXTURES=1 cargo test -p zkbio-core --test registry_fixture`.

mod registry_support;

use std::fmt::Write;

use alloy_primitives::{address, Address, U256};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use registry_support::*;
use zkbio_circuits::gadgets::cosine::similarity;
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_core::evm::abi::{fr_word, g1_words, g2_words};
use zkbio_core::registry::{binding, create_address, proof_words, LocalSigner, ScannerSignature};

const CHAIN_ID: u64 = 31337;
/// Foundry's default test contract address; its first CREATE (nonce 1) is the registry.
const FORGE_TEST_CONTRACT: Address = address!("0x7FA9385bE102ac3EAc297483Dd6233D62b3e1496");
const SCANNER_KEY: [u8; 32] = [0x02; 32];
const SUBJECT_KEY: [u8; 32] = [0x03; 32];
const RELYING_PARTY: Address = address!("0x00000000000000000000000000000000000da7a1");
/// The scanner attestation's deadline, 2100-01-01 (forge's block.timestamp starts at 1).
const DEADLINE: u64 = 4_102_444_800;

fn word(x: U256) -> String {
    format!("0x{x:064x}")
}

fn g1(w: [U256; 2]) -> String {
    format!("[{}, {}]", word(w[0]), word(w[1]))
}

fn g2(w: [[U256; 2]; 2]) -> String {
    format!("[{}, {}]", g1(w[0]), g1(w[1]))
}

fn key_fn(out: &mut String, name: &str, doc: &str, vk: &VerifyingKey<Bn254>) {
    let _ = writeln!(out, "    /// @notice {doc}");
    let _ = writeln!(
        out,
        "    function {name}() internal pure returns (Key memory k) {{"
    );
    let _ = writeln!(out, "        k.alpha = {};", g1(g1_words(&vk.alpha_g1)));
    let _ = writeln!(out, "        k.beta = {};", g2(g2_words(&vk.beta_g2)));
    let _ = writeln!(out, "        k.gamma = {};", g2(g2_words(&vk.gamma_g2)));
    let _ = writeln!(out, "        k.delta = {};", g2(g2_words(&vk.delta_g2)));
    let _ = writeln!(
        out,
        "        k.ic = new uint256[2][]({});",
        vk.gamma_abc_g1.len()
    );
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        let _ = writeln!(out, "        k.ic[{i}] = {};", g1(g1_words(p)));
    }
    let _ = writeln!(out, "    }}\n");
}

fn proof_fn(out: &mut String, name: &str, doc: &str, proof: &Proof<Bn254>) {
    let w = proof_words(proof);
    let _ = writeln!(out, "    /// @notice {doc}");
    let _ = writeln!(
        out,
        "    function {name}() internal pure returns (BiometricRegistry.Proof memory p) {{"
    );
    let _ = writeln!(out, "        p.a = {};", g1(w.a));
    let _ = writeln!(out, "        p.b = {};", g2(w.b));
    let _ = writeln!(out, "        p.c = {};", g1(w.c));
    let _ = writeln!(out, "    }}\n");
}

fn constant(out: &mut String, ty: &str, name: &str, value: String) {
    let _ = writeln!(out, "    {ty} internal constant {name} = {value};");
}

/// The fixture's Solidity source.
fn render() -> String {
    let registry = create_address(FORGE_TEST_CONTRACT, 1);
    let scanner = LocalSigner::from_bytes(&SCANNER_KEY).expect("key");
    let subject = LocalSigner::from_bytes(&SUBJECT_KEY)
        .expect("key")
        .address();
    let mut rng = rng(2024);

    let iris_v1 = IrisCodeStatement::new(small_iris_model(1));
    let iris_v2 = IrisCodeStatement::new(small_iris_model(-1));
    let face_emb = FaceEmbeddingStatement::new(tiny_face_model());
    let face_match = FaceMatchStatement::new(tiny_face_model());
    let (keys_v1, keys_v2, keys_emb, keys_match) = (
        setup(&iris_v1, 21),
        setup(&iris_v2, 22),
        setup(&face_emb, 24),
        setup(&face_match, 25),
    );
    let b = |wallet: Address, nonce: u64| binding(CHAIN_ID, registry, wallet, U256::from(nonce));

    let (p1, enroll) = iris_proof(
        &iris_v1,
        &keys_v1,
        Fr::from(101u64),
        b(subject, 0),
        &mut rng,
    );
    let (p2, reenroll) = iris_proof(
        &iris_v2,
        &keys_v2,
        Fr::from(102u64),
        b(subject, 1),
        &mut rng,
    );
    let reenroll_b = rerandomize(&reenroll, &mut rng);
    zkbio_core::groth16::verify(&keys_v2.vk, &reenroll_b, &p2).expect("re-randomized is valid");
    let (c_img, c_code1, c_code2) = (p1[0], p1[1], p2[1]);
    assert_eq!(p2[0], c_img);

    // The face: the enrolled image's real C_face (the scanner signs it with C_img), E by the tiny
    // model, and a perturbed selfie that matches E at TINY_FACE_TAU.
    let salt_emb = Fr::from(0xe4b_5a17_u64);
    let (emb_public, face_embedding, e) =
        face_embedding_proof(&face_emb, &keys_emb, salt_emb, b(subject, 2), &mut rng);
    let (image, salt_face) = enrolled_face();
    let (c_face, c_emb) = (emb_public[0], emb_public[1]);
    assert_eq!(
        c_face,
        face_emb
            .face()
            .face_commitment(&image, salt_face)
            .expect("size")
    );
    let selfie = selfie();
    assert_ne!(selfie, image);
    let sim = similarity(&face_emb.face().embed(&selfie).expect("size"), &e);
    assert!(
        sim.is_some_and(|s| s >= u32::from(TINY_FACE_TAU)),
        "the fixture selfie's similarity {sim:?} is below TINY_FACE_TAU"
    );
    let challenge = U256::from(0xc4a11e9e_u64);
    let (match_public, face_match_p) = face_match_proof(
        &face_match,
        &keys_match,
        selfie,
        (e, salt_emb),
        (
            TINY_FACE_TAU,
            binding(CHAIN_ID, registry, RELYING_PARTY, challenge),
        ),
        &mut rng,
    );
    assert_eq!(match_public[0], c_emb);
    let tau = match_public[1];
    let signature = ScannerSignature::sign(
        &scanner, CHAIN_ID, registry, c_img, c_face, subject, DEADLINE,
    )
    .expect("sign");

    let mut out = String::new();
    out.push_str(
        "// SPDX-License-Identifier: Apache-2.0\n\
         // GENERATED by core/tests/registry_fixture.rs; do not edit. Regenerate with\n\
         //   ZKBIO_UPDATE_FIXTURES=1 cargo test -p zkbio-core --test registry_fixture\n\
         pragma solidity >=0.8.20 <0.9.0;\n\n\
         import {BiometricRegistry} from \"../../src/BiometricRegistry.sol\";\n\n\
         /// @title RegistryFixture\n\
         /// @notice Real Groth16 verification keys and proofs made by zkbio (insecure dev setup)\n\
         ///         for the iris-code statement with two small models (versions 1 and 2) and\n\
         ///         the face-embedding and face-match statements with the tiny face model\n\
         ///         (8x8 image, 8-d embedding), bound to REGISTRY on CHAIN_ID: the first\n\
         ///         contract the forge test deploys.\n\
         library RegistryFixture {\n\
         \x20   /// @notice A verification key in Groth16Verifier's constructor layout.\n\
         \x20   struct Key {\n\
         \x20       uint256[2] alpha;\n\
         \x20       uint256[2][2] beta;\n\
         \x20       uint256[2][2] gamma;\n\
         \x20       uint256[2][2] delta;\n\
         \x20       uint256[2][] ic;\n\
         \x20   }\n\n",
    );
    constant(&mut out, "uint256", "CHAIN_ID", CHAIN_ID.to_string());
    constant(&mut out, "address", "REGISTRY", registry.to_string());
    constant(&mut out, "address", "SUBJECT", subject.to_string());
    constant(
        &mut out,
        "address",
        "SCANNER",
        scanner.address().to_string(),
    );
    constant(
        &mut out,
        "uint256",
        "SCANNER_KEY",
        word(U256::from_be_bytes(SCANNER_KEY)),
    );
    constant(
        &mut out,
        "address",
        "RELYING_PARTY",
        RELYING_PARTY.to_string(),
    );
    constant(&mut out, "uint256", "C_IMG", word(fr_word(&c_img)));
    constant(&mut out, "uint256", "C_FACE", word(fr_word(&c_face)));
    constant(&mut out, "uint256", "C_CODE_V1", word(fr_word(&c_code1)));
    constant(&mut out, "uint256", "C_CODE_V2", word(fr_word(&c_code2)));
    constant(&mut out, "uint256", "C_EMB", word(fr_word(&c_emb)));
    constant(&mut out, "uint256", "TAU", word(fr_word(&tau)));
    constant(&mut out, "uint256", "CHALLENGE", word(challenge));
    constant(&mut out, "uint256", "DEADLINE", DEADLINE.to_string());
    constant(
        &mut out,
        "bytes",
        "SCANNER_SIGNATURE",
        format!("hex\"{}\"", hex::encode(signature.as_bytes())),
    );
    out.push('\n');
    key_fn(
        &mut out,
        "irisV1Key",
        "Verification key of iris model version 1.",
        &keys_v1.vk,
    );
    key_fn(
        &mut out,
        "irisV2Key",
        "Verification key of iris model version 2.",
        &keys_v2.vk,
    );
    key_fn(
        &mut out,
        "faceEmbeddingKey",
        "Verification key of the face-embedding statement (tiny face model).",
        &keys_emb.vk,
    );
    key_fn(
        &mut out,
        "faceMatchKey",
        "Verification key of the face-match statement (tiny face model).",
        &keys_match.vk,
    );
    proof_fn(
        &mut out,
        "enrollProof",
        "Iris v1 proof for [C_IMG, C_CODE_V1, binding(SUBJECT, 0)].",
        &enroll,
    );
    proof_fn(
        &mut out,
        "reenrollProof",
        "Iris v2 proof for [C_IMG, C_CODE_V2, binding(SUBJECT, 1)].",
        &reenroll,
    );
    proof_fn(
        &mut out,
        "reenrollProofRerandomized",
        "reenrollProof re-randomized (A / r, r B, C): other bytes, same statement.",
        &reenroll_b,
    );
    proof_fn(
        &mut out,
        "faceEmbeddingProof",
        "Face-embedding proof for [C_FACE, C_EMB, binding(SUBJECT, 2)].",
        &face_embedding,
    );
    proof_fn(
        &mut out,
        "faceMatchProof",
        "Face-match proof for [C_EMB, TAU, binding(RELYING_PARTY, CHALLENGE)].",
        &face_match_p,
    );
    out.truncate(out.trim_end().len());
    out.push_str("\n}\n");
    out
}

#[test]
fn forge_fixture_is_up_to_date() {
    let path = repo_root().join("contracts/test/fixtures/RegistryFixture.sol");
    let fresh = render();
    if std::env::var_os("ZKBIO_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &fresh).expect("write the fixture");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: regenerate it with \
         ZKBIO_UPDATE_FIXTURES=1 cargo test -p zkbio-core --test registry_fixture",
        path.display()
    );
}
