//! `zkbio bench`: witness and proving times (medians over runs) in this process; with `--peer`
//! (or `--snarkjs`) also our provers and the peers as whole processes on the same `.zkey` and
//! `.wtns`, paired and alternating, with the ratios (see [`crate::bench_peer`]).

use crate::artifacts::seed_from_text;
use crate::bench_peer::{Exported, PairedRuns, PeerCommand};
use crate::mem::{mib, peak_rss_bytes, reset_peak, AnonPeak};
use crate::report::fmt_duration;
use crate::statement::{InputArgs, Statement};
use serde_json::json;
use std::path::PathBuf;
use std::str::FromStr;
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
    pub circuit: CircuitArg,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Another prover to run against ours, as whole processes: `[NAME=]PROGRAM ARGS…` with the
    /// placeholders {zkey}, {wtns}, {proof}, {public} for the files bench exports and reads back
    /// (e.g. `rapidsnark=/path/prover {zkey} {wtns} {proof} {public}`). Quoted as in a shell,
    /// run without one. Runs alternate with `zkbio groth16 prove` (same .zkey and .wtns) and
    /// `zkbio prove` (its own witness); the peer's proof must verify with the statement's public
    /// inputs. Repeatable.
    #[arg(long)]
    pub peer: Vec<PeerCommand>,
    /// snarkjs as a peer: the path of snarkjs's cli.cjs, run with node (`groth16 prove`).
    #[arg(long)]
    pub snarkjs: Option<PathBuf>,
    /// Working directory for the key and exported files.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--circuit`: the statement, and the words that named it (handed on to `zkbio prove`).
#[derive(Clone, Debug)]
pub struct CircuitArg {
    text: String,
    statement: Statement,
}

impl FromStr for CircuitArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(CircuitArg {
            text: s.to_string(),
            statement: s.parse()?,
        })
    }
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
    let result = measure(&a, runs, &dir);
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    crate::output::result(result?);
    Ok(())
}

fn measure(a: &BenchArgs, runs: usize, dir: &std::path::Path) -> Result<serde_json::Value, String> {
    let circuit = &a.circuit.statement;
    let mut peers = a.peer.clone();
    if let Some(cli) = &a.snarkjs {
        peers.push(PeerCommand::snarkjs(cli));
    }
    let r1cs = circuit.r1cs()?;
    let constraints = r1cs.constraints.len();
    println!("bench {circuit}: {constraints} constraints, {runs} runs each (medians)");
    let t = Instant::now();
    let pk = dev_setup_insecure(&r1cs, seed_from_text("zkbio bench")).map_err(|e| e.to_string())?;
    let setup = t.elapsed();
    println!("  dev setup (INSECURE)        {}", fmt_duration(setup));
    let key_path = dir.join("circuit.zpk");
    std::fs::write(
        &key_path,
        key_to_bytes(&pk, constraints).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let prepared = a.input.prepare(circuit)?;
    let public = prepared.public.clone();
    let (zkey_path, wtns_path) = (dir.join("circuit.zkey"), dir.join("witness.wtns"));
    if !peers.is_empty() {
        let f = std::fs::File::create(&zkey_path).map_err(|e| e.to_string())?;
        to_zkey(&pk, &r1cs)
            .write(&mut std::io::BufWriter::new(f))
            .map_err(|e| e.to_string())?;
        let w = prepared.witness()?;
        std::fs::write(
            &wtns_path,
            wtns::to_bytes(&w.wires).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    }
    drop(pk);
    drop(r1cs);
    let vk = MappedKey::open(&key_path)
        .map_err(|e| e.to_string())?
        .view()
        .verifying_key();

    // Before the in-process runs: a child inherits this process's RSS high-water mark over its
    // exec, so this process spawns while still small, with the setup's freed heap handed back.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
    let processes = if peers.is_empty() {
        serde_json::Value::Null
    } else {
        let mut native_args = vec!["--circuit".into(), a.circuit.text.clone().into()];
        native_args.extend(a.input.to_args());
        crate::bench_peer::run(PairedRuns {
            files: Exported {
                zkey: zkey_path,
                zpk: key_path.clone(),
                wtns: wtns_path,
                dir: dir.to_path_buf(),
            },
            native_args,
            peers: &peers,
            runs,
            public: &public,
            vk: &vk,
        })?
    };

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
        verify(&vk, &proof, &public).map_err(|e| e.to_string())?;
        check.push(t.elapsed());
    }
    let (load, wit, prv) = (median(load), median(wit), median(prv));
    let check = median(check);
    println!("  in this process:");
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
    Ok(json!({
        "command": "bench",
        "circuit": circuit.to_string(),
        "constraints": constraints,
        "runs": runs,
        "setup_seconds": setup.as_secs_f64(),
        "in_process": {
            "key_load_seconds": load.as_secs_f64(),
            "witness_seconds": wit.as_secs_f64(),
            "prove_seconds": prv.as_secs_f64(),
            "key_check_and_self_verify_seconds": check.as_secs_f64(),
            "peak_rss_bytes": peak,
            "peak_rss_anon_bytes": peak_anon,
        },
        "key_bytes": key_bytes,
        "processes": processes,
    }))
}
