//! The calls an app makes, each one step of the enrollment lifecycle:
//!
//! 1. [`import_enrollment`]: the scanner's [`EnrollmentTransfer`] is checked (both commitments
//!    recomputed, the scanner's EIP-712 signature recovered and required to be a trusted
//!    scanner) and stored in the vault. Nothing unchecked is ever stored.
//! 2. [`IrisModelPackage::load`]: a verified model package (see [`crate::package`]) becomes a
//!    model and a mapped proving key, after checking that the key was made for that model.
//! 3. [`regenerate_iris_code`]: the iris code of the stored image under that model (no proof).
//! 4. [`prove_enrollment`] / [`prove_reenrollment`]: the iris-code proof bound to
//!    `(chain, registry, wallet, nonce)`, the registry call ready for any wallet, and the private
//!    `(code, mask, salt_code)` opening.
//! 5. [`confirm_iris_code`]: once the registry accepted the call, the new model state and its
//!    opening are stored in the vault record (the image is kept).
//!
//! Every precondition the registry would check (wallet is the subject, version newer than the
//! current one, image size of the model) is checked before any proving, so a doomed proof never
//! costs the phone a minute of CPU.
//!
//!
//! The face flows, after enrollment: [`FaceModelPackage::load`] (a face package: the model and
//! both face statements' keys), [`register_face_embedding`] (proof + `registerFaceEmbedding`)
//! and [`confirm_face_embedding`] (the vault stores `(face version, C_emb, E, salt_emb)`), then
//! [`prove_face_match`] per relying party's challenge (proof + `verifyFaceMatch`).
//!
//! `salt_code` is derived, not drawn: `SHA3-512("zkbio/salt-code/v1" || salt_img || version)`
//! reduced mod `r` (docs/PROTOCOL.md). It is as unpredictable as a fresh salt to anyone without
//! `salt_img`, and it makes [`prove_reenrollment`] repeatable: if the app dies after the
//! registry accepted the call but before [`confirm_iris_code`], proving again yields the same
//! `C_code` and opening, so the registered commitment never loses its opening.

pub mod dev;
mod error;
mod face;
mod face_embedding;
mod face_match;
mod face_package;
#[cfg(test)]
mod face_tests;
#[cfg(test)]
mod fetch_tests;
mod iris;
mod iris_statement;
mod model;
#[cfg(test)]
mod tflite_package_tests;
mod transfer;

#[cfg(test)]
mod tests;

pub use error::FlowError;
pub use face::{check_face_match, FaceMatchError};
pub use face_embedding::{
    confirm_face_embedding, derive_salt_emb, record_face_embedding, register_face_embedding,
    FaceEmbeddingProof,
};
pub use face_match::{
    face_match_public_inputs, prove_face_match, FaceMatchProof, FaceMatchRequest,
};
pub use face_package::{FaceModelPackage, FaceRegistryPins};
pub use iris::{
    confirm_iris_code, derive_salt_code, prove_enrollment, prove_iris_code, prove_reenrollment,
    record_iris_code, regenerate_iris_code, IrisCodeProof, IrisProofRequest, IrisPurpose,
    RegistryTarget,
};
pub use iris_statement::IrisStatement;
pub use model::IrisModelPackage;
pub use transfer::{
    import_enrollment, random_salt, scanner_enroll, EnrollmentTransfer, ImportedEnrollment,
    TRANSFER_FORMAT_VERSION, TRANSFER_MAGIC,
};
