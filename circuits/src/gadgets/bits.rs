//! Bit decomposition and range checks.

use super::boolean::alloc_bit;
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, PrimeField};

/// Largest decomposition width for which `Σ 2^i·b_i` cannot wrap around the field modulus.
pub const MAX_BITS: usize = 253;

/// `Σ 2^i·bits[i]` as a linear combination (no constraint).
pub fn from_bits_le<B: Builder>(bits: &[B::Lc]) -> B::Lc {
    let mut acc = B::Lc::zero();
    let mut pow = Fr::from(1u64);
    for bit in bits {
        acc.add_scaled(bit, pow);
        pow.double_in_place();
    }
    acc
}

/// Decomposes `x` into `n` little-endian bits and proves `0 <= x < 2^n`.
/// `n + 1` constraints. If `x >= 2^n` the witness is unsatisfiable.
///
/// # Panics
/// If `n > MAX_BITS` (the decomposition would not be unique).
pub fn to_bits_le<B: Builder>(b: &mut B, x: &B::Lc, n: usize) -> Vec<B::Lc> {
    assert!(n <= MAX_BITS, "a {n}-bit decomposition can wrap the field");
    let value = b.value(x).into_bigint();
    let bits: Vec<B::Lc> = (0..n).map(|i| alloc_bit(b, value.get_bit(i))).collect();
    let sum = from_bits_le::<B>(&bits);
    b.enforce(&sum, &B::Lc::constant(Fr::from(1u64)), x);
    bits
}

/// Allocates a private byte as 8 boolean wires and returns it as a linear combination of them.
/// Eight constraints; the byte needs no wire of its own.
pub fn alloc_byte<B: Builder>(b: &mut B, byte: u8) -> B::Lc {
    let bits: Vec<B::Lc> = (0..8).map(|i| alloc_bit(b, (byte >> i) & 1 == 1)).collect();
    from_bits_le::<B>(&bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};

    gadget_circuit!(Range12, Vec<u64>, vec![0; 8], |b, input| {
        for &v in input {
            let x = b.alloc(Fr::from(v));
            b.mark_free_input(&x);
            to_bits_le(b, &x, 12);
        }
    });

    gadget_circuit!(Bytes, Vec<u8>, vec![0; 8], |b, input| {
        let mut acc = B::Lc::zero();
        for &v in input {
            let byte = alloc_byte(b, v);
            b.mark_free_input(&byte);
            acc = acc + byte;
        }
        // Tie the bytes to one wire so the test also sees them used.
        let s = b.alloc(b.value(&acc));
        b.enforce(&acc, &B::Lc::constant(Fr::from(1u64)), &s);
    });

    #[test]
    fn range_check_accepts_in_range_and_rejects_out_of_range() {
        let inputs = vec![vec![0, 1, 4095, 2048, 7, 1000, 4094, 3], vec![4095; 8]];
        assert_eq!(check_sound(&Range12, &inputs), 8 * 13);
        assert!(!is_satisfied(&Range12, &vec![4096, 0, 0, 0, 0, 0, 0, 0]));
        assert!(!is_satisfied(
            &Range12,
            &vec![0, 0, 0, 0, 0, 0, 0, u64::MAX]
        ));
    }

    #[test]
    fn bytes_are_sound() {
        assert_eq!(
            check_sound(&Bytes, &[vec![0, 255, 128, 1, 2, 77, 254, 3]]),
            65
        );
    }

    #[test]
    fn bits_round_trip() {
        use crate::builder::WitnessBuilder;
        let mut b = WitnessBuilder::new();
        let x = b.alloc(Fr::from(0b1011_0110u64));
        let bits = to_bits_le(&mut b, &x, 8);
        let got: Vec<u64> = bits
            .iter()
            .map(|v| if *v == Fr::from(1u64) { 1 } else { 0 })
            .collect();
        assert_eq!(got, vec![0, 1, 1, 0, 1, 1, 0, 1]);
        assert_eq!(from_bits_le::<WitnessBuilder>(&bits), x);
    }
}
