//! `zkbio setup | prove | verify | export | import-zkey`.

use crate::artifacts::{
    io_err, read_proof, read_public, read_vk, seed_from_text, write_proof, write_public, write_vk,
};
use crate::output;
use crate::report::{step_progress, ConsoleProgress};
use crate::statement::{InputArgs, Statement};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::json::public_to_json;
use zkbio_circuits::circom::{
    r1cs as r1cs_file, wtns, BinFileError, FormatError, Ptau, PtauError, Zkey,
};
use zkbio_core::evm;
use zkbio_core::groth16::key_file::{key_to_bytes_with_origin, MappedKey};
use zkbio_core::groth16::verifier::VerifyError;
use zkbio_core::groth16::zkey_convert::{from_zkey, from_zkey_insecure_dev, to_zkey};
use zkbio_core::groth16::{dev_setup_insecure_with_progress, prove, verify, KeyOrigin};

/// `zkbio setup`: an INSECURE development setup.
#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// Statement: `iris`, `iris-full`, `iris-scaled`, `iris-full-scaled`, `image-opening` or
    /// `image-opening:RxC`.
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// Seed text (the key is a deterministic function of it: INSECURE, for development only).
    #[arg(long)]
    pub seed: String,
    /// Output directory: circuit.zpk and verification_key.json.
    #[arg(long)]
    pub out: PathBuf,
}

/// `zkbio prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// Statement the key was made for.
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// Proving key (.zpk).
    #[arg(long)]
    pub key: PathBuf,
    /// Output directory: proof.json and public.json.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

/// `zkbio verify` (its exit codes are documented on the command, `zkbio verify --help`).
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// verification_key.json (snarkjs format).
    #[arg(long)]
    pub vk: PathBuf,
    /// proof.json (snarkjs format).
    #[arg(long)]
    pub proof: PathBuf,
    /// public.json (snarkjs format).
    #[arg(long)]
    pub public: PathBuf,
    /// Also verify with the Solidity verifier in an embedded EVM.
    #[arg(long)]
    pub evm: bool,
}

/// `zkbio export …`.
#[derive(Subcommand, Debug)]
pub enum ExportCmd {
    /// The circuit as circom `.r1cs`.
    R1cs {
        /// Statement.
        #[arg(long, default_value = "iris")]
        circuit: Statement,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// A witness as circom `.wtns`.
    Wtns {
        /// Statement.
        #[arg(long, default_value = "iris")]
        circuit: Statement,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        input: InputArgs,
    },
    /// A `.zpk` proving key as a snarkjs `.zkey`.
    Zkey {
        /// Statement the key was made for.
        #[arg(long, default_value = "iris")]
        circuit: Statement,
        /// Proving key (.zpk).
        #[arg(long)]
        key: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// The verification key (snarkjs `verification_key.json`).
    Vk {
        /// Proving key (.zpk).
        #[arg(long)]
        key: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// An iris model's canonical file (its keccak256 is the model hash).
    IrisModel(crate::iris_code::ExportModelArgs),
    /// The Solidity verifier: source, ABI, and the deployment init code for this key.
    Solidity {
        /// Proving key (.zpk).
        #[arg(long)]
        key: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `zkbio import-zkey`: a snarkjs `.zkey` (e.g. from a phase-2 ceremony) to `.zpk`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Statement the key must belong to (its coefficients are checked against it).
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// snarkjs .zkey.
    #[arg(long)]
    pub zkey: PathBuf,
    /// The prepared powers of tau (`.ptau`) the key was made from: the whole key is checked
    /// against it and the circuit, as `snarkjs zkey verify` does. Required unless
    /// `--insecure-dev-key`.
    #[arg(long)]
    pub ptau: Option<PathBuf>,
    /// Output .zpk.
    #[arg(long)]
    pub out: PathBuf,
    /// Accept a key with no phase-2 contribution and no ptau (e.g. `zkbio export zkey` of a
    /// development key) and mark the .zpk as an INSECURE development key; only the coefficients
    /// and the key's structure are checked. A forgeable key (δ = γ) is refused regardless.
    #[arg(long)]
    pub insecure_dev_key: bool,
}

/// The verifier's Solidity source, as compiled into the embedded artifact (a test checks they match).
const VERIFIER_SOURCE: &str = include_str!("../../contracts/src/Groth16Verifier.sol");

fn r1cs_of(stmt: &Statement) -> Result<zkbio_circuits::builder::R1cs, String> {
    stmt.r1cs()
}

pub(crate) fn mkdir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))
}

/// The INSECURE development setup of `r1cs` from `seed`, written to `out` as `circuit.zpk` and
/// `verification_key.json`, both marked as development keys. Returns the key's path and bytes.
pub(crate) fn write_dev_setup(
    r1cs: &R1cs,
    seed: &str,
    out: &Path,
) -> Result<(PathBuf, Vec<u8>), String> {
    let pk = dev_setup_insecure_with_progress(r1cs, seed_from_text(seed), &step_progress())
        .map_err(|e| e.to_string())?;
    mkdir(out)?;
    let path = out.join("circuit.zpk");
    let bytes = key_to_bytes_with_origin(&pk, r1cs.constraints.len(), KeyOrigin::InsecureDev)
        .map_err(|e| e.to_string())?;
    crate::progress::write_file("key export", &path, &bytes).map_err(|e| io_err(&path, e))?;
    write_vk(
        &out.join("verification_key.json"),
        &pk.vk,
        KeyOrigin::InsecureDev,
    )?;
    Ok((path, bytes))
}

/// Warns on stderr that a setup from a seed makes a forgeable key (every seeded setup says it).
pub(crate) fn warn_insecure_setup() {
    eprintln!(
        "WARNING: development setup from a seed: INSECURE, anyone with the seed can forge proofs"
    );
}

/// Runs `zkbio setup`.
pub fn setup(a: SetupArgs) -> Result<(), String> {
    warn_insecure_setup();
    let r1cs = r1cs_of(&a.circuit)?;
    eprintln!(
        "{}: {} constraints; running setup ...",
        a.circuit,
        r1cs.constraints.len()
    );
    let (path, bytes) = write_dev_setup(&r1cs, &a.seed, &a.out)?;
    let sha3 = hex::encode(zkbio_core::groth16::key_file::digest(&bytes));
    println!(
        "{} ({} bytes, sha3-256 {sha3})",
        path.display(),
        bytes.len()
    );
    output::result(json!({
        "command": "setup",
        "circuit": a.circuit.to_string(),
        "constraints": r1cs.constraints.len(),
        "key": path,
        "key_bytes": bytes.len(),
        "key_sha3_256": sha3,
        "verification_key": a.out.join("verification_key.json"),
        "insecure_dev_key": true,
    }));
    Ok(())
}

/// Runs `zkbio prove`.
pub fn prove_cmd(a: ProveArgs) -> Result<(), String> {
    let key = MappedKey::open(&a.key).map_err(|e| io_err(&a.key, e))?;
    let prepared = a.input.prepare(&a.circuit)?;
    let public = prepared.public.clone();
    let w = prepared.witness()?;
    let proof = prove(
        &key.view(),
        w,
        &mut rand::rngs::OsRng,
        &ConsoleProgress::new(),
    )
    .map_err(|e| e.to_string())?;
    mkdir(&a.out)?;
    let (proof_path, public_path) = (a.out.join("proof.json"), a.out.join("public.json"));
    write_proof(&proof_path, &proof)?;
    write_public(&public_path, &public)?;
    println!("proof written to {}", a.out.display());
    output::result(json!({
        "command": "prove",
        "circuit": a.circuit.to_string(),
        "proof": proof_path,
        "public": public_path,
        "public_inputs": public_to_json(&public),
    }));
    Ok(())
}

/// Runs `zkbio verify`; `Ok(false)` means the proof was rejected.
pub fn verify_cmd(a: VerifyArgs) -> Result<bool, String> {
    verify_as("verify", a)
}

/// Runs a verification as `command` (`verify`, `model verify`), the name its `--json` result
/// carries; `Ok(false)` means the proof was rejected.
pub(crate) fn verify_as(command: &str, a: VerifyArgs) -> Result<bool, String> {
    let vk = read_vk(&a.vk)?;
    let proof = read_proof(&a.proof)?;
    let public = read_public(&a.public)?;
    let mut reason = None;
    let ok = match verify(&vk, &proof, &public) {
        Ok(()) => {
            println!("OK: the proof verifies (Rust verifier)");
            true
        }
        // A forgeable key is a verdict on what was given, like a failed pairing: nothing
        // verified under it means anything.
        Err(e @ (VerifyError::Rejected | VerifyError::UnsafeKey(_))) => {
            println!("REJECTED: {e}");
            reason = Some(e.to_string());
            false
        }
        // The same class as a point off the curve, which fails already when reading.
        Err(e @ (VerifyError::PublicInputCount { .. } | VerifyError::InvalidPoint(_))) => {
            return Err(format!("unusable input: {e}"));
        }
    };
    if a.evm {
        let v = evm::deploy_and_verify(&vk, &proof, &public).map_err(|e| e.to_string())?;
        println!(
            "EVM verifier: {} (gas {})",
            if v.accepted { "OK" } else { "REJECTED" },
            v.gas_used
        );
        output::result(json!({
            "command": command,
            "valid": ok && v.accepted,
            "rust": ok,
            "reason": reason,
            "evm": { "accepted": v.accepted, "gas": v.gas_used },
        }));
        return Ok(ok && v.accepted);
    }
    output::result(json!({
        "command": command,
        "valid": ok,
        "rust": ok,
        "reason": reason,
        "evm": null,
    }));
    Ok(ok)
}

/// Runs `zkbio export …`.
pub fn export(cmd: ExportCmd) -> Result<(), String> {
    match cmd {
        ExportCmd::R1cs { circuit, out } => {
            let bytes = r1cs_file::to_bytes(&r1cs_of(&circuit)?).map_err(|e| e.to_string())?;
            std::fs::write(&out, bytes).map_err(|e| io_err(&out, e))?;
            exported("r1cs", &out)
        }
        ExportCmd::Wtns {
            circuit,
            out,
            input,
        } => {
            let w = input.prepare(&circuit)?.witness()?;
            let bytes = wtns::to_bytes(&w.wires).map_err(|e| e.to_string())?;
            std::fs::write(&out, bytes).map_err(|e| io_err(&out, e))?;
            exported("wtns", &out)
        }
        ExportCmd::Zkey { circuit, key, out } => {
            let pk = MappedKey::open(&key)
                .map_err(|e| io_err(&key, e))?
                .view()
                .to_proving_key();
            let z = to_zkey(&pk, &r1cs_of(&circuit)?);
            let f = std::fs::File::create(&out).map_err(|e| io_err(&out, e))?;
            z.write(&mut std::io::BufWriter::new(f))
                .map_err(|e| io_err(&out, e))?;
            exported("zkey", &out)
        }
        ExportCmd::Vk { key, out } => {
            let mapped = MappedKey::open(&key).map_err(|e| io_err(&key, e))?;
            let view = mapped.view();
            write_vk(&out, &view.verifying_key(), view.origin())?;
            exported("vk", &out)
        }
        ExportCmd::IrisModel(a) => crate::iris_code::export_model(a),
        ExportCmd::Solidity { key, out } => {
            let mapped = MappedKey::open(&key).map_err(|e| io_err(&key, e))?;
            if mapped.view().origin() == KeyOrigin::InsecureDev {
                eprintln!("WARNING: {} is an INSECURE development key: anyone with its seed can forge proofs for this verifier", key.display());
            }
            let vk = mapped.view().verifying_key();
            mkdir(&out)?;
            let init = evm::verifier_init_code(&vk).map_err(|e| e.to_string())?;
            let src = out.join("Groth16Verifier.sol");
            std::fs::write(&src, VERIFIER_SOURCE).map_err(|e| io_err(&src, e))?;
            let abi = out.join("Groth16Verifier.abi.json");
            let artifact: serde_json::Value = serde_json::from_str(evm::VERIFIER_ARTIFACT_JSON)
                .map_err(|e| format!("embedded verifier artifact: {e}"))?;
            crate::artifacts::write_json(&abi, &artifact["abi"])?;
            let init_path = out.join("deploy.initcode.hex");
            std::fs::write(&init_path, format!("0x{}\n", hex::encode(init)))
                .map_err(|e| io_err(&init_path, e))?;
            println!(
                "wrote {}, {} and {} (creation code + this key's constructor arguments)",
                src.display(),
                abi.display(),
                init_path.display()
            );
            output::result(json!({
                "command": "export solidity",
                "source": src,
                "abi": abi,
                "init_code": init_path,
            }));
            Ok(())
        }
    }
}

/// The result of an export that wrote one file: its path and size (`--json` only; the human
/// output of these exports stays silent, as before).
fn exported(format: &str, out: &Path) -> Result<(), String> {
    let bytes = std::fs::metadata(out).map_err(|e| io_err(out, e))?.len();
    output::result(json!({
        "command": format!("export {format}"),
        "out": out,
        "bytes": bytes,
    }));
    Ok(())
}

/// `e` for people: a wrong file type shows its magic bytes in hex (and as text when printable),
/// not as a list of decimal bytes.
pub(crate) fn format_error(e: &FormatError) -> String {
    match e {
        FormatError::Container(BinFileError::BadMagic { expected, found }) => format!(
            "not a {} file: it starts with {}, not {}",
            String::from_utf8_lossy(expected),
            magic(found),
            magic(expected)
        ),
        e => e.to_string(),
    }
}

/// `0x7a6b6579 ("zkey")`; the text only if every byte is printable ASCII.
fn magic(bytes: &[u8; 4]) -> String {
    let hex = format!("0x{}", hex::encode(bytes));
    if bytes.iter().all(|b| b.is_ascii_graphic()) {
        format!("{hex} (\"{}\")", String::from_utf8_lossy(bytes))
    } else {
        hex
    }
}

/// Runs `zkbio import-zkey`.
pub fn import_zkey(a: ImportArgs) -> Result<(), String> {
    let bytes = std::fs::read(&a.zkey).map_err(|e| io_err(&a.zkey, e))?;
    let z = Zkey::from_bytes(&bytes).map_err(|e| io_err(&a.zkey, format_error(&e)))?;
    let r1cs = r1cs_of(&a.circuit)?;
    let (pk, origin) = if a.insecure_dev_key {
        let pk = from_zkey_insecure_dev(&z, &r1cs).map_err(|e| io_err(&a.zkey, e))?;
        eprintln!("WARNING: imported as an INSECURE development key (marked in the .zpk)");
        (pk, KeyOrigin::InsecureDev)
    } else {
        // Without the ptau only the A/B coefficients could be checked, and every model constant
        // lives in C: a key for another version of the model would import. So there is no
        // ceremony import without it (a key we exported ourselves needs no import: keep its .zpk).
        let ptau_path = a.ptau.as_ref().ok_or(
            "refusing to import without --ptau: the model's constants live in the key's L and H \
             points, which can only be checked against the circuit with the powers of tau the key \
             was made from (pass the prepared .ptau of the ceremony)",
        )?;
        let file = std::fs::File::open(ptau_path).map_err(|e| io_err(ptau_path, e))?;
        // SAFETY: the map is read-only and private to this process; a ceremony ptau is large
        // (4.8 GB at power 22), and only the blocks for this circuit's domain are read.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_err(ptau_path, e))?;
        let ptau = Ptau::from_bytes(&map).map_err(|e| match e {
            PtauError::Format(f) => {
                io_err(ptau_path, format!("powers of tau: {}", format_error(&f)))
            }
            e => io_err(ptau_path, e),
        })?;
        let pk = from_zkey(&z, &r1cs, &ptau).map_err(|e| io_err(&a.zkey, e))?;
        println!(
            "verified {} against the circuit and {}",
            a.zkey.display(),
            ptau_path.display()
        );
        (pk, KeyOrigin::External)
    };
    let bytes = key_to_bytes_with_origin(&pk, r1cs.constraints.len(), origin)
        .map_err(|e| io_err(&a.out, e))?;
    crate::progress::write_file("key export", &a.out, &bytes).map_err(|e| io_err(&a.out, e))?;
    println!("imported {} -> {}", a.zkey.display(), a.out.display());
    output::result(json!({
        "command": "import-zkey",
        "zkey": a.zkey,
        "key": a.out,
        "key_bytes": bytes.len(),
        "key_sha3_256": hex::encode(zkbio_core::groth16::key_file::digest(&bytes)),
        "insecure_dev_key": origin == KeyOrigin::InsecureDev,
    }));
    Ok(())
}
