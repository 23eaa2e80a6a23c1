//! The enrollment bundle a vault record holds, and its parts.
//!
//! Secret parts (images, masks, salts, code and embedding openings) sit in self-wiping
//! containers; public parts (commitments, signature, subject, versions) are plain values.

pub use alloy_primitives::Address;

use super::secret::{Salt, SecretVec};

/// Rows of a normalized iris image (open-iris `NormalizedIris`).
pub const IRIS_ROWS: usize = 128;
/// Columns of a normalized iris image.
pub const IRIS_COLS: usize = 512;
/// Pixels (and mask bits) of a normalized iris image.
pub const IRIS_PIXELS: usize = IRIS_ROWS * IRIS_COLS;
/// Largest iris side the vault stores. Production images are [`IRIS_ROWS`] x [`IRIS_COLS`]
/// (open-iris); smaller shapes exist for test models, larger ones would be a malformed input.
pub const MAX_IRIS_SIDE: usize = 1024;
/// Largest face crop side the vault stores; real crops are far smaller, the bound only
/// keeps a malformed input from asking for an absurd allocation.
pub const MAX_FACE_SIDE: u16 = 2048;
/// Largest code, mask or embedding opening, in values; far above any model's output.
pub const MAX_OPENING_LEN: usize = 1 << 22;

/// The BN254 scalar field modulus `r`, big-endian.
const FIELD_MODULUS_BE: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Whether 32 big-endian bytes encode a value below `r` (the only encoding circuits accept).
pub(crate) fn is_canonical_field_element(bytes: &[u8; 32]) -> bool {
    bytes < &FIELD_MODULUS_BE
}

/// Why parts of a bundle were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The iris image or mask does not have `rows x cols` values, or a side is out of range.
    #[error("iris {what} has {len} values, expected {rows} x {cols} (sides 1..={MAX_IRIS_SIDE})")]
    IrisSize {
        /// `"image"` or `"mask"`.
        what: &'static str,
        /// How many values it had.
        len: usize,
        /// Rows it should have.
        rows: usize,
        /// Columns it should have.
        cols: usize,
    },
    /// The face image's pixel count does not match its dimensions, or they are out of range.
    #[error("face image of {width}x{height} cannot hold {len} pixels (sides 1..={MAX_FACE_SIDE})")]
    FaceSize {
        /// Claimed width.
        width: u16,
        /// Claimed height.
        height: u16,
        /// Pixels given.
        len: usize,
    },
    /// A code, mask or embedding opening is empty, too long, or its code and mask differ
    /// in length.
    #[error("{what} opening has a bad length ({len})")]
    OpeningSize {
        /// Which opening.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// 32 bytes that should be a field element are not below the modulus `r`.
    #[error("{what} is not a canonical BN254 field element")]
    NotAFieldElement {
        /// Which value.
        what: &'static str,
    },
}

/// A public BN254 field element (a commitment) as 32 bytes big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldBytes([u8; 32]);

impl FieldBytes {
    /// Wraps 32 big-endian bytes; they must be below the field modulus `r`.
    pub fn from_be_bytes(bytes: [u8; 32], what: &'static str) -> Result<Self, BundleError> {
        if !is_canonical_field_element(&bytes) {
            return Err(BundleError::NotAFieldElement { what });
        }
        Ok(Self(bytes))
    }

    /// The 32 big-endian bytes.
    pub fn to_be_bytes(self) -> [u8; 32] {
        self.0
    }
}

/// A 65-byte secp256k1 signature `r || s || v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signature65(pub [u8; 65]);

/// A normalized iris: image bytes and validity mask, row-major, 128 x 512 for open-iris
/// models (smaller for test models).
#[derive(Clone, Debug)]
pub struct IrisSample {
    rows: usize,
    cols: usize,
    image: SecretVec<u8>,
    mask: SecretVec<bool>,
}

impl IrisSample {
    /// Takes a 128 x 512 image and mask, row-major (the open-iris shape).
    pub fn new(image: Vec<u8>, mask: Vec<bool>) -> Result<Self, BundleError> {
        Self::with_shape(IRIS_ROWS, IRIS_COLS, image, mask)
    }

    /// Takes a `rows x cols` image and mask, row-major (for models of another image size).
    pub fn with_shape(
        rows: usize,
        cols: usize,
        image: Vec<u8>,
        mask: Vec<bool>,
    ) -> Result<Self, BundleError> {
        // Wrap first so the inputs are wiped even when they are refused.
        Self::from_secret(rows, cols, SecretVec::new(image), SecretVec::new(mask))
    }

    pub(crate) fn from_secret(
        rows: usize,
        cols: usize,
        image: SecretVec<u8>,
        mask: SecretVec<bool>,
    ) -> Result<Self, BundleError> {
        let sides_ok = (1..=MAX_IRIS_SIDE).contains(&rows) && (1..=MAX_IRIS_SIDE).contains(&cols);
        for (what, len) in [("image", image.len()), ("mask", mask.len())] {
            if !sides_ok || len != rows * cols {
                return Err(BundleError::IrisSize {
                    what,
                    len,
                    rows,
                    cols,
                });
            }
        }
        Ok(Self {
            rows,
            cols,
            image,
            mask,
        })
    }

    /// Rows of the image.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of the image.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Image bytes, row-major.
    pub fn image(&self) -> &[u8] {
        self.image.as_slice()
    }

    /// Mask bits (true = valid pixel), row-major.
    pub fn mask(&self) -> &[bool] {
        self.mask.as_slice()
    }
}

/// An aligned grayscale face crop, row-major.
#[derive(Clone, Debug)]
pub struct FaceImage {
    width: u16,
    height: u16,
    pixels: SecretVec<u8>,
}

impl FaceImage {
    /// Takes `width * height` pixels, row-major.
    pub fn new(width: u16, height: u16, pixels: Vec<u8>) -> Result<Self, BundleError> {
        Self::from_secret(width, height, SecretVec::new(pixels))
    }

    pub(crate) fn from_secret(
        width: u16,
        height: u16,
        pixels: SecretVec<u8>,
    ) -> Result<Self, BundleError> {
        let sides_ok =
            (1..=MAX_FACE_SIDE).contains(&width) && (1..=MAX_FACE_SIDE).contains(&height);
        if !sides_ok || pixels.len() != usize::from(width) * usize::from(height) {
            return Err(BundleError::FaceSize {
                width,
                height,
                len: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u16 {
        self.height
    }

    /// Pixels, row-major.
    pub fn pixels(&self) -> &[u8] {
        self.pixels.as_slice()
    }
}

/// The private opening of `C_code`: the iris code and mask bits and their salt.
#[derive(Clone, Debug)]
pub struct CodeOpening {
    code_bits: SecretVec<bool>,
    mask_bits: SecretVec<bool>,
    salt: Salt,
}

impl CodeOpening {
    /// Code and mask bits (equal, non-zero lengths) and the salt `salt_code`.
    pub fn new(
        code_bits: Vec<bool>,
        mask_bits: Vec<bool>,
        salt: Salt,
    ) -> Result<Self, BundleError> {
        Self::from_secret(SecretVec::new(code_bits), SecretVec::new(mask_bits), salt)
    }

    pub(crate) fn from_secret(
        code_bits: SecretVec<bool>,
        mask_bits: SecretVec<bool>,
        salt: Salt,
    ) -> Result<Self, BundleError> {
        let len = code_bits.len();
        if len == 0 || len > MAX_OPENING_LEN || mask_bits.len() != len {
            return Err(BundleError::OpeningSize {
                what: "iris code",
                len,
            });
        }
        Ok(Self {
            code_bits,
            mask_bits,
            salt,
        })
    }

    /// The code bits.
    pub fn code_bits(&self) -> &[bool] {
        self.code_bits.as_slice()
    }

    /// The mask bits.
    pub fn mask_bits(&self) -> &[bool] {
        self.mask_bits.as_slice()
    }

    /// The salt `salt_code`.
    pub fn salt(&self) -> &Salt {
        &self.salt
    }
}

/// The private opening of `C_emb`: the encoded face embedding and its salt.
#[derive(Clone, Debug)]
pub struct EmbeddingOpening {
    embedding: SecretVec<u8>,
    salt: Salt,
}

impl EmbeddingOpening {
    /// The embedding's bytes (encoding fixed by the face model version) and its salt.
    pub fn new(embedding: Vec<u8>, salt: Salt) -> Result<Self, BundleError> {
        Self::from_secret(SecretVec::new(embedding), salt)
    }

    pub(crate) fn from_secret(embedding: SecretVec<u8>, salt: Salt) -> Result<Self, BundleError> {
        let len = embedding.len();
        if len == 0 || len > MAX_OPENING_LEN {
            return Err(BundleError::OpeningSize {
                what: "face embedding",
                len,
            });
        }
        Ok(Self { embedding, salt })
    }

    /// The embedding's bytes.
    pub fn embedding(&self) -> &[u8] {
        self.embedding.as_slice()
    }

    /// The salt.
    pub fn salt(&self) -> &Salt {
        &self.salt
    }
}

/// Which iris model version the registered `C_code` comes from, with its opening when the
/// phone made it.
#[derive(Clone, Debug)]
pub struct IrisModelState {
    /// Iris model version.
    pub version: u32,
    /// `C_code`.
    pub c_code: FieldBytes,
    /// `(code, mask, salt_code)`, when known.
    pub opening: Option<CodeOpening>,
}

/// Which face model version the registered `C_emb` comes from, with its opening.
#[derive(Clone, Debug)]
pub struct FaceModelState {
    /// Face model version.
    pub version: u32,
    /// `C_emb`.
    pub c_emb: FieldBytes,
    /// `(embedding, salt_emb)`, when known.
    pub opening: Option<EmbeddingOpening>,
}

/// Everything the phone keeps about one enrollment.
#[derive(Clone, Debug)]
pub struct EnrollmentBundle {
    /// The normalized iris the scanner signed (through `C_img`).
    pub iris: IrisSample,
    /// The face crop the scanner signed (through `C_face`).
    pub face: FaceImage,
    /// Salt of `C_img`.
    pub salt_img: Salt,
    /// Salt of `C_face`.
    pub salt_face: Salt,
    /// The scanner's signature over `(C_img, C_face, subject, deadline, chain_id, registry)`.
    pub scanner_sig: Signature65,
    /// The signature's deadline (Unix seconds): `enroll` must be mined by then.
    pub scanner_deadline: u64,
    /// The enrolled subject's address.
    pub subject: Address,
    /// `C_img`.
    pub c_img: FieldBytes,
    /// `C_face`.
    pub c_face: FieldBytes,
    /// The current iris model state, once an iris code is registered.
    pub iris_model: Option<IrisModelState>,
    /// The current face model state, once an embedding is registered.
    pub face_model: Option<FaceModelState>,
}

/// The non-secret part of a record, readable without exposing images or salts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicRecord {
    /// The enrolled subject's address.
    pub subject: Address,
    /// The scanner's signature.
    pub scanner_sig: Signature65,
    /// The signature's deadline (Unix seconds).
    pub scanner_deadline: u64,
    /// `C_img`.
    pub c_img: FieldBytes,
    /// `C_face`.
    pub c_face: FieldBytes,
    /// Current iris model version and `C_code`.
    pub iris_model: Option<(u32, FieldBytes)>,
    /// Current face model version and `C_emb`.
    pub face_model: Option<(u32, FieldBytes)>,
}

impl EnrollmentBundle {
    /// Its non-secret part.
    pub fn public_part(&self) -> PublicRecord {
        PublicRecord {
            subject: self.subject,
            scanner_sig: self.scanner_sig,
            scanner_deadline: self.scanner_deadline,
            c_img: self.c_img,
            c_face: self.c_face,
            iris_model: self.iris_model.as_ref().map(|m| (m.version, m.c_code)),
            face_model: self.face_model.as_ref().map(|m| (m.version, m.c_emb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_elements_at_or_above_the_modulus_are_refused() {
        let mut r_minus_1 = FIELD_MODULUS_BE;
        r_minus_1[31] -= 1;
        assert!(FieldBytes::from_be_bytes(r_minus_1, "c").is_ok());
        assert_eq!(
            FieldBytes::from_be_bytes(FIELD_MODULUS_BE, "c").unwrap_err(),
            BundleError::NotAFieldElement { what: "c" }
        );
        assert!(Salt::from_be_bytes([0xff; 32]).is_err());
    }

    #[test]
    fn wrong_sizes_are_refused() {
        let err = IrisSample::new(vec![0; IRIS_PIXELS - 1], vec![true; IRIS_PIXELS]).unwrap_err();
        assert_eq!(
            err,
            BundleError::IrisSize {
                what: "image",
                len: IRIS_PIXELS - 1,
                rows: IRIS_ROWS,
                cols: IRIS_COLS,
            }
        );
        assert!(IrisSample::with_shape(12, 24, vec![0; 288], vec![true; 288]).is_ok());
        assert!(IrisSample::with_shape(0, 0, vec![], vec![]).is_err());
        assert!(
            IrisSample::with_shape(1, MAX_IRIS_SIDE + 1, vec![0; 1025], vec![true; 1025]).is_err()
        );
        assert!(FaceImage::new(3, 4, vec![0; 11]).is_err());
        assert!(FaceImage::new(0, 0, vec![]).is_err());
        assert!(FaceImage::new(3, 4, vec![0; 12]).is_ok());
        let salt = Salt::from_be_bytes([1; 32]).expect("salt");
        assert!(CodeOpening::new(vec![true; 8], vec![true; 7], salt.clone()).is_err());
        assert!(EmbeddingOpening::new(vec![], salt).is_err());
    }
}
