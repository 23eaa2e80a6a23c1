//! `zkbio groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json`: rapidsnark's command
//! line, for any circom circuit (see [`zkbio_core::groth16::circom_prove`]).

use crate::artifacts::{io_err, write_proof, write_public};
use crate::commands::format_error;
use crate::report::ConsoleProgress;
use clap::Subcommand;
use std::path::PathBuf;
use zkbio_circuits::circom::{r1cs as r1cs_file, wtns, ZkeyView};
use zkbio_core::groth16::circom_prove::{check_witness_r1cs, prove_zkey};

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
