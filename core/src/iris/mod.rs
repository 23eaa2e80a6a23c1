//! Iris codes: exact integer inference of an [`IrisModel`], open-iris template I/O and matching.
//!
//! [`infer`] turns a [`NormalizedIris`] (image and mask, validated against the model) into an
//! [`IrisCode`] bit-identical to open-iris 1.11.2's `iris_codes` / `mask_codes` (without its
//! fragile-bit refinement; see `docs/IRIS.md`). Only integer arithmetic is used, and only at the
//! probe points. [`IrisEngine::responses`] exposes the exact signed sums each bit is the sign of,
//! so a circuit can be checked against them. [`IrisTemplate`] reads and writes open-iris's
//! `IrisTemplate.serialize()` JSON byte for byte; [`hamming_distance`] is open-iris's default
//! `HammingDistanceMatcher`.

mod code;
mod image;
mod inference;
mod matcher;
mod template;

pub use code::{CodeShape, IrisCode};
pub use image::NormalizedIris;
pub use inference::{infer, IrisEngine, IrisResponses, ProbeResponse};
pub use matcher::{hamming_distance, MatchResult, MatcherParams};
pub use template::IrisTemplate;
pub use zkbio_circuits::models::iris::IrisModel;

/// Errors of iris inference, template I/O and matching.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrisError {
    /// The image does not have the model's `rows * cols` pixels.
    #[error("image has {got} pixels, the model needs {rows}x{cols}")]
    ImageSize {
        /// Rows the model needs.
        rows: usize,
        /// Columns the model needs.
        cols: usize,
        /// Pixels given.
        got: usize,
    },
    /// The mask does not have the model's `rows * cols` entries.
    #[error("mask has {got} entries, the model needs {rows}x{cols}")]
    MaskSize {
        /// Rows the model needs.
        rows: usize,
        /// Columns the model needs.
        cols: usize,
        /// Entries given.
        got: usize,
    },
    /// The iris was validated for a model with another image size.
    #[error("iris is {got_rows}x{got_cols}, the model needs {rows}x{cols}")]
    ModelMismatch {
        /// Rows the model needs.
        rows: usize,
        /// Columns the model needs.
        cols: usize,
        /// Rows of the iris.
        got_rows: usize,
        /// Columns of the iris.
        got_cols: usize,
    },
    /// Code or mask bits do not match the code shape.
    #[error("{got} bits given, the code shape needs {expected}")]
    CodeLength {
        /// Bits the shape needs.
        expected: usize,
        /// Bits given.
        got: usize,
    },
    /// Two codes to compare have different shapes.
    #[error("iris codes have different shapes")]
    ShapeMismatch,
    /// open-iris's matcher needs an even number of code columns.
    #[error("number of code columns must be even")]
    OddCodeColumns,
    /// The iris code version is not `v<digits>.<digits>`.
    #[error("iris code version {0:?} is not of the form v<digits>.<digits>")]
    CodeVersion(String),
    /// The template is not a JSON object with string fields `iris_codes`, `mask_codes` and
    /// `iris_code_version`.
    #[error("template JSON: {0}")]
    TemplateJson(String),
    /// A template field is not valid standard base64.
    #[error("template field {0} is not valid base64")]
    TemplateBase64(&'static str),
    /// A template field has the wrong number of bytes for the code shape.
    #[error("template field {field} has {got} bytes, the code shape needs {expected}")]
    TemplateLength {
        /// The field.
        field: &'static str,
        /// Bytes the shape needs.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The padding bits after the last code bit are not zero.
    #[error("template field {0} has non-zero padding bits")]
    TemplatePadding(&'static str),
}

/// `v<digits>.<digits>` (open-iris's `iris_code_version_check`).
pub(crate) fn is_code_version(v: &str) -> bool {
    let Some((major, minor)) = v.strip_prefix('v').and_then(|r| r.split_once('.')) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}
