//! Equality and zero tests.

use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::{Field, Zero};

/// Constrains `x == y`. One constraint: `(x - y) * 1 = 0`.
pub fn enforce_equal<B: Builder>(b: &mut B, x: &B::Lc, y: &B::Lc) {
    let diff = x.clone() - y.clone();
    b.enforce(&diff, &B::Lc::constant(Fr::from(1u64)), &B::Lc::zero());
}

/// Returns a bit that is 1 iff `x == 0`. Three constraints: `x * inv = 1 - out`, `x * out = 0`,
/// and `out * inv = 0`, which pins `inv` to 0 when `x == 0` so that no wire is left free.
pub fn is_zero<B: Builder>(b: &mut B, x: &B::Lc) -> B::Lc {
    let v = b.value(x);
    let inv = b.alloc(v.inverse().unwrap_or(<Fr as Zero>::zero()));
    let out = b.alloc(Fr::from(v.is_zero()));
    let one_minus_out = B::Lc::constant(Fr::from(1u64)) - out.clone();
    b.enforce(x, &inv, &one_minus_out);
    b.enforce(x, &out, &B::Lc::zero());
    b.enforce(&out, &inv, &B::Lc::zero());
    out
}

/// Returns a bit that is 1 iff `x == y` (three constraints).
pub fn is_equal<B: Builder>(b: &mut B, x: &B::Lc, y: &B::Lc) -> B::Lc {
    let diff = x.clone() - y.clone();
    is_zero(b, &diff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::test_support::{check_sound, gadget_circuit, is_satisfied};

    gadget_circuit!(Eq, Vec<(u64, u64)>, vec![(0, 0); 4], |b, input| {
        for &(x, y) in input {
            let xv = b.alloc(Fr::from(x));
            let yv = b.alloc(Fr::from(y));
            b.mark_free_input(&xv);
            b.mark_free_input(&yv);
            let e = is_equal(b, &xv, &yv);
            let out = b.alloc(b.value(&e));
            enforce_equal(b, &e, &out);
        }
    });

    gadget_circuit!(MustEqual, (u64, u64), (0, 0), |b, input| {
        let x = b.alloc(Fr::from(input.0));
        let y = b.alloc(Fr::from(input.1));
        b.mark_free_input(&x);
        b.mark_free_input(&y);
        enforce_equal(b, &x, &y);
    });

    #[test]
    fn equality_bits_are_sound() {
        let inputs = vec![vec![(0, 0), (3, 3), (5, 9), (0, 1)]];
        assert_eq!(check_sound(&Eq, &inputs), 4 * 4);
    }

    #[test]
    fn enforce_equal_rejects_different_values() {
        assert!(is_satisfied(&MustEqual, &(7, 7)));
        assert!(!is_satisfied(&MustEqual, &(7, 8)));
    }
}
