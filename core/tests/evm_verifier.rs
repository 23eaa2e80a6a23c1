//! The Groth16Verifier contract in the embedded EVM, on real proofs from ark-groth16's own prover:
//! it must accept exactly what arkworks accepts, return false (never revert) on bad proofs and
//! inputs, and refuse bad keys at deployment.

mod evm_support;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolError};
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, MontFp, PrimeField};
use ark_groth16::Proof;
use evm_support::{ark_accepts, fixture, Fixture};
use zkbio_core::evm::abi::{self, g1_words, g2_words, Groth16Verifier};
use zkbio_core::evm::{self, EmbeddedEvm, EvmError, MAX_PUBLIC};

/// BN254 base field modulus.
fn q() -> U256 {
    U256::from_limbs(<Fq as PrimeField>::MODULUS.0)
}

/// BN254 scalar field order.
fn r() -> U256 {
    U256::from_limbs(<Fr as PrimeField>::MODULUS.0)
}

struct Deployed {
    evm: EmbeddedEvm,
    verifier: Address,
    deploy_gas: u64,
}

fn deploy(f: &Fixture) -> Deployed {
    let mut evm = EmbeddedEvm::new();
    let d = evm::deploy_verifier(&mut evm, &f.vk).expect("deploy verifier");
    Deployed {
        evm,
        verifier: d.address,
        deploy_gas: d.gas_used,
    }
}

/// The contract's answer; a revert or halt fails the test, since snarkjs's verifier returns
/// false on every well-formed call.
fn accepts(d: &mut Deployed, call: &Groth16Verifier::verifyProofCall) -> bool {
    evm::verify_calldata_on(&mut d.evm, d.verifier, &call.abi_encode())
        .unwrap_or_else(|e| panic!("verifyProof must return, not fail: {e}"))
        .accepted
}

fn valid_call(f: &Fixture) -> Groth16Verifier::verifyProofCall {
    abi::verify_proof_call(&f.proof, &f.inputs)
}

#[test]
fn accepts_valid_proofs_and_reports_gas() {
    let mut report = Vec::new();
    for n in [1usize, 2, 3, MAX_PUBLIC] {
        let f = fixture(n, n as u64);
        assert!(
            ark_accepts(&f.vk, &f.proof, &f.inputs),
            "arkworks rejects its own proof (n={n})"
        );
        let mut d = deploy(&f);
        let v = evm::verify_on(&mut d.evm, d.verifier, &f.proof, &f.inputs).expect("verifyProof");
        assert!(
            v.accepted,
            "EVM rejects a valid proof with {n} public inputs"
        );
        // The one-shot helper agrees.
        assert_eq!(
            evm::deploy_and_verify(&f.vk, &f.proof, &f.inputs).expect("deploy_and_verify"),
            v
        );
        // Sanity bounds: 4 pairings cost 45 000 + 4 * 34 000 gas and each input one ecMul
        // (6 000) and one ecAdd (150), on top of the 21 000 transaction base cost.
        let floor = 21_000 + 181_000 + 6_150 * n as u64;
        assert!(
            (floor..floor + 30_000).contains(&v.gas_used),
            "verify gas {} (n={n})",
            v.gas_used
        );
        report.push((n, d.deploy_gas, v.gas_used));
    }
    let runtime = {
        let f = fixture(1, 1);
        let d = deploy(&f);
        d.evm.code(d.verifier).expect("code").len()
    };
    eprintln!("Groth16Verifier (runtime code {runtime} bytes), transaction gas:");
    for (n, deploy_gas, verify_gas) in report {
        eprintln!("  {n} public input(s): deploy {deploy_gas}, verifyProof {verify_gas}");
    }
}

#[test]
fn every_public_input_is_bound() {
    for n in [1usize, 2, 3] {
        let f = fixture(n, 10 + n as u64);
        let mut d = deploy(&f);
        for i in 0..n {
            let mut inputs = f.inputs.clone();
            inputs[i] += Fr::ONE;
            assert!(!ark_accepts(&f.vk, &f.proof, &inputs));
            let v = evm::verify_on(&mut d.evm, d.verifier, &f.proof, &inputs).expect("verifyProof");
            assert!(!v.accepted, "input {i} of {n} changed, still accepted");
        }
    }
}

#[test]
fn rejects_tampered_proof_points() {
    for n in [1usize, 2, 3] {
        let f = fixture(n, 20 + n as u64);
        let mut d = deploy(&f);
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let p = &f.proof;
        let tampered = [
            (
                "A + G1",
                Proof {
                    a: (p.a + g1).into_affine(),
                    ..p.clone()
                },
            ),
            (
                "B + G2",
                Proof {
                    b: (p.b + g2).into_affine(),
                    ..p.clone()
                },
            ),
            (
                "C + G1",
                Proof {
                    c: (p.c + g1).into_affine(),
                    ..p.clone()
                },
            ),
            (
                "-A",
                Proof {
                    a: -p.a,
                    ..p.clone()
                },
            ),
            (
                "A <-> C",
                Proof {
                    a: p.c,
                    c: p.a,
                    ..p.clone()
                },
            ),
        ];
        for (what, proof) in tampered {
            assert!(
                !ark_accepts(&f.vk, &proof, &f.inputs),
                "{what}: arkworks accepts"
            );
            let v = evm::verify_on(&mut d.evm, d.verifier, &proof, &f.inputs).expect("verifyProof");
            assert!(!v.accepted, "{what} accepted (n={n})");
        }
    }
}

#[test]
fn rejects_inputs_outside_the_scalar_field() {
    let f = fixture(3, 31);
    let mut d = deploy(&f);
    assert!(accepts(&mut d, &valid_call(&f)));
    for i in 0..3 {
        // x + r is the same field element as x: only the range check rejects it.
        let mut call = valid_call(&f);
        call.pubSignals[i] += r();
        assert!(!accepts(&mut d, &call), "input {i} + r accepted");
        let mut call = valid_call(&f);
        call.pubSignals[i] = r();
        assert!(!accepts(&mut d, &call), "input {i} = r accepted");
        let mut call = valid_call(&f);
        call.pubSignals[i] = U256::MAX;
        assert!(!accepts(&mut d, &call), "input {i} = 2^256 - 1 accepted");
    }
}

#[test]
fn rejects_wrong_input_count() {
    let f = fixture(2, 41);
    let mut d = deploy(&f);
    let mut fewer = valid_call(&f);
    fewer.pubSignals.pop();
    assert!(!accepts(&mut d, &fewer));
    let mut more = valid_call(&f);
    more.pubSignals.push(U256::ZERO);
    assert!(!accepts(&mut d, &more));
    let mut none = valid_call(&f);
    none.pubSignals.clear();
    assert!(!accepts(&mut d, &none));
    // The public helper encodes whatever count it is given; the contract decides.
    let v = evm::verify_on(&mut d.evm, d.verifier, &f.proof, &f.inputs[..1]).expect("verifyProof");
    assert!(!v.accepted);
}

/// A point on the G2 twist outside the order-r subgroup (the twist's cofactor is large, so the
/// first x with a square root gives one).
fn g2_outside_subgroup() -> G2Affine {
    (1u64..)
        .find_map(|i| {
            let x = Fq2::new(Fq::from(i), Fq::ONE);
            G2Affine::get_point_from_x_unchecked(x, false)
                .filter(|p| p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .expect("a point outside the subgroup")
}

#[test]
fn rejects_malformed_points() {
    let f = fixture(1, 51);
    let mut d = deploy(&f);
    let q = q();
    let mut cases: Vec<(&str, Groth16Verifier::verifyProofCall)> = Vec::new();
    let mut push = |what, edit: &dyn Fn(&mut Groth16Verifier::verifyProofCall)| {
        let mut call = valid_call(&f);
        edit(&mut call);
        cases.push((what, call));
    };
    push("A off the curve", &|c| c.a[1] += U256::from(1));
    push("A at infinity", &|c| c.a = [U256::ZERO; 2]);
    push("A.y + q (same point, non-canonical)", &|c| c.a[1] += q);
    push("A.x + q", &|c| c.a[0] += q);
    push("A = (2^256-1, 2^256-1)", &|c| c.a = [U256::MAX; 2]);
    push("B off the twist", &|c| c.b[0][1] += U256::from(1));
    push("B in snarkjs JSON order (c0 first)", &|c| {
        c.b = [[c.b[0][1], c.b[0][0]], [c.b[1][1], c.b[1][0]]];
    });
    push("B.x.c1 + q", &|c| c.b[0][0] += q);
    push("B outside the subgroup", &|c| {
        c.b = g2_words(&g2_outside_subgroup())
    });
    push("B at infinity", &|c| c.b = [[U256::ZERO; 2]; 2]);
    push("C off the curve", &|c| c.c[0] += U256::from(1));
    push("C.y + q", &|c| c.c[1] += q);
    push("C at infinity", &|c| c.c = [U256::ZERO; 2]);
    for (what, call) in cases {
        assert!(!accepts(&mut d, &call), "{what}: accepted");
    }
    // The valid proof still passes on the same deployment (the checks above are not vacuous).
    assert!(accepts(&mut d, &valid_call(&f)));
}

#[test]
fn verifying_key_round_trips() {
    let f = fixture(3, 61);
    let mut d = deploy(&f);
    let out = d
        .evm
        .view(
            d.verifier,
            &Groth16Verifier::verifyingKeyCall {}.abi_encode(),
        )
        .expect("verifyingKey");
    let vk = Groth16Verifier::verifyingKeyCall::abi_decode_returns(&out.output).expect("decode");
    assert_eq!(vk.alpha, g1_words(&f.vk.alpha_g1));
    assert_eq!(vk.beta, g2_words(&f.vk.beta_g2));
    assert_eq!(vk.gamma, g2_words(&f.vk.gamma_g2));
    assert_eq!(vk.delta, g2_words(&f.vk.delta_g2));
    assert_eq!(
        vk.ic,
        f.vk.gamma_abc_g1.iter().map(g1_words).collect::<Vec<_>>()
    );
    let n = d
        .evm
        .view(d.verifier, &Groth16Verifier::nPublicCall {}.abi_encode())
        .expect("nPublic");
    assert_eq!(
        Groth16Verifier::nPublicCall::abi_decode_returns(&n.output).expect("decode"),
        U256::from(3)
    );
    let m = d
        .evm
        .view(d.verifier, &Groth16Verifier::MAX_PUBLICCall {}.abi_encode())
        .expect("MAX_PUBLIC");
    assert_eq!(
        Groth16Verifier::MAX_PUBLICCall::abi_decode_returns(&m.output).expect("decode"),
        U256::from(MAX_PUBLIC)
    );
}

/// The ABI twist of BN254 has b' = 3 / (9 + u): the G2 points we encode must satisfy the
/// equation the precompile checks, whatever order the words are in (catches a c0/c1 mix-up
/// between `g2_words` and the contract independently of any proof).
#[test]
fn g2_words_are_in_eip197_order() {
    let g = G2Affine::generator();
    let [[x1, x0], [y1, y0]] = g2_words(&g);
    let fq = |w: U256| Fq::from_bigint(ark_ff::BigInt(w.into_limbs())).expect("canonical");
    let (x, y) = (Fq2::new(fq(x0), fq(x1)), Fq2::new(fq(y0), fq(y1)));
    let b = Fq2::new(
        MontFp!("19485874751759354771024239261021720505790618469301721065564631296452457478373"),
        MontFp!("266929791119991161246907387137283842545076965332900288569378510910307636690"),
    );
    assert_eq!(y.square(), x.square() * x + b);
    // EIP-197's G2 generator, as listed in the EIP (x.c1 first).
    assert_eq!(
        x1,
        U256::from_str_radix(
            "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2",
            16
        )
        .unwrap()
    );
    assert_eq!(
        x0,
        U256::from_str_radix(
            "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed",
            16
        )
        .unwrap()
    );
}

/// Deploys raw constructor arguments and returns the revert data the constructor produced.
fn deploy_reverts(args: Groth16Verifier::constructorCall) -> Vec<u8> {
    let mut code = evm::verifier_creation_code().expect("creation code");
    code.extend(args.abi_encode());
    match EmbeddedEvm::new().deploy(&code) {
        Err(EvmError::Reverted { output, .. }) => output,
        other => panic!("expected the constructor to revert, got {other:?}"),
    }
}

fn words_of(f: &Fixture) -> Groth16Verifier::constructorCall {
    Groth16Verifier::constructorCall {
        alpha: g1_words(&f.vk.alpha_g1),
        beta: g2_words(&f.vk.beta_g2),
        gamma: g2_words(&f.vk.gamma_g2),
        delta: g2_words(&f.vk.delta_g2),
        ic: f.vk.gamma_abc_g1.iter().map(g1_words).collect(),
    }
}

#[test]
fn constructor_rejects_bad_keys() {
    // More than MAX_PUBLIC inputs: the SDK refuses before deploying, the contract refuses too.
    let big = fixture(MAX_PUBLIC + 1, 71);
    assert!(matches!(
        evm::constructor_args(&big.vk),
        Err(EvmError::TooManyPublicInputs { got: 9, max: 8 })
    ));
    let out = deploy_reverts(words_of(&big));
    let err = Groth16Verifier::TooManyPublicInputs::abi_decode(&out).expect("TooManyPublicInputs");
    assert_eq!(err.nPublic, U256::from(MAX_PUBLIC + 1));

    let f = fixture(2, 72);
    let mut none = f.vk.clone();
    none.gamma_abc_g1.clear();
    assert!(matches!(
        evm::constructor_args(&none),
        Err(EvmError::MissingIc)
    ));
    let mut args = words_of(&f);
    args.ic.clear();
    Groth16Verifier::MissingIC::abi_decode(&deploy_reverts(args)).expect("MissingIC");

    let bad_g1 = |edit: &dyn Fn(&mut Groth16Verifier::constructorCall), index: u64| {
        let mut args = words_of(&f);
        edit(&mut args);
        let err = Groth16Verifier::InvalidG1Point::abi_decode(&deploy_reverts(args))
            .expect("InvalidG1Point");
        assert_eq!(err.index, U256::from(index));
    };
    bad_g1(&|a| a.alpha[1] += U256::from(1), 0);
    bad_g1(&|a| a.alpha[1] += q(), 0);
    bad_g1(&|a| a.ic[0][0] += U256::from(1), 1);
    // An IC point at infinity would leave its input unconstrained by the proof.
    bad_g1(&|a| a.ic[2] = [U256::ZERO; 2], 3);

    let bad_g2 = |edit: &dyn Fn(&mut Groth16Verifier::constructorCall)| {
        let mut args = words_of(&f);
        edit(&mut args);
        Groth16Verifier::InvalidG2Points::abi_decode(&deploy_reverts(args))
            .expect("InvalidG2Points");
    };
    // The classic mistake: G2 words in snarkjs JSON order (c0 first) instead of EIP-197 order.
    bad_g2(&|a| a.beta = [[a.beta[0][1], a.beta[0][0]], [a.beta[1][1], a.beta[1][0]]]);
    bad_g2(&|a| a.gamma = [[U256::ZERO; 2]; 2]);
    bad_g2(&|a| a.delta = g2_words(&g2_outside_subgroup()));
    bad_g2(&|a| a.delta[1][1] += q());

    // The unmodified key deploys (the edits above are what made it fail).
    let mut evm = EmbeddedEvm::new();
    evm::deploy_verifier(&mut evm, &f.vk).expect("valid key deploys");
}

/// Verifiers are independent instances: a proof for one key is rejected by another key's
/// verifier, even with the same circuit shape ("one verifier per model version").
#[test]
fn proofs_do_not_cross_keys() {
    let f1 = fixture(2, 81);
    let f2 = fixture(2, 82);
    let mut evm = EmbeddedEvm::new();
    let v1 = evm::deploy_verifier(&mut evm, &f1.vk)
        .expect("deploy 1")
        .address;
    let v2 = evm::deploy_verifier(&mut evm, &f2.vk)
        .expect("deploy 2")
        .address;
    assert_ne!(v1, v2);
    let on = |evm: &mut EmbeddedEvm, v, f: &Fixture| {
        evm::verify_on(evm, v, &f.proof, &f.inputs)
            .expect("verify")
            .accepted
    };
    assert!(on(&mut evm, v1, &f1));
    assert!(on(&mut evm, v2, &f2));
    assert!(!on(&mut evm, v1, &f2));
    assert!(!on(&mut evm, v2, &f1));
}

/// A committed transaction and an `eth_call`-style view give the same answer and gas, and
/// transactions from other senders work (the embedded EVM tracks each sender's nonce).
#[test]
fn call_view_and_senders() {
    let f = fixture(1, 91);
    let mut d = deploy(&f);
    let data = valid_call(&f).abi_encode();
    let viewed = d.evm.view(d.verifier, &data).expect("view");
    let sent = d.evm.call(d.verifier, &data).expect("call");
    assert_eq!(viewed, sent);
    assert_eq!(sent.status, evm::CallStatus::Success);
    let other = Address::repeat_byte(0x42);
    for _ in 0..2 {
        let from_other = d
            .evm
            .call_from(other, d.verifier, &data)
            .expect("call_from");
        assert_eq!(from_other.output, sent.output);
    }
    assert_eq!(
        d.evm
            .view_from(other, d.verifier, &data)
            .expect("view_from")
            .output,
        sent.output
    );
    // A second deployment by the same sender lands at a new address.
    let again = evm::deploy_verifier(&mut d.evm, &f.vk).expect("redeploy");
    assert_ne!(again.address, d.verifier);
    assert_eq!(
        d.evm.code(again.address).expect("code"),
        d.evm.code(d.verifier).expect("code")
    );
    assert!(d.evm.code(other).expect("no code").is_empty());
}
