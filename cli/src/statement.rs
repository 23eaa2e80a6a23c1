//! Which statement a command works on, and where its private input comes from.

use crate::png_io;
use ark_bn254::Fr;
use std::path::PathBuf;
use std::str::FromStr;
use zkbio_circuits::statements::image_opening::{ImageOpening, ImageOpeningInput};
use zkbio_core::sample::synthetic_iris;

/// A statement the CLI can set up and prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statement {
    /// "I know an image + mask + salt opening C_img" at `rows x cols`.
    ImageOpening(ImageOpening),
}

impl FromStr for Statement {
    type Err = String;

    /// `image-opening` (128x512) or `image-opening:RxC`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, size) = s.split_once(':').unwrap_or((s, ""));
        match name {
            "image-opening" => {
                if size.is_empty() {
                    return Ok(Statement::ImageOpening(ImageOpening::full_size()));
                }
                let (r, c) = size
                    .split_once('x')
                    .ok_or_else(|| format!("size must be RxC, not {size:?}"))?;
                let rows: usize = r.parse().map_err(|_| format!("bad row count {r:?}"))?;
                let cols: usize = c.parse().map_err(|_| format!("bad column count {c:?}"))?;
                if rows == 0 || cols == 0 || rows * cols > 1 << 20 {
                    return Err(format!("size {rows}x{cols} out of range"));
                }
                Ok(Statement::ImageOpening(ImageOpening { rows, cols }))
            }
            _ => Err(format!(
                "unknown statement {name:?} (known: image-opening[:RxC])"
            )),
        }
    }
}

impl std::fmt::Display for Statement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Statement::ImageOpening(s) => write!(f, "image-opening:{}x{}", s.rows, s.cols),
        }
    }
}

/// Where the private input comes from (clap flags shared by `prove`, `export wtns` and `bench`).
#[derive(clap::Args, Clone, Debug)]
pub struct InputArgs {
    /// 8-bit grayscale PNG, as wide and tall as the statement's image.
    #[arg(long, requires = "mask")]
    pub image: Option<PathBuf>,
    /// PNG of the same size; non-zero pixels are valid iris.
    #[arg(long, requires = "image")]
    pub mask: Option<PathBuf>,
    /// Without --image: use the embedded synthetic sample with this seed.
    #[arg(long, default_value_t = 1)]
    pub sample_seed: u64,
    /// The commitment's salt (decimal field element). Default: a fixed demo value.
    #[arg(long, default_value = "1234567890")]
    pub salt: String,
    /// The binding public input (decimal field element).
    #[arg(long, default_value = "42")]
    pub binding: String,
}

fn parse_fr(what: &str, s: &str) -> Result<Fr, String> {
    let n =
        num_bigint::BigUint::from_str(s).map_err(|_| format!("{what}: not a decimal number"))?;
    let modulus: num_bigint::BigUint = <Fr as ark_ff::PrimeField>::MODULUS.into();
    if n >= modulus {
        return Err(format!("{what}: not below the BN254 scalar field modulus"));
    }
    Ok(Fr::from(n))
}

impl InputArgs {
    /// Loads and checks the input for `stmt`.
    pub fn load(&self, stmt: Statement) -> Result<ImageOpeningInput, String> {
        let Statement::ImageOpening(s) = stmt;
        let (image, mask) = match (&self.image, &self.mask) {
            (Some(i), Some(m)) => (
                png_io::read_gray(i, s.cols, s.rows)?,
                png_io::read_mask(m, s.cols, s.rows)?,
            ),
            _ => synthetic_iris(s.rows, s.cols, self.sample_seed),
        };
        s.input(
            image,
            mask,
            parse_fr("--salt", &self.salt)?,
            parse_fr("--binding", &self.binding)?,
        )
        .map_err(|e| e.to_string())
    }
}
