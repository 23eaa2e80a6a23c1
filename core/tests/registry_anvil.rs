//! End to end on a real EVM node: anvil (pinned, tools/js) on 127.0.0.1, the registry from the
//! SDK's embedded artifact, verifiers deployed with zkbio's verification keys, real Groth16
//! proofs from zkbio's prover (insecure dev setup) of the real iris-code statement with two small
//! models and of both face statements with the tiny face model, and every transaction signed
//! locally (k256) or sent through the node's `eth_sendTransaction`, as an EIP-1193 wallet would.
//! The Rust encodings (binding, EIP-712 digest, calls, errors) are checked against the contract
//! itself.
#![cfg(feature = "http-fetcher")]

mod registry_support;

use alloy_primitives::{keccak256, Address, U256};
use alloy_sol_types::SolEventInterface;
use ark_bn254::Fr;
use registry_support::*;
use serde_json::json;
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_core::evm::{verifier_init_code, vk_hash};
use zkbio_core::registry::BiometricRegistry::{
    self as R, BiometricRegistryErrors, BiometricRegistryEvents,
};
use zkbio_core::registry::*;

const CHAIN_ID: u64 = 31337;

fn signer(byte: u8) -> LocalSigner {
    LocalSigner::from_bytes(&[byte; 32]).expect("valid key")
}

/// Funds `account` with 100 ETH (anvil's `anvil_setBalance`).
fn fund<T: RpcTransport>(rpc: &RpcClient<T>, account: Address) {
    let wei = U256::from(100u8) * U256::from(10u64).pow(U256::from(18u8));
    rpc.request(
        "anvil_setBalance",
        json!([format!("{account:#x}"), format!("{wei:#x}")]),
    )
    .expect("anvil_setBalance");
}

/// The decoded registry events of a receipt.
fn events(receipt: &Receipt) -> Vec<BiometricRegistryEvents> {
    receipt
        .logs
        .iter()
        .map(|log| {
            BiometricRegistryEvents::decode_raw_log(&log.topics, &log.data)
                .expect("a registry event")
        })
        .collect()
}

/// The registry error of a failed call (panics on anything else).
fn registry_error(result: Result<Receipt, RegistryError>) -> BiometricRegistryErrors {
    match result {
        Err(RegistryError::Reverted(Revert::Registry(e))) => e,
        other => panic!("expected a registry custom error, got {other:?}"),
    }
}

#[test]
fn enroll_reenroll_and_face_match_on_anvil() {
    let anvil = Anvil::start(CHAIN_ID);
    let rpc = anvil.client();
    assert_eq!(rpc.chain_id().unwrap(), CHAIN_ID);

    let owner = signer(0x01);
    let scanner = signer(0x02);
    let subject = signer(0x03);
    let relying_party = signer(0x04);
    for account in [&owner, &subject, &relying_party] {
        fund(&rpc, account.address());
    }

    // --- deployment: the registry (the SDK's embedded bytecode) and one verifier per circuit.
    let deployed = rpc
        .deploy_signed(&owner, registry_init_code(owner.address()))
        .expect("deploy registry");
    let registry = RegistryContract::new(deployed.contract_address.expect("address"));
    assert_eq!(
        registry.address,
        create_address(owner.address(), 0),
        "CREATE address"
    );
    assert_eq!(registry.owner(&rpc).unwrap(), owner.address());

    let iris_v1 = IrisCodeStatement::new(small_iris_model(1));
    let iris_v2 = IrisCodeStatement::new(small_iris_model(-1));
    let keys_v1 = setup(&iris_v1, 11);
    let keys_v2 = setup(&iris_v2, 12);
    let face_emb = FaceEmbeddingStatement::new(tiny_face_model());
    let face_match = FaceMatchStatement::new(tiny_face_model());
    let keys_emb = setup(&face_emb, 13);
    let keys_match = setup(&face_match, 14);
    let deploy_verifier = |keys: &Keys| {
        let code = verifier_init_code(&keys.vk).expect("verifier init code");
        rpc.deploy_signed(&owner, code)
            .expect("deploy verifier")
            .contract_address
            .expect("address")
    };
    let verifier_v1 = deploy_verifier(&keys_v1);
    let verifier_v2 = deploy_verifier(&keys_v2);
    let verifier_emb = deploy_verifier(&keys_emb);
    let verifier_match = deploy_verifier(&keys_match);

    // --- administration, through eth_sendTransaction (the node signs, as a wallet would).
    rpc.request(
        "anvil_impersonateAccount",
        json!([format!("{:#x}", owner.address())]),
    )
    .expect("impersonate the owner");
    let admin = |tx: TxRequest| -> Receipt {
        let hash = rpc
            .send_transaction(owner.address(), &tx)
            .expect("admin tx");
        rpc.wait_for_receipt(hash).expect("admin receipt")
    };
    let added = admin(registry.add_scanner(scanner.address()));
    assert_eq!(
        events(&added),
        [BiometricRegistryEvents::ScannerAdded(R::ScannerAdded {
            scanner: scanner.address()
        })]
    );
    let model_hash = |v: u8| keccak256([b'm', v]);
    let (vk1, vk2, vk_emb, vk_match) = (
        vk_hash(&keys_v1.vk).unwrap(),
        vk_hash(&keys_v2.vk).unwrap(),
        vk_hash(&keys_emb.vk).unwrap(),
        vk_hash(&keys_match.vk).unwrap(),
    );
    // The verifier computed the same hash of its key as the Rust side.
    assert_eq!(
        VerifierContract::new(verifier_v1).vk_hash(&rpc).unwrap(),
        vk1
    );
    assert_eq!(
        VerifierContract::new(verifier_v1)
            .hash_of_reported_key(&rpc)
            .unwrap(),
        vk1
    );
    // Pairing a model version with another key's verifier is refused.
    assert_eq!(
        registry_error(rpc.send_signed(
            &owner,
            &registry.add_model_version(ModelKind::Iris, 1, model_hash(1), vk2, verifier_v1)
        )),
        BiometricRegistryErrors::VkHashMismatch(R::VkHashMismatch {
            verifier: verifier_v1,
            expected: vk2,
            found: vk1
        })
    );
    admin(registry.add_model_version(ModelKind::Iris, 1, model_hash(1), vk1, verifier_v1));
    admin(registry.add_model_version(ModelKind::Iris, 2, model_hash(2), vk2, verifier_v2));
    admin(registry.add_model_version(
        ModelKind::FaceEmbedding,
        1,
        model_hash(3),
        vk_emb,
        verifier_emb,
    ));
    admin(registry.add_model_version(ModelKind::Face, 1, model_hash(3), vk_match, verifier_match));
    assert!(registry.is_scanner(&rpc, scanner.address()).unwrap());
    let v2 = registry.model_version(&rpc, ModelKind::Iris, 2).unwrap();
    assert_eq!(
        (v2.modelHash, v2.vkHash, v2.verifier, v2.status),
        (model_hash(2), vk2, verifier_v2, R::VersionStatus::Active)
    );
    assert_eq!(registry.latest_version(&rpc, ModelKind::Iris).unwrap(), 2);
    // Versions only increase per kind.
    assert_eq!(
        registry_error(rpc.send_signed(
            &owner,
            &registry.add_model_version(ModelKind::Iris, 2, model_hash(2), vk2, verifier_v2)
        )),
        BiometricRegistryErrors::VersionNotIncreasing(R::VersionNotIncreasing {
            kind: 0,
            latest: 2,
            version: 2
        })
    );

    // Only the owner administers: a typed error, caught at gas estimation.
    let err = registry_error(rpc.send_signed(&subject, &registry.add_scanner(subject.address())));
    assert_eq!(
        err,
        BiometricRegistryErrors::NotOwner(R::NotOwner {
            caller: subject.address()
        })
    );

    // --- the Rust encodings are the contract's.
    let me = subject.address();
    for (wallet, nonce) in [(me, U256::ZERO), (relying_party.address(), U256::MAX)] {
        let onchain = registry
            .read(&rpc, R::bindingForCall { wallet, nonce })
            .unwrap();
        assert_eq!(
            onchain,
            binding_word(CHAIN_ID, registry.address, wallet, nonce)
        );
    }

    // --- enrollment: the scanner attests (C_img, C_face) for the subject's wallet.
    let mut rng = rng(5);
    let (image, mask, salt_img) = enrolled_iris();
    let c_img = {
        use zkbio_circuits::statements::image_opening::{image_commitment, image_geometry};
        image_commitment(&image_geometry(12, 24).unwrap(), &image, &mask, salt_img)
    };
    // The face image commitment of the tiny face model's sample, signed with C_img.
    let c_face = {
        let (face, salt_face) = enrolled_face();
        face_emb.face().face_commitment(&face, salt_face).unwrap()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let deadline = now + 3600; // anvil's block time is the wall clock
    let sign = |deadline: u64, subject: Address| {
        ScannerSignature::sign(
            &scanner,
            CHAIN_ID,
            registry.address,
            c_img,
            c_face,
            subject,
            deadline,
        )
        .unwrap()
    };
    let signature = sign(deadline, me);
    let digest = registry
        .read(
            &rpc,
            R::enrollmentDigestCall {
                imageCommitment: zkbio_core::evm::abi::fr_word(&c_img),
                faceCommitment: zkbio_core::evm::abi::fr_word(&c_face),
                subject: me,
                deadline: U256::from(deadline),
            },
        )
        .unwrap();
    assert_eq!(
        digest,
        enrollment_digest(CHAIN_ID, registry.address, c_img, c_face, me, deadline)
    );
    assert_eq!(
        signature
            .recover_enrollment(CHAIN_ID, registry.address, c_img, c_face, me, deadline)
            .unwrap(),
        scanner.address()
    );

    // The phone reads its nonce, proves with iris model v1 and submits from its wallet.
    let nonce = registry.nonce(&rpc, me).unwrap();
    assert_eq!(nonce, U256::ZERO);
    let b0 = binding(CHAIN_ID, registry.address, me, nonce);
    let (public1, proof1) = iris_proof(&iris_v1, &keys_v1, Fr::from(0xc0de1_u64), b0, &mut rng);
    assert_eq!(public1[0], c_img);
    let c_code1 = public1[1];
    // An attestation that expired an hour ago is refused, before the proof is looked at.
    let stale = now - 3600;
    let stale_tx = registry.enroll(
        me,
        c_img,
        c_face,
        stale,
        &sign(stale, me),
        1,
        c_code1,
        &proof1,
    );
    match registry_error(rpc.send_signed(&subject, &stale_tx)) {
        BiometricRegistryErrors::AttestationExpired(e) => {
            assert_eq!(e.deadline, U256::from(stale));
            assert!(e.timestamp > U256::from(stale));
        }
        other => panic!("expected AttestationExpired, got {other:?}"),
    }
    assert!(!registry.is_current(&rpc, me).unwrap(), "not enrolled yet");
    let enroll_tx = registry.enroll(me, c_img, c_face, deadline, &signature, 1, c_code1, &proof1);
    let enrolled = rpc.send_signed(&subject, &enroll_tx).expect("enroll");
    let word = zkbio_core::evm::abi::fr_word;
    assert_eq!(
        events(&enrolled),
        [BiometricRegistryEvents::Enrolled(R::Enrolled {
            subject: me,
            scanner: scanner.address(),
            irisVersion: 1,
            imageCommitment: word(&c_img),
            faceCommitment: word(&c_face),
            codeCommitment: word(&c_code1),
            nonce: U256::ZERO,
        })]
    );
    let record = registry.record(&rpc, me).unwrap();
    assert_eq!(
        (
            record.imageCommitment,
            record.faceCommitment,
            record.codeCommitment,
            record.irisVersion,
            record.scanner
        ),
        (
            word(&c_img),
            word(&c_face),
            word(&c_code1),
            1,
            scanner.address()
        )
    );
    assert_eq!(registry.nonce(&rpc, me).unwrap(), U256::from(1u8));

    assert!(registry.is_current(&rpc, me).unwrap());
    assert_eq!(registry.subject_of_image(&rpc, c_img).unwrap(), me);

    // The same submission again: refused with the typed error, nothing spent.
    assert_eq!(
        registry_error(rpc.send_signed(&subject, &enroll_tx)),
        BiometricRegistryErrors::AlreadyEnrolled(R::AlreadyEnrolled { subject: me })
    );
    // The same C_img under another wallet, even with a genuine attestation for it: refused.
    let rp = relying_party.address();
    let other_tx = registry.enroll(
        rp,
        c_img,
        c_face,
        deadline,
        &sign(deadline, rp),
        1,
        c_code1,
        &proof1,
    );
    assert_eq!(
        registry_error(rpc.send_signed(&relying_party, &other_tx)),
        BiometricRegistryErrors::ImageAlreadyEnrolled(R::ImageAlreadyEnrolled {
            imageCommitment: word(&c_img),
            subject: me
        })
    );

    // --- re-enrollment to iris model v2: same image, new code, next nonce.
    let b1 = binding(CHAIN_ID, registry.address, me, U256::from(1u8));
    let (public2, proof2) = iris_proof(&iris_v2, &keys_v2, Fr::from(0xc0de2_u64), b1, &mut rng);
    assert_eq!(public2[0], c_img, "the stored C_img");
    let c_code2 = public2[1];
    assert_ne!(c_code2, c_code1, "another model, another code");
    // A proof made for another wallet fails, from the subject's wallet.
    let b_other = binding(
        CHAIN_ID,
        registry.address,
        relying_party.address(),
        U256::from(1u8),
    );
    let (_, proof_other) = iris_proof(&iris_v2, &keys_v2, Fr::from(0xc0de2_u64), b_other, &mut rng);
    assert_eq!(
        registry_error(rpc.send_signed(&subject, &registry.reenroll(me, 2, c_code2, &proof_other))),
        BiometricRegistryErrors::InvalidProof(R::InvalidProof {})
    );
    let reenrolled = rpc
        .send_signed(&subject, &registry.reenroll(me, 2, c_code2, &proof2))
        .expect("reenroll");
    assert_eq!(
        events(&reenrolled),
        [BiometricRegistryEvents::Reenrolled(R::Reenrolled {
            subject: me,
            fromVersion: 1,
            toVersion: 2,
            codeCommitment: word(&c_code2),
            nonce: U256::from(1u8),
        })]
    );
    let record = registry.record(&rpc, me).unwrap();
    assert_eq!(
        (
            record.codeCommitment,
            record.irisVersion,
            record.imageCommitment
        ),
        (word(&c_code2), 2, word(&c_img))
    );

    // Replays: the same proof, and a re-randomized one (other bytes, still a valid Groth16
    // proof), under a version v3 that reuses v2's verifier so that only the nonce can stop them.
    admin(registry.add_model_version(ModelKind::Iris, 3, model_hash(4), vk2, verifier_v2));
    let proof2b = rerandomize(&proof2, &mut rng);
    assert_ne!(proof2b, proof2);
    zkbio_core::groth16::verify(&keys_v2.vk, &proof2b, &public2).expect("still a valid proof");
    for replay in [&proof2, &proof2b] {
        assert_eq!(
            registry_error(rpc.send_signed(&subject, &registry.reenroll(me, 3, c_code2, replay))),
            BiometricRegistryErrors::InvalidProof(R::InvalidProof {})
        );
    }
    assert_eq!(
        registry_error(rpc.send_signed(&subject, &registry.reenroll(me, 2, c_code2, &proof2))),
        BiometricRegistryErrors::VersionNotNewer(R::VersionNotNewer {
            current: 2,
            requested: 2
        })
    );

    // A deprecated version is refused.
    admin(registry.deprecate_model_version(ModelKind::Iris, 3));
    let b2 = binding(CHAIN_ID, registry.address, me, U256::from(2u8));
    let (public3, proof3) = iris_proof(&iris_v2, &keys_v2, Fr::from(0xc0de3_u64), b2, &mut rng);
    assert_eq!(
        registry_error(rpc.send_signed(&subject, &registry.reenroll(me, 3, public3[1], &proof3))),
        BiometricRegistryErrors::ModelVersionIsDeprecated(R::ModelVersionIsDeprecated {
            kind: 0,
            version: 3
        })
    );

    // Deprecating the record's own version leaves it stale (isCurrent false), not stuck.
    assert!(registry.is_current(&rpc, me).unwrap());
    admin(registry.deprecate_model_version(ModelKind::Iris, 2));
    assert!(!registry.is_current(&rpc, me).unwrap());
    assert_eq!(
        registry.record(&rpc, me).unwrap().irisVersion,
        2,
        "record kept"
    );

    // --- face embedding and face match (the real statements, tiny face model).
    let b2 = binding(
        CHAIN_ID,
        registry.address,
        me,
        registry.nonce(&rpc, me).unwrap(),
    );
    let salt_emb = Fr::from(0xe4b_u64);
    let (public, proof, template) =
        face_embedding_proof(&face_emb, &keys_emb, salt_emb, b2, &mut rng);
    assert_eq!(public[0], c_face, "the proof opens the signed C_face");
    let c_emb = public[1];
    rpc.send_signed(
        &subject,
        &registry.register_face_embedding(me, 1, c_emb, &proof),
    )
    .expect("register face embedding");

    let challenge = U256::from_be_bytes(keccak256(b"relying party challenge").0);
    let (public, proof) = face_match_proof(
        &face_match,
        &keys_match,
        selfie(),
        (template, salt_emb),
        (
            TINY_FACE_TAU,
            binding(CHAIN_ID, registry.address, rp, challenge),
        ),
        &mut rng,
    );
    assert_eq!(public[0], c_emb);
    let tau = public[1];
    let face_tx = registry.verify_face_match(me, challenge, tau, &proof);
    let matched = rpc
        .send_signed(&relying_party, &face_tx)
        .expect("face match");
    assert_eq!(
        events(&matched),
        [BiometricRegistryEvents::FaceMatchVerified(
            R::FaceMatchVerified {
                subject: me,
                relyingParty: rp,
                challenge,
                tau: word(&tau),
                faceVersion: 1,
            }
        )]
    );
    assert!(registry.challenge_used(&rpc, rp, challenge).unwrap());
    assert_eq!(
        registry_error(rpc.send_signed(&relying_party, &face_tx)),
        BiometricRegistryErrors::ChallengeAlreadyUsed(R::ChallengeAlreadyUsed {
            relyingParty: rp,
            challenge
        })
    );
    // Another relying party cannot reuse it (bound to `rp`).
    fund(&rpc, scanner.address());
    assert_eq!(
        registry_error(rpc.send_signed(&scanner, &face_tx)),
        BiometricRegistryErrors::InvalidProof(R::InvalidProof {})
    );

    // Gas of the three calls, as mined (21 000 and call data included).
    eprintln!(
        "gas used on anvil: enroll {}, reenroll {}, verifyFaceMatch {}",
        enrolled.gas_used, reenrolled.gas_used, matched.gas_used
    );
    assert!(enrolled.gas_used < 500_000 && reenrolled.gas_used < 400_000);
}

/// Differential: what our signer produces (alloy's encoding over our key handling) is what the
/// node decodes. For a call with value and data, and a creation: the hash the node returns is
/// keccak256 of our raw bytes, and the node recovers our address as the sender and reads back
/// every field and the signature we put in.
#[test]
fn locally_signed_transactions_are_what_anvil_decodes() {
    let anvil = Anvil::start(CHAIN_ID);
    let rpc = anvil.client();
    let sender = signer(0x05);
    fund(&rpc, sender.address());
    let gas_price = rpc.gas_price().unwrap();
    let to = Address::repeat_byte(0x22);
    for (nonce, kind, input) in [
        (
            0u64,
            alloy_primitives::TxKind::Call(to),
            vec![0x12, 0x34, 0x00],
        ),
        // Init code that returns an empty contract: PUSH1 0, PUSH1 0, RETURN.
        (
            1,
            alloy_primitives::TxKind::Create,
            vec![0x60, 0x00, 0x60, 0x00, 0xf3],
        ),
    ] {
        let tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            max_priority_fee_per_gas: 1,
            max_fee_per_gas: gas_price * 2,
            gas_limit: 100_000,
            to: kind,
            value: U256::from(7u8),
            input: input.clone().into(),
            access_list: Default::default(),
        };
        let raw = sender.sign_transaction(&tx).unwrap();
        let hash = rpc
            .send_raw_transaction(&raw)
            .expect("anvil accepts the raw transaction");
        assert_eq!(
            hash,
            keccak256(&raw),
            "the node's hash is keccak256 of our bytes"
        );
        let receipt = rpc.wait_for_receipt(hash).expect("mined");
        assert_eq!(receipt.transaction_hash, hash);
        let seen = rpc
            .request("eth_getTransactionByHash", json!([hash]))
            .unwrap();
        let field = |name: &str| seen[name].as_str().unwrap_or_default().to_lowercase();
        assert_eq!(field("from"), format!("{:#x}", sender.address()), "sender");
        assert_eq!(field("type"), "0x2");
        assert_eq!(field("nonce"), format!("{nonce:#x}"));
        assert_eq!(field("value"), "0x7");
        assert_eq!(field("gas"), format!("{:#x}", 100_000));
        assert_eq!(field("input"), format!("0x{}", hex::encode(&input)));
        match kind {
            alloy_primitives::TxKind::Call(to) => assert_eq!(field("to"), format!("{to:#x}")),
            alloy_primitives::TxKind::Create => {
                assert!(seen["to"].is_null());
                assert_eq!(
                    receipt.contract_address,
                    Some(create_address(sender.address(), nonce)),
                    "CREATE address"
                );
            }
        }
        // The node recovered our address from the signature (checked above), so it hashed the
        // fields as we signed them; its view of the signature is ours, low s included.
        let sig = sender
            .sign_digest(alloy_consensus::SignableTransaction::signature_hash(&tx))
            .unwrap();
        assert_eq!(field("r"), format!("{:#x}", sig.r()));
        assert_eq!(field("s"), format!("{:#x}", sig.s()));
        assert_eq!(field("yParity"), format!("{:#x}", u8::from(sig.v())));
    }
}
