//! Average pooling's rounding division.

use super::bounded::Bounded;
use super::division::{divide, floor_div};
use super::reference::avg_pool_closed_form;
use super::requant::tie_correct;
use super::QuantError;
use crate::builder::Builder;

/// TFLite's int8 `AVERAGE_POOL_2D` rounding: `acc > 0 ? (acc + n/2)/n : (acc − n/2)/n` (C++
/// truncation) for the window sum `acc` and `n` in-image taps.
///
/// Proven as the closed form of [`avg_pool_closed_form`]: `q = floor((acc + ⌊n/2⌋)/n)`, and for
/// even `n` minus `[q <= 0 ∧ r = 0]`. Constraints: the floor division (see [`divide`]); for even
/// `n` also `is_zero(r)` and one product (4), unless the bounds rule the tie out. `n = 1` is free.
/// The result's bounds are the kernel's values at the accumulator's bounds (it is monotone).
pub fn avg_pool_round<B: Builder>(
    b: &mut B,
    acc: &Bounded<B::Lc>,
    n: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    if n <= 0 || n > i32::MAX as i128 {
        return Err(QuantError::BadDivisor(n));
    }
    if n == 1 {
        return Ok(acc.clone());
    }
    let x = acc.offset(n / 2)?;
    let y = if n % 2 == 1 {
        floor_div(b, &x, n)?.0
    } else {
        let div = divide(b, &x, n, 1)?;
        tie_correct(b, &div, |b, d| d.r_below_pow2(b, 0))?
    };
    let (lo, hi) = (
        avg_pool_closed_form(acc.lo() as i64, n as i64),
        avg_pool_closed_form(acc.hi() as i64, n as i64),
    );
    Bounded::assume(y.lc().clone(), lo.max(y.lo()), hi.min(y.hi()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::quant::bounded::{fr, range_checked};
    use crate::gadgets::quant::reference::avg_pool_round as literal;
    use crate::gadgets::test_support::{check_sound, is_satisfied, param_circuit};

    param_circuit!(
        AvgPool {
            n: i128,
            lo: i128,
            hi: i128
        },
        (i128, i128),
        |s, b, input| {
            let (acc, claim) = *input;
            let v = b.alloc(fr(acc));
            b.mark_free_input(&v);
            let a = range_checked(b, &v, s.lo, s.hi).unwrap();
            let y = avg_pool_round(b, &a, s.n).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    #[test]
    fn avg_pool_matches_literal_kernel_exhaustively() {
        for n in 1..=16i128 {
            // The sum of n int8 taps.
            let (lo, hi) = (-128 * n, 127 * n);
            let c = AvgPool {
                n,
                lo,
                hi,
                placeholder: (0, 0),
            };
            let mut inputs = Vec::new();
            for acc in lo..=hi {
                let want = literal(acc as i32, n as i32).unwrap() as i128;
                assert!(is_satisfied(&c, &(acc, want)), "n={n} acc={acc}");
                assert!(!is_satisfied(&c, &(acc, want + 1)), "n={n} acc={acc}");
                assert!(!is_satisfied(&c, &(acc, want - 1)), "n={n} acc={acc}");
                if acc == lo || acc == hi || (-n..=n).contains(&acc) && acc % 3 == 0 {
                    inputs.push((acc, want));
                }
            }
            check_sound(&c, &inputs);
            assert!(!is_satisfied(&c, &(hi + 1, 127)));
        }
    }
}
