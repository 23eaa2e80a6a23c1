//! `zkbio groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json`: rapidsnark's command
//! line, for any circom circuit (see [`zkbio_core::groth16::circom_prove`]); and `zkbio groth16
//! setup CIRCUIT.r1cs CIRCUIT.zkey --insecure-seed TEXT`, a development key for one, so a circom
//! user can try the prover (or benchmark it against rapidsnark and snarkjs) without first making
//! a powers of tau: snarkjs's phase 1 and `prepare phase2` at 2^20 take over an hour on two cores.

use crate::artifacts::{io_err, seed_from_text, write_proof, write_public, write_vk};
use crate::commands::format_error;
use crate::report::step_progress;
use crate::report::ConsoleProgress;
use clap::Subcommand;
use std::path::PathBuf;
use zkbio_circuits::circom::{r1cs as r1cs_file, wtns, ZkeyView};
use zkbio_core::groth16::circom_prove::{check_witness_r1cs, prove_zkey};
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{dev_setup_insecure_with_progress, KeyOrigin};

/// `zkbio groth16 …`: snarkjs/rapidsnark-compatible commands on circom files.
#[derive(Subcommand, Debug)]
pub enum Groth16Cmd {
    /// Prove from a snarkjs .zkey and a circom .wtns (rapidsnark's command line); writes
    /// proof.json and public.json as snarkjs does.
    ///
    /// A .zkey holds no C matrix, so a witness that does not satisfy the circuit is found when
    /// the prover verifies its own proof (nothing is written then); with --r1cs the witness is
    /// checked against every constraint before any proving work.
    Prove(ProveArgs),
    /// INSECURE development setup of a circom .r1cs from a seed: a snarkjs .zkey (snarkjs and
    /// rapidsnark prove with it) and its verification_key.json. Anyone who knows the seed can
    /// forge proofs: for trying and benchmarking a circuit, never for a deployment (use a
    /// phase-2 ceremony and `zkbio import-zkey`).
    Setup(SetupArgs),
}

/// Arguments of `zkbio groth16 setup`.
#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// The circuit (circom .r1cs).
    pub r1cs: PathBuf,
    /// Where to write the proving key (snarkjs .zkey).
    pub zkey: PathBuf,
    /// Seed text: the key is a deterministic function of it (INSECURE, development only).
    #[arg(long)]
    pub insecure_seed: String,
    /// Where to write the verification key (snarkjs verification_key.json); by default
    /// `verification_key.json` beside the .zkey.
    #[arg(long)]
    pub vk: Option<PathBuf>,
}

/// Arguments of `zkbio groth16 prove`, in rapidsnark's order.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The circuit's proving key (snarkjs .zkey).
    pub zkey: PathBuf,
    /// The witness (circom .wtns).
    pub wtns: PathBuf,
    /// Where to write proof.json.
    pub proof: PathBuf,
    /// Where to write public.json.
    pub public: PathBuf,
    /// The circuit's .r1cs: check the witness against every constraint before proving.
    #[arg(long)]
    pub r1cs: Option<PathBuf>,
}

/// Runs `zkbio groth16 …`.
pub fn run(cmd: Groth16Cmd) -> Result<(), String> {
    match cmd {
        Groth16Cmd::Prove(a) => prove(a),
        Groth16Cmd::Setup(a) => setup(a),
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| io_err(path, e))
}

/// Maps `path` read-only: the prover reads the key's points where they lie, so the key costs
/// page cache (shared, reclaimable), not the process's own memory.
fn map(path: &PathBuf) -> Result<memmap2::Mmap, String> {
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    // SAFETY: read-only map of a file this command only reads; like every mmap reader, a
    // concurrent truncation by another process would raise SIGBUS (rapidsnark and snarkjs read
    // the same files the same way).
    unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_err(path, e))
}

fn prove(a: ProveArgs) -> Result<(), String> {
    let zkey_map = map(&a.zkey)?;
    let z = ZkeyView::parse(&zkey_map).map_err(|e| io_err(&a.zkey, format_error(&e)))?;
    let wires = {
        let wtns_map = map(&a.wtns)?;
        wtns::from_bytes(&wtns_map).map_err(|e| io_err(&a.wtns, format_error(&e)))?
    };
    if let Some(path) = &a.r1cs {
        let r1cs =
            r1cs_file::from_bytes(&read(path)?).map_err(|e| io_err(path, format_error(&e)))?;
        check_witness_r1cs(&z, &r1cs, &wires).map_err(|e| io_err(&a.wtns, e))?;
    }
    let public = wires.get(1..=z.n_public).unwrap_or_default().to_vec();
    let proof = prove_zkey(&z, wires, &mut rand::rngs::OsRng, &ConsoleProgress::new())
        .map_err(|e| e.to_string())?;
    write_proof(&a.proof, &proof)?;
    write_public(&a.public, &public)?;
    println!(
        "proof written to {} and {}",
        a.proof.display(),
        a.public.display()
    );
    crate::output::result(serde_json::json!({
        "command": "groth16 prove",
        "proof": a.proof,
        "public": a.public,
        "public_inputs": zkbio_circuits::circom::json::public_to_json(&public),
    }));
    Ok(())
}

fn setup(a: SetupArgs) -> Result<(), String> {
    crate::commands::warn_insecure_setup();
    let r1cs =
        r1cs_file::from_bytes(&read(&a.r1cs)?).map_err(|e| io_err(&a.r1cs, format_error(&e)))?;
    let constraints = r1cs.constraints.len();
    eprintln!(
        "{}: {constraints} constraints, {} wires; running setup ...",
        a.r1cs.display(),
        r1cs.n_wires
    );
    let pk =
        dev_setup_insecure_with_progress(&r1cs, seed_from_text(&a.insecure_seed), &step_progress())
            .map_err(|e| e.to_string())?;
    // The .zkey holds its own copy of every query: the key and the circuit go first.
    let zkey = to_zkey(&pk, &r1cs);
    let vk = pk.vk.clone();
    drop(pk);
    drop(r1cs);
    let vk_path = a.vk.clone().unwrap_or_else(|| {
        a.zkey
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("verification_key.json")
    });
    // Written to a temporary name and renamed, so an interrupted setup leaves no .zkey that
    // parses as far as its truncation.
    let partial = a.zkey.with_extension("zkey.partial");
    {
        let mut file = std::fs::File::create(&partial).map_err(|e| io_err(&partial, e))?;
        zkey.write(&mut file)
            .map_err(|e| io_err(&partial, format_error(&e)))?;
        file.sync_all().map_err(|e| io_err(&partial, e))?;
    }
    std::fs::rename(&partial, &a.zkey).map_err(|e| io_err(&a.zkey, e))?;
    write_vk(&vk_path, &vk, KeyOrigin::InsecureDev)?;
    println!(
        "INSECURE development key written to {} and {}",
        a.zkey.display(),
        vk_path.display()
    );
    crate::output::result(serde_json::json!({
        "command": "groth16 setup",
        "constraints": constraints,
        "zkey": a.zkey,
        "verification_key": vk_path,
        "insecure_dev_key": true,
    }));
    Ok(())
}
