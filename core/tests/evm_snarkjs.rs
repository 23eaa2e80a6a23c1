//! Differential test against snarkjs 0.7.6 (tools/js): for the same key and the same proofs,
//! valid and tampered, three independent verdicts must agree with ours:
//! - `snarkjs groth16 verify` (its JS verifier, through the API the CLI calls, and the CLI once);
//! - the Solidity verifier snarkjs exports for that key (`zkey export solidityverifier` renders
//!   its template with the key; we render the same template the same way), compiled with the
//!   pinned solc and run in the same embedded EVM as ours;
//! - and `snarkjs zkey export soliditycalldata` must print what `solidity_calldata` prints.
//!
//! snarkjs sees only JSON made from the words our contract receives, so a mistake in our
//! point encoding (e.g. G2 coordinate order) would make snarkjs and our contract disagree.

mod evm_support;

use std::path::Path;
use std::process::Command;

use alloy_primitives::{keccak256, Address, U256};
use alloy_sol_types::SolCall;
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField};
use ark_groth16::Proof;
use evm_support::{fixture, js_tools, Fixture};
use serde_json::{json, Value};
use zkbio_core::evm::abi::{self, g1_words, g2_words, Groth16Verifier};
use zkbio_core::evm::{self, EmbeddedEvm};

/// Runs snarkjs's JS verifier and calldata export on every case, and renders + compiles the
/// Solidity verifier snarkjs exports for the key. Module paths resolve from tools/js (the cwd).
const SNARKJS_SCRIPT: &str = r#"
const fs = require('fs');
const path = require('path');
const snarkjs = require('snarkjs');
const ejs = require('ejs');
const solc = require('solc');
(async () => {
  const req = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
  const verdicts = [];
  const calldata = [];
  for (const c of req.cases) {
    verdicts.push(await snarkjs.groth16.verify(req.vk, c.public, c.proof));
    calldata.push(await snarkjs.groth16.exportSolidityCallData(c.proof, c.public));
  }
  // What `snarkjs zkey export solidityverifier` does once it has the key out of the zkey.
  const tpl = path.join('node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs');
  const source = ejs.render(fs.readFileSync(tpl, 'utf8'), req.vk);
  const input = {
    language: 'Solidity',
    sources: { 'Verifier.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'paris',
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const bytecode = out.contracts['Verifier.sol']['Groth16Verifier'].evm.bytecode.object;
  fs.writeFileSync(process.argv[2], JSON.stringify({ verdicts, calldata, bytecode }));
  process.exit(0); // snarkjs keeps worker threads alive
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
"#;

fn g1_json(w: &[U256; 2]) -> Value {
    json!([w[0].to_string(), w[1].to_string(), "1"])
}

/// snarkjs JSON keeps G2 coordinates as [c0, c1], the reverse of the EIP-197 words.
fn g2_json(w: &[[U256; 2]; 2]) -> Value {
    json!([
        [w[0][1].to_string(), w[0][0].to_string()],
        [w[1][1].to_string(), w[1][0].to_string()],
        ["1", "0"]
    ])
}

fn vk_json(f: &Fixture) -> Value {
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": f.inputs.len(),
        "vk_alpha_1": g1_json(&g1_words(&f.vk.alpha_g1)),
        "vk_beta_2": g2_json(&g2_words(&f.vk.beta_g2)),
        "vk_gamma_2": g2_json(&g2_words(&f.vk.gamma_g2)),
        "vk_delta_2": g2_json(&g2_words(&f.vk.delta_g2)),
        "IC": f.vk.gamma_abc_g1.iter().map(|p| g1_json(&g1_words(p))).collect::<Vec<_>>(),
    })
}

fn proof_json(c: &Groth16Verifier::verifyProofCall) -> Value {
    json!({ "pi_a": g1_json(&c.a), "pi_b": g2_json(&c.b), "pi_c": g1_json(&c.c), "protocol": "groth16", "curve": "bn128" })
}

fn public_json(c: &Groth16Verifier::verifyProofCall) -> Value {
    json!(c
        .pubSignals
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>())
}

struct Case {
    name: String,
    call: Groth16Verifier::verifyProofCall,
    /// Set when the case is an ark proof, so `solidity_calldata` can print it.
    ark: Option<(Proof<Bn254>, Vec<Fr>)>,
    valid: bool,
}

use ark_bn254::Bn254;

fn cases(f: &Fixture) -> Vec<Case> {
    let from_ark = |name: &str, proof: Proof<Bn254>, inputs: Vec<Fr>, valid: bool| Case {
        name: name.to_owned(),
        call: abi::verify_proof_call(&proof, &inputs),
        ark: Some((proof, inputs)),
        valid,
    };
    let edited = |name: &str, edit: &dyn Fn(&mut Groth16Verifier::verifyProofCall)| {
        let mut call = abi::verify_proof_call(&f.proof, &f.inputs);
        edit(&mut call);
        Case {
            name: name.to_owned(),
            call,
            ark: None,
            valid: false,
        }
    };
    let p = &f.proof;
    let mut out = vec![from_ark("valid", p.clone(), f.inputs.clone(), true)];
    for i in 0..f.inputs.len() {
        let mut inputs = f.inputs.clone();
        inputs[i] += Fr::one();
        out.push(from_ark(
            &format!("input {i} + 1"),
            p.clone(),
            inputs,
            false,
        ));
    }
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    out.push(from_ark(
        "A + G1",
        Proof {
            a: (p.a + g1).into_affine(),
            ..p.clone()
        },
        f.inputs.clone(),
        false,
    ));
    out.push(from_ark(
        "B + G2",
        Proof {
            b: (p.b + g2).into_affine(),
            ..p.clone()
        },
        f.inputs.clone(),
        false,
    ));
    out.push(from_ark(
        "C + G1",
        Proof {
            c: (p.c + g1).into_affine(),
            ..p.clone()
        },
        f.inputs.clone(),
        false,
    ));
    let r = U256::from_limbs(<Fr as PrimeField>::MODULUS.0);
    out.push(edited("input 0 + r", &|c| c.pubSignals[0] += r));
    out.push(edited("A off the curve", &|c| c.a[1] += U256::from(1)));
    out.push(edited("C off the curve", &|c| c.c[0] += U256::from(1)));
    out.push(edited("B with c0/c1 swapped", &|c| {
        c.b = [[c.b[0][1], c.b[0][0]], [c.b[1][1], c.b[1][0]]];
    }));
    out
}

/// Call data for snarkjs's verifier, whose inputs are a fixed-size `uint[N]` (so its selector
/// depends on N and the array is inline).
fn snarkjs_calldata(c: &Groth16Verifier::verifyProofCall) -> Vec<u8> {
    let sig = format!(
        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{}])",
        c.pubSignals.len()
    );
    let mut data = keccak256(sig.as_bytes())[..4].to_vec();
    let words =
        c.a.iter()
            .chain(c.b.iter().flatten())
            .chain(c.c.iter())
            .chain(c.pubSignals.iter());
    for w in words {
        data.extend(w.to_be_bytes::<32>());
    }
    data
}

fn run_snarkjs(dir: &Path, vk: &Value, cases: &[Case]) -> Value {
    let req = json!({
        "vk": vk,
        "cases": cases.iter().map(|c| json!({ "proof": proof_json(&c.call), "public": public_json(&c.call) })).collect::<Vec<_>>(),
    });
    let req_path = dir.join("request.json");
    let out_path = dir.join("response.json");
    std::fs::write(&req_path, req.to_string()).expect("write request");
    let run = Command::new("node")
        .current_dir(js_tools())
        .arg("-e")
        .arg(SNARKJS_SCRIPT)
        .arg(&req_path)
        .arg(&out_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run node ({e}): install Node.js, then run npm ci --prefix tools/js")
        });
    assert!(
        run.status.success(),
        "snarkjs script failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out_path).expect("response"))
        .expect("response JSON")
}

fn work_dir(tag: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("evm_snarkjs_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

/// Our verdict and snarkjs's exported verifier's, both in the embedded EVM.
fn evm_verdicts(
    evm: &mut EmbeddedEvm,
    ours: Address,
    theirs: Address,
    c: &Case,
) -> (bool, bool, u64, u64) {
    let mine = evm::verify_calldata_on(evm, ours, &c.call.abi_encode())
        .unwrap_or_else(|e| panic!("{}: our verifier failed: {e}", c.name));
    let out = evm
        .view(theirs, &snarkjs_calldata(&c.call))
        .expect("snarkjs verifier call");
    assert_eq!(
        out.status,
        evm::CallStatus::Success,
        "{}: snarkjs's verifier did not return",
        c.name
    );
    let theirs_ok =
        Groth16Verifier::verifyProofCall::abi_decode_returns(&out.output).expect("bool");
    (mine.accepted, theirs_ok, mine.gas_used, out.gas_used)
}

#[test]
fn agrees_with_snarkjs() {
    for n in [1usize, 2, 3] {
        let f = fixture(n, 100 + n as u64);
        let dir = work_dir(&n.to_string());
        let vk = vk_json(&f);
        let cases = cases(&f);
        let js = run_snarkjs(&dir, &vk, &cases);

        let mut chain = EmbeddedEvm::new();
        let ours = evm::deploy_verifier(&mut chain, &f.vk).expect("deploy ours");
        let code = hex::decode(js["bytecode"].as_str().expect("bytecode")).expect("hex");
        let theirs = chain.deploy(&code).expect("deploy snarkjs's verifier");

        for (i, c) in cases.iter().enumerate() {
            let snarkjs_js = js["verdicts"][i].as_bool().expect("verdict");
            let (mine, theirs_v, my_gas, their_gas) =
                evm_verdicts(&mut chain, ours.address, theirs.address, c);
            assert_eq!(
                snarkjs_js, c.valid,
                "n={n} {}: snarkjs verify says {snarkjs_js}",
                c.name
            );
            assert_eq!(
                theirs_v, c.valid,
                "n={n} {}: snarkjs's Solidity verifier says {theirs_v}",
                c.name
            );
            assert_eq!(mine, c.valid, "n={n} {}: our contract says {mine}", c.name);
            if let Some((proof, inputs)) = &c.ark {
                assert_eq!(
                    js["calldata"][i].as_str().expect("calldata"),
                    evm::solidity_calldata(proof, inputs),
                    "n={n} {}: soliditycalldata differs",
                    c.name
                );
            }
            if c.valid {
                eprintln!(
                    "n={n}: verifyProof gas ours {my_gas}, snarkjs's {their_gas}; deploy gas ours {}, snarkjs's {}",
                    ours.gas_used, theirs.gas_used
                );
            }
        }

        // Where the two contracts differ by design: snarkjs's fixed-size input array makes a
        // short call revert in the ABI decoder; ours returns false.
        let mut short = abi::verify_proof_call(&f.proof, &f.inputs);
        short.pubSignals.pop();
        let out = chain
            .view(theirs.address, &snarkjs_calldata(&short))
            .expect("call");
        assert_eq!(
            out.status,
            evm::CallStatus::Revert,
            "n={n}: snarkjs's verifier on short call data"
        );
        assert!(
            !evm::verify_calldata_on(&mut chain, ours.address, &short.abi_encode())
                .expect("ours")
                .accepted
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The `snarkjs groth16 verify` command itself (one valid and one tampered proof).
#[test]
fn snarkjs_cli_agrees() {
    let f = fixture(3, 200);
    let dir = work_dir("cli");
    std::fs::write(dir.join("vk.json"), vk_json(&f).to_string()).expect("vk");
    let bad = Proof {
        c: (f.proof.c + G1Affine::generator()).into_affine(),
        ..f.proof.clone()
    };
    for (proof, want) in [(&f.proof, true), (&bad, false)] {
        let call = abi::verify_proof_call(proof, &f.inputs);
        std::fs::write(dir.join("proof.json"), proof_json(&call).to_string()).expect("proof");
        std::fs::write(dir.join("public.json"), public_json(&call).to_string()).expect("public");
        let run = Command::new(js_tools().join("node_modules/.bin/snarkjs"))
            .current_dir(&dir)
            .args(["groth16", "verify", "vk.json", "public.json", "proof.json"])
            .output()
            .expect("run snarkjs");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            run.status.success(),
            want,
            "snarkjs groth16 verify: {stdout}"
        );
        assert_eq!(stdout.contains("OK!"), want, "{stdout}");
        assert_eq!(
            evm::deploy_and_verify(&f.vk, proof, &f.inputs)
                .expect("ours")
                .accepted,
            want
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
