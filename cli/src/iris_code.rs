//! `zkbio iris-code`: an iris code from a normalized iris (PNG image and mask), and
//! `zkbio export iris-model`: a model's canonical file.

use crate::artifacts::io_err;
use crate::png_io;
use clap::ValueEnum;
use std::path::PathBuf;
use zkbio_circuits::models::iris_tflite::{CodeRule, TfliteIrisModel, DEV_CODE_VERSION};
use zkbio_core::iris::{CodeShape, IrisCode, IrisEngine, IrisModel, IrisTemplate, NormalizedIris};

/// How `iris-code` prints the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CodeFormat {
    /// Exactly open-iris's `json.dumps(IrisTemplate.serialize())`.
    Openiris,
    /// Two lines, `code <hex>` and `mask <hex>`: the template's bytes (np.packbits order, first
    /// bit most significant) in hex.
    Hex,
}

/// `zkbio iris-code`.
#[derive(clap::Args, Debug)]
pub struct IrisCodeArgs {
    /// Normalized iris: 8-bit grayscale PNG, the model's image size (512 wide, 128 tall for
    /// open-iris v0.1).
    #[arg(long)]
    pub image: PathBuf,
    /// Its mask: a PNG of the same size whose non-zero pixels are valid iris.
    #[arg(long)]
    pub mask: PathBuf,
    /// Canonical model file (see `zkbio export iris-model`), or an iris v2 int8 `.tflite` network
    /// (recognised by its file identifier `TFL3`; code rule: `--magnitude`, `--cell-min-valid`).
    /// Default: open-iris 1.11.2, code v0.1.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// `.tflite` models: a mask bit needs `|out − zp| >= MAGNITUDE` (docs/IRIS.md, "Iris model v2").
    #[arg(long, default_value_t = CodeRule::DEV.magnitude)]
    pub magnitude: u8,
    /// `.tflite` models: ... and at least this many valid mask pixels in its cell.
    #[arg(long, default_value_t = CodeRule::DEV.cell_min_valid)]
    pub cell_min_valid: u32,
    /// Output format of the human output. With `--json` (either format) stdout is instead one
    /// object: `iris_code_version`, `model_hash`, `template` (open-iris's template JSON as a
    /// string, byte-identical to `--format openiris`'s line: `jq -r .template`), and `code` and
    /// `mask` as `--format hex` prints them.
    #[arg(long, value_enum, default_value_t = CodeFormat::Openiris)]
    pub format: CodeFormat,
}

/// A built-in iris model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuiltinModel {
    /// open-iris 1.11.2's default filter bank, `iris_code_version` v0.1 (128 x 512).
    #[value(name = "open-iris-v0.1")]
    OpenIrisV0_1,
    /// The small CI model (32 x 128).
    ScaledTest,
}

/// Which pipeline a built-in model reproduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelVariant {
    /// open-iris's `ConvFilterBank` then `IrisEncoder` (the registered v0.1 model).
    Encoder,
    /// The default pipeline, with `FragileBitRefinement` before the encoder ("v0.1-full"):
    /// templates equal the full open-iris pipeline's.
    Full,
}

/// `zkbio export iris-model`.
#[derive(clap::Args, Debug)]
pub struct ExportModelArgs {
    /// Which model.
    #[arg(long, value_enum, default_value_t = BuiltinModel::OpenIrisV0_1)]
    pub name: BuiltinModel,
    /// Encoder only, or the full pipeline with the fragile-bit refinement.
    #[arg(long, value_enum, default_value_t = ModelVariant::Encoder)]
    pub variant: ModelVariant,
    /// Output file (canonical bytes; its keccak256 is the model hash).
    #[arg(long)]
    pub out: PathBuf,
}

/// `np.packbits`: first bit most significant, last byte zero-padded.
pub(crate) fn packbits_hex(bits: &[bool]) -> String {
    let bytes: Vec<u8> = bits
        .chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | (u8::from(b) << (7 - i)))
        })
        .collect();
    hex::encode(bytes)
}

/// Whether `bytes` are a FlatBuffer with TFLite's file identifier.
fn is_tflite(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"TFL3")
}

/// The code of a `.tflite` (iris v2) model.
fn tflite_code(a: &IrisCodeArgs, bytes: &[u8], path: &std::path::Path) -> Result<IrisCode, String> {
    let rule = CodeRule {
        magnitude: a.magnitude,
        cell_min_valid: a.cell_min_valid,
    };
    let model = TfliteIrisModel::from_bytes(bytes, rule).map_err(|e| io_err(path, e))?;
    let (rows, cols) = (model.image_rows(), model.image_cols());
    let image = png_io::read_gray(&a.image, cols, rows)?;
    let mask = png_io::read_mask(&a.mask, cols, rows)?;
    let (code, valid) = model
        .infer(&image, &mask)
        .map_err(|e| e.to_string())?
        .into_parts();
    let shape = CodeShape::new(model.code_rows(), model.code_cols(), model.filters());
    IrisCode::new(shape, code, valid).map_err(|e| e.to_string())
}

/// What `iris-code` computed: the code, its template version and the model's hash.
struct Computed {
    code: IrisCode,
    version: String,
    model_hash: [u8; 32],
}

/// Prints `c` as `format` says and, with `--json`, as one object. The object carries the
/// template as a string (open-iris's `json.dumps` text, byte for byte: `jq -r .template`) and
/// not as a nested object, which a JSON writer would re-space and so change.
fn print(c: &Computed, format: CodeFormat) -> Result<(), String> {
    let template = IrisTemplate::new(c.code.clone(), &c.version).map_err(|e| e.to_string())?;
    let template = template.to_json();
    let (code, mask) = (
        packbits_hex(c.code.code_bits()),
        packbits_hex(c.code.mask_bits()),
    );
    match format {
        CodeFormat::Openiris => println!("{template}"),
        CodeFormat::Hex => {
            println!("code {code}");
            println!("mask {mask}");
        }
    }
    crate::output::result(serde_json::json!({
        "command": "iris-code",
        "iris_code_version": c.version,
        "model_hash": format!("0x{}", hex::encode(c.model_hash)),
        "template": template,
        "code": code,
        "mask": mask,
    }));
    Ok(())
}

/// The code of the image and mask under a filter-bank model.
fn filter_bank_code(a: &IrisCodeArgs, model: &IrisModel) -> Result<Computed, String> {
    let (rows, cols) = (model.image_rows(), model.image_cols());
    let image = png_io::read_gray(&a.image, cols, rows)?;
    let mask = png_io::read_mask(&a.mask, cols, rows)?;
    let iris = NormalizedIris::new(model, image, mask).map_err(|e| e.to_string())?;
    let code = IrisEngine::new(model)
        .infer(&iris)
        .map_err(|e| e.to_string())?;
    Ok(Computed {
        code,
        version: model.iris_code_version().to_owned(),
        model_hash: model.model_hash(),
    })
}

/// Runs `zkbio iris-code`.
pub fn run(a: IrisCodeArgs) -> Result<(), String> {
    let computed = match &a.model {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| io_err(p, e))?;
            if is_tflite(&bytes) {
                Computed {
                    code: tflite_code(&a, &bytes, p)?,
                    version: DEV_CODE_VERSION.to_owned(),
                    model_hash: zkbio_circuits::models::tflite::model::model_hash(&bytes),
                }
            } else {
                let model = IrisModel::from_canonical_bytes(&bytes).map_err(|e| io_err(p, e))?;
                filter_bank_code(&a, &model)?
            }
        }
        None => filter_bank_code(&a, &IrisModel::open_iris_v0_1())?,
    };
    print(&computed, a.format)
}

/// Runs `zkbio export iris-model`.
pub fn export_model(a: ExportModelArgs) -> Result<(), String> {
    let model = match (a.name, a.variant) {
        (BuiltinModel::OpenIrisV0_1, ModelVariant::Encoder) => IrisModel::open_iris_v0_1(),
        (BuiltinModel::OpenIrisV0_1, ModelVariant::Full) => IrisModel::open_iris_v0_1_full(),
        (BuiltinModel::ScaledTest, ModelVariant::Encoder) => IrisModel::scaled_test_model(),
        (BuiltinModel::ScaledTest, ModelVariant::Full) => IrisModel::scaled_test_model_full(),
    };
    let bytes = model.to_canonical_bytes();
    std::fs::write(&a.out, &bytes).map_err(|e| io_err(&a.out, e))?;
    println!(
        "{} ({}, {} bytes, model hash 0x{})",
        a.out.display(),
        model.name(),
        bytes.len(),
        hex::encode(model.model_hash())
    );
    crate::output::result(serde_json::json!({
        "command": "export iris-model",
        "out": a.out,
        "name": model.name(),
        "bytes": bytes.len(),
        "model_hash": format!("0x{}", hex::encode(model.model_hash())),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_puts_the_first_bit_first() {
        let bits = [true, false, false, false, false, false, false, true, true];
        assert_eq!(packbits_hex(&bits), "8180");
    }
}
