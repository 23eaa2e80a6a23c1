//! `zkbio bench`: witness and proving times (medians over runs), optionally against snarkjs
//! `groth16 prove` on the same `.zkey` and `.wtns`, in the same process run.

use crate::artifacts::seed_from_text;
use crate::mem::{mib, peak_rss_bytes, reset_peak, AnonPeak};
use crate::report::fmt_duration;
use crate::statement::{InputArgs, Statement};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use zkbio_circuits::circom::wtns;
use zkbio_core::groth16::key_check::check_key_view;
use zkbio_core::groth16::key_file::{key_to_bytes, MappedKey};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{dev_setup_insecure, prove, verify};

/// Options of `zkbio bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Statement to benchmark.
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also time `snarkjs groth16 prove` (path to snarkjs's cli.cjs, run with node).
    #[arg(long)]
    pub snarkjs: Option<PathBuf>,
    /// Working directory for the key and exported files.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs the benchmark.
pub fn run(a: BenchArgs) -> Result<(), String> {
    let runs = a.runs.max(1);
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("zkbio-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let r1cs = a.circuit.r1cs()?;
    println!(
        "bench {}: {} constraints, {} runs each (medians)",
        a.circuit,
        r1cs.constraints.len(),
        runs
    );
    let t = Instant::now();
    let pk = dev_setup_insecure(&r1cs, seed_from_text("zkbio bench")).map_err(|e| e.to_string())?;
    println!(
        "  dev setup (INSECURE)        {}",
        fmt_duration(t.elapsed())
    );
    let key_path = dir.join("circuit.zpk");
    std::fs::write(
        &key_path,
        key_to_bytes(&pk, r1cs.constraints.len()).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let prepared = a.input.prepare(&a.circuit)?;
    let public = prepared.public.clone();
    if a.snarkjs.is_some() {
        let f = std::fs::File::create(dir.join("circuit.zkey")).map_err(|e| e.to_string())?;
        to_zkey(&pk, &r1cs)
            .write(&mut std::io::BufWriter::new(f))
            .map_err(|e| e.to_string())?;
        let w = prepared.witness()?;
        std::fs::write(
            dir.join("witness.wtns"),
            wtns::to_bytes(&w.wires).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    }
    drop(pk);
    drop(r1cs);

    let (mut load, mut wit, mut prv, mut check) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut peak, mut peak_anon) = (0, 0);
    for _ in 0..runs {
        reset_peak();
        let anon = AnonPeak::start();
        let t = Instant::now();
        let key = MappedKey::open(&key_path).map_err(|e| e.to_string())?;
        load.push(t.elapsed());
        let t = Instant::now();
        let w = prepared.witness()?;
        wit.push(t.elapsed());
        let t = Instant::now();
        let proof =
            prove(&key.view(), w, &mut rand::rngs::OsRng, &Silent).map_err(|e| e.to_string())?;
        prv.push(t.elapsed());
        peak = peak.max(peak_rss_bytes().unwrap_or(0));
        peak_anon = peak_anon.max(anon.stop().unwrap_or(0));
        // What `prove` spends on its own safety checks: the key structure check and the
        // verification of its proof (both included in the `prove` time above).
        let t = Instant::now();
        check_key_view(&key.view()).map_err(|e| e.to_string())?;
        verify(&key.view().verifying_key(), &proof, &public).map_err(|e| e.to_string())?;
        check.push(t.elapsed());
    }
    let (load, wit, prv) = (median(load), median(wit), median(prv));
    let check = median(check);
    println!("  key load (mmap + header)    {}", fmt_duration(load));
    println!("  witness                     {}", fmt_duration(wit));
    println!("  prove                       {}", fmt_duration(prv));
    println!(
        "    of which key check + self-verification  {}",
        fmt_duration(check)
    );
    println!(
        "  load + witness + prove      {}",
        fmt_duration(load + wit + prv)
    );
    println!("  peak RSS (load..prove)      {}", mib(peak));
    println!(
        "  peak RssAnon (load..prove)  {} (without the key's file pages; sampled every 2 ms)",
        mib(peak_anon)
    );
    let key_bytes = std::fs::metadata(&key_path)
        .map_err(|e| e.to_string())?
        .len();
    println!("  key file (.zpk)             {}", mib(key_bytes));
    if let Some(cli) = &a.snarkjs {
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let out = Command::new("node")
                .arg(cli)
                .args(["groth16", "prove"])
                .arg(dir.join("circuit.zkey"))
                .arg(dir.join("witness.wtns"))
                .arg(dir.join("snarkjs_proof.json"))
                .arg(dir.join("snarkjs_public.json"))
                .output()
                .map_err(|e| format!("cannot run node: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "snarkjs failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            times.push(t.elapsed());
        }
        let sj = median(times);
        println!(
            "  snarkjs groth16 prove       {} (same .zkey/.wtns; includes its key load)",
            fmt_duration(sj)
        );
        println!(
            "  ratio snarkjs / zkbio (load+prove)  {:.2}x",
            sj.as_secs_f64() / (load + prv).as_secs_f64()
        );
    }
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
