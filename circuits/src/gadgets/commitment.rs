//! The byte-packing Poseidon commitment of `docs/PROTOCOL.md` ("Commitments"), natively and as a
//! gadget.
//!
//! `Commit(kind, bytes; salt)`:
//! 1. pack `bytes` 31 to a field element, little-endian within an element, zero-padding the last;
//! 2. `acc = Poseidon(tag, salt)` with `tag = kind·2^96 + VERSION·2^64 + len(bytes)`;
//! 3. absorb the packed elements 11 at a time: `acc = Poseidon(acc, e_1, …, e_11)`, zero-padding
//!    the last group;
//! 4. the commitment is `acc`.
//!
//! In-circuit, each byte must already be range-checked (e.g. [`crate::gadgets::bits::alloc_byte`]),
//! which makes packing injective: 31 bytes < 2^248 < p.

use super::poseidon::{self, poseidon};
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;

/// Bytes per packed field element.
pub const BYTES_PER_ELEMENT: usize = 31;
/// Packed elements absorbed per Poseidon call (the 12th input is the chaining value).
pub const ELEMENTS_PER_ABSORB: usize = 11;
/// Version of the construction, part of the tag.
pub const VERSION: u64 = 1;

/// What a commitment is over; part of the tag, so commitments of different kinds never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum CommitKind {
    /// Normalized iris image followed by its bit-packed mask (`C_img`).
    IrisImage = 1,
    /// Aligned face image (`C_face`).
    FaceImage = 2,
    /// Iris code bits followed by mask bits, bit-packed (`C_code`).
    IrisCode = 3,
    /// Face embedding (`C_emb`).
    FaceEmbedding = 4,
    /// Test and demo data.
    Test = 255,
}

/// The tag `kind·2^96 + VERSION·2^64 + len`.
pub fn tag(kind: CommitKind, len: usize) -> Fr {
    let two64 = Fr::from(u64::MAX) + Fr::from(1u64);
    Fr::from(kind as u64) * two64 * Fr::from(1u64 << 32)
        + Fr::from(VERSION) * two64
        + Fr::from(len as u64)
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

/// The commitment, computed natively.
pub fn commit(kind: CommitKind, bytes: &[u8], salt: Fr) -> Fr {
    let mut acc = poseidon::hash(&[tag(kind, bytes.len()), salt]);
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
    bytes: &[B::Lc],
    salt: &B::Lc,
) -> B::Lc {
    let tag = B::Lc::constant(tag(kind, bytes.len()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::WitnessBuilder;
    use crate::gadgets::bits::alloc_byte;
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};

    /// (bytes, salt, claimed commitment)
    type Opening = (Vec<u8>, u64, Fr);

    gadget_circuit!(
        Open,
        Opening,
        (vec![0; 70], 0, Fr::from(0u64)),
        |b, input| {
            let bytes: Vec<B::Lc> = input.0.iter().map(|&v| alloc_byte(b, v)).collect();
            let salt = b.alloc(Fr::from(input.1));
            bytes.iter().for_each(|x| b.mark_free_input(x));
            b.mark_free_input(&salt);
            let c = commit_gadget(b, CommitKind::Test, &bytes, &salt);
            let claimed = b.alloc(input.2);
            enforce_equal(b, &c, &claimed);
        }
    );

    fn opening(bytes: Vec<u8>, salt: u64) -> Opening {
        let c = commit(CommitKind::Test, &bytes, Fr::from(salt));
        (bytes, salt, c)
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
    fn gadget_equals_native() {
        for len in [0usize, 1, 30, 31, 32, 341, 342, 700] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let mut wb = WitnessBuilder::new();
            let vars: Vec<Fr> = bytes.iter().map(|&v| alloc_byte(&mut wb, v)).collect();
            let salt = wb.alloc(Fr::from(99u64));
            let before = wb.num_constraints();
            let c = commit_gadget(&mut wb, CommitKind::IrisImage, &vars, &salt);
            assert_eq!(
                c,
                commit(CommitKind::IrisImage, &bytes, Fr::from(99u64)),
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
        assert_ne!(
            commit(CommitKind::Test, &a.0, Fr::from(5u64)),
            commit(CommitKind::IrisImage, &a.0, Fr::from(5u64)),
            "the kind separates domains"
        );
    }
}
