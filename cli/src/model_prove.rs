//! `zkbio model setup | prove | verify`: the generic model statement ("I know an input opening
//! `C_in`, and this model's output on it opens `C_out`", bound to `binding`; public inputs
//! `[C_in, C_out, binding]`, docs/PROTOCOL.md "Model statement") for any supported `.tflite`.

use crate::artifacts::{io_err, write_json, write_proof, write_public};
use crate::commands::{mkdir, verify_as, VerifyArgs};
use crate::report::ConsoleProgress;
use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkbio_circuits::circom::json::{public_from_json, public_to_json};
use zkbio_circuits::models::tflite::circuit::OpCost;
use zkbio_circuits::models::tflite::npy::{self, NpyArray, NpyData};
use zkbio_circuits::models::tflite::Model;
use zkbio_circuits::statements::model_io::ModelIo;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::key_file::MappedKey;
use zkbio_core::groth16::{prove, verify};

/// `zkbio model setup`: an INSECURE development setup for one model's statement.
#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// The `.tflite` file (full-integer int8); the circuit is derived from its bytes alone.
    #[arg(long)]
    pub model: PathBuf,
    /// Seed text (the key is a deterministic function of it: INSECURE, for development only).
    #[arg(long)]
    pub seed: String,
    /// Output directory: circuit.zpk and verification_key.json.
    #[arg(long)]
    pub out: PathBuf,
}

/// `zkbio model prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The `.tflite` file the key was made for.
    #[arg(long)]
    pub model: PathBuf,
    /// Proving key (.zpk) from `zkbio model setup`.
    #[arg(long)]
    pub key: PathBuf,
    /// Input tensor: a `.npy` file of int8 in the model input's shape (NHWC).
    #[arg(long)]
    pub input: PathBuf,
    /// Output directory: proof.json, public.json, output.npy and opening.json (the salts).
    #[arg(long)]
    pub out: PathBuf,
    /// Salt of `C_in` (decimal field element); random if absent.
    #[arg(long)]
    pub salt_in: Option<String>,
    /// Salt of `C_out` (decimal field element); random if absent.
    #[arg(long)]
    pub salt_out: Option<String>,
    /// The binding public input (decimal field element, see docs/PROTOCOL.md "Binding").
    #[arg(long, default_value = "0")]
    pub binding: String,
}

/// `zkbio model verify`: as `zkbio verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyModelArgs {
    /// verification_key.json (snarkjs format).
    #[arg(long)]
    pub vk: PathBuf,
    /// proof.json (snarkjs format).
    #[arg(long)]
    pub proof: PathBuf,
    /// public.json (snarkjs format): `[C_in, C_out, binding]`.
    #[arg(long)]
    pub public: PathBuf,
    /// Also verify with the Solidity verifier in an embedded EVM.
    #[arg(long)]
    pub evm: bool,
}

/// Loads and validates a model, and compiles its statement.
pub fn statement(path: &Path) -> Result<ModelIo, String> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let model = Model::from_bytes(&bytes).map_err(|e| io_err(path, e))?;
    ModelIo::new(Arc::new(model)).map_err(|e| io_err(path, e))
}

/// The constraint cost of each operator (for `zkbio model inspect`).
pub fn op_costs(model: &Model) -> Result<Vec<OpCost>, String> {
    zkbio_circuits::models::tflite::circuit::constraint_table(model).map_err(|e| e.to_string())
}

fn field(text: &str, what: &str) -> Result<Fr, String> {
    public_from_json(&[text.to_owned()])
        .map(|v| v[0])
        .map_err(|e| format!("--{what}: {e}"))
}

/// Runs `zkbio model setup`.
pub fn setup(a: SetupArgs) -> Result<(), String> {
    crate::commands::warn_insecure_setup();
    let stmt = statement(&a.model)?;
    let r1cs = stmt.to_r1cs().map_err(|e| e.to_string())?;
    eprintln!(
        "{}: {} constraints; running setup ...",
        a.model.display(),
        r1cs.constraints.len()
    );
    let (path, bytes) = crate::commands::write_dev_setup(&r1cs, &a.seed, &a.out)?;
    println!(
        "{} ({} bytes, model hash 0x{})",
        path.display(),
        bytes.len(),
        hex::encode(stmt.model().hash)
    );
    crate::output::result(serde_json::json!({
        "command": "model setup",
        "model": a.model,
        "model_hash": format!("0x{}", hex::encode(stmt.model().hash)),
        "constraints": r1cs.constraints.len(),
        "key": path,
        "key_bytes": bytes.len(),
        "key_sha3_256": hex::encode(zkbio_core::groth16::key_file::digest(&bytes)),
        "verification_key": a.out.join("verification_key.json"),
        "insecure_dev_key": true,
    }));
    Ok(())
}

fn read_input(path: &Path, model: &Model) -> Result<Vec<i8>, String> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let x = npy::read(&bytes).map_err(|e| io_err(path, e))?;
    let want = &model.input_tensor().shape;
    if &x.shape != want {
        return Err(io_err(
            path,
            format!("shape {:?}, the model input is {want:?}", x.shape),
        ));
    }
    match x.data {
        NpyData::I8(v) => Ok(v),
        other => Err(io_err(
            path,
            format!("dtype {}, the model input is int8", other.dtype_name()),
        )),
    }
}

/// Runs `zkbio model prove`: the proof is verified against the key's verifying key before
/// anything is written.
pub fn prove_cmd(a: ProveArgs) -> Result<(), String> {
    let stmt = statement(&a.model)?;
    let key = MappedKey::open(&a.key).map_err(|e| io_err(&a.key, e))?;
    let x = read_input(&a.input, stmt.model())?;
    let mut rng = rand::rngs::OsRng;
    let salt = |arg: &Option<String>, what: &str, rng: &mut rand::rngs::OsRng| match arg {
        Some(t) => field(t, what),
        None => Ok(Fr::rand(rng)),
    };
    let salt_in = salt(&a.salt_in, "salt-in", &mut rng)?;
    let salt_out = salt(&a.salt_out, "salt-out", &mut rng)?;
    let binding = field(&a.binding, "binding")?;
    let input = stmt
        .input(x, salt_in, salt_out, binding)
        .map_err(|e| io_err(&a.input, e))?;
    let output = stmt.output(&input);
    let public = stmt.public_inputs(&input);
    let witness = stmt.witness(&input).map_err(|e| e.to_string())?;
    let view = key.view();
    let proof =
        prove(&view, witness, &mut rng, &ConsoleProgress::new()).map_err(|e| io_err(&a.key, e))?;
    verify(&view.verifying_key(), &proof, &public).map_err(|e| {
        io_err(
            &a.key,
            format!(
                "the proof does not verify against this key ({e}): was it made for this model?"
            ),
        )
    })?;
    mkdir(&a.out)?;
    write_proof(&a.out.join("proof.json"), &proof)?;
    write_public(&a.out.join("public.json"), &public)?;
    let y = NpyArray {
        shape: stmt.model().output_tensor().shape.clone(),
        data: NpyData::I8(output),
    };
    let out_npy = a.out.join("output.npy");
    std::fs::write(&out_npy, npy::write(&y)).map_err(|e| io_err(&out_npy, e))?;
    let salts = public_to_json(&[salt_in, salt_out]);
    let opening = a.out.join("opening.json");
    write_json(
        &opening,
        &serde_json::json!({ "salt_in": salts[0], "salt_out": salts[1] }),
    )?;
    println!("proof written to {}", a.out.display());
    // The salts stay in opening.json: they open the commitments, which a log need not.
    crate::output::result(serde_json::json!({
        "command": "model prove",
        "model": a.model,
        "proof": a.out.join("proof.json"),
        "public": a.out.join("public.json"),
        "public_inputs": public_to_json(&public),
        "output": out_npy,
        "opening": opening,
    }));
    Ok(())
}

/// Runs `zkbio model verify`; `Ok(false)` means the proof was rejected.
pub fn verify_model_cmd(a: VerifyModelArgs) -> Result<bool, String> {
    verify_as(
        "model verify",
        VerifyArgs {
            vk: a.vk,
            proof: a.proof,
            public: a.public,
            evm: a.evm,
        },
    )
}
