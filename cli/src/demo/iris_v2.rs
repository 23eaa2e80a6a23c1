//! The demo's model upgrade across families: after enrolling with v1 (the filter bank), the
//! publisher registers v2, an int8 TFLite network (`iris_v2.tflite`, or `iris_v2_small.tflite`
//! at the scaled size), and the phone re-enrolls to it from the same image: the record's version
//! and `C_code` change, `C_img` stays. The v1 proof offered for v2, and the v2 call replayed, are
//! refused by the registry.

use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_ff::PrimeField;
use zkbio_circuits::models::iris_tflite::{TfliteIrisModel, DEV_MODEL, DEV_MODEL_SMALL};
use zkbio_circuits::models::tflite::model_hash;
use zkbio_circuits::statements::iris_code::IrisCodeInput;
use zkbio_circuits::statements::iris_tflite::IrisTfliteStatement;
use zkbio_core::evm::EmbeddedEvm;
use zkbio_core::evm::EvmError;
use zkbio_core::groth16::Proof;
use zkbio_core::registry::BiometricRegistry as R;
use zkbio_core::registry::{binding, EmbeddedRegistry, ModelKind, Revert, B256};

use super::face::{keys, leave, prove_checked, FaceFiles};
use super::{evm_err, record_holds, DemoRegistry, DEMO_VERSION, EMBEDDED_CHAIN_ID};
use crate::artifacts::seed_from_text;
use crate::report::{phase, Measured};

/// The model version the demo re-enrolls to.
pub(super) const V2_VERSION: u32 = DEMO_VERSION + 1;

/// The development v2 network for a `rows x cols` image, if there is one of that size.
pub(super) fn model_for(rows: usize, cols: usize) -> Option<(&'static [u8], &'static str)> {
    [
        (DEV_MODEL, "iris_v2.tflite"),
        (DEV_MODEL_SMALL, "iris_v2_small.tflite"),
    ]
    .into_iter()
    .find(|(bytes, _)| {
        TfliteIrisModel::from_bytes(bytes, zkbio_circuits::models::iris_tflite::CodeRule::DEV)
            .is_ok_and(|m| (m.image_rows(), m.image_cols()) == (rows, cols))
    })
}

/// What the v1 enrollment left: its input (image, mask, `salt_img`), proof and public inputs.
pub(super) struct Enrolled<'a> {
    /// The v1 statement's input.
    pub input: &'a IrisCodeInput,
    /// The v1 proof.
    pub proof: &'a Proof<Bn254>,
    /// `[C_img, C_code, binding]` of the v1 proof.
    pub public: &'a [Fr],
}

/// What the upgrade changed, for the demo's summary.
pub(super) struct Upgraded {
    /// v2's `C_code`.
    pub c_code: Fr,
    /// v2's registry model hash (keccak256 of the `.tflite`).
    pub model_hash: [u8; 32],
    /// The circuit's constraint count.
    pub constraints: usize,
}

/// The upgrade steps (see the module docs); with `files.out`, leaves `iris-v2/` in `files.dir`
/// (`verification_key.json`, `proof.json`, `public.json`, `model.tflite`).
pub(super) fn run(
    (model_bytes, label): (&[u8], &str),
    enrolled: &Enrolled<'_>,
    reg: &DemoRegistry,
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    files: &FaceFiles<'_>,
    phases: &mut Vec<Measured>,
) -> Result<Upgraded, String> {
    let FaceFiles { dir, out, cache } = *files;
    let rule = zkbio_circuits::models::iris_tflite::CodeRule::DEV;
    let model = TfliteIrisModel::from_bytes(model_bytes, rule).map_err(|e| e.to_string())?;
    let hash = model_hash(model_bytes);
    println!(
        "  iris model v2: {label} (int8 TFLite, model hash 0x{}), code rule |out - zp| >= {}, {} valid pixels per cell",
        hex::encode(hash),
        rule.magnitude,
        rule.cell_min_valid
    );
    let statement = IrisTfliteStatement::new(model);
    let v2_keys = keys(
        "17. iris v2",
        "iris_v2.zpk",
        &statement,
        seed_from_text("zkbio demo iris v2"),
        dir,
        cache,
        phases,
    )?;
    let constraints = statement.constraint_counts().total();

    // The phone re-enrolls from the stored image, bound to the subject's current nonce.
    let subject = reg.subject.address();
    let nonce = registry
        .read(evm, R::noncesCall { wallet: subject })
        .map_err(|e| evm_err("nonces", e))?;
    let b = binding(EMBEDDED_CHAIN_ID, registry.contract.address, subject, nonce);
    let salt_code = Fr::from_be_bytes_mod_order(&seed_from_text("zkbio demo salt_code v2"));
    let input = enrolled.input.reenrollment(salt_code, b);
    let public = statement
        .public_inputs(&input)
        .map_err(|e| e.to_string())?
        .to_vec();
    if public[0] != enrolled.public[0] {
        return Err("v2's C_img differs from v1's for the same image".into());
    }
    let proof = prove_checked("18. iris v2", &statement, &input, &public, &v2_keys, phases)?;
    drop(input);
    if out {
        let v2_dir = dir.join("iris-v2");
        leave(&v2_dir, &v2_keys.vk, &proof, &public)?;
        write(&v2_dir.join("model.tflite"), model_bytes)?;
    }

    let (lines, m) = phase("19. reenroll to iris v2 (revm)", || {
        reenroll_step(
            reg,
            evm,
            registry,
            &v2_keys.vk,
            hash,
            enrolled,
            &proof,
            &public,
        )
    });
    phases.push(m);
    for line in lines? {
        println!("     {line}");
    }
    Ok(Upgraded {
        c_code: public[1],
        model_hash: hash,
        constraints,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// `what`'s call must revert; its decoded error, for the line to print.
fn must_revert(what: &str, sent: Result<u64, EvmError>) -> Result<String, String> {
    match sent {
        Err(EvmError::Reverted { output, gas_used }) => Ok(format!(
            "{what}: reverted with {} (gas {gas_used})",
            Revert::decode(&output)
        )),
        Ok(_) => Err(format!("{what} was accepted")),
        Err(e) => Err(evm_err(what, e)),
    }
}

/// Registers v2 (its verifier and model hash), offers the v1 proof for it (refused),
/// re-enrolls with the v2 proof, checks the record, and replays the call (refused).
#[allow(clippy::too_many_arguments)]
fn reenroll_step(
    reg: &DemoRegistry,
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    vk: &zkbio_core::groth16::VerifyingKey<Bn254>,
    model_hash: [u8; 32],
    enrolled: &Enrolled<'_>,
    proof: &Proof<Bn254>,
    public: &[Fr],
) -> Result<Vec<String>, String> {
    let word = zkbio_core::evm::abi::fr_word;
    let (owner, subject) = (reg.owner.address(), reg.subject.address());
    let mut lines = Vec::new();
    lines.push(super::register_model_version(
        evm,
        registry,
        owner,
        (ModelKind::Iris, V2_VERSION),
        B256::from(model_hash),
        vk,
    )?);

    // The v1 proof (and its C_code) offered as the v2 re-enrollment: v2's verifier refuses it.
    let old = registry
        .contract
        .reenroll(subject, V2_VERSION, enrolled.public[1], enrolled.proof);
    lines.push(must_revert(
        "reenroll to v2 with the v1 proof",
        registry.send(evm, subject, &old),
    )?);

    let tx = registry
        .contract
        .reenroll(subject, V2_VERSION, public[1], proof);
    let gas = registry
        .send(evm, subject, &tx)
        .map_err(|e| evm_err("reenroll", e))?;
    lines.push(format!(
        "reenroll(subject {subject}, version {V2_VERSION}) with the v2 proof: gas {gas}"
    ));
    let record = record_holds(
        evm,
        registry,
        subject,
        (enrolled.public[0], public[1], V2_VERSION),
        "reenroll",
    )?;
    if public[1] == enrolled.public[1] {
        return Err("v2's C_code equals v1's".into());
    }
    lines.push(format!(
        "record: iris version {} (was {DEMO_VERSION}), C_code {} (was {}), C_img unchanged",
        record.irisVersion,
        record.codeCommitment,
        word(&enrolled.public[1])
    ));
    lines.push(must_revert(
        "replayed reenroll",
        registry.send(evm, subject, &tx),
    )?);
    Ok(lines)
}
