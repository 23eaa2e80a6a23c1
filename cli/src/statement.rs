//! Which statement a command works on, and where its private input comes from.

use crate::png_io;
use ark_bn254::Fr;
use std::path::PathBuf;
use std::str::FromStr;
use zkbio_circuits::builder::{R1cs, Witness};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::statements::image_opening::{ImageOpening, ImageOpeningInput};
use zkbio_circuits::statements::iris_code::{IrisCodeInput, IrisCodeStatement};
use zkbio_circuits::Circuit;
use zkbio_core::sample::synthetic_iris;

/// A statement the CLI can set up and prove.
#[derive(Clone, Debug)]
pub enum Statement {
    /// Proof 1: the iris code of a committed image under an iris model (`iris`, `iris-full`,
    /// `iris-scaled`, `iris-full-scaled`).
    IrisCode(Box<IrisCodeStatement>),
    /// "I know an image + mask + salt opening C_img" at `rows x cols`.
    ImageOpening(ImageOpening),
}

const KNOWN: &str = "iris, iris-full, iris-scaled, iris-full-scaled, image-opening[:RxC]";

impl FromStr for Statement {
    type Err = String;

    /// `iris` (open-iris v0.1, 128x512), `iris-full` (the same with open-iris's fragile-bit
    /// refinement), `iris-scaled` (the CI-size model), `iris-full-scaled` (the CI-size model with
    /// the refinement), `image-opening` (128x512) or
    /// `image-opening:RxC`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, size) = s.split_once(':').unwrap_or((s, ""));
        match (name, size) {
            ("iris", "") => Ok(Statement::IrisCode(Box::new(IrisCodeStatement::new(
                IrisModel::open_iris_v0_1(),
            )))),
            ("iris-full", "") => Ok(Statement::IrisCode(Box::new(IrisCodeStatement::new(
                IrisModel::open_iris_v0_1_full(),
            )))),
            ("iris-scaled", "") => Ok(Statement::IrisCode(Box::new(IrisCodeStatement::new(
                IrisModel::scaled_test_model(),
            )))),
            ("iris-full-scaled", "") => Ok(Statement::IrisCode(Box::new(IrisCodeStatement::new(
                IrisModel::scaled_test_model_full(),
            )))),
            ("image-opening", "") => Ok(Statement::ImageOpening(ImageOpening::full_size())),
            ("image-opening", size) => {
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
            _ => Err(format!("unknown statement {s:?} (known: {KNOWN})")),
        }
    }
}

impl std::fmt::Display for Statement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Statement::IrisCode(s) => write!(
                f,
                "iris ({} {})",
                s.model.name(),
                s.model.iris_code_version()
            ),
            Statement::ImageOpening(s) => write!(f, "image-opening:{}x{}", s.rows, s.cols),
        }
    }
}

/// A loaded, shape-checked input with its public inputs, ready for witness generation.
pub struct Prepared {
    /// The statement's public inputs, in order.
    pub public: Vec<Fr>,
    input: PreparedInput,
}

enum PreparedInput {
    IrisCode(Box<IrisCodeStatement>, IrisCodeInput),
    ImageOpening(ImageOpening, ImageOpeningInput),
}

impl Prepared {
    /// The iris-code statement's input (image, mask, salts, binding), for an iris statement.
    pub fn iris_input(&self) -> Option<&IrisCodeInput> {
        match &self.input {
            PreparedInput::IrisCode(_, i) => Some(i),
            PreparedInput::ImageOpening(..) => None,
        }
    }

    /// Computes the witness (the inference) and the per-constraint evaluations.
    pub fn witness(&self) -> Result<Witness, String> {
        match &self.input {
            // The public inputs were computed when the input was prepared; the circuit enforces
            // them, so they are not computed natively again.
            PreparedInput::IrisCode(s, i) => {
                let publics: [Fr; 3] = self.public.as_slice().try_into().map_err(|_| {
                    format!(
                        "{} public inputs, the iris statement has 3",
                        self.public.len()
                    )
                })?;
                s.witness_for_publics(i, publics).map_err(|e| e.to_string())
            }
            PreparedInput::ImageOpening(s, i) => s.witness(i).map_err(|e| e.to_string()),
        }
    }
}

impl Statement {
    /// Image rows and columns the statement takes.
    pub fn image_size(&self) -> (usize, usize) {
        match self {
            Statement::IrisCode(s) => (s.model.image_rows(), s.model.image_cols()),
            Statement::ImageOpening(s) => (s.rows, s.cols),
        }
    }

    /// The constraint system (recording mode).
    pub fn r1cs(&self) -> Result<R1cs, String> {
        match self {
            Statement::IrisCode(s) => s.to_r1cs().map_err(|e| e.to_string()),
            Statement::ImageOpening(s) => s.to_r1cs().map_err(|e| e.to_string()),
        }
    }

    /// Names of the public inputs, in order.
    pub fn public_names(&self) -> &'static [&'static str] {
        match self {
            Statement::IrisCode(_) => &["C_img", "C_code", "binding"],
            Statement::ImageOpening(_) => &["C_img", "binding"],
        }
    }

    /// One sentence saying what a proof of this statement shows.
    pub fn describe(&self) -> String {
        match self {
            Statement::IrisCode(s) => format!(
                "I know a {}x{} iris image, mask and salt opening the public C_img whose iris code \
                 under model {} (hash 0x{}) opens the public C_code; bound to `binding`",
                s.model.image_rows(),
                s.model.image_cols(),
                s.model.name(),
                hex::encode(s.model.model_hash())
            ),
            Statement::ImageOpening(s) => format!(
                "I know a {}x{} iris image, its mask and a salt that open the public C_img; bound to `binding`",
                s.rows, s.cols
            ),
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
    /// The image commitment's salt (decimal field element). Default: a fixed demo value.
    #[arg(long, default_value = "1234567890")]
    pub salt: String,
    /// The code commitment's salt, for `iris` statements (decimal). Default: a fixed demo value;
    /// a real app draws it at random for every proof.
    #[arg(long, default_value = "987654321")]
    pub salt_code: String,
    /// The binding public input (decimal field element). Default: 42; in `zkbio demo` with an
    /// iris statement, the demo registry's binding for the demo subject.
    #[arg(long)]
    pub binding: Option<String>,
}

/// The binding when neither `--binding` nor the command gives one.
const DEFAULT_BINDING: u64 = 42;

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
    /// These flags as command-line words, to hand the same input to a `zkbio prove` child (keep
    /// in step with the fields: a flag missing here would give the child a default input).
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        if let (Some(image), Some(mask)) = (&self.image, &self.mask) {
            args.extend(["--image".into(), image.into(), "--mask".into(), mask.into()]);
        }
        args.extend([
            "--sample-seed".into(),
            self.sample_seed.to_string().into(),
            "--salt".into(),
            self.salt.clone().into(),
            "--salt-code".into(),
            self.salt_code.clone().into(),
        ]);
        if let Some(binding) = &self.binding {
            args.extend(["--binding".into(), binding.into()]);
        }
        args
    }

    /// The image and mask: from the PNGs if given, else the embedded synthetic sample.
    pub fn image_and_mask(&self, rows: usize, cols: usize) -> Result<(Vec<u8>, Vec<bool>), String> {
        match (&self.image, &self.mask) {
            (Some(i), Some(m)) => Ok((
                png_io::read_gray(i, cols, rows)?,
                png_io::read_mask(m, cols, rows)?,
            )),
            _ => Ok(synthetic_iris(rows, cols, self.sample_seed)),
        }
    }

    /// Whether `--binding` was given.
    pub fn binding_given(&self) -> bool {
        self.binding.is_some()
    }

    /// Loads and checks the input for `stmt` and computes its public inputs; the binding is
    /// `--binding`, or 42.
    pub fn prepare(&self, stmt: &Statement) -> Result<Prepared, String> {
        self.prepare_bound(stmt, None)
    }

    /// Like [`Self::prepare`], with `binding` as the binding unless `--binding` is given (e.g.
    /// the registry's binding for a wallet and nonce).
    pub fn prepare_bound(&self, stmt: &Statement, binding: Option<Fr>) -> Result<Prepared, String> {
        let (rows, cols) = stmt.image_size();
        let (image, mask) = self.image_and_mask(rows, cols)?;
        let salt = parse_fr("--salt", &self.salt)?;
        let binding = match (&self.binding, binding) {
            (Some(text), _) => parse_fr("--binding", text)?,
            (None, Some(b)) => b,
            (None, None) => Fr::from(DEFAULT_BINDING),
        };
        match stmt {
            Statement::IrisCode(s) => {
                let salt_code = parse_fr("--salt-code", &self.salt_code)?;
                let input = s
                    .input(image, mask, salt, salt_code, binding)
                    .map_err(|e| e.to_string())?;
                let public = s.public_inputs(&input).map_err(|e| e.to_string())?;
                Ok(Prepared {
                    public: public.to_vec(),
                    input: PreparedInput::IrisCode(s.clone(), input),
                })
            }
            Statement::ImageOpening(s) => {
                let input = s
                    .input(image, mask, salt, binding)
                    .map_err(|e| e.to_string())?;
                Ok(Prepared {
                    public: s.public_inputs(&input).to_vec(),
                    input: PreparedInput::ImageOpening(*s, input),
                })
            }
        }
    }
}
