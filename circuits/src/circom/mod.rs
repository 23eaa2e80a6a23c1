//! circom / snarkjs file formats: `.r1cs`, `.wtns`, Groth16 `.zkey`, `.ptau` (read only) and
//! snarkjs's JSON files.
//!
//! Everything here follows snarkjs 0.7.6 byte for byte (its `zkey_new.js`, `zkey_utils.js`,
//! `groth16_prove.js`, `wtns_utils.js`, and the `r1csfile` / `@iden3/binfileutils` packages), so
//! that files we write are accepted by snarkjs and files snarkjs (or circom) writes load here.
//!
//! Field encodings differ between formats, which is the main trap:
//! - `.r1cs` coefficients and `.wtns` values: canonical little-endian integers.
//! - `.zkey` curve points: affine coordinates in Montgomery form (`x·2^256 mod q`), little-endian;
//!   G2 as `x.c0, x.c1, y.c0, y.c1`; the point at infinity as all-zero bytes.
//! - `.zkey` section-4 coefficients: `value·R² mod r` with `R = 2^256`, written as a canonical
//!   integer ("double Montgomery": the snarkjs prover treats the bytes as a Montgomery-form
//!   element, i.e. `value·R`, and multiplies it by witness bytes it also treats as Montgomery,
//!   `w/R`, which yields `value·w`).
//! - JSON: decimal strings of canonical integers.

pub mod binfile;
pub mod json;
pub mod ptau;
pub mod r1cs;
pub mod wtns;
pub mod zkey;

pub use binfile::BinFileError;
pub use json::JsonError;
pub use ptau::{Ptau, PtauError, PtauReadError};
pub use zkey::{coefs_from_r1cs, Zkey, ZkeyCoef, ZkeyView};

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, BigInteger256, Field, PrimeField};
use std::io::{self, Write};
use std::sync::OnceLock;

/// Bytes of one BN254 base- or scalar-field element in every circom format.
pub const N8: usize = 32;
/// Bytes of an affine G1 point in a `.zkey`.
pub const G1_SIZE: usize = 2 * N8;
/// Bytes of an affine G2 point in a `.zkey`.
pub const G2_SIZE: usize = 4 * N8;

/// Why a circom/snarkjs binary file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The iden3 container itself is malformed (magic, version, sections, truncation, I/O).
    #[error(transparent)]
    Container(#[from] BinFileError),
    /// A field size other than 32 bytes: not a BN254 file.
    #[error("{what}: field elements of {found} bytes, expected 32 (BN254)")]
    FieldSize {
        /// Which field.
        what: &'static str,
        /// The size the file declares.
        found: u32,
    },
    /// The file's prime is not the BN254 modulus it must be.
    #[error("{what}: the prime is not the BN254 modulus")]
    WrongPrime {
        /// Which prime (scalar or base field).
        what: &'static str,
    },
    /// An encoded field element is not below its modulus.
    #[error("{what}: encoded value is not below the field modulus")]
    NonCanonical {
        /// Which value.
        what: &'static str,
    },
    /// An index or code is outside the range the header allows.
    #[error("{what}: {value} is out of range (must be below {limit})")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The exclusive bound.
        limit: u64,
    },
    /// A count in the file disagrees with another count or with the data's size.
    #[error("{what}: expected {expected}, found {found}")]
    CountMismatch {
        /// Which count.
        what: &'static str,
        /// The value implied by the header.
        expected: u64,
        /// The value found.
        found: u64,
    },
    /// A structural rule of the format is broken.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A valid file using a feature this reader does not support.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A count too large for the format's 32-bit fields.
    #[error("{0} does not fit the format's 32-bit field")]
    TooLarge(&'static str),
}

impl From<io::Error> for FormatError {
    fn from(e: io::Error) -> Self {
        FormatError::Container(BinFileError::Io(e))
    }
}

/// `usize` to the `u32` the formats store, or [`FormatError::TooLarge`].
pub(crate) fn to_u32(n: usize, what: &'static str) -> Result<u32, FormatError> {
    u32::try_from(n).map_err(|_| FormatError::TooLarge(what))
}

/// The scalar-field modulus `r`, little-endian.
pub fn fr_modulus_le() -> [u8; N8] {
    le32(&Fr::MODULUS)
}

/// The base-field modulus `q`, little-endian.
pub fn fq_modulus_le() -> [u8; N8] {
    le32(&Fq::MODULUS)
}

fn le32(b: &BigInteger256) -> [u8; N8] {
    let mut out = [0u8; N8];
    out.copy_from_slice(&b.to_bytes_le());
    out
}

/// The little-endian integer of 32 bytes, not reduced.
pub(crate) fn bigint_le(bytes: &[u8; N8]) -> BigInteger256 {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(b);
    }
    BigInteger256::new(limbs)
}

/// Checks a header's field size and prime against BN254's.
pub(crate) fn check_prime(
    n8: u32,
    prime: &[u8],
    expected: [u8; N8],
    what: &'static str,
) -> Result<(), FormatError> {
    if n8 as usize != N8 {
        return Err(FormatError::FieldSize { what, found: n8 });
    }
    if prime != expected {
        return Err(FormatError::WrongPrime { what });
    }
    Ok(())
}

/// Canonical little-endian bytes of a scalar.
pub fn fr_to_le(x: &Fr) -> [u8; N8] {
    le32(&x.into_bigint())
}

/// A scalar from canonical little-endian bytes; values `>= r` are rejected, never reduced.
pub fn fr_from_le(bytes: &[u8; N8], what: &'static str) -> Result<Fr, FormatError> {
    Fr::from_bigint(bigint_le(bytes)).ok_or(FormatError::NonCanonical { what })
}

/// `2^256 mod q` and its inverse (Montgomery radix of the base field, as snarkjs/ffjavascript use).
fn fq_radix() -> &'static (Fq, Fq) {
    static R: OnceLock<(Fq, Fq)> = OnceLock::new();
    R.get_or_init(|| {
        let r = Fq::from(2u64).pow([256u64]);
        // 2^256 mod q is a non-zero element of a prime field, so it has an inverse.
        let r_inv = r.inverse().unwrap_or_default();
        (r, r_inv)
    })
}

/// `R² = 2^512 mod r`: the factor of zkey section-4 coefficients (reading them needs no inverse:
/// [`zkey::ZkeyView::for_each_coef`] takes the stored value as Montgomery limbs).
pub(crate) fn fr_r2() -> Fr {
    static R2: OnceLock<Fr> = OnceLock::new();
    *R2.get_or_init(|| Fr::from(2u64).pow([512u64]))
}

fn fq_to_mont(x: &Fq) -> [u8; N8] {
    le32(&(*x * fq_radix().0).into_bigint())
}

fn fq_from_mont(bytes: &[u8; N8], what: &'static str) -> Result<Fq, FormatError> {
    let m = Fq::from_bigint(bigint_le(bytes)).ok_or(FormatError::NonCanonical { what })?;
    Ok(m * fq_radix().1)
}

fn chunk<const K: usize>(bytes: &[u8; K], i: usize) -> [u8; N8] {
    let mut out = [0u8; N8];
    out.copy_from_slice(&bytes[i * N8..(i + 1) * N8]);
    out
}

/// Writes a G1 point as a `.zkey` stores it (Montgomery affine coordinates, zero = infinity).
pub fn write_g1(w: &mut impl Write, p: &G1Affine) -> io::Result<()> {
    match p.xy() {
        None => w.write_all(&[0u8; G1_SIZE]),
        Some((x, y)) => {
            w.write_all(&fq_to_mont(&x))?;
            w.write_all(&fq_to_mont(&y))
        }
    }
}

/// Writes a G2 point as a `.zkey` stores it: `x.c0, x.c1, y.c0, y.c1`, Montgomery form.
pub fn write_g2(w: &mut impl Write, p: &G2Affine) -> io::Result<()> {
    match p.xy() {
        None => w.write_all(&[0u8; G2_SIZE]),
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                w.write_all(&fq_to_mont(&c))?;
            }
            Ok(())
        }
    }
}

/// Decodes a `.zkey` G1 point (64 bytes). Not checked to be on the curve (see [`zkey`]).
pub(crate) fn read_g1(bytes: &[u8; G1_SIZE], what: &'static str) -> Result<G1Affine, FormatError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G1Affine::identity());
    }
    let x = fq_from_mont(&chunk(bytes, 0), what)?;
    let y = fq_from_mont(&chunk(bytes, 1), what)?;
    Ok(G1Affine::new_unchecked(x, y))
}

/// Decodes a `.zkey` G2 point (128 bytes). Not checked to be on the curve (see [`zkey`]).
pub(crate) fn read_g2(bytes: &[u8; G2_SIZE], what: &'static str) -> Result<G2Affine, FormatError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G2Affine::identity());
    }
    let c = |i| fq_from_mont(&chunk(bytes, i), what);
    let x = Fq2::new(c(0)?, c(1)?);
    let y = Fq2::new(c(2)?, c(3)?);
    Ok(G2Affine::new_unchecked(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;

    #[test]
    fn moduli_match_the_known_constants() {
        // r and q of BN254 as snarkjs prints them (decimal), converted independently via num-bigint.
        let r: num_bigint::BigUint =
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
                .parse()
                .unwrap();
        let q: num_bigint::BigUint =
            "21888242871839275222246405745257275088696311157297823662689037894645226208583"
                .parse()
                .unwrap();
        assert_eq!(r.to_bytes_le(), fr_modulus_le().to_vec());
        assert_eq!(q.to_bytes_le(), fq_modulus_le().to_vec());
    }

    #[test]
    fn montgomery_encoding_of_one_is_the_radix() {
        // Montgomery form of 1 is 2^256 mod q: check against num-bigint.
        let q = num_bigint::BigUint::from_bytes_le(&fq_modulus_le());
        let radix: num_bigint::BigUint = (num_bigint::BigUint::from(1u8) << 256usize) % &q;
        let mut expected = radix.to_bytes_le();
        expected.resize(N8, 0);
        assert_eq!(fq_to_mont(&Fq::from(1u64)).to_vec(), expected);
        let arr: [u8; N8] = expected.try_into().unwrap();
        assert_eq!(fq_from_mont(&arr, "t").unwrap(), Fq::from(1u64));
    }

    #[test]
    fn points_round_trip_including_infinity() {
        let g1 = (G1Affine::generator() * Fr::from(7u64)).into_affine();
        let g2 = (G2Affine::generator() * Fr::from(11u64)).into_affine();
        for p in [g1, G1Affine::identity()] {
            let mut b = Vec::new();
            write_g1(&mut b, &p).unwrap();
            assert_eq!(b.len(), G1_SIZE);
            assert_eq!(read_g1(&b.try_into().unwrap(), "t").unwrap(), p);
        }
        for p in [g2, G2Affine::identity()] {
            let mut b = Vec::new();
            write_g2(&mut b, &p).unwrap();
            assert_eq!(b.len(), G2_SIZE);
            assert_eq!(read_g2(&b.try_into().unwrap(), "t").unwrap(), p);
        }
        let mut b = Vec::new();
        write_g1(&mut b, &G1Affine::identity()).unwrap();
        assert!(b.iter().all(|&x| x == 0));
    }

    #[test]
    fn non_canonical_inputs_are_rejected() {
        let q = fq_modulus_le();
        let mut p = [0u8; G1_SIZE];
        p[..N8].copy_from_slice(&q);
        assert!(matches!(
            read_g1(&p, "pt"),
            Err(FormatError::NonCanonical { what: "pt" })
        ));
        assert!(matches!(
            fr_from_le(&fr_modulus_le(), "s"),
            Err(FormatError::NonCanonical { what: "s" })
        ));
    }
}
