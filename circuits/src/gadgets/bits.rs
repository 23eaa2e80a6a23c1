//! Bit decomposition and range checks.

use super::boolean::alloc_bit;
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// Largest decomposition width for which `Σ 2^i·b_i` cannot wrap around the field modulus.
pub const MAX_BITS: usize = 253;

/// `Σ 2^i·bits[i]` as a linear combination (no constraint).
pub fn from_bits_le<B: Builder>(bits: &[B::Lc]) -> B::Lc {
    B::Lc::from_bits_le(bits)
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

/// Like [`to_bits_le`], one constraint cheaper: `n` constraints for `n >= 1` bits. Bits `1..n`
/// are allocated and proven boolean; bit 0 is not a wire but the linear combination
/// `x − Σ_{i>=1} 2^i·b_i`, and its booleanity constraint `b_0·(b_0 − 1) = 0` is at once the
/// packing row. The two systems are equivalent: each says every `b_i` is a bit and
/// `x = Σ 2^i·b_i`. The price is nonzeros, not constraints: `b_0` carries `x`'s terms, twice
/// (use it for values that feed no other product, such as a remainder's low bit).
///
/// # Panics
/// If `n > MAX_BITS` (the decomposition would not be unique).
pub fn to_bits_le_derived_low<B: Builder>(b: &mut B, x: &B::Lc, n: usize) -> Vec<B::Lc> {
    assert!(n <= MAX_BITS, "a {n}-bit decomposition can wrap the field");
    if n == 0 {
        return to_bits_le(b, x, 0);
    }
    let value = b.value(x).into_bigint();
    let high: Vec<B::Lc> = (1..n).map(|i| alloc_bit(b, value.get_bit(i))).collect();
    let mut bit0 = x.clone();
    bit0.add_scaled(&from_bits_le::<B>(&high), -Fr::from(2u64));
    let bit0_minus_one = bit0.clone() - B::Lc::constant(Fr::from(1u64));
    b.enforce(&bit0, &bit0_minus_one, &B::Lc::zero());
    let mut bits = Vec::with_capacity(n);
    bits.push(bit0);
    bits.extend(high);
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

    gadget_circuit!(Derived12, Vec<u64>, vec![0; 8], |b, input| {
        for &v in input {
            let x = b.alloc(Fr::from(v));
            b.mark_free_input(&x);
            to_bits_le_derived_low(b, &x, 12);
        }
    });

    /// The packing-free decomposition accepts exactly `[0, 2^n)`, costs `n` constraints, and
    /// leaves no wire free (every fault on every bit is caught).
    #[test]
    fn derived_low_decomposition_is_a_range_check() {
        use crate::builder::Recorder;
        let inside = vec![0, 1, 2, 4095, 4094, 2048, 1365, 7];
        assert!(is_satisfied(&Derived12, &inside));
        for bad in [4096u64, 4097, 1 << 20] {
            let mut v = inside.clone();
            v[3] = bad;
            assert!(!is_satisfied(&Derived12, &v), "{bad}");
        }
        // Not `check_sound`: its random single-wire mutations also hit the free inputs, and
        // `x ^ 1` is as valid an input as `x` (bit 0 is no wire to disagree). Every other wire
        // must still reject every fault.
        for input in [inside, vec![4095; 8]] {
            let report = crate::fault::FaultCampaign::new(&Derived12, &input)
                .unwrap()
                .run_all();
            assert_eq!(report.wires_checked, 8 * 12);
            assert!(report.holes().is_empty() && report.layout_changed.is_empty());
        }
        for n in [1usize, 2, 12, 40] {
            let mut b = Recorder::new();
            let x = b.alloc(Fr::from(3u64));
            let bits = to_bits_le_derived_low(&mut b, &x, n);
            assert_eq!((bits.len(), b.num_constraints()), (n, n));
        }
    }
}
