//! A face model: an int8 `.tflite` embedding network with a grayscale image input, and the fixed
//! mapping from the stored 8-bit face image to the model's input (docs/PROTOCOL.md, "Face
//! statements").
//!
//! - Input tensor: int8 of shape `[1, H, W, 1]`; the image is `H x W` 8-bit grayscale pixels,
//!   row-major, and pixel `p` becomes the int8 value `q = p − 128` (for the development model
//!   the input is quantized with scale 1/128 and zero point 0, so `q` stands for `(p − 128)/128`).
//! - Output tensor: int8 with `D` elements (`[1, D]` or `[D]`), the embedding `E`, committed as
//!   `C_emb = Commit(FaceEmbedding, [D], [e + 128 for e in E]; salt_emb)`.
//!
//! The development model `circuits/tests/data/face/face_dev.tflite` (64x64 input, 128-d output,
//! made by `tests/face/make_face_model.py`) is **not a face recognizer**: it was trained for a few
//! minutes on synthetic random patterns to be stable under camera-like perturbations, so that
//! the face statements run on a model of a realistic shape and cost.

use super::tflite::circuit::{constraint_table, CompileError, OpCost};
use super::tflite::{interp, Model};
use crate::gadgets::commitment::{commit, int8_byte, CommitKind, Geometry, GeometryError};
use ark_bn254::Fr;
use std::sync::Arc;
use zeroize::Zeroize;

/// The development model's threshold `τ` (a 16-bit fraction: 57344 / 2^16 = 0.875), between the
/// lowest matching and the highest non-matching similarity measured on synthetic identities
/// (`circuits/tests/face_model.rs`).
pub const DEV_TAU: u16 = 57344;

/// Why a `.tflite` model cannot be a face model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceModelError {
    /// The input is not `[1, H, W, 1]`.
    #[error("the input shape {0:?} is not [1, H, W, 1]")]
    InputShape(Vec<usize>),
    /// The output is not a vector (`[1, D]` or `[D]`).
    #[error("the output shape {0:?} is not [1, D] or [D]")]
    OutputShape(Vec<usize>),
    /// The compiler refused the model.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The image or embedding cannot be a commitment geometry.
    #[error("geometry: {0}")]
    Geometry(#[from] GeometryError),
}

/// An image or template of the wrong size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} has {got} values, the face model needs {expected}")]
pub struct FaceSizeError {
    /// What was wrong: `"image"` or `"embedding"`.
    pub what: &'static str,
    /// Values given.
    pub got: usize,
    /// Values the model needs.
    pub expected: usize,
}

/// A checked face model.
#[derive(Debug, Clone)]
pub struct FaceModel {
    model: Arc<Model>,
    image: Geometry,
    embedding: Geometry,
    height: usize,
    width: usize,
    dim: usize,
    costs: Vec<OpCost>,
}

impl FaceModel {
    /// Checks the shapes and that the model compiles (the layout depends only on the model, so
    /// synthesis cannot fail afterwards).
    pub fn new(model: Arc<Model>) -> Result<Self, FaceModelError> {
        let input = &model.input_tensor().shape;
        let (height, width) = match input.as_slice() {
            [1, h, w, 1] => (*h, *w),
            _ => return Err(FaceModelError::InputShape(input.clone())),
        };
        let output = &model.output_tensor().shape;
        let dim = match output.as_slice() {
            [1, d] | [d] => *d,
            _ => return Err(FaceModelError::OutputShape(output.clone())),
        };
        let image = Geometry::new(&[height, width])?;
        let embedding = Geometry::new(&[dim])?;
        let costs = constraint_table(&model)?;
        Ok(FaceModel {
            model,
            image,
            embedding,
            height,
            width,
            dim,
            costs,
        })
    }

    /// Parses and checks a `.tflite` file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FaceModelLoadError> {
        let model = Model::from_bytes(bytes)?;
        Ok(Self::new(Arc::new(model))?)
    }

    /// The `.tflite` model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Image height `H`.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Image width `W`.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Pixels per image, `H·W`.
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// Embedding dimension `D`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `C_face`'s geometry, `[H, W]`.
    pub fn image_geometry(&self) -> Geometry {
        self.image
    }

    /// `C_emb`'s geometry, `[D]`.
    pub fn embedding_geometry(&self) -> Geometry {
        self.embedding
    }

    /// Constraints per operator of the model's circuit.
    pub fn costs(&self) -> &[OpCost] {
        &self.costs
    }

    /// Checks an image's size.
    pub fn check_image(&self, pixels: &[u8]) -> Result<(), FaceSizeError> {
        check_len("image", pixels.len(), self.pixels())
    }

    /// Checks an embedding's size.
    pub fn check_embedding(&self, e: &[i8]) -> Result<(), FaceSizeError> {
        check_len("embedding", e.len(), self.dim)
    }

    /// The model's embedding of an `H x W` image (row-major 8-bit pixels), computed by the exact
    /// integer interpreter.
    pub fn embed(&self, pixels: &[u8]) -> Result<Vec<i8>, FaceSizeError> {
        self.check_image(pixels)?;
        let mut input = model_input(pixels);
        let out = interp::run(&self.model, &input).map(interp::Trace::into_output);
        input.zeroize();
        // The size was checked, the interpreter's only error.
        out.map_err(|_| FaceSizeError {
            what: "image",
            got: pixels.len(),
            expected: self.pixels(),
        })
    }

    /// `C_face = Commit(FaceImage, [H, W], pixels; salt_face)`.
    pub fn face_commitment(&self, pixels: &[u8], salt_face: Fr) -> Result<Fr, FaceSizeError> {
        self.check_image(pixels)?;
        Ok(commit(
            CommitKind::FaceImage,
            &self.image,
            pixels,
            salt_face,
        ))
    }

    /// `C_emb = Commit(FaceEmbedding, [D], [e + 128]; salt_emb)`.
    pub fn embedding_commitment(&self, e: &[i8], salt_emb: Fr) -> Result<Fr, FaceSizeError> {
        self.check_embedding(e)?;
        Ok(embedding_commitment(&self.embedding, e, salt_emb))
    }
}

/// Why [`FaceModel::from_bytes`] failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceModelLoadError {
    /// The file is not a supported `.tflite` model.
    #[error(transparent)]
    Model(#[from] super::tflite::TfliteError),
    /// It is not a face model.
    #[error(transparent)]
    Face(#[from] FaceModelError),
}

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), FaceSizeError> {
    if got == expected {
        Ok(())
    } else {
        Err(FaceSizeError {
            what,
            got,
            expected,
        })
    }
}

/// The model input of 8-bit pixels: `q = p − 128` each.
pub fn model_input(pixels: &[u8]) -> Vec<i8> {
    pixels.iter().map(|&p| pixel_to_input(p)).collect()
}

/// `q = p − 128`.
pub fn pixel_to_input(p: u8) -> i8 {
    (p ^ 0x80) as i8
}

/// `Commit(FaceEmbedding, geometry, [e + 128 for e in E]; salt_emb)`; `geometry` is `[D]`.
pub fn embedding_commitment(geometry: &Geometry, e: &[i8], salt_emb: Fr) -> Fr {
    let mut bytes: Vec<u8> = e.iter().map(|&v| int8_byte(v)).collect();
    let c = commit(CommitKind::FaceEmbedding, geometry, &bytes, salt_emb);
    bytes.zeroize();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_mapping_is_p_minus_128() {
        for p in 0..=255u8 {
            assert_eq!(i16::from(pixel_to_input(p)), i16::from(p) - 128);
        }
    }
}
