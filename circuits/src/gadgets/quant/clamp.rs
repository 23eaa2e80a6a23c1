//! Clamps (fused activations) and max (max pooling).

use super::bounded::{fr, nonnegative_bit, Bounded};
use super::QuantError;
use crate::builder::{Builder, LinearCombination};

/// `max(x, lo)`. Free if the bounds decide it; otherwise the sign of `x − lo`
/// (`signed_width(x − lo) + 1` constraints) and one product `s·(x − lo) = y − lo`.
pub fn clamp_below<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    lo: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    if x.lo() >= lo {
        return Ok(x.clone());
    }
    if x.hi() <= lo {
        return Bounded::constant(lo);
    }
    let d = x.offset(-lo)?;
    let s = nonnegative_bit(b, &d);
    let y = b.alloc(fr(x.value(b).max(lo)));
    let y_minus_lo = y.clone() - B::Lc::constant(fr(lo));
    b.enforce(&s, d.lc(), &y_minus_lo);
    Bounded::assume(y, lo, x.hi())
}

/// `min(x, hi)`. Free if the bounds decide it; otherwise the sign of `hi − x` and one product.
pub fn clamp_above<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    hi: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    if x.hi() <= hi {
        return Ok(x.clone());
    }
    if x.lo() >= hi {
        return Bounded::constant(hi);
    }
    let d = Bounded::constant(hi)?.sub(x)?;
    let s = nonnegative_bit(b, &d);
    let y = b.alloc(fr(x.value(b).min(hi)));
    let hi_minus_y = B::Lc::constant(fr(hi)) - y.clone();
    b.enforce(&s, d.lc(), &hi_minus_y);
    Bounded::assume(y, x.lo(), hi)
}

/// `min(max(x, lo), hi)`, TFLite's fused-activation clamp. Each side costs nothing when the static
/// bounds already satisfy it, else `signed_width + 2` constraints (see [`clamp_below`]).
pub fn clamp<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    lo: i128,
    hi: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    if lo > hi {
        return Err(QuantError::EmptyInterval { lo, hi });
    }
    let x1 = clamp_below(b, x, lo)?;
    clamp_above(b, &x1, hi)
}

/// `max(a, c)`: the sign bit `s = [a − c >= 0]` and `m = c + s·(a − c)`, one product.
/// `signed_width(a − c) + 2` constraints (11 for two int8 values); free when the bounds decide.
pub fn max2<B: Builder>(
    b: &mut B,
    a: &Bounded<B::Lc>,
    c: &Bounded<B::Lc>,
) -> Result<Bounded<B::Lc>, QuantError> {
    if a.lo() >= c.hi() {
        return Ok(a.clone());
    }
    if c.lo() >= a.hi() {
        return Ok(c.clone());
    }
    let d = a.sub(c)?;
    let s = nonnegative_bit(b, &d);
    let m = b.alloc(fr(a.value(b).max(c.value(b))));
    let m_minus_c = m.clone() - c.lc().clone();
    b.enforce(&s, d.lc(), &m_minus_c);
    Bounded::assume(m, a.lo().max(c.lo()), a.hi().max(c.hi()))
}

/// The maximum of `xs` (MAX_POOL_2D over a window's in-image taps), as a chain of [`max2`]:
/// `(k − 1)·(signed_width + 2)` constraints for `k` values, 11 per extra int8 tap. (The
/// alternative, `m − x_i >= 0` for all `i` plus `Π(m − x_i) = 0`, costs `10k − 1` for int8: more
/// for every `k <= 10`.)
pub fn max<B: Builder>(b: &mut B, xs: &[Bounded<B::Lc>]) -> Result<Bounded<B::Lc>, QuantError> {
    let (first, rest) = xs.split_first().ok_or(QuantError::NoValues)?;
    let mut m = first.clone();
    for x in rest {
        m = max2(b, &m, x)?;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::quant::bounded::range_checked;
    use crate::gadgets::test_support::{check_sound, is_satisfied, param_circuit};
    use ark_std::rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    param_circuit!(
        Clamp {
            xlo: i128,
            xhi: i128,
            lo: i128,
            hi: i128
        },
        (i128, i128),
        |s, b, input| {
            let (x, claim) = *input;
            let xv = b.alloc(fr(x));
            b.mark_free_input(&xv);
            let xb = range_checked(b, &xv, s.xlo, s.xhi).unwrap();
            let y = clamp(b, &xb, s.lo, s.hi).unwrap();
            let c = b.alloc(fr(claim));
            enforce_equal(b, y.lc(), &c);
        }
    );

    param_circuit!(
        Max {
            lo: i128,
            hi: i128,
            k: usize
        },
        (Vec<i128>, i128),
        |s, b, input| {
            let xs: Vec<_> = input
                .0
                .iter()
                .take(s.k)
                .map(|&x| {
                    let v = b.alloc(fr(x));
                    b.mark_free_input(&v);
                    range_checked(b, &v, s.lo, s.hi).unwrap()
                })
                .collect();
            let m = max(b, &xs).unwrap();
            let c = b.alloc(fr(input.1));
            enforce_equal(b, m.lc(), &c);
        }
    );

    #[test]
    fn clamp_matches_reference_exhaustively_and_is_sound() {
        for (xlo, xhi, lo, hi) in [
            (-600, 600, -128, 127),
            (-600, 600, 5, 127),
            (-20, 20, -128, 127),
            (-20, 300, -128, 127),
            (-300, 20, -128, 127),
            (-10, 10, 3, 3),
        ] {
            let c = Clamp {
                xlo,
                xhi,
                lo,
                hi,
                placeholder: (0, 0.clamp(lo, hi)),
            };
            for x in xlo..=xhi {
                let want = x.clamp(lo, hi);
                assert!(is_satisfied(&c, &(x, want)), "x={x}");
                assert!(!is_satisfied(&c, &(x, want + 1)), "x={x} accepted +1");
                assert!(!is_satisfied(&c, &(x, want - 1)), "x={x} accepted -1");
            }
            let inputs: Vec<_> = [xlo, lo - 1, lo, 0, hi, hi + 1, xhi]
                .iter()
                .map(|&x| (x.clamp(xlo, xhi), x.clamp(xlo, xhi).clamp(lo, hi)))
                .collect();
            check_sound(&c, &inputs);
        }
    }

    #[test]
    fn clamp_costs_nothing_when_bounds_satisfy_it() {
        use crate::builder::Recorder;
        let count = |xlo, xhi| {
            let mut b = Recorder::new();
            let x = b.alloc(fr(0));
            let x = Bounded::assume(x, xlo, xhi).unwrap();
            clamp(&mut b, &x, -128, 127).unwrap();
            b.num_constraints()
        };
        assert_eq!(count(-128, 127), 0);
        assert_eq!(count(-128, 1000), 11 + 1 + 1); // hi - x in [-873, 255]: 11 bits
                                                   // x − lo in [−872, 1128] (12-bit sign), then hi − x1 in [−873, 255] (12-bit sign).
        assert_eq!(count(-1000, 1000), 14 + 13);
    }

    #[test]
    fn max_matches_reference_and_is_sound() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for k in [1usize, 2, 4, 9] {
            let c = Max {
                lo: -128,
                hi: 127,
                k,
                placeholder: (vec![0; k], 0),
            };
            let mut inputs = Vec::new();
            for i in 0..3000 {
                let xs: Vec<i128> = (0..k)
                    .map(|_| match i % 3 {
                        0 => rng.gen_range(-128..=127),
                        1 => [-128, 127][rng.gen_range(0..2)],
                        _ => rng.gen_range(-2..=2),
                    })
                    .collect();
                let m = *xs.iter().max().unwrap();
                assert!(is_satisfied(&c, &(xs.clone(), m)));
                assert!(!is_satisfied(&c, &(xs.clone(), m + 1)));
                if k > 1 {
                    let second = {
                        let mut s = xs.clone();
                        s.sort();
                        s[k - 2]
                    };
                    if second != m {
                        assert!(!is_satisfied(&c, &(xs.clone(), second)));
                    }
                }
                if i < 4 {
                    inputs.push((xs, m));
                }
            }
            check_sound(&c, &inputs);
        }
        assert!(!is_satisfied(
            &Max {
                lo: -128,
                hi: 127,
                k: 2,
                placeholder: (vec![0; 2], 0)
            },
            &(vec![128, 0], 128)
        ));
    }
}
