//! Floor division by a constant, the core of every rounding the TFLite kernels do.

use super::bounded::{fr, signed_width, unsigned_width, Bounded};
use super::QuantError;
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::bits::{from_bits_le, to_bits_le, to_bits_le_derived_low};
use crate::gadgets::boolean::alloc_bit;
use crate::gadgets::equality::is_zero;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// `x = q·d + r` with `0 <= r < d`, plus what the rounding gadgets need about `q`.
///
/// The quotient is held in bits as `Q = q − base ∈ [0, 2^w)`. When `q >= theta` is not decided by
/// the bounds, `base = theta − 2^(w−1)`, so the top bit of `Q` is `[q >= theta]` and the other
/// bits are those of `q − theta` whenever that is nonnegative.
pub struct Division<L> {
    /// The quotient `floor(x / d)`.
    pub q: Bounded<L>,
    /// The remainder, in `[0, d − 1]`.
    pub r: Bounded<L>,
    /// `[q >= theta]` (a bit, or a constant when the bounds decide it).
    pub q_ge_theta: L,
    /// `Some(answer)` when the bounds decide `q >= theta`.
    pub q_ge_theta_static: Option<bool>,
    /// Little-endian bits of `q − theta`, valid when `q >= theta` (empty if it never is).
    pub q_minus_theta_bits: Vec<L>,
    /// Little-endian bits of `r` when `d` is a power of two, else empty.
    pub r_bits: Vec<L>,
}

impl<L: LinearCombination> Division<L> {
    /// `[r < 2^j]`: free if always true, otherwise [`is_zero`] of the remainder's bits from `j` up
    /// (power-of-two divisors), or of `r` itself for `j = 0`: three constraints.
    ///
    /// # Panics
    /// For `j > 0` with a divisor that is not a power of two (no gadget here asks that).
    pub fn r_below_pow2<B: Builder<Lc = L>>(&self, b: &mut B, j: usize) -> L {
        if j == 0 {
            return is_zero(b, self.r.lc());
        }
        assert!(
            !self.r_bits.is_empty(),
            "r < 2^j is only offered for power-of-two divisors"
        );
        if j >= self.r_bits.len() {
            return L::constant(Fr::from(1u64));
        }
        let high = from_bits_le::<B>(&self.r_bits[j..]);
        is_zero(b, &high)
    }
}

/// How [`divide`] holds a quotient in `[qlo, qhi]`: `(base, w, sign_bit)` with `Q = q − base` in
/// `[0, 2^w)`, and `sign_bit` whether the top bit of `Q` is `[q >= theta]`.
fn quotient_layout(qlo: i128, qhi: i128, theta: i128) -> (i128, usize, bool) {
    if qlo >= theta {
        (theta, unsigned_width(qhi - theta), false)
    } else if qhi < theta {
        (qlo, unsigned_width(qhi - qlo), false)
    } else {
        let w = signed_width(qlo - theta, qhi - theta);
        (theta - (1i128 << (w - 1)), w, true)
    }
}

/// The bits [`divide`] decomposes for `x` in `[xlo, xhi]`, divisor `2^k` and `theta`: `k + w`,
/// which is also the layout's constraint count (no packing row). For choosing between layouts.
pub fn pow2_division_bits(xlo: i128, xhi: i128, k: u32, theta: i128) -> usize {
    let (qlo, qhi) = (xlo >> k, xhi >> k);
    k as usize + quotient_layout(qlo, qhi, theta).1
}

/// Lays out `floor(x / d)` with the quotient's bits centred on `theta` (see [`Division`]).
///
/// Constraints: for `d = 2^k`, one decomposition of `x + (…)·2^k` into `k + w` bits (`k + w`:
/// the lowest bit is derived, its booleanity row doubles as the packing, see
/// [`to_bits_le_derived_low`]);
/// for other `d`, `w` quotient bits, and `r` and `d − 1 − r` each in `⌈log2 d⌉` bits
/// (`w + 2·⌈log2 d⌉ + 2`). `w` is the quotient's width from the bounds (one more than its
/// unsigned width when the sign of `q − theta` is not static).
pub fn divide<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    d: i128,
    theta: i128,
) -> Result<Division<B::Lc>, QuantError> {
    if d <= 0 {
        return Err(QuantError::BadDivisor(d));
    }
    let (qlo, qhi) = (x.lo().div_euclid(d), x.hi().div_euclid(d));
    let (base, w, sign_bit) = quotient_layout(qlo, qhi, theta);
    let xv = x.value(b);
    let qv = xv.div_euclid(d);
    let one = B::Lc::constant(Fr::from(1u64));

    let pow2 = d.count_ones() == 1;
    let (q_bits, r_bits, r_lc) = if pow2 {
        let k = d.trailing_zeros() as usize;
        // x - base·2^k = Q·2^k + r, one decomposition of k + w bits whose lowest bit (the
        // remainder's, when k >= 1) is derived rather than allocated: no packing row.
        let shifted = x.offset(-base * d)?;
        let bits = to_bits_le_derived_low(b, shifted.lc(), k + w);
        let r_bits = bits[..k].to_vec();
        let r_lc = from_bits_le::<B>(&r_bits);
        (bits[k..].to_vec(), r_bits, r_lc)
    } else {
        let qbig = fr(qv - base).into_bigint();
        let q_bits: Vec<B::Lc> = (0..w).map(|i| alloc_bit(b, qbig.get_bit(i))).collect();
        let q_lc = from_bits_le::<B>(&q_bits) + B::Lc::constant(fr(base));
        let r_lc = x.lc().clone() - q_lc * fr(d);
        let k = unsigned_width(d - 1);
        to_bits_le(b, &r_lc, k);
        let below = B::Lc::constant(fr(d - 1)) - r_lc.clone();
        to_bits_le(b, &below, k);
        (q_bits, Vec::new(), r_lc)
    };
    let q_lc = from_bits_le::<B>(&q_bits) + B::Lc::constant(fr(base));
    let (q_ge_theta, q_ge_theta_static, q_minus_theta_bits) = if sign_bit {
        (q_bits[w - 1].clone(), None, q_bits[..w - 1].to_vec())
    } else if qlo >= theta {
        (one, Some(true), q_bits)
    } else {
        (B::Lc::zero(), Some(false), Vec::new())
    };
    Ok(Division {
        q: Bounded::assume(q_lc, qlo, qhi)?,
        r: Bounded::assume(r_lc, 0, d - 1)?,
        q_ge_theta,
        q_ge_theta_static,
        q_minus_theta_bits,
        r_bits,
    })
}

/// A quotient and remainder.
pub type QuotRem<L> = (Bounded<L>, Bounded<L>);

/// `(floor(x / d), x mod d)` for a constant `d > 0`, with `0 <= r < d`.
///
/// Constraints: `bits(q range) + k` for `d = 2^k` (quotient and remainder share one
/// decomposition), `bits(q range) + 2·⌈log2 d⌉ + 2` otherwise. The quotient's range check is what
/// makes the pair unique: without it `(x − r)/d` is a field element for every `r`.
pub fn floor_div<B: Builder>(
    b: &mut B,
    x: &Bounded<B::Lc>,
    d: i128,
) -> Result<QuotRem<B::Lc>, QuantError> {
    if x.is_constant() {
        if d <= 0 {
            return Err(QuantError::BadDivisor(d));
        }
        return Ok((
            Bounded::constant(x.lo().div_euclid(d))?,
            Bounded::constant(x.lo().rem_euclid(d))?,
        ));
    }
    // theta = qlo: the quotient is decomposed unsigned, with no sign bit.
    let theta = x.lo().div_euclid(d.max(1));
    let div = divide(b, x, d, theta)?;
    Ok((div.q, div.r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::quant::bounded::range_checked;
    use crate::gadgets::test_support::{check_sound, is_satisfied, param_circuit};

    param_circuit!(
        FloorDiv {
            d: i128,
            lo: i128,
            hi: i128
        },
        (i128, i128, i128),
        |s, b, input| {
            let (x, q_claim, r_claim) = *input;
            let xv = b.alloc(fr(x));
            b.mark_free_input(&xv);
            let xb = range_checked(b, &xv, s.lo, s.hi).unwrap();
            let (q, r) = floor_div(b, &xb, s.d).unwrap();
            let qc = b.alloc(fr(q_claim));
            let rc = b.alloc(fr(r_claim));
            enforce_equal(b, q.lc(), &qc);
            enforce_equal(b, r.lc(), &rc);
        }
    );

    fn honest(x: i128, d: i128) -> (i128, i128, i128) {
        (x, x.div_euclid(d), x.rem_euclid(d))
    }

    #[test]
    fn floor_div_matches_integers_and_is_sound() {
        for d in [1i128, 2, 3, 4, 7, 8, 10, 64, 1000] {
            let (lo, hi) = (-300, 517);
            let c = FloorDiv {
                d,
                lo,
                hi,
                placeholder: honest(0, d),
            };
            // Every value of the range satisfies the one layout.
            for x in lo..=hi {
                assert!(is_satisfied(&c, &honest(x, d)), "x={x} d={d}");
            }
            let inputs: Vec<_> = [lo, -1, 0, 1, d - 1, d, hi]
                .iter()
                .map(|&x| honest(x.clamp(lo, hi), d))
                .collect();
            check_sound(&c, &inputs);
        }
    }

    #[test]
    fn floor_div_rejects_wrong_quotients_and_out_of_range_inputs() {
        for d in [3i128, 8] {
            let c = FloorDiv {
                d,
                lo: -100,
                hi: 100,
                placeholder: honest(0, d),
            };
            let (x, q, r) = honest(-7, d);
            assert!(is_satisfied(&c, &(x, q, r)));
            assert!(!is_satisfied(&c, &(x, q + 1, r - d)));
            assert!(!is_satisfied(&c, &(x, q - 1, r + d)));
            assert!(!is_satisfied(&c, &(x, q, r + 1)));
            assert!(!is_satisfied(&c, &honest(101, d)));
            assert!(!is_satisfied(&c, &honest(-101, d)));
        }
    }

    #[test]
    fn constraint_counts_follow_the_bounds() {
        use crate::builder::Recorder;
        let count = |lo: i128, hi: i128, d: i128| {
            let mut b = Recorder::new();
            let x = b.alloc(fr(0));
            let x = Bounded::assume(x, lo, hi).unwrap();
            floor_div(&mut b, &x, d).unwrap();
            b.num_constraints()
        };
        // 2^20-wide input, d = 2^8: 12 quotient + 8 remainder bits, the packing folded into
        // the derived low bit's booleanity.
        assert_eq!(count(0, (1 << 20) - 1, 256), 20);
        // d = 3: quotient bits, and r, 2 - r in 2 bits each.
        assert_eq!(count(0, 299, 3), 7 + 3 + 3);
        assert_eq!(count(5, 5, 3), 0);
    }
}
