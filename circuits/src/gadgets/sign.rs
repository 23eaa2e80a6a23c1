//! Sign of a bounded signed value.

use super::bits::{to_bits_le, MAX_BITS};
use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;

/// Returns a bit that is 1 iff `x >= 0`, where `x` is a signed integer with
/// `-2^(n-1) <= x < 2^(n-1)` (negative values are `p - |x|` in the field).
///
/// `x + 2^(n-1)` is decomposed into `n` bits; the top one is the sign. `n + 1` constraints. A value
/// outside the range makes the witness unsatisfiable, so `n` must bound the circuit's real range.
///
/// # Panics
/// If `n` is 0 or more than [`MAX_BITS`].
pub fn is_nonnegative<B: Builder>(b: &mut B, x: &B::Lc, n: usize) -> B::Lc {
    assert!((1..=MAX_BITS).contains(&n), "sign width {n} out of range");
    let offset = pow2(n - 1);
    let shifted = x.clone() + B::Lc::constant(offset);
    let mut bits = to_bits_le(b, &shifted, n);
    bits.pop().expect("n >= 1")
}

/// Returns a bit that is 1 iff `x > 0` (same range rule as [`is_nonnegative`]).
pub fn is_positive<B: Builder>(b: &mut B, x: &B::Lc, n: usize) -> B::Lc {
    let x_minus_one = x.clone() - B::Lc::constant(Fr::from(1u64));
    is_nonnegative(b, &x_minus_one, n)
}

fn pow2(k: usize) -> Fr {
    let mut p = Fr::from(1u64);
    for _ in 0..k {
        p.double_in_place();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::WitnessBuilder;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};

    fn signed(v: i64) -> Fr {
        if v < 0 {
            -Fr::from(v.unsigned_abs())
        } else {
            Fr::from(v as u64)
        }
    }

    gadget_circuit!(Signs, Vec<i64>, vec![0; 6], |b, input| {
        for &v in input {
            let x = b.alloc(signed(v));
            b.mark_free_input(&x);
            let s = is_nonnegative(b, &x, 29);
            // Expose the sign through a constraint so that a flipped sign is a violation.
            let out = b.alloc(b.value(&s));
            b.enforce(&s, &B::Lc::constant(Fr::from(1u64)), &out);
        }
    });

    #[test]
    fn sign_bits_match_integers() {
        for v in [-(1i64 << 28), -5, -1, 0, 1, 5, (1 << 28) - 1] {
            let mut b = WitnessBuilder::new();
            let x = b.alloc(signed(v));
            let nn = is_nonnegative(&mut b, &x, 29);
            let pos = is_positive(&mut b, &x, 30);
            assert_eq!(nn, Fr::from(v >= 0), "v = {v}");
            assert_eq!(pos, Fr::from(v > 0), "v = {v}");
            assert!(b.finish().first_unsatisfied().is_none());
        }
    }

    #[test]
    fn sign_is_sound_and_bounded() {
        let inputs = vec![vec![-(1 << 28), -3, 0, 1, 12345, (1 << 28) - 1]];
        assert_eq!(check_sound(&Signs, &inputs), 6 * 31);
        assert!(!is_satisfied(&Signs, &vec![1 << 28, 0, 0, 0, 0, 0]));
        assert!(!is_satisfied(&Signs, &vec![-(1 << 28) - 1, 0, 0, 0, 0, 0]));
    }
}
