//! `zkbio demo`: the whole spine on the embedded default, phase by phase.

use crate::artifacts::{seed_from_text, write_proof, write_public, write_vk};
use crate::report::{fmt_duration, phase, step_progress, ConsoleProgress, Measured};
use crate::statement::{InputArgs, Statement};
use std::path::PathBuf;
use zkbio_circuits::circom::{r1cs as r1cs_file, wtns};
use zkbio_core::evm;
use zkbio_core::groth16::key_file::{write_key, MappedKey};
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{dev_setup_insecure_with_progress, prove, verify};

/// Options of `zkbio demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Statement to run (default: Proof 1 with the open-iris v0.1 model at full size).
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// Also leave circuit.r1cs, witness.wtns, circuit.zkey, verification_key.json, proof.json and
    /// public.json (snarkjs formats) in this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed text of the INSECURE development setup.
    #[arg(long, default_value = "zkbio demo")]
    pub seed: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the demo; `Err` carries a message for the user.
pub fn run(args: DemoArgs) -> Result<(), String> {
    let stmt = args.circuit;
    let (rows, cols) = stmt.image_size();
    println!("zkbio demo: {stmt}");
    println!("  statement: {}", stmt.describe());
    println!("  input: the embedded synthetic sample (no real biometric data ships with zkbio)");
    println!(
        "  WARNING: the setup is the INSECURE development setup (seeded toxic waste): demo only"
    );
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("zkbio-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut phases: Vec<Measured> = Vec::new();

    let (r1cs, m) = phase("1. synthesize circuit (R1CS)", || stmt_r1cs(&stmt));
    let r1cs = r1cs?;
    phases.push(m);
    println!(
        "     {} constraints, {} wires, {} public inputs, domain 2^{}",
        r1cs.constraints.len(),
        r1cs.n_wires,
        r1cs.n_public,
        r1cs.domain_size().trailing_zeros()
    );

    let (pk, m) = phase("2. dev setup (INSECURE)", || {
        dev_setup_insecure_with_progress(&r1cs, seed_from_text(&args.seed), &step_progress())
    });
    let pk = pk.map_err(|e| e.to_string())?;
    phases.push(m);

    let key_path = dir.join("circuit.zpk");
    let (written, m) = phase("3. write proving key (.zpk)", || -> Result<u64, String> {
        let f = std::fs::File::create(&key_path).map_err(|e| e.to_string())?;
        let mut w = std::io::BufWriter::new(f);
        write_key(&pk, r1cs.constraints.len(), &mut w).map_err(|e| e.to_string())?;
        drop(w);
        Ok(std::fs::metadata(&key_path)
            .map_err(|e| e.to_string())?
            .len())
    });
    let size = written?;
    phases.push(m);
    println!(
        "     {} ({:.1} MiB)",
        key_path.display(),
        size as f64 / 1048576.0
    );
    let vk = pk.vk.clone();
    if args.out.is_some() {
        let (r, m) = phase(
            "   export .r1cs, .zkey, verification_key.json",
            || -> Result<(), String> {
                std::fs::write(
                    dir.join("circuit.r1cs"),
                    r1cs_file::to_bytes(&r1cs).map_err(|e| e.to_string())?,
                )
                .map_err(|e| e.to_string())?;
                let f =
                    std::fs::File::create(dir.join("circuit.zkey")).map_err(|e| e.to_string())?;
                to_zkey(&pk, &r1cs)
                    .write(&mut std::io::BufWriter::new(f))
                    .map_err(|e| e.to_string())?;
                write_vk(&dir.join("verification_key.json"), &vk)
            },
        );
        r?;
        phases.push(m);
    }
    drop(pk);
    drop(r1cs);

    let (key, m) = phase("4. load proving key (mmap)", || MappedKey::open(&key_path));
    let key = key.map_err(|e| e.to_string())?;
    phases.push(m);
    let (d, m) = phase("   key digest (SHA3-256, one pass)", || key.digest());
    phases.push(m);
    println!("     sha3-256 {}", hex::encode(d));

    let prepared = args.input.prepare(&stmt)?;
    if args.out.is_some() && args.input.image.is_none() {
        // Leave the sample as PNGs too, so `zkbio prove --image --mask` can be tried on it.
        let (image, mask) = zkbio_core::sample::synthetic_iris(rows, cols, args.input.sample_seed);
        let mask_px: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
        crate::png_io::write_gray(&dir.join("sample_image.png"), cols, rows, &image)?;
        crate::png_io::write_gray(&dir.join("sample_mask.png"), cols, rows, &mask_px)?;
    }
    let public = prepared.public.clone();
    let (w, m) = phase("5. witness (inference + A/B/C evaluations)", || {
        prepared.witness()
    });
    let w = w?;
    phases.push(m);
    if args.out.is_some() {
        std::fs::write(
            dir.join("witness.wtns"),
            wtns::to_bytes(&w.wires).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    }
    let mut rng = rand::rngs::OsRng;
    let (proof, m) = phase("6. prove (matrix-free, streamed MSMs)", || {
        prove(&key.view(), w, &mut rng, &ConsoleProgress::new())
    });
    let proof = proof.map_err(|e| e.to_string())?;
    phases.push(m);
    write_proof(&dir.join("proof.json"), &proof)?;
    write_public(&dir.join("public.json"), &public)?;

    let (ok, m) = phase("7. verify (Rust)", || verify(&vk, &proof, &public));
    ok.map_err(|e| format!("our verifier rejected the proof: {e}"))?;
    phases.push(m);
    println!("     accepted");
    for (name, value) in stmt.public_names().iter().zip(&public) {
        println!("     {name:<8} = {value}");
    }

    let (evm_verdict, m) = phase("8. verify (EVM: Groth16Verifier in revm)", || {
        evm::deploy_and_verify(&vk, &proof, &public)
    });
    let v = evm_verdict.map_err(|e| e.to_string())?;
    phases.push(m);
    if !v.accepted {
        return Err("the EVM verifier rejected the proof".into());
    }
    println!("     accepted; verifyProof gas {}", v.gas_used);

    let mut tampered = public;
    tampered[0] += ark_bn254::Fr::from(1u64);
    let rejected = verify(&vk, &proof, &tampered).is_err()
        && !evm::deploy_and_verify(&vk, &proof, &tampered)
            .map_err(|e| e.to_string())?
            .accepted;
    if !rejected {
        return Err("a proof with a changed public input was accepted".into());
    }
    println!("  tampered C_img: rejected by both verifiers");
    let total: std::time::Duration = phases.iter().map(|p| p.time).sum();
    println!(
        "done in {}; artifacts in {}",
        fmt_duration(total),
        dir.display()
    );
    if args.out.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn stmt_r1cs(stmt: &Statement) -> Result<zkbio_circuits::builder::R1cs, String> {
    stmt.r1cs()
}
