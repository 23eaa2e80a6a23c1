//! Face embedding (registry kind 2): "I know the face image and `salt_face` opening the stored,
//! scanner-signed `C_face`; the face model's embedding `E` of that image, with `salt_emb`, opens
//! `C_emb`", bound to `binding`. Public inputs, in order: `C_face`, `C_emb`, `binding`
//! (docs/PROTOCOL.md, "Face embedding").
//!
//! - `C_face = Commit(FaceImage, [H, W], pixels; salt_face)`, the pixels row-major;
//! - the model input is `q = p − 128` per pixel ([`crate::models::face`]): each pixel is
//!   allocated as the 8 bits of `p` ([`alloc_int8`] of `q`), which is both the range check and
//!   the committed byte, and `q` is a free linear combination of the same bits;
//! - `E` is the model's output on `q`, exactly as ai-edge-litert 2.3's reference kernels compute
//!   it; the model's weights are circuit constants, so a key belongs to one model file;
//! - `C_emb = Commit(FaceEmbedding, [D], [e + 128]; salt_emb)`, over free linear combinations of
//!   the requantized outputs (the model circuit pins each to `[−128, 127]`);
//! - `binding`, constrained by `binding·binding = binding_sq` like every statement's.

use crate::builder::{Builder, LinearCombination};
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::commitment::{alloc_int8, commit_gadget, CommitKind};
use crate::gadgets::equality::enforce_equal;
use crate::gadgets::quant::Bounded;
use crate::models::face::{model_input, FaceModel, FaceSizeError};
use crate::models::tflite::circuit::{synthesize_model, CompileError};
use ark_bn254::Fr;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The face-embedding statement for one face model.
#[derive(Debug, Clone)]
pub struct FaceEmbeddingStatement {
    face: FaceModel,
}

/// The prover's knowledge: the face image, both salts, the binding. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FaceEmbeddingInput {
    pixels: Vec<u8>,
    salt_face: Fr,
    salt_emb: Fr,
    #[zeroize(skip)]
    binding: Fr,
}

redacted_debug!(FaceEmbeddingInput);

/// Public input values `[C_face, C_emb, binding]`.
pub type FaceEmbeddingPublic = [Fr; 3];

/// A face image's wires: the committed bytes and the model input.
pub(crate) type FaceImageWires<L> = (Vec<L>, Vec<Bounded<L>>);

/// A face image allocated for the model: the committed bytes `p` and the model input `q = p − 128`,
/// both linear combinations of each pixel's 8 bits (8 constraints per pixel). The bits are free
/// inputs of the statement.
pub(crate) fn alloc_face_image<B: Builder>(
    b: &mut B,
    pixels: &[u8],
) -> Result<FaceImageWires<B::Lc>, SynthesisError> {
    let mut bytes = Vec::with_capacity(pixels.len());
    let mut values = Vec::with_capacity(pixels.len());
    for (i, q) in model_input(pixels).into_iter().enumerate() {
        if i % 4096 == 0 {
            b.checkpoint()?;
        }
        let w = alloc_int8(b, q);
        b.mark_free_input(&w.byte);
        bytes.push(w.byte);
        values.push(Bounded::assume(w.value, -128, 127).expect("int8 bounds are valid"));
    }
    Ok((bytes, values))
}

/// The model's circuit on `input`; `FaceModel::new` compiled the same value-independent layout.
pub(crate) fn model_output<B: Builder>(
    b: &mut B,
    face: &FaceModel,
    input: Vec<Bounded<B::Lc>>,
) -> Result<Vec<Bounded<B::Lc>>, SynthesisError> {
    match synthesize_model(b, face.model(), input) {
        Ok(c) => Ok(c.output),
        Err(CompileError::Cancelled) => Err(SynthesisError::Cancelled),
        Err(e) => panic!("a model that compiled in FaceModel::new failed to compile: {e}"),
    }
}

/// `binding·binding = binding_sq`, so that a constraint names `binding` (docs/PROTOCOL.md,
/// "Binding"). The square is computed from the claimed value, as every statement does.
pub(crate) fn bind<B: Builder>(b: &mut B, binding: &B::Lc, value: Fr) {
    let sq = b.alloc(value * value);
    b.enforce(binding, binding, &sq);
}

impl FaceEmbeddingStatement {
    /// The statement for `face`.
    pub fn new(face: FaceModel) -> Self {
        FaceEmbeddingStatement { face }
    }

    /// The face model.
    pub fn face(&self) -> &FaceModel {
        &self.face
    }

    /// Builds an input, checking the image's size (`H·W` pixels, row-major).
    pub fn input(
        &self,
        pixels: Vec<u8>,
        salt_face: Fr,
        salt_emb: Fr,
        binding: Fr,
    ) -> Result<FaceEmbeddingInput, FaceSizeError> {
        self.face.check_image(&pixels)?;
        Ok(FaceEmbeddingInput {
            pixels,
            salt_face,
            salt_emb,
            binding,
        })
    }

    /// The embedding `E` of the input's image (the interpreter, not the circuit).
    pub fn embedding(&self, input: &FaceEmbeddingInput) -> Vec<i8> {
        // `input()` checked the size, `embed`'s only error.
        self.face.embed(&input.pixels).unwrap_or_default()
    }

    /// The public inputs `[C_face, C_emb, binding]`.
    pub fn public_inputs(&self, input: &FaceEmbeddingInput) -> FaceEmbeddingPublic {
        let mut e = self.embedding(input);
        let c_emb = self
            .face
            .embedding_commitment(&e, input.salt_emb)
            .unwrap_or(Fr::from(0u64));
        e.zeroize();
        let c_face = self
            .face
            .face_commitment(&input.pixels, input.salt_face)
            .unwrap_or(Fr::from(0u64));
        [c_face, c_emb, input.binding]
    }

    /// Lays out the statement claiming `public`; any claim other than
    /// [`FaceEmbeddingStatement::public_inputs`] leaves the witness unsatisfiable.
    pub fn synthesize_claiming<B: Builder>(
        &self,
        b: &mut B,
        input: &FaceEmbeddingInput,
        public: FaceEmbeddingPublic,
    ) -> Result<(), SynthesisError> {
        let [c_face_v, c_emb_v, binding_v] = public;
        let c_face = b.alloc_public(c_face_v);
        let c_emb = b.alloc_public(c_emb_v);
        let binding = b.alloc_public(binding_v);
        bind(b, &binding, binding_v);

        let (bytes, values) = alloc_face_image(b, &input.pixels)?;
        let salt_face = b.alloc(input.salt_face);
        b.mark_free_input(&salt_face);
        let salt_emb = b.alloc(input.salt_emb);
        b.mark_free_input(&salt_emb);
        let c = commit_gadget(
            b,
            CommitKind::FaceImage,
            &self.face.image_geometry(),
            &bytes,
            &salt_face,
        );
        enforce_equal(b, &c, &c_face);

        let e = model_output(b, &self.face, values)?;
        b.checkpoint()?;
        // Bytes e + 128, in [0, 256) because every output bound is within int8.
        let offset = B::Lc::constant(Fr::from(128u64));
        let e_bytes: Vec<B::Lc> = e.iter().map(|v| v.lc().clone() + offset.clone()).collect();
        let c = commit_gadget(
            b,
            CommitKind::FaceEmbedding,
            &self.face.embedding_geometry(),
            &e_bytes,
            &salt_emb,
        );
        enforce_equal(b, &c, &c_emb);
        Ok(())
    }
}

impl Circuit for FaceEmbeddingStatement {
    type Input = FaceEmbeddingInput;

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> FaceEmbeddingInput {
        FaceEmbeddingInput {
            pixels: vec![0; self.face.pixels()],
            salt_face: Fr::from(0u64),
            salt_emb: Fr::from(0u64),
            binding: Fr::from(0u64),
        }
    }

    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &FaceEmbeddingInput,
    ) -> Result<(), SynthesisError> {
        self.synthesize_claiming(b, input, self.public_inputs(input))
    }
}

#[cfg(test)]
pub(crate) mod tests;
