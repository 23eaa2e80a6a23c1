//! `zkbio package compress-key` / `expand-key`: the compressed transport form of a `.zpk`
//! (publishers write it; `expand-key` is what a phone does once after the download, timed here
//! with its peak memory).

use crate::mem::{mib, peak_rss_bytes, reset_peak};
use clap::Args;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;
use zkbio_core::groth16::key_file::MappedKey;
use zkbio_core::groth16::key_transport::{compress_key, expand_key};

/// `zkbio package compress-key`.
#[derive(Args, Debug)]
pub struct CompressArgs {
    /// The `.zpk` proving key.
    #[arg(long)]
    pub key: PathBuf,
    /// Where to write its transport form (`.zpkz`).
    #[arg(long)]
    pub out: PathBuf,
}

/// `zkbio package expand-key`.
#[derive(Args, Debug)]
pub struct ExpandArgs {
    /// The transport form (`.zpkz`).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the expanded `.zpk`.
    #[arg(long)]
    pub out: PathBuf,
    /// The expected SHA3-256 of the expanded key (hex), e.g. from the manifest; checked.
    #[arg(long)]
    pub sha3: Option<String>,
}

fn io(path: &std::path::Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// Runs `compress-key`.
pub fn compress(a: CompressArgs) -> Result<(), String> {
    let key = MappedKey::open(&a.key).map_err(|e| io(&a.key, e))?;
    let mut out = BufWriter::new(File::create(&a.out).map_err(|e| io(&a.out, e))?);
    let start = Instant::now();
    let len = compress_key(key.bytes(), &mut out).map_err(|e| io(&a.key, e))?;
    out.flush().map_err(|e| io(&a.out, e))?;
    println!("key_bytes {}", key.bytes().len());
    println!("transport_bytes {len}");
    let seconds = start.elapsed().as_secs_f64();
    println!("seconds {seconds:.2}");
    crate::output::result(serde_json::json!({
        "command": "package compress-key",
        "key": a.key,
        "out": a.out,
        "key_bytes": key.bytes().len(),
        "transport_bytes": len,
        "seconds": seconds,
    }));
    Ok(())
}

/// Runs `expand-key`.
pub fn expand(a: ExpandArgs) -> Result<(), String> {
    let expected = a
        .sha3
        .as_deref()
        .map(|h| {
            let mut d = [0u8; 32];
            hex::decode_to_slice(h.trim_start_matches("0x"), &mut d)
                .map_err(|e| format!("--sha3: {e}"))
                .map(|()| d)
        })
        .transpose()?;
    let mut input =
        BufReader::with_capacity(1 << 20, File::open(&a.input).map_err(|e| io(&a.input, e))?);
    let mut out =
        BufWriter::with_capacity(1 << 20, File::create(&a.out).map_err(|e| io(&a.out, e))?);
    reset_peak();
    let start = Instant::now();
    let digest = expand_key(&mut input, &mut out, &mut |_, _| true).map_err(|e| io(&a.input, e))?;
    out.flush().map_err(|e| io(&a.out, e))?;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(expected) = expected {
        if digest != expected {
            let _ = std::fs::remove_file(&a.out);
            return Err(format!(
                "expanded key digest {} is not the expected {}",
                hex::encode(digest),
                hex::encode(expected)
            ));
        }
    }
    println!("sha3_256 {}", hex::encode(digest));
    println!("seconds {seconds:.2}");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("threads {threads}");
    let peak = peak_rss_bytes();
    if let Some(peak) = peak {
        println!("peak_rss {}", mib(peak));
    }
    crate::output::result(serde_json::json!({
        "command": "package expand-key",
        "input": a.input,
        "out": a.out,
        "sha3_256": hex::encode(digest),
        "seconds": seconds,
        "threads": threads,
        "peak_rss_bytes": peak,
    }));
    Ok(())
}
