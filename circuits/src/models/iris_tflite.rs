//! Iris-code model versions that are int8 TFLite networks (model family `tflite`; the Gabor
//! filter bank of [`super::iris`] is family `filter-bank`). docs/IRIS.md, "Iris model v2".
//!
//! - **Input.** int8 `[1, rows, cols, 1]`: the normalized iris pixel `p` is `q = p − 128`
//!   ([`super::face::pixel_to_input`], the face models' mapping).
//! - **Output.** int8 `[1, code_rows, code_cols, 2·F]`, zero point `zp`: element `[0, i, j, c]`
//!   is code position `(i, j)`, filter `f = c / 2`, part `q = c % 2`, so the row-major output is
//!   open-iris's template order `((i·code_cols + j)·F + f)·2 + q`.
//! - **Code bit** `out > zp` (the sign of the dequantized response, as open-iris's `> 0`).
//! - **Mask bit** `|out − zp| >= magnitude` AND the code position's *cell* of the image mask,
//!   rows `[i·rows/code_rows, (i+1)·rows/code_rows)` and columns likewise, has at least
//!   `cell_min_valid` valid pixels ([`CodeRule`]). The network sees only the image, so without the
//!   image-mask term an eyelid or a reflection would give confident-looking bits; the magnitude
//!   term drops the near-zero responses whose sign flips between captures (open-iris's
//!   fragile-bit refinement drops them too).
//!
//! The registry's model hash of such a version is keccak256 of the `.tflite` file
//! ([`super::tflite::model_hash`]); the rule's two integers are constants of the circuit, so the
//! verifying key pins them, and the package manifest states them.

use super::face::pixel_to_input;
use super::iris::{CodeBits, IrisInputError};
use super::tflite::circuit::{synthesize_to_last_conv, CompileError, CountingBuilder, OpCost};
use super::tflite::{interp, Model, OpKind, TfliteError};
use crate::builder::Builder;
use crate::gadgets::quant::Bounded;
use ark_bn254::Fr;
use std::sync::Arc;
use zeroize::Zeroize;

/// The development v2 network at full size (128x512 → 16x256x4), made by
/// `tests/iris_v2/make_model.py` (quantized Gabor kernels in one CONV_2D; not trained).
pub const DEV_MODEL: &[u8] = include_bytes!("../../tests/data/iris_v2/iris_v2.tflite");

/// The same family at the test size (32x128 → 4x64x4).
pub const DEV_MODEL_SMALL: &[u8] = include_bytes!("../../tests/data/iris_v2/iris_v2_small.tflite");

/// The `iris_code_version` of templates made by the development v2 models (open-iris's
/// template field; the filter bank's is "v0.1").
pub const DEV_CODE_VERSION: &str = "v2.0";

/// How the network's output becomes code and mask bits (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRule {
    /// A code bit is valid only if `|out − zp| >= magnitude` (0 keeps every bit).
    pub magnitude: u8,
    /// ... and its cell has at least this many valid image-mask pixels.
    pub cell_min_valid: u32,
}

impl CodeRule {
    /// The development rule: `|out − zp| >= 2`, and 15 of the 16 pixels of an 8x2 cell valid
    /// (0.9375, the closest cell fraction at or above v1's 0.93).
    pub const DEV: CodeRule = CodeRule {
        magnitude: 2,
        cell_min_valid: 15,
    };
}

/// Why a `.tflite` model cannot be an iris-code model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TfliteIrisError {
    /// The file is not a supported int8 `.tflite` model.
    #[error(transparent)]
    Model(#[from] TfliteError),
    /// The input is not `[1, rows, cols, 1]`.
    #[error("the input shape {0:?} is not [1, rows, cols, 1]")]
    InputShape(Vec<usize>),
    /// The output is not `[1, code_rows, code_cols, 2·F]` with cells that tile the image.
    #[error("the output shape {0:?} is not [1, code_rows, code_cols, 2F] dividing the image")]
    OutputShape(Vec<usize>),
    /// The rule asks for more valid pixels than a cell has.
    #[error("cell_min_valid {got} exceeds the cell's {cell} pixels")]
    Rule {
        /// The rule's threshold.
        got: u32,
        /// Pixels per cell.
        cell: usize,
    },
    /// The last operator is not a CONV_2D with a right-shift requantization (scale below 1) writing
    /// the output: the statement tests the output through its accumulator
    /// ([`crate::statements::iris_tflite`]), which needs that requantization (monotone).
    #[error("the last operator must be a CONV_2D with requantization scales below 1: {0}")]
    LastOp(String),
    /// The compiler refused the model.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

/// A checked TFLite iris-code model with its code rule.
#[derive(Debug, Clone)]
pub struct TfliteIrisModel {
    model: Arc<Model>,
    rule: CodeRule,
    rows: usize,
    cols: usize,
    code_rows: usize,
    code_cols: usize,
    filters: usize,
    zero_point: i32,
    costs: Vec<OpCost>,
}

impl TfliteIrisModel {
    /// Checks the shapes, the rule and that the model compiles (the layout depends only on the
    /// model, so synthesis cannot fail afterwards).
    pub fn new(model: Arc<Model>, rule: CodeRule) -> Result<Self, TfliteIrisError> {
        let input = &model.input_tensor().shape;
        let (rows, cols) = match input.as_slice() {
            [1, r, c, 1] => (*r, *c),
            _ => return Err(TfliteIrisError::InputShape(input.clone())),
        };
        let out = model.output_tensor();
        let (code_rows, code_cols, channels) = match out.shape.as_slice() {
            [1, i, j, c] if c % 2 == 0 && rows % i == 0 && cols % j == 0 => (*i, *j, *c),
            _ => return Err(TfliteIrisError::OutputShape(out.shape.clone())),
        };
        let cell = (rows / code_rows) * (cols / code_cols);
        if rule.cell_min_valid as usize > cell {
            return Err(TfliteIrisError::Rule {
                got: rule.cell_min_valid,
                cell,
            });
        }
        // int8 outputs always carry quantization (the loader requires it).
        let zero_point = out.quant.as_ref().map_or(0, |q| q.zero_point());
        match model.ops.last().map(|op| &op.kind) {
            Some(OpKind::Conv2d(c)) if c.multipliers.iter().all(|m| m.shift <= 0) => {}
            Some(OpKind::Conv2d(_)) => return Err(TfliteIrisError::LastOp("a scale >= 1".into())),
            Some(k) => return Err(TfliteIrisError::LastOp(k.name().into())),
            None => return Err(TfliteIrisError::LastOp("no operator".into())),
        }
        let costs = {
            let mut b = CountingBuilder::new();
            let input = (0..rows * cols)
                .map(|_| {
                    let w = b.alloc(Fr::from(0u64));
                    Bounded::assume(w, -128, 127).expect("int8 bounds")
                })
                .collect();
            synthesize_to_last_conv(&mut b, &model, input)?.costs
        };
        Ok(TfliteIrisModel {
            model,
            rule,
            rows,
            cols,
            code_rows,
            code_cols,
            filters: channels / 2,
            zero_point,
            costs,
        })
    }

    /// Parses and checks a `.tflite` file.
    pub fn from_bytes(bytes: &[u8], rule: CodeRule) -> Result<Self, TfliteIrisError> {
        Self::new(Arc::new(Model::from_bytes(bytes)?), rule)
    }

    /// The development model ([`DEV_MODEL`], [`CodeRule::DEV`]).
    pub fn development() -> Self {
        Self::from_bytes(DEV_MODEL, CodeRule::DEV).expect("the committed model is valid")
    }

    /// The test-size development model ([`DEV_MODEL_SMALL`], [`CodeRule::DEV`]).
    pub fn development_small() -> Self {
        Self::from_bytes(DEV_MODEL_SMALL, CodeRule::DEV).expect("the committed model is valid")
    }

    /// The network.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The code rule.
    pub fn rule(&self) -> CodeRule {
        self.rule
    }

    /// Image rows.
    pub fn image_rows(&self) -> usize {
        self.rows
    }

    /// Image columns.
    pub fn image_cols(&self) -> usize {
        self.cols
    }

    /// Code rows (output height).
    pub fn code_rows(&self) -> usize {
        self.code_rows
    }

    /// Code columns (output width).
    pub fn code_cols(&self) -> usize {
        self.code_cols
    }

    /// Filters `F` (output channels / 2).
    pub fn filters(&self) -> usize {
        self.filters
    }

    /// Code bits (= mask bits): `code_rows·code_cols·F·2`.
    pub fn code_len(&self) -> usize {
        self.code_rows * self.code_cols * self.filters * 2
    }

    /// The output tensor's zero point.
    pub fn zero_point(&self) -> i32 {
        self.zero_point
    }

    /// Pixel rows and columns of a cell.
    pub fn cell_shape(&self) -> (usize, usize) {
        (self.rows / self.code_rows, self.cols / self.code_cols)
    }

    /// Constraints per operator of the network's circuit, but the last (the statement tests
    /// the last CONV_2D's accumulators, [`crate::statements::iris_tflite`]).
    pub fn costs(&self) -> &[OpCost] {
        &self.costs
    }

    /// The image-mask indices (row-major) of code position `(i, j)`'s cell.
    pub fn cell(&self, i: usize, j: usize) -> impl Iterator<Item = usize> + '_ {
        let (h, w) = self.cell_shape();
        (i * h..(i + 1) * h).flat_map(move |r| (j * w..(j + 1) * w).map(move |c| r * self.cols + c))
    }

    fn check(&self, image: &[u8], mask: &[bool]) -> Result<(), IrisInputError> {
        let expected = self.rows * self.cols;
        if image.len() != expected {
            return Err(IrisInputError::ImageSize {
                expected,
                got: image.len(),
            });
        }
        if mask.len() != expected {
            return Err(IrisInputError::MaskSize {
                expected,
                got: mask.len(),
            });
        }
        Ok(())
    }

    /// The network's int8 output on `image` (row-major `rows x cols` pixels), by the exact
    /// integer interpreter (ai-edge-litert 2.3's reference kernels).
    pub fn output(&self, image: &[u8]) -> Result<Vec<i8>, IrisInputError> {
        let expected = self.rows * self.cols;
        if image.len() != expected {
            return Err(IrisInputError::ImageSize {
                expected,
                got: image.len(),
            });
        }
        let mut input: Vec<i8> = image.iter().map(|&p| pixel_to_input(p)).collect();
        let out = interp::run(&self.model, &input).map(interp::Trace::into_output);
        input.zeroize();
        // The size was checked, the interpreter's only error on a compiled model.
        out.map_err(|_| IrisInputError::ImageSize {
            expected,
            got: image.len(),
        })
    }

    /// Code and mask bits, in template order, from the network's output and the image mask.
    pub fn bits_from_output(&self, output: &[i8], mask: &[bool]) -> CodeBits {
        let zp = self.zero_point;
        let t = i32::from(self.rule.magnitude);
        let per_pos = 2 * self.filters;
        let mut code = Vec::with_capacity(self.code_len());
        let mut valid = Vec::with_capacity(self.code_len());
        for i in 0..self.code_rows {
            for j in 0..self.code_cols {
                let count = self.cell(i, j).filter(|&p| mask[p]).count();
                let cell_ok = count >= self.rule.cell_min_valid as usize;
                let base = (i * self.code_cols + j) * per_pos;
                for &o in &output[base..base + per_pos] {
                    let d = i32::from(o) - zp;
                    code.push(d > 0);
                    valid.push(cell_ok && d.abs() >= t);
                }
            }
        }
        CodeBits::from_parts(code, valid)
    }

    /// Code and mask bits of `image` and `mask` (row-major, `mask[k]` true = valid pixel).
    pub fn infer(&self, image: &[u8], mask: &[bool]) -> Result<CodeBits, IrisInputError> {
        self.check(image, mask)?;
        let mut out = self.output(image)?;
        let bits = self.bits_from_output(&out, mask);
        out.zeroize();
        Ok(bits)
    }
}

#[cfg(test)]
mod tests;
