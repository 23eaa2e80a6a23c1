//! Writes an INSECURE development proving key for the image-opening statement: the fixture the
//! Kotlin and Swift tests load. Anyone who knows the seed can forge proofs under this key.
//!
//! `cargo run -p zkbio-ffi --example dev-key -- ROWSxCOLS SEED OUT.zpk`

use std::process::ExitCode;
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::dev_setup_insecure;
use zkbio_core::groth16::key_file::key_to_bytes_with_origin;
use zkbio_core::groth16::KeyOrigin;

fn parse_size(s: &str) -> Option<ImageOpening> {
    let (r, c) = s.split_once('x')?;
    Some(ImageOpening {
        rows: r.parse().ok()?,
        cols: c.parse().ok()?,
    })
}

fn run(args: &[String]) -> Result<(), String> {
    let [size, seed, out] = args else {
        return Err("usage: dev-key ROWSxCOLS SEED OUT.zpk".into());
    };
    let stmt = parse_size(size).ok_or_else(|| format!("bad size {size:?}, expected e.g. 4x16"))?;
    let r1cs = stmt.to_r1cs().map_err(|e| e.to_string())?;
    // The seed text, zero-padded or cut to 32 bytes: a fixture, not a secret.
    let mut seed_bytes = [0u8; 32];
    for (d, s) in seed_bytes.iter_mut().zip(seed.bytes()) {
        *d = s;
    }
    let pk = dev_setup_insecure(&r1cs, seed_bytes).map_err(|e| e.to_string())?;
    let bytes = key_to_bytes_with_origin(&pk, r1cs.constraints.len(), KeyOrigin::InsecureDev)
        .map_err(|e| e.to_string())?;
    std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "{out}: INSECURE dev key for image-opening {size}, {} constraints, {} bytes",
        r1cs.constraints.len(),
        bytes.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dev-key: {e}");
            ExitCode::FAILURE
        }
    }
}
