//! The enrollment transfer: what the scanner hands the phone, and its import into the vault.
//!
//! Format (version 2), all integers big-endian; the transport (the scanner's session with the
//! phone) is responsible for confidentiality, the import for integrity and authenticity:
//!
//! ```text
//! magic "ZKBENROL" (8) | u16 format version (= 2) | u64 chain_id | registry address (20) |
//! the bundle, in the vault's plaintext encoding (crate::vault::codec), without model states
//! ```
//!
//! Version 2 carries the scanner's attestation deadline (the bundle's `scanner_deadline`, a
//! u64 of Unix seconds right after the signature): the EIP-712 `Enrollment` signs it and the
//! registry's `enroll` refuses the attestation after it. Version 1 transfers are refused.
//!
//! The import recomputes `C_img` and `C_face` from the images and salts, recovers the scanner
//! from its EIP-712 signature over `(C_img, C_face, subject, deadline, chain_id, registry)`, and
//! requires it to be a trusted scanner: a bundle whose images were swapped, whose commitments
//! or deadline were edited, or that a non-scanner signed is refused before it reaches the
//! vault. An expired transfer is refused too (`FlowError::AttestationExpired`): it could never
//! be enrolled.

use alloy_primitives::Address;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use zkbio_circuits::gadgets::commitment::{commit, CommitKind, Geometry, GeometryError};
use zkbio_circuits::statements::image_opening::{image_commitment, image_geometry};

use super::{FlowError, RegistryTarget};
use crate::registry::{LocalSigner, ScannerSignature};
use crate::vault::codec;
use crate::vault::{
    EnrollmentBundle, FaceImage, FieldBytes, IrisSample, PublicRecord, RecordId, Salt, SecretVec,
    Signature65, Vault,
};

/// The first bytes of an enrollment transfer.
pub const TRANSFER_MAGIC: [u8; 8] = *b"ZKBENROL";
/// The transfer format this code reads and writes. 2: commitments of construction v2 (the tag
/// binds the image geometry) and the scanner's signed attestation deadline in the bundle; a
/// version-1 transfer carries v1 commitments, which no longer open, and no deadline: it is
/// refused by its version.
pub const TRANSFER_FORMAT_VERSION: u16 = 2;
const HEADER_LEN: usize = 8 + 2 + 8 + 20;

/// An enrollment as the scanner hands it over: the bundle and the registry it was signed for.
#[derive(Clone, Debug)]
pub struct EnrollmentTransfer {
    /// The registry the scanner signed for.
    pub target: RegistryTarget,
    /// The bundle (no model state yet: the phone proves its first iris code itself).
    pub bundle: EnrollmentBundle,
}

/// What [`import_enrollment`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedEnrollment {
    /// The record's public part.
    pub record: PublicRecord,
    /// The scanner that signed it.
    pub scanner: Address,
    /// The registry it was signed for (the app keeps it for the later proofs).
    pub target: RegistryTarget,
}

pub(crate) fn fr_of(bytes: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(bytes)
}

pub(crate) fn field_bytes(x: &Fr, what: &'static str) -> Result<FieldBytes, FlowError> {
    let bytes: [u8; 32] = x
        .into_bigint()
        .to_bytes_be()
        .try_into()
        .map_err(|_| FlowError::Transfer(format!("{what}: not 32 bytes")))?;
    Ok(FieldBytes::from_be_bytes(bytes, what)?)
}

/// A uniformly random salt below `2^253` (so below the field modulus), from the OS.
pub fn random_salt() -> Result<Salt, FlowError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| FlowError::Transfer(format!("no randomness: {e}")))?;
    bytes[0] &= 0x1f;
    let salt = Salt::from_be_bytes(bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(salt?)
}

/// A bundle's image size that no commitment can hold (unreachable: bundles bound their sides
/// far below 2^32).
fn geometry_error(what: &'static str) -> impl Fn(GeometryError) -> FlowError {
    move |e| FlowError::Transfer(format!("{what}: {e}"))
}

/// `C_img` of a stored iris (geometry `[rows, cols]`).
pub(crate) fn image_commitment_of(iris: &IrisSample, salt_img: &Salt) -> Result<Fr, FlowError> {
    let geometry = image_geometry(iris.rows(), iris.cols()).map_err(geometry_error("C_img"))?;
    Ok(image_commitment(
        &geometry,
        iris.image(),
        iris.mask(),
        fr_of(salt_img.expose()),
    ))
}

/// `C_face = Commit(FaceImage, [height, width], pixels; salt_face)`.
pub(crate) fn face_commitment_of(face: &FaceImage, salt_face: &Salt) -> Result<Fr, FlowError> {
    let geometry = Geometry::new(&[face.height().into(), face.width().into()])
        .map_err(geometry_error("C_face"))?;
    Ok(commit(
        CommitKind::FaceImage,
        &geometry,
        face.pixels(),
        fr_of(salt_face.expose()),
    ))
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Refuses an attestation whose `deadline` is before `now` (the registry's rule:
/// `block.timestamp <= deadline`).
pub(crate) fn check_deadline(deadline: u64, now: u64) -> Result<(), FlowError> {
    if now > deadline {
        return Err(FlowError::AttestationExpired { deadline, now });
    }
    Ok(())
}

/// What a scanner does at enrollment (for tests, demos and scanner simulators): draws both
/// salts, commits to the images and signs the EIP-712 enrollment for `subject`, valid until
/// `deadline` (Unix seconds).
pub fn scanner_enroll(
    scanner: &LocalSigner,
    target: RegistryTarget,
    subject: Address,
    deadline: u64,
    iris: IrisSample,
    face: FaceImage,
) -> Result<EnrollmentTransfer, FlowError> {
    let (salt_img, salt_face) = (random_salt()?, random_salt()?);
    let c_img = image_commitment_of(&iris, &salt_img)?;
    let c_face = face_commitment_of(&face, &salt_face)?;
    let sig = ScannerSignature::sign(
        scanner,
        target.chain_id,
        target.registry,
        c_img,
        c_face,
        subject,
        deadline,
    )
    .map_err(FlowError::Signature)?;
    Ok(EnrollmentTransfer {
        target,
        bundle: EnrollmentBundle {
            iris,
            face,
            salt_img,
            salt_face,
            scanner_sig: Signature65(*sig.as_bytes()),
            scanner_deadline: deadline,
            subject,
            c_img: field_bytes(&c_img, "C_img")?,
            c_face: field_bytes(&c_face, "C_face")?,
            iris_model: None,
            face_model: None,
        },
    })
}

impl EnrollmentTransfer {
    /// The transfer's bytes; the buffer wipes itself when dropped.
    pub fn to_bytes(&self) -> SecretVec<u8> {
        let body = codec::encode(&self.bundle);
        let mut out = SecretVec::zeroed(HEADER_LEN + body.len());
        let buf = out.as_mut_slice();
        buf[..8].copy_from_slice(&TRANSFER_MAGIC);
        buf[8..10].copy_from_slice(&TRANSFER_FORMAT_VERSION.to_be_bytes());
        buf[10..18].copy_from_slice(&self.target.chain_id.to_be_bytes());
        buf[18..38].copy_from_slice(self.target.registry.as_slice());
        buf[HEADER_LEN..].copy_from_slice(body.as_slice());
        out
    }

    /// Decodes a transfer (no check of its commitments or signature: see
    /// [`EnrollmentTransfer::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FlowError> {
        if bytes.len() < HEADER_LEN || bytes[..8] != TRANSFER_MAGIC {
            return Err(FlowError::Transfer("not an enrollment transfer".into()));
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if version != TRANSFER_FORMAT_VERSION {
            return Err(FlowError::Transfer(format!(
                "format version {version}, this build reads {TRANSFER_FORMAT_VERSION}"
            )));
        }
        let chain_id = u64::from_be_bytes(bytes[10..18].try_into().expect("8 bytes"));
        let registry = Address::from_slice(&bytes[18..38]);
        let bundle =
            codec::decode(&bytes[HEADER_LEN..]).map_err(|e| FlowError::Transfer(e.to_string()))?;
        if bundle.iris_model.is_some() || bundle.face_model.is_some() {
            return Err(FlowError::Transfer(
                "a scanner bundle carries no model state".into(),
            ));
        }
        Ok(Self {
            target: RegistryTarget { chain_id, registry },
            bundle,
        })
    }

    /// Checks both commitments against the images and salts and returns the scanner that
    /// signed the enrollment.
    pub fn verify(&self) -> Result<Address, FlowError> {
        let b = &self.bundle;
        let c_img = image_commitment_of(&b.iris, &b.salt_img)?;
        if field_bytes(&c_img, "C_img")? != b.c_img {
            return Err(FlowError::CommitmentMismatch { what: "C_img" });
        }
        let c_face = face_commitment_of(&b.face, &b.salt_face)?;
        if field_bytes(&c_face, "C_face")? != b.c_face {
            return Err(FlowError::CommitmentMismatch { what: "C_face" });
        }
        let sig = ScannerSignature::from_bytes(&b.scanner_sig.0).map_err(FlowError::Signature)?;
        sig.recover_enrollment(
            self.target.chain_id,
            self.target.registry,
            c_img,
            c_face,
            b.subject,
            b.scanner_deadline,
        )
        .map_err(FlowError::Signature)
    }
}

/// Checks `transfer` (see [`EnrollmentTransfer::verify`]; its signer must be one of
/// `trusted_scanners`, e.g. read from the registry's `isScanner`; its deadline not passed by
/// this device's clock) and stores it as a new record `id`. An existing record is never
/// overwritten.
pub fn import_enrollment(
    vault: &Vault,
    id: &RecordId,
    transfer: &[u8],
    trusted_scanners: &[Address],
) -> Result<ImportedEnrollment, FlowError> {
    let _span = tracing::info_span!("import_enrollment").entered();
    crate::log::flow_result(
        "import_enrollment",
        import_checked(vault, id, transfer, trusted_scanners),
    )
}

fn import_checked(
    vault: &Vault,
    id: &RecordId,
    transfer: &[u8],
    trusted_scanners: &[Address],
) -> Result<ImportedEnrollment, FlowError> {
    let transfer = EnrollmentTransfer::from_bytes(transfer)?;
    let scanner = transfer.verify()?;
    if !trusted_scanners.contains(&scanner) {
        return Err(FlowError::UntrustedScanner { scanner });
    }
    check_deadline(transfer.bundle.scanner_deadline, unix_now())?;
    if vault.contains(id) {
        return Err(FlowError::RecordExists { id: id.to_string() });
    }
    vault.put(id, &transfer.bundle)?;
    Ok(ImportedEnrollment {
        record: transfer.bundle.public_part(),
        scanner,
        target: transfer.target,
    })
}
