//! Unit tests: vectors from an independent implementation (ethers 5.8, tools/js), encodings,
//! revert decoding and the JSON-RPC layer over a scripted transport. The same values are checked
//! against the Solidity contract on a real node in `core/tests/registry_anvil.rs`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::str::FromStr;

use alloy_primitives::{address, b256, keccak256, Address, TxKind, U256};
use alloy_sol_types::{SolCall, SolError};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use serde_json::{json, Value};

use super::abi::BiometricRegistry as R;
use super::*;

const A1: Address = address!("0x1111111111111111111111111111111111111111");
const A2: Address = address!("0x2222222222222222222222222222222222222222");

fn key_one() -> LocalSigner {
    let mut secret = [0u8; 32];
    secret[31] = 1;
    LocalSigner::from_bytes(&secret).unwrap()
}

#[test]
fn binding_matches_the_ethers_vector_and_fits_the_field() {
    // ethers: BigInt(keccak256(defaultAbiCoder.encode([uint256,address,address,uint256],
    // [31337, 0x11..11, 0x22..22, 7]))) >> 8n; also asserted by the forge test test_bindingVector.
    let expected = "84511726877312946357642971277985580251779665812457284735549242180264476683";
    let b = binding(31337, A1, A2, U256::from(7u8));
    assert_eq!(b, Fr::from_str(expected).unwrap());
    assert_eq!(
        binding_word(31337, A1, A2, U256::from(7u8)),
        U256::from_str(expected).unwrap()
    );
    // Every argument matters.
    let others = [
        binding(31338, A1, A2, U256::from(7u8)),
        binding(31337, A2, A2, U256::from(7u8)),
        binding(31337, A1, A1, U256::from(7u8)),
        binding(31337, A1, A2, U256::from(8u8)),
    ];
    assert!(others.iter().all(|o| *o != b));
    // >> 8 keeps it below 2^248 < r for any input.
    let top = binding_word(u64::MAX, A2, A1, U256::MAX);
    assert!(top < (U256::from(1u8) << 248));
}

/// The deadline of the EIP-712 vector (docs/PROTOCOL.md).
const DEADLINE: u64 = 1_700_000_000;

#[test]
fn eip712_digest_and_signature_match_ethers() {
    let c_img = Fr::from(1u64);
    let c_face = Fr::from(2u64);
    assert_eq!(
        domain_separator(31337, A1),
        b256!("0x4d8561a14514b695e50b2f184e18d9e1ed3ddd54e47111ab50ed19c18d2e727d")
    );
    // ethers _TypedDataEncoder.hash of Enrollment(1, 2, 0x22..22, 1700000000).
    let digest = enrollment_digest(31337, A1, c_img, c_face, A2, DEADLINE);
    assert_eq!(
        digest,
        b256!("0xc2f83be4f8b27afad516b4de13e05b900f4d9a8f8fcc6afe3f7f4ce38f345fad")
    );
    assert_ne!(
        enrollment_digest(31337, A1, c_img, c_face, A2, DEADLINE + 1),
        digest,
        "the deadline is signed"
    );
    let scanner = key_one();
    assert_eq!(
        scanner.address(),
        address!("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    );
    let sig = ScannerSignature::sign(&scanner, 31337, A1, c_img, c_face, A2, DEADLINE).unwrap();
    // ethers Wallet._signTypedData (RFC 6979, low s): byte-identical.
    assert_eq!(
        hex::encode(sig.as_bytes()),
        "0a2026d3cf9ce726fd71be7b772f57ac6b8332300fe30ea3b6ee8752b5e31a7b\
         6bc29916e608016f81f1525824910d3e3a7ad6dde864f861868678c659279d5b\
         1b"
    );
    assert_eq!(
        sig.recover_enrollment(31337, A1, c_img, c_face, A2, DEADLINE)
            .unwrap(),
        scanner.address()
    );
    // Over other data (another subject, another deadline), another address comes out.
    assert_ne!(
        sig.recover_enrollment(31337, A1, c_img, c_face, A1, DEADLINE)
            .unwrap(),
        scanner.address()
    );
    assert_ne!(
        sig.recover_enrollment(31337, A1, c_img, c_face, A2, DEADLINE + 1)
            .unwrap(),
        scanner.address()
    );
}

#[test]
fn scanner_signature_layout_is_checked_like_the_registry() {
    let sig =
        ScannerSignature::sign(&key_one(), 1, A1, Fr::from(3u64), Fr::from(4u64), A2, 9).unwrap();
    let bytes = *sig.as_bytes();
    assert_eq!(ScannerSignature::from_bytes(&bytes).unwrap(), sig);
    assert!(matches!(
        ScannerSignature::from_bytes(&bytes[..64]),
        Err(RegistryError::Signature(_))
    ));
    let mut bad_v = bytes;
    bad_v[64] = 1;
    assert!(ScannerSignature::from_bytes(&bad_v).is_err());
    // The malleable twin (r, n - s, flipped v) recovers the same key but is refused.
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let s = U256::from_be_slice(&bytes[32..64]);
    assert!(s <= n >> 1, "signatures are made with low s");
    let mut twin = bytes;
    twin[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    twin[64] = if bytes[64] == 27 { 28 } else { 27 };
    assert!(matches!(
        ScannerSignature::from_bytes(&twin),
        Err(RegistryError::Signature(m)) if m.contains("high s")
    ));
}

#[test]
fn local_signer_matches_ethers_transactions_and_create_addresses() {
    let signer = key_one();
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce: 7,
        max_priority_fee_per_gas: 1_000_000_000,
        max_fee_per_gas: 3_000_000_000,
        gas_limit: 100_000,
        to: TxKind::Call(A2),
        value: U256::from(5u8),
        input: vec![0x12, 0x34].into(),
        access_list: Default::default(),
    };
    let raw = signer.sign_transaction(&tx).unwrap();
    // ethers Wallet.signTransaction({type: 2, ...}) of the same fields.
    assert_eq!(
        hex::encode(&raw),
        "02f86f827a6907843b9aca0084b2d05e00830186a0942222222222222222222222222222222222222222\
         05821234c080a06e9d478728bf8d9ea5a9ecbd5a3f9cf012fbd8d6bac5ee7e1380053ac016ab02a03981\
         9a9a258eaf0c173afc452d4bb43fc8da2a157bf345b1060b90a7a1eb1f0c"
    );
    assert_eq!(
        keccak256(&raw),
        b256!("0x3d99884fb4b5eef1b08f177f13ac7080cf2a5ed1cf8ac5f97c11097d7361a390")
    );
    let create = TxEip1559 {
        chain_id: 1,
        nonce: 0,
        max_priority_fee_per_gas: 0,
        max_fee_per_gas: 0,
        gas_limit: 53_000,
        to: TxKind::Create,
        value: U256::ZERO,
        input: vec![0x60, 0x00].into(),
        access_list: Default::default(),
    };
    assert_eq!(
        hex::encode(signer.sign_transaction(&create).unwrap()),
        "02f8500180808082cf088080826000c001a068bfa830f3aff076d9099e8e14af479ea8e4b6b59985b742f4\
         f5ba5258a4e27ea02f947547b38ee39275a0dc40e3846eb4f9321436835c9d1ebb33e44e26ba756f"
    );
    // ethers.utils.getContractAddress; the first is where forge deploys a test's first contract.
    let forge_test = address!("0x7FA9385bE102ac3EAc297483Dd6233D62b3e1496");
    assert_eq!(
        create_address(forge_test, 1),
        address!("0x5615dEB798BB3E4dFa0139dFa1b3D433Cc23b72f")
    );
    assert_eq!(
        create_address(forge_test, 300),
        address!("0x1aF8a8f1640F5ebCC54Cb7c8e539B777B10826AD")
    );
    assert!(LocalSigner::from_bytes(&[0u8; 32]).is_err());
    assert!(LocalSigner::from_hex("0x1234").is_err());
    assert_eq!(
        LocalSigner::from_hex(&format!("0x{}", "00".repeat(31) + "01"))
            .unwrap()
            .address(),
        signer.address()
    );
}

#[test]
fn calls_encode_with_the_compiled_selectors_and_the_eip1193_shape() {
    let reg = RegistryContract::new(A1);
    let proof = ark_groth16::Proof::<ark_bn254::Bn254>::default();
    let sig =
        ScannerSignature::sign(&key_one(), 1, A1, Fr::from(1u64), Fr::from(2u64), A2, 9).unwrap();
    // Selectors as solc 0.8.37 reports them for contracts/src/BiometricRegistry.sol.
    let cases: [(TxRequest, &str); 6] = [
        (
            reg.enroll(
                A2,
                Fr::from(1u64),
                Fr::from(2u64),
                9,
                &sig,
                3,
                Fr::from(4u64),
                &proof,
            ),
            "1484cbb8",
        ),
        (reg.reenroll(A2, 4, Fr::from(5u64), &proof), "20c1472c"),
        (
            reg.register_face_embedding(A2, 1, Fr::from(6u64), &proof),
            "56b1433f",
        ),
        (
            reg.add_model_version(
                ModelKind::Iris,
                1,
                B256::repeat_byte(9),
                B256::repeat_byte(8),
                A2,
            ),
            "b0b13517",
        ),
        (reg.add_scanner(A2), "3122512c"),
        (reg.accept_ownership(), "79ba5097"),
    ];
    for (tx, selector) in &cases {
        assert_eq!(tx.to, A1);
        assert_eq!(tx.value, U256::ZERO);
        assert_eq!(hex::encode(&tx.data[..4]), *selector);
    }
    let decoded = R::enrollCall::abi_decode(&cases[0].0.data).unwrap();
    assert_eq!(decoded.subject, A2);
    assert_eq!(decoded.imageCommitment, U256::from(1u8));
    assert_eq!(decoded.faceCommitment, U256::from(2u8));
    assert_eq!(decoded.deadline, U256::from(9u8));
    assert_eq!(decoded.scannerSignature.as_ref(), sig.as_bytes());
    assert_eq!(decoded.version, 3);
    assert_eq!(decoded.codeCommitment, U256::from(4u8));

    let face = reg.verify_face_match(A2, U256::from(77u8), Fr::from(1000u64), &proof);
    let decoded = R::verifyFaceMatchCall::abi_decode(&face.data).unwrap();
    assert_eq!(
        (decoded.subject, decoded.challenge, decoded.tau),
        (A2, U256::from(77u8), U256::from(1000u16))
    );

    let json = reg.add_scanner(A2).to_eip1193(Some(A2));
    assert_eq!(
        json,
        json!({
            "from": "0x2222222222222222222222222222222222222222",
            "to": "0x1111111111111111111111111111111111111111",
            "data": format!("0x3122512c{:0>64}", "2222222222222222222222222222222222222222"),
            "value": "0x0",
        })
    );
    assert!(reg
        .accept_ownership()
        .to_eip1193(None)
        .get("from")
        .is_none());
}

#[test]
fn proof_words_use_the_verifier_layout() {
    use ark_ec::AffineRepr;
    let g1 = ark_bn254::G1Affine::generator();
    let g2 = ark_bn254::G2Affine::generator();
    let proof = ark_groth16::Proof::<ark_bn254::Bn254> {
        a: g1,
        b: g2,
        c: g1,
    };
    let w = proof_words(&proof);
    assert_eq!(w.a, [U256::from(1u8), U256::from(2u8)]);
    // EIP-197: imaginary part first.
    let (x, _) = g2.xy().unwrap();
    assert_eq!(w.b[0][0], U256::from_limbs(x.c1.into_bigint().0));
    assert_eq!(w.words()[2], w.b[0][0]);
}

#[test]
fn words_become_field_elements_only_below_r() {
    let r_minus_1 = U256::from_be_slice(&(-Fr::from(1u64)).into_bigint().to_bytes_be());
    assert_eq!(fr_from_word(r_minus_1), Some(-Fr::from(1u64)));
    assert_eq!(fr_from_word(r_minus_1 + U256::from(1u8)), None);
    assert_eq!(fr_from_word(U256::MAX), None);
    assert_eq!(fr_from_word(U256::from(5u8)), Some(Fr::from(5u64)));
}

#[test]
fn reverts_decode_into_typed_errors() {
    let invalid = R::InvalidProof {}.abi_encode();
    assert_eq!(
        Revert::decode(&invalid),
        Revert::Registry(R::BiometricRegistryErrors::InvalidProof(R::InvalidProof {}))
    );
    let unknown = R::UnknownScanner { signer: A2 }.abi_encode();
    let decoded = Revert::decode(&unknown);
    assert!(matches!(
        decoded.registry_error(),
        Some(R::BiometricRegistryErrors::UnknownScanner(e)) if e.signer == A2
    ));
    assert!(
        decoded.to_string().starts_with("UnknownScanner"),
        "{decoded}"
    );
    let message = alloy_sol_types::Revert::from("nope").abi_encode();
    assert_eq!(Revert::decode(&message), Revert::Message("nope".into()));
    let panic = alloy_sol_types::Panic::from(0x11u64).abi_encode();
    assert_eq!(Revert::decode(&panic), Revert::Panic(U256::from(0x11u8)));
    assert_eq!(Revert::decode(&[]), Revert::Empty);
    assert_eq!(Revert::decode(&[1, 2, 3]), Revert::Unknown(vec![1, 2, 3]));
    // A known selector with truncated arguments is not taken for that error.
    assert!(matches!(Revert::decode(&unknown[..20]), Revert::Unknown(_)));
}

/// A transport that answers from a script and records the requests.
struct Scripted {
    answers: RefCell<VecDeque<Value>>,
    requests: RefCell<Vec<Value>>,
}

impl Scripted {
    fn new(answers: Vec<Value>) -> Self {
        Self {
            answers: RefCell::new(answers.into()),
            requests: RefCell::new(Vec::new()),
        }
    }
}

impl RpcTransport for &Scripted {
    fn send(&self, body: &str) -> Result<String, RpcError> {
        let request: Value = serde_json::from_str(body).unwrap();
        let id = request["id"].clone();
        self.requests.borrow_mut().push(request);
        let mut answer = self
            .answers
            .borrow_mut()
            .pop_front()
            .ok_or_else(|| RpcError::Transport("script exhausted".into()))?;
        if answer.get("id").is_none() {
            answer["id"] = id;
        }
        Ok(answer.to_string())
    }
}

#[test]
fn rpc_results_errors_and_reverts() {
    let revert_data = format!("0x{}", hex::encode(R::InvalidProof {}.abi_encode()));
    let script = Scripted::new(vec![
        json!({"jsonrpc": "2.0", "result": "0x7a69"}),
        json!({"jsonrpc": "2.0", "error": {"code": 3, "message": "execution reverted", "data": revert_data}}),
        json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "method not found"}}),
        json!({"jsonrpc": "2.0", "id": 999, "result": "0x1"}),
        json!({"jsonrpc": "2.0", "result": "zz"}),
        json!({"jsonrpc": "2.0", "result": null}),
    ]);
    let rpc = RpcClient::new(&script);
    assert_eq!(rpc.chain_id().unwrap(), 31337);
    let tx = RegistryContract::new(A1).add_scanner(A2);
    match rpc.call(Some(A2), &tx) {
        Err(RegistryError::Reverted(Revert::Registry(
            R::BiometricRegistryErrors::InvalidProof(_),
        ))) => {}
        other => panic!("expected InvalidProof, got {other:?}"),
    }
    assert!(matches!(
        rpc.chain_id(),
        Err(RegistryError::Rpc(RpcError::Node { code: -32601, .. }))
    ));
    assert!(matches!(
        rpc.chain_id(),
        Err(RegistryError::Rpc(RpcError::Malformed { .. }))
    ));
    assert!(matches!(
        rpc.chain_id(),
        Err(RegistryError::Rpc(RpcError::Malformed { .. }))
    ));
    assert_eq!(rpc.receipt(B256::ZERO).unwrap(), None);
    let requests = script.requests.borrow();
    assert_eq!(requests[1]["method"], "eth_call");
    assert_eq!(requests[1]["params"][0], tx.to_eip1193(Some(A2)));
    assert_eq!(requests[1]["params"][1], "latest");
    assert_eq!(requests[5]["method"], "eth_getTransactionReceipt");
}

#[test]
fn receipts_parse_and_failed_transactions_are_errors() {
    let hash = format!("0x{}", "ab".repeat(32));
    let topic = format!("0x{}", "cd".repeat(32));
    let receipt = |status: &str| {
        json!({"jsonrpc": "2.0", "result": {
            "transactionHash": hash, "status": status, "gasUsed": "0x5208",
            "blockNumber": "0x2", "contractAddress": null,
            "logs": [{"address": "0x1111111111111111111111111111111111111111",
                      "topics": [topic], "data": "0x01"}]
        }})
    };
    let script = Scripted::new(vec![receipt("0x1"), receipt("0x0")]);
    let rpc = RpcClient::new(&script);
    let r = rpc.wait_for_receipt(B256::repeat_byte(0xab)).unwrap();
    assert!(r.status);
    assert_eq!((r.gas_used, r.block_number), (21000, 2));
    assert_eq!(r.contract_address, None);
    assert_eq!(
        r.logs,
        vec![Log {
            address: A1,
            topics: vec![B256::repeat_byte(0xcd)],
            data: vec![1]
        }]
    );
    assert!(matches!(
        rpc.wait_for_receipt(B256::repeat_byte(0xab)),
        Err(RegistryError::TransactionFailed {
            gas_used: 21000,
            ..
        })
    ));
}
