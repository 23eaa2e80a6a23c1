//! Boolean wires.

use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};

/// Constrains `x` to 0 or 1: `x * (1 - x) = 0`. One constraint.
pub fn enforce_boolean<B: Builder>(b: &mut B, x: &B::Lc) {
    let one_minus_x = B::Lc::constant(Fr::ONE) - x.clone();
    b.enforce(x, &one_minus_x, &B::Lc::zero());
}

/// Allocates a private bit. One constraint.
pub fn alloc_bit<B: Builder>(b: &mut B, bit: bool) -> B::Lc {
    // Not `Fr::from(bit)`: that is a Montgomery multiplication per bit, millions per witness.
    let x = b.alloc(if bit { Fr::ONE } else { Fr::ZERO });
    enforce_boolean(b, &x);
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};

    gadget_circuit!(Bits, Vec<u64>, vec![0; 64], |b, input| {
        let bits: Vec<B::Lc> = input
            .iter()
            .map(|&v| {
                let x = b.alloc(Fr::from(v));
                b.mark_free_input(&x);
                enforce_boolean(b, &x);
                x
            })
            .collect();
        // A lone bit may be 0 or 1 by design; tie the bits to a value so a flip is noticed.
        let packed = crate::gadgets::bits::from_bits_le::<B>(&bits);
        let out = b.alloc(b.value(&packed));
        crate::gadgets::equality::enforce_equal(b, &packed, &out);
    });

    #[test]
    fn bits_are_sound_and_non_bits_are_rejected() {
        let inputs: Vec<Vec<u64>> = (0..3u64)
            .map(|s| (0..64).map(|i| (s * 7 + i) % 2).collect())
            .collect();
        assert_eq!(check_sound(&Bits, &inputs), 65);
        let mut bad = vec![0u64; 64];
        bad[10] = 2;
        assert!(!is_satisfied(&Bits, &bad));
    }
}
