//! The byte-packing Poseidon commitment of `docs/PROTOCOL.md` ("Commitments", construction v2),
//! natively and as a gadget.
//!
//! `Commit(kind, geometry, bytes; salt)`:
//! 1. pack `bytes` 31 to a field element, little-endian within an element, zero-padding the last;
//! 2. `acc = Poseidon(tag, salt)` with
//!    `tag = kind·2^208 + VERSION·2^192 + len(bytes)·2^128 + d0·2^96 + d1·2^64 + d2·2^32 + d3`,
//!    where `[d0, d1, d2, d3]` is the [`Geometry`] of what is committed (each dimension in
//!    `[1, 2^32)`, at most [`MAX_RANK`] of them, zero-padded at the end);
//! 3. absorb the packed elements 11 at a time: `acc = Poseidon(acc, e_1, …, e_11)`, zero-padding
//!    the last group;
//! 4. the commitment is `acc`.
//!
//! The tag's fields are `kind < 2^16`, `VERSION < 2^16`, `len < 2^64` and `d_i < 2^32`, so the
//! tag is below `2^224 < r` and the map from `(kind, version, len, geometry)` to the tag is
//! injective: two commitments of the same bytes under different geometries (a 128x512 and a
//! 256x256 image) differ. `len` gets 64 bits so that every slice length is representable and
//! [`commit`] has no error path; only a [`Geometry`] can be refused, when it is made.
//!
//! In-circuit, each byte must already be range-checked (e.g. [`crate::gadgets::bits::alloc_byte`],
//! or [`alloc_int8`] for int8 values), which makes packing injective: 31 bytes < 2^248 < p.
//!
//! Int8 tensors ([`CommitKind::Int8Tensor`]) are committed to as the bytes `q + 128` (offset
//! binary) in row-major (C) order, under their NHWC shape: in-circuit the byte is the 8-bit range
//! check that an int8 value needs anyway, and `q` is the free linear combination `byte - 128`.

use super::bits::alloc_byte;
use super::poseidon::{self, poseidon};
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use zeroize::Zeroize;

/// Bytes per packed field element.
pub const BYTES_PER_ELEMENT: usize = 31;
/// Packed elements absorbed per Poseidon call (the 12th input is the chaining value).
pub const ELEMENTS_PER_ABSORB: usize = 11;
/// Version of the construction, part of the tag (2: the tag binds the geometry).
pub const VERSION: u64 = 2;
/// Most dimensions a [`Geometry`] has.
pub const MAX_RANK: usize = 4;

/// What a commitment is over; part of the tag, so commitments of different kinds never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum CommitKind {
    /// Normalized iris image followed by its bit-packed mask (`C_img`); geometry `[rows, cols]`.
    IrisImage = 1,
    /// Aligned face image (`C_face`); geometry `[rows, cols]`.
    FaceImage = 2,
    /// Iris code bits followed by mask bits, bit-packed (`C_code`); geometry
    /// `[probe rows, probe cols, filters, 2]`, the code's bit order.
    IrisCode = 3,
    /// Face embedding (`C_emb`); geometry `[dim]`.
    FaceEmbedding = 4,
    /// An int8 tensor, bytes `q + 128` in row-major order; geometry its NHWC shape.
    Int8Tensor = 5,
    /// Test and demo data.
    Test = 255,
}

/// Why a geometry or a tensor was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GeometryError {
    /// More than [`MAX_RANK`] dimensions.
    #[error("{rank} dimensions; a commitment's geometry has at most {MAX_RANK}")]
    RankTooHigh {
        /// Dimensions given.
        rank: usize,
    },
    /// A dimension is 0 or does not fit 32 bits.
    #[error("dimension {axis} is {value}; each must be in [1, 2^32)")]
    DimensionOutOfRange {
        /// Index of the dimension.
        axis: usize,
        /// Its value.
        value: usize,
    },
    /// A tensor's values do not fill its shape.
    #[error("{got} values for a shape of {expected} elements")]
    WrongLength {
        /// Elements the shape has.
        expected: u128,
        /// Values given.
        got: usize,
    },
}

/// The shape of what is committed: 0 to [`MAX_RANK`] dimensions, each in `[1, 2^32)`. Since no
/// dimension is 0, the zero-padded form `[d0, d1, d2, d3]` in the tag still determines the rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Geometry {
    dims: [u32; MAX_RANK],
    rank: usize,
}

impl Geometry {
    /// The geometry `dims` (outermost first), checked.
    pub fn new(dims: &[usize]) -> Result<Self, GeometryError> {
        if dims.len() > MAX_RANK {
            return Err(GeometryError::RankTooHigh { rank: dims.len() });
        }
        let mut padded = [0u32; MAX_RANK];
        for (axis, (&value, slot)) in dims.iter().zip(&mut padded).enumerate() {
            *slot = u32::try_from(value)
                .ok()
                .filter(|&d| d >= 1)
                .ok_or(GeometryError::DimensionOutOfRange { axis, value })?;
        }
        Ok(Self {
            dims: padded,
            rank: dims.len(),
        })
    }

    /// No dimension (for [`CommitKind::Test`] data, or a scalar tensor).
    pub fn unshaped() -> Self {
        Self {
            dims: [0; MAX_RANK],
            rank: 0,
        }
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[u32] {
        &self.dims[..self.rank]
    }

    /// The dimensions zero-padded to [`MAX_RANK`], as the tag holds them.
    pub fn padded(&self) -> [u32; MAX_RANK] {
        self.dims
    }

    /// The number of elements (the product of the dimensions; 1 for no dimension). Cannot
    /// overflow: four factors below `2^32`.
    pub fn elements(&self) -> u128 {
        self.dims().iter().map(|&d| u128::from(d)).product()
    }

    /// Whether `n` values fill this geometry.
    fn check_len(&self, n: usize) -> Result<(), GeometryError> {
        if u128::try_from(n).ok() != Some(self.elements()) {
            return Err(GeometryError::WrongLength {
                expected: self.elements(),
                got: n,
            });
        }
        Ok(())
    }
}

/// The tag `kind·2^208 + VERSION·2^192 + len·2^128 + d0·2^96 + d1·2^64 + d2·2^32 + d3`.
pub fn tag(kind: CommitKind, geometry: &Geometry, len: usize) -> Fr {
    let [d0, d1, d2, d3] = geometry.padded().map(u64::from);
    // 64-bit limbs, most significant first; every limb is below 2^64 and the first below 2^32.
    let limbs = [
        ((kind as u64) << 16) | VERSION,
        len as u64,
        (d0 << 32) | d1,
        (d2 << 32) | d3,
    ];
    let two64 = Fr::from(u64::MAX) + Fr::from(1u64);
    limbs
        .iter()
        .fold(Fr::from(0u64), |acc, &limb| acc * two64 + Fr::from(limb))
}

/// Packs bytes 31 per element, little-endian within an element.
pub fn pack_bytes(bytes: &[u8]) -> Vec<Fr> {
    bytes
        .chunks(BYTES_PER_ELEMENT)
        .map(|chunk| {
            let mut le = [0u8; 32];
            le[..chunk.len()].copy_from_slice(chunk);
            let mut acc = Fr::from(0u64);
            for &byte in le[..BYTES_PER_ELEMENT].iter().rev() {
                acc = acc * Fr::from(256u64) + Fr::from(byte);
            }
            le.zeroize();
            acc
        })
        .collect()
}

/// Packs bits 8 per byte, least significant bit first (bit `i` goes to byte `i / 8`, bit `i % 8`).
/// A trailing partial byte is zero-padded.
pub fn pack_bits(bits: &[bool]) -> Vec<u8> {
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | ((b as u8) << i))
        })
        .collect()
}

/// The commitment, computed natively. `geometry` is what the tag claims about `bytes`; a circuit
/// fixes it as a constant, so bytes committed to under another geometry open in no circuit of
/// this one.
pub fn commit(kind: CommitKind, geometry: &Geometry, bytes: &[u8], salt: Fr) -> Fr {
    let mut acc = poseidon::hash(&[tag(kind, geometry, bytes.len()), salt]);
    for group in pack_bytes(bytes).chunks(ELEMENTS_PER_ABSORB) {
        let mut inputs = vec![acc];
        inputs.extend_from_slice(group);
        inputs.resize(ELEMENTS_PER_ABSORB + 1, Fr::from(0u64));
        acc = poseidon::hash(&inputs);
    }
    acc
}

/// The commitment as a gadget, over already range-checked bytes.
pub fn commit_gadget<B: Builder>(
    b: &mut B,
    kind: CommitKind,
    geometry: &Geometry,
    bytes: &[B::Lc],
    salt: &B::Lc,
) -> B::Lc {
    let tag = B::Lc::constant(tag(kind, geometry, bytes.len()));
    let mut acc = poseidon(b, &[tag, salt.clone()]);
    let base = Fr::from(256u64);
    let packed: Vec<B::Lc> = bytes
        .chunks(BYTES_PER_ELEMENT)
        .map(|chunk| {
            let mut e = B::Lc::zero();
            let mut pow = Fr::from(1u64);
            for byte in chunk {
                e.add_scaled(byte, pow);
                pow *= base;
            }
            e
        })
        .collect();
    for group in packed.chunks(ELEMENTS_PER_ABSORB) {
        let mut inputs = vec![acc];
        inputs.extend_from_slice(group);
        inputs.resize(ELEMENTS_PER_ABSORB + 1, B::Lc::zero());
        acc = poseidon(b, &inputs);
    }
    acc
}

/// Constraints of [`commit_gadget`] for `len` bytes (not counting the bytes' range checks).
pub fn constraint_count(len: usize) -> usize {
    let groups = len
        .div_ceil(BYTES_PER_ELEMENT)
        .div_ceil(ELEMENTS_PER_ABSORB);
    poseidon::constraint_count(2) + groups * poseidon::constraint_count(ELEMENTS_PER_ABSORB + 1)
}

/// The committed byte of an int8 value: `q + 128` (offset binary), in `[0, 256)`.
pub fn int8_byte(q: i8) -> u8 {
    (q as u8) ^ 0x80
}

/// `Commit(Int8Tensor, shape, [q + 128 for q in values]; salt)`, `values` in row-major order.
/// Refused if `values` does not fill `shape`.
pub fn commit_int8_tensor(shape: &Geometry, values: &[i8], salt: Fr) -> Result<Fr, GeometryError> {
    shape.check_len(values.len())?;
    let mut bytes: Vec<u8> = values.iter().map(|&q| int8_byte(q)).collect();
    let c = commit(CommitKind::Int8Tensor, shape, &bytes, salt);
    bytes.zeroize();
    Ok(c)
}

/// An int8 value allocated in-circuit: the signed value and its committed byte, both linear
/// combinations of the same 8 boolean wires.
#[derive(Clone, Debug)]
pub struct Int8Wire<L> {
    /// `q`, in `[-128, 127]`.
    pub value: L,
    /// `q + 128`, in `[0, 256)`: what [`commit_int8_tensor_gadget`] takes.
    pub byte: L,
}

/// Allocates a private int8 value as the 8 bits of `q + 128`. Eight constraints (the range check
/// `q ∈ [-128, 127]`); `q` and its byte are free linear combinations of the bits.
pub fn alloc_int8<B: Builder>(b: &mut B, q: i8) -> Int8Wire<B::Lc> {
    let byte = alloc_byte(b, int8_byte(q));
    let value = byte.clone() - B::Lc::constant(Fr::from(128u64));
    Int8Wire { value, byte }
}

/// [`commit_int8_tensor`] as a gadget, over bytes `q + 128` already range-checked to `[0, 256)`
/// (e.g. [`Int8Wire::byte`] from [`alloc_int8`]), row-major. Costs
/// [`int8_tensor_constraint_count`]`(shape)` constraints, the range checks not included (8 per
/// element with [`alloc_int8`]). Refused if `bytes` does not fill `shape`.
pub fn commit_int8_tensor_gadget<B: Builder>(
    b: &mut B,
    shape: &Geometry,
    bytes: &[B::Lc],
    salt: &B::Lc,
) -> Result<B::Lc, GeometryError> {
    shape.check_len(bytes.len())?;
    Ok(commit_gadget(b, CommitKind::Int8Tensor, shape, bytes, salt))
}

/// Constraints of [`commit_int8_tensor_gadget`] for `shape`: one byte per element, so
/// [`constraint_count`] of the element count (about 1.5 per element), or `None` if the element
/// count does not fit a `usize`.
pub fn int8_tensor_constraint_count(shape: &Geometry) -> Option<usize> {
    usize::try_from(shape.elements()).ok().map(constraint_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::WitnessBuilder;
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};
    use ark_ff::{BigInteger, PrimeField};

    /// (bytes, salt, claimed commitment)
    type Opening = (Vec<u8>, u64, Fr);

    fn geometry(dims: &[usize]) -> Geometry {
        Geometry::new(dims).expect("valid geometry")
    }

    gadget_circuit!(
        Open,
        Opening,
        (vec![0; 70], 0, Fr::from(0u64)),
        |b, input| {
            let bytes: Vec<B::Lc> = input.0.iter().map(|&v| alloc_byte(b, v)).collect();
            let salt = b.alloc(Fr::from(input.1));
            let c = commit_gadget(b, CommitKind::Test, &geometry(&[70]), &bytes, &salt);
            let claimed = b.alloc(input.2);
            enforce_equal(b, &c, &claimed);
        }
    );

    /// (int8 values of a 2x5x7 tensor, salt, claimed commitment)
    type TensorOpening = (Vec<i8>, u64, Fr);
    const TENSOR: [usize; 3] = [2, 5, 7];

    gadget_circuit!(
        OpenTensor,
        TensorOpening,
        (vec![0; 70], 0, Fr::from(0u64)),
        |b, input| {
            let wires: Vec<Int8Wire<B::Lc>> = input.0.iter().map(|&q| alloc_int8(b, q)).collect();
            let bytes: Vec<B::Lc> = wires.iter().map(|w| w.byte.clone()).collect();
            let salt = b.alloc(Fr::from(input.1));
            let c = commit_int8_tensor_gadget(b, &geometry(&TENSOR), &bytes, &salt)
                .expect("70 bytes fill 2x5x7");
            let claimed = b.alloc(input.2);
            enforce_equal(b, &c, &claimed);
        }
    );

    fn opening(bytes: Vec<u8>, salt: u64) -> Opening {
        let c = commit(CommitKind::Test, &geometry(&[70]), &bytes, Fr::from(salt));
        (bytes, salt, c)
    }

    fn tensor_opening(values: Vec<i8>, salt: u64) -> TensorOpening {
        let c = commit_int8_tensor(&geometry(&TENSOR), &values, Fr::from(salt)).expect("fills");
        (values, salt, c)
    }

    #[test]
    fn packing_is_little_endian_31_per_element() {
        let mut bytes = vec![0u8; 32];
        bytes[0] = 1;
        bytes[1] = 2;
        bytes[31] = 9;
        assert_eq!(
            pack_bytes(&bytes),
            vec![Fr::from(1u64 + 2 * 256), Fr::from(9u64)]
        );
        assert_eq!(
            pack_bits(&[true, false, false, true, false, false, false, false, true]),
            vec![9, 1]
        );
    }

    #[test]
    fn tag_layout_is_the_documented_one() {
        let t = tag(
            CommitKind::IrisCode,
            &geometry(&[16, 256, 2, 2]),
            0x0102_0304_0506,
        );
        let be = t.into_bigint().to_bytes_be();
        let mut expected = [0u8; 32];
        expected[4..6].copy_from_slice(&3u16.to_be_bytes()); // kind at 2^208
        expected[6..8].copy_from_slice(&2u16.to_be_bytes()); // VERSION at 2^192
        expected[8..16].copy_from_slice(&0x0102_0304_0506u64.to_be_bytes()); // len at 2^128
        for (i, d) in [16u32, 256, 2, 2].iter().enumerate() {
            expected[16 + 4 * i..20 + 4 * i].copy_from_slice(&d.to_be_bytes());
        }
        assert_eq!(be, expected);
        // The extremes of every field stay below 2^224, so the tag never wraps the field.
        let max = geometry(&[u32::MAX as usize; 4]);
        let be = tag(CommitKind::Test, &max, usize::MAX)
            .into_bigint()
            .to_bytes_be();
        assert_eq!(&be[..4], &[0, 0, 0, 0]);
        assert_eq!(
            &be[4..],
            &[&[0, 255, 0, 2][..], &[0xff; 24][..]].concat()[..]
        );
    }

    #[test]
    fn geometry_is_checked() {
        assert_eq!(geometry(&[128, 512]).dims(), &[128, 512]);
        assert_eq!(geometry(&[128, 512]).padded(), [128, 512, 0, 0]);
        assert_eq!(geometry(&[1, 2, 3, 4]).elements(), 24);
        assert_eq!(Geometry::unshaped().elements(), 1);
        assert_eq!(
            Geometry::new(&[1, 2, 3, 4, 5]),
            Err(GeometryError::RankTooHigh { rank: 5 })
        );
        assert_eq!(
            Geometry::new(&[3, 0]),
            Err(GeometryError::DimensionOutOfRange { axis: 1, value: 0 })
        );
        let big = u32::MAX as usize + 1;
        assert_eq!(
            Geometry::new(&[big]),
            Err(GeometryError::DimensionOutOfRange {
                axis: 0,
                value: big
            })
        );
        assert!(Geometry::new(&[u32::MAX as usize]).is_ok());
    }

    /// The regression of the v1 tag, which bound only the length (audit row 6).
    #[test]
    fn same_bytes_under_another_geometry_give_another_commitment() {
        let bytes: Vec<u8> = (0..256usize).map(|i| (i * 7) as u8).collect();
        let salt = Fr::from(11u64);
        let a = commit(CommitKind::IrisImage, &geometry(&[8, 32]), &bytes, salt);
        let b = commit(CommitKind::IrisImage, &geometry(&[16, 16]), &bytes, salt);
        let c = commit(CommitKind::IrisImage, &geometry(&[256]), &bytes, salt);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        assert_ne!(
            tag(CommitKind::IrisImage, &geometry(&[128, 512]), 73_728),
            tag(CommitKind::IrisImage, &geometry(&[256, 256]), 73_728)
        );
    }

    #[test]
    fn gadget_equals_native() {
        for len in [0usize, 1, 30, 31, 32, 341, 342, 700] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let g = geometry(&[len.max(1), 3]);
            let mut wb = WitnessBuilder::new();
            let vars: Vec<Fr> = bytes.iter().map(|&v| alloc_byte(&mut wb, v)).collect();
            let salt = wb.alloc(Fr::from(99u64));
            let before = wb.num_constraints();
            let c = commit_gadget(&mut wb, CommitKind::IrisImage, &g, &vars, &salt);
            assert_eq!(
                c,
                commit(CommitKind::IrisImage, &g, &bytes, Fr::from(99u64)),
                "len {len}"
            );
            assert_eq!(wb.num_constraints() - before, constraint_count(len));
        }
    }

    #[test]
    fn commitment_is_sound_and_binding() {
        let a = opening((0..70).map(|i| (i * 3) as u8).collect(), 5);
        check_sound(&Open, &[a.clone(), opening(vec![255; 70], 0)]);
        let mut changed_byte = a.clone();
        changed_byte.0[69] ^= 1;
        assert!(!is_satisfied(&Open, &changed_byte));
        let mut changed_salt = a.clone();
        changed_salt.1 += 1;
        assert!(!is_satisfied(&Open, &changed_salt));
        let g = geometry(&[70]);
        assert_ne!(
            commit(CommitKind::Test, &g, &a.0, Fr::from(5u64)),
            commit(CommitKind::IrisImage, &g, &a.0, Fr::from(5u64)),
            "the kind separates domains"
        );
    }

    #[test]
    fn int8_bytes_are_offset_binary() {
        assert_eq!(int8_byte(-128), 0);
        assert_eq!(int8_byte(-1), 127);
        assert_eq!(int8_byte(0), 128);
        assert_eq!(int8_byte(127), 255);
        for q in i8::MIN..=i8::MAX {
            assert_eq!(i16::from(int8_byte(q)), i16::from(q) + 128);
            let mut wb = WitnessBuilder::new();
            let w = alloc_int8(&mut wb, q);
            assert_eq!(w.byte, Fr::from(int8_byte(q)));
            assert_eq!(w.value, Fr::from(i64::from(q)));
            assert_eq!(wb.num_constraints(), 8);
        }
    }

    #[test]
    fn int8_tensor_is_the_byte_commitment_of_its_offset_bytes() {
        let shape = geometry(&TENSOR);
        let values: Vec<i8> = (0..70).map(|i| (i * 37 % 256) as u8 as i8).collect();
        let bytes: Vec<u8> = values.iter().map(|&q| (i16::from(q) + 128) as u8).collect();
        let salt = Fr::from(3u64);
        assert_eq!(
            commit_int8_tensor(&shape, &values, salt),
            Ok(commit(CommitKind::Int8Tensor, &shape, &bytes, salt))
        );
        // The shape is bound: 2x5x7 and 7x5x2 of the same values differ.
        assert_ne!(
            commit_int8_tensor(&shape, &values, salt),
            commit_int8_tensor(&geometry(&[7, 5, 2]), &values, salt)
        );
        assert_eq!(
            commit_int8_tensor(&shape, &values[..69], salt),
            Err(GeometryError::WrongLength {
                expected: 70,
                got: 69
            })
        );
        let mut wb = WitnessBuilder::new();
        let vars: Vec<Fr> = bytes[..69]
            .iter()
            .map(|&v| alloc_byte(&mut wb, v))
            .collect();
        let s = wb.alloc(salt);
        assert!(commit_int8_tensor_gadget(&mut wb, &shape, &vars, &s).is_err());
        assert_eq!(int8_tensor_constraint_count(&shape), Some(243 + 507));
    }

    #[test]
    fn int8_tensor_gadget_is_sound_and_binding() {
        let extremes: Vec<i8> = (0..70)
            .map(|i| if i % 2 == 0 { -128 } else { 127 })
            .collect();
        let a = tensor_opening((0..70).map(|i| (i * 5 - 100) as i8).collect(), 9);
        let count = check_sound(&OpenTensor, &[a.clone(), tensor_opening(extremes, 1)]);
        // 8 per value, the commitment, and the equality.
        assert_eq!(count, 70 * 8 + 243 + 507 + 1);
        let mut changed = a.clone();
        changed.0[0] = changed.0[0].wrapping_add(1);
        assert!(!is_satisfied(&OpenTensor, &changed));
        let mut changed_salt = a;
        changed_salt.1 += 1;
        assert!(!is_satisfied(&OpenTensor, &changed_salt));
    }
}
