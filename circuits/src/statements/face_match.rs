//! Face match (registry kind 1): "I know a selfie, and `E`, `salt_emb` opening `C_emb`, such that
//! the cosine similarity of the face model's embedding of the selfie and `E` is at least
//! `τ / 2^16`", bound to `binding` (made with the relying party's address and challenge).
//! Public inputs, in order: `C_emb`, `tau`, `binding` (docs/PROTOCOL.md, "Face match").
//!
//! - the selfie is an `H x W` 8-bit grayscale image, mapped to the model input by `q = p − 128`
//!   exactly as in the face-embedding statement (8 boolean wires per pixel);
//! - `E` is `D` int8 values, each the 8 bits of `e + 128` ([`alloc_int8`]), and
//!   `C_emb = Commit(FaceEmbedding, [D], [e + 128]; salt_emb)` over those bytes;
//! - `t` is the model's output on the selfie; [`cosine_match`] computes
//!   `[t·E > 0 ∧ (t·E)²·2^32 >= τ²·|t|²·|E|²]` and the statement enforces it to be 1;
//! - `tau` is range-checked to `[0, 2^16)` by [`cosine_match`]; `binding` is squared.
//!
//! The statement says nothing about liveness: the selfie is whatever the prover fed the model.

use super::face_embedding::{alloc_face_image, bind, model_output};
use crate::builder::{Builder, LinearCombination};
use crate::circuit::{Circuit, SynthesisError};
use crate::gadgets::commitment::{alloc_int8, commit_gadget, CommitKind};
use crate::gadgets::cosine::{cosine_match, matches, range_check_tau, similarity, tau_fr};
use crate::gadgets::equality::enforce_equal;
use crate::gadgets::quant::Bounded;
use crate::models::face::{FaceModel, FaceSizeError};
use ark_bn254::Fr;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The face-match statement for one face model.
#[derive(Debug, Clone)]
pub struct FaceMatchStatement {
    face: FaceModel,
}

/// The prover's knowledge: the selfie, the template `E` and `salt_emb`, the threshold and the
/// binding. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FaceMatchInput {
    selfie: Vec<u8>,
    template: Vec<i8>,
    salt_emb: Fr,
    #[zeroize(skip)]
    tau: u16,
    #[zeroize(skip)]
    binding: Fr,
}

redacted_debug!(FaceMatchInput);

/// Public input values `[C_emb, tau, binding]`.
pub type FaceMatchPublic = [Fr; 3];

impl FaceMatchStatement {
    /// The statement for `face`.
    pub fn new(face: FaceModel) -> Self {
        FaceMatchStatement { face }
    }

    /// The face model.
    pub fn face(&self) -> &FaceModel {
        &self.face
    }

    /// Builds an input, checking the sizes of the selfie (`H·W` pixels) and of `E` (`D`).
    /// It does not check that they match: [`FaceMatchStatement::similarity`] says.
    pub fn input(
        &self,
        selfie: Vec<u8>,
        template: Vec<i8>,
        salt_emb: Fr,
        tau: u16,
        binding: Fr,
    ) -> Result<FaceMatchInput, FaceSizeError> {
        self.face.check_image(&selfie)?;
        self.face.check_embedding(&template)?;
        Ok(FaceMatchInput {
            selfie,
            template,
            salt_emb,
            tau,
            binding,
        })
    }

    /// The similarity of the selfie's embedding and `E` as a 16-bit fraction
    /// ([`crate::gadgets::cosine::Products::similarity`]); the witness is satisfiable iff it is
    /// `Some(s)` with `s >= tau`.
    pub fn similarity(&self, input: &FaceMatchInput) -> Option<u32> {
        let mut t = self.face.embed(&input.selfie).unwrap_or_default();
        let s = similarity(&t, &input.template);
        t.zeroize();
        s
    }

    /// Whether the input's selfie matches `E` at its `tau`.
    pub fn matches(&self, input: &FaceMatchInput) -> bool {
        let mut t = self.face.embed(&input.selfie).unwrap_or_default();
        let m = matches(&t, &input.template, input.tau);
        t.zeroize();
        m
    }

    /// The public inputs `[C_emb, tau, binding]`.
    pub fn public_inputs(&self, input: &FaceMatchInput) -> FaceMatchPublic {
        let c_emb = self
            .face
            .embedding_commitment(&input.template, input.salt_emb)
            .unwrap_or(Fr::from(0u64));
        [c_emb, tau_fr(input.tau), input.binding]
    }

    /// Lays out the statement claiming `public` (`tau` may be any field element here, so that
    /// tests can claim values outside `[0, 2^16)`); any claim other than
    /// [`FaceMatchStatement::public_inputs`] of a matching input leaves the witness
    /// unsatisfiable.
    pub fn synthesize_claiming<B: Builder>(
        &self,
        b: &mut B,
        input: &FaceMatchInput,
        public: FaceMatchPublic,
    ) -> Result<(), SynthesisError> {
        let [c_emb_v, tau_v, binding_v] = public;
        let c_emb = b.alloc_public(c_emb_v);
        let tau = b.alloc_public(tau_v);
        let binding = b.alloc_public(binding_v);
        bind(b, &binding, binding_v);

        let mut e_bytes = Vec::with_capacity(input.template.len());
        let mut e = Vec::with_capacity(input.template.len());
        for &v in &input.template {
            let w = alloc_int8(b, v);
            b.mark_free_input(&w.byte);
            e_bytes.push(w.byte);
            e.push(Bounded::assume(w.value, -128, 127).expect("int8 bounds are valid"));
        }
        let salt_emb = b.alloc(input.salt_emb);
        b.mark_free_input(&salt_emb);
        let c = commit_gadget(
            b,
            CommitKind::FaceEmbedding,
            &self.face.embedding_geometry(),
            &e_bytes,
            &salt_emb,
        );
        enforce_equal(b, &c, &c_emb);

        // τ's bits follow τ, the verifier's choice: a fault on one of them re-solves the public τ
        // from the decomposition, which is another statement, not a forged witness (the gadget's
        // own tests, with τ private, check that the decomposition pins them).
        let tau = range_check_tau(b, &tau);
        for bit in &tau.bits {
            b.mark_free_input(bit);
        }

        let (_, selfie) = alloc_face_image(b, &input.selfie)?;
        let t = model_output(b, &self.face, selfie)?;
        b.checkpoint()?;
        let matched = cosine_match(b, &t, &e, &tau)
            // Both have D elements (the model's output shape, `input()` checked E), and every
            // bound is int8: the layout cannot fail.
            .unwrap_or_else(|err| panic!("the face-match comparison failed to lay out: {err}"));
        enforce_equal(b, &matched, &B::Lc::constant(Fr::from(1u64)));
        Ok(())
    }
}

impl Circuit for FaceMatchStatement {
    type Input = FaceMatchInput;

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> FaceMatchInput {
        FaceMatchInput {
            selfie: vec![0; self.face.pixels()],
            template: vec![0; self.face.dim()],
            salt_emb: Fr::from(0u64),
            tau: 0,
            binding: Fr::from(0u64),
        }
    }

    fn synthesize<B: Builder>(
        &self,
        b: &mut B,
        input: &FaceMatchInput,
    ) -> Result<(), SynthesisError> {
        self.synthesize_claiming(b, input, self.public_inputs(input))
    }
}

#[cfg(test)]
mod tests;
