//! The plaintext encoding of an [`EnrollmentBundle`] inside a record (format version 2: the
//! scanner's deadline after its signature).
//!
//! All integers are big-endian; bit strings are packed least significant bit first, as in
//! the commitments (`docs/PROTOCOL.md`), with zero padding bits:
//!
//! ```text
//! u16 rows | u16 cols | image: rows*cols bytes | mask: ceil(rows*cols/8) bytes
//! (rows x cols is 128 x 512 for open-iris models; sides 1..=1024)
//! u16 face width | u16 face height | face: width*height bytes
//! salt_img 32 | salt_face 32 | scanner_sig 65 | u64 scanner_deadline | subject 20 |
//! C_img 32 | C_face 32
//! u8 has_iris_model (0|1) [ u32 version | C_code 32 | u8 has_opening (0|1)
//!                           [ u32 n | code: ceil(n/8) bytes | mask: ceil(n/8) bytes | salt_code 32 ] ]
//! u8 has_face_model (0|1) [ u32 version | C_emb 32 | u8 has_opening (0|1)
//!                           [ u32 n | embedding: n bytes | salt_emb 32 ] ]
//! ```
//!
//! The encoder writes into one buffer allocated at its exact final size, so it never
//! reallocates (which would free an unwiped copy); the buffer wipes itself when dropped.
//! Decoding copies each secret straight into its own wiping buffer.

use super::bundle::{
    Address, BundleError, CodeOpening, EmbeddingOpening, EnrollmentBundle, FaceImage,
    FaceModelState, FieldBytes, IrisModelState, IrisSample, Signature65, MAX_IRIS_SIDE,
    MAX_OPENING_LEN,
};
use super::secret::{Salt, SecretVec};

/// Why an authenticated plaintext did not decode. With a valid tag this means a writer bug
/// or a writer of another version, never an attacker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The plaintext ended early.
    #[error("record content ends early")]
    Short,
    /// Bytes follow the last field.
    #[error("record content has {0} trailing bytes")]
    Trailing(usize),
    /// A field holds a value the format does not allow.
    #[error("record content has an invalid {0}")]
    Invalid(&'static str),
    /// A decoded part was refused.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

fn packed_len(bits: usize) -> usize {
    bits.div_ceil(8)
}

fn opening_lengths(bundle: &EnrollmentBundle) -> usize {
    let iris = bundle.iris_model.as_ref().map_or(0, |m| {
        4 + 32
            + 1
            + m.opening
                .as_ref()
                .map_or(0, |o| 4 + 2 * packed_len(o.code_bits().len()) + 32)
    });
    let face = bundle.face_model.as_ref().map_or(0, |m| {
        4 + 32
            + 1
            + m.opening
                .as_ref()
                .map_or(0, |o| 4 + o.embedding().len() + 32)
    });
    iris + face
}

/// The exact encoded length of `bundle`.
fn encoded_len(bundle: &EnrollmentBundle) -> usize {
    let pixels = bundle.iris.rows() * bundle.iris.cols();
    4 + pixels
        + packed_len(pixels)
        + 4
        + bundle.face.pixels().len()
        + 32
        + 32
        + 65
        + 8
        + 20
        + 32
        + 32
        + 1
        + 1
        + opening_lengths(bundle)
}

/// Fills a buffer allocated at its final size.
struct Writer {
    buf: SecretVec<u8>,
    at: usize,
}

impl Writer {
    fn put(&mut self, bytes: &[u8]) {
        // `encoded_len` computes the exact size from the same fields; a mismatch is a bug
        // in this file, caught by the round-trip tests.
        self.buf.as_mut_slice()[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    fn put_bits(&mut self, bits: &[bool]) {
        for chunk in bits.chunks(8) {
            let byte = chunk
                .iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | (u8::from(b) << i));
            self.put(&[byte]);
        }
    }

    fn put_flag(&mut self, present: bool) {
        self.put(&[u8::from(present)]);
    }
}

/// Encodes `bundle`; the returned buffer wipes itself when dropped.
pub(crate) fn encode(bundle: &EnrollmentBundle) -> SecretVec<u8> {
    let mut w = Writer {
        buf: SecretVec::zeroed(encoded_len(bundle)),
        at: 0,
    };
    // Sides are at most MAX_IRIS_SIDE (checked by IrisSample), so they fit a u16.
    w.put(&(bundle.iris.rows() as u16).to_be_bytes());
    w.put(&(bundle.iris.cols() as u16).to_be_bytes());
    w.put(bundle.iris.image());
    w.put_bits(bundle.iris.mask());
    w.put(&bundle.face.width().to_be_bytes());
    w.put(&bundle.face.height().to_be_bytes());
    w.put(bundle.face.pixels());
    w.put(bundle.salt_img.expose());
    w.put(bundle.salt_face.expose());
    w.put(&bundle.scanner_sig.0);
    w.put(&bundle.scanner_deadline.to_be_bytes());
    w.put(bundle.subject.as_slice());
    w.put(&bundle.c_img.to_be_bytes());
    w.put(&bundle.c_face.to_be_bytes());
    w.put_flag(bundle.iris_model.is_some());
    if let Some(model) = &bundle.iris_model {
        w.put(&model.version.to_be_bytes());
        w.put(&model.c_code.to_be_bytes());
        w.put_flag(model.opening.is_some());
        if let Some(opening) = &model.opening {
            // Lengths are bounded by MAX_OPENING_LEN (< 2^32) at construction.
            w.put(&(opening.code_bits().len() as u32).to_be_bytes());
            w.put_bits(opening.code_bits());
            w.put_bits(opening.mask_bits());
            w.put(opening.salt().expose());
        }
    }
    w.put_flag(bundle.face_model.is_some());
    if let Some(model) = &bundle.face_model {
        w.put(&model.version.to_be_bytes());
        w.put(&model.c_emb.to_be_bytes());
        w.put_flag(model.opening.is_some());
        if let Some(opening) = &model.opening {
            w.put(&(opening.embedding().len() as u32).to_be_bytes());
            w.put(opening.embedding());
            w.put(opening.salt().expose());
        }
    }
    debug_assert_eq!(w.at, w.buf.len(), "codec length mismatch");
    w.buf
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.rest.len() < n {
            return Err(CodecError::Short);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn flag(&mut self) -> Result<bool, CodecError> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::Invalid("presence flag")),
        }
    }

    fn bytes(&mut self, n: usize) -> Result<SecretVec<u8>, CodecError> {
        // Length first: a hostile size (a 65535 x 65535 face) must not allocate and wipe 4 GiB.
        let src = self.take(n)?;
        let mut out = SecretVec::zeroed(n);
        out.as_mut_slice().copy_from_slice(src);
        Ok(out)
    }

    fn bits(&mut self, n: usize) -> Result<SecretVec<bool>, CodecError> {
        let packed = self.take(packed_len(n))?;
        // Padding bits must be zero, so each bit string has exactly one encoding.
        let used_in_last = n % 8;
        if used_in_last > 0 && packed[packed.len() - 1] >> used_in_last != 0 {
            return Err(CodecError::Invalid("bit padding"));
        }
        let mut out = SecretVec::zeroed(n);
        for (i, bit) in out.as_mut_slice().iter_mut().enumerate() {
            *bit = packed[i / 8] >> (i % 8) & 1 == 1;
        }
        Ok(out)
    }

    fn salt(&mut self) -> Result<Salt, CodecError> {
        Ok(Salt::from_be_bytes(self.array()?)?)
    }

    fn field(&mut self, what: &'static str) -> Result<FieldBytes, CodecError> {
        Ok(FieldBytes::from_be_bytes(self.array()?, what)?)
    }

    fn opening_len(&mut self) -> Result<usize, CodecError> {
        let n = self.u32()? as usize;
        if n == 0 || n > MAX_OPENING_LEN {
            return Err(CodecError::Invalid("opening length"));
        }
        Ok(n)
    }
}

/// Decodes a plaintext made by [`encode`].
pub(crate) fn decode(plaintext: &[u8]) -> Result<EnrollmentBundle, CodecError> {
    let mut r = Reader { rest: plaintext };
    let (rows, cols) = (usize::from(r.u16()?), usize::from(r.u16()?));
    if !(1..=MAX_IRIS_SIDE).contains(&rows) || !(1..=MAX_IRIS_SIDE).contains(&cols) {
        return Err(CodecError::Invalid("iris dimensions"));
    }
    let image = r.bytes(rows * cols)?;
    let mask = r.bits(rows * cols)?;
    let iris = IrisSample::from_secret(rows, cols, image, mask)?;
    let (width, height) = (r.u16()?, r.u16()?);
    let pixels = r.bytes(usize::from(width) * usize::from(height))?;
    let face = FaceImage::from_secret(width, height, pixels)?;
    let salt_img = r.salt()?;
    let salt_face = r.salt()?;
    let scanner_sig = Signature65(r.array()?);
    let scanner_deadline = u64::from_be_bytes(r.array()?);
    let subject = Address::from(r.array::<20>()?);
    let c_img = r.field("C_img")?;
    let c_face = r.field("C_face")?;
    let iris_model = if r.flag()? {
        let version = r.u32()?;
        let c_code = r.field("C_code")?;
        let opening = if r.flag()? {
            let n = r.opening_len()?;
            let code = r.bits(n)?;
            let mask = r.bits(n)?;
            Some(CodeOpening::from_secret(code, mask, r.salt()?)?)
        } else {
            None
        };
        Some(IrisModelState {
            version,
            c_code,
            opening,
        })
    } else {
        None
    };
    let face_model = if r.flag()? {
        let version = r.u32()?;
        let c_emb = r.field("C_emb")?;
        let opening = if r.flag()? {
            let n = r.opening_len()?;
            let embedding = r.bytes(n)?;
            Some(EmbeddingOpening::from_secret(embedding, r.salt()?)?)
        } else {
            None
        };
        Some(FaceModelState {
            version,
            c_emb,
            opening,
        })
    } else {
        None
    };
    if !r.rest.is_empty() {
        return Err(CodecError::Trailing(r.rest.len()));
    }
    Ok(EnrollmentBundle {
        iris,
        face,
        salt_img,
        salt_face,
        scanner_sig,
        scanner_deadline,
        subject,
        c_img,
        c_face,
        iris_model,
        face_model,
    })
}
