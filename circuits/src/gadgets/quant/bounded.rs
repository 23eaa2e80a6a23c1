//! Linear combinations with static integer bounds.

use super::{QuantError, MAX_BOUND_BITS};
use crate::builder::{Builder, LinearCombination};
use crate::gadgets::bits::to_bits_le;
use crate::gadgets::sign::is_nonnegative;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// A linear combination whose value is an integer in `[lo, hi]` (negative values are `p − |v|`).
///
/// The bounds are a promise the circuit keeps: whoever builds a `Bounded` from a raw combination
/// ([`Bounded::assume`]) must already have constrained it to the interval, e.g. with
/// [`range_checked`]; every gadget here derives its outputs' bounds from its inputs'.
#[derive(Clone, Debug)]
pub struct Bounded<L> {
    lc: L,
    lo: i128,
    hi: i128,
}

fn check_bound(v: i128) -> Result<i128, QuantError> {
    if v.unsigned_abs() >> MAX_BOUND_BITS != 0 {
        Err(QuantError::BoundTooWide)
    } else {
        Ok(v)
    }
}

/// The field element of a signed integer.
pub fn fr(v: i128) -> Fr {
    Fr::from(v)
}

/// The signed integer a field element stands for, if it is within `±2^127`.
pub fn to_i128(v: Fr) -> Option<i128> {
    let as_int = |x: Fr| -> Option<i128> {
        let big = x.into_bigint();
        if big.num_bits() > 127 {
            return None;
        }
        let limbs = big.as_ref();
        Some((limbs[0] as i128) | ((limbs[1] as i128) << 64))
    };
    as_int(v).or_else(|| as_int(-v).map(|m| -m))
}

/// Bits needed for the unsigned range `[0, span]`.
pub fn unsigned_width(span: i128) -> usize {
    debug_assert!(span >= 0);
    (128 - span.leading_zeros()) as usize
}

/// Smallest `n` with `−2^(n−1) <= lo` and `hi < 2^(n−1)`.
pub fn signed_width(lo: i128, hi: i128) -> usize {
    let mag = hi.max(-(lo + 1)).max(0);
    unsigned_width(mag) + 1
}

impl<L: LinearCombination> Bounded<L> {
    /// `lc` with bounds `[lo, hi]`, which the caller guarantees are already enforced.
    pub fn assume(lc: L, lo: i128, hi: i128) -> Result<Self, QuantError> {
        if lo > hi {
            return Err(QuantError::EmptyInterval { lo, hi });
        }
        Ok(Bounded {
            lc,
            lo: check_bound(lo)?,
            hi: check_bound(hi)?,
        })
    }

    /// The constant `c`.
    pub fn constant(c: i128) -> Result<Self, QuantError> {
        Self::assume(L::constant(fr(c)), c, c)
    }

    /// The linear combination.
    pub fn lc(&self) -> &L {
        &self.lc
    }

    /// Static lower bound.
    pub fn lo(&self) -> i128 {
        self.lo
    }

    /// Static upper bound.
    pub fn hi(&self) -> i128 {
        self.hi
    }

    /// `self + other`.
    pub fn add(&self, other: &Self) -> Result<Self, QuantError> {
        Self::assume(
            self.lc.clone() + other.lc.clone(),
            check_bound(self.lo + other.lo)?,
            check_bound(self.hi + other.hi)?,
        )
    }

    /// `self − other`.
    pub fn sub(&self, other: &Self) -> Result<Self, QuantError> {
        Self::assume(
            self.lc.clone() - other.lc.clone(),
            check_bound(self.lo - other.hi)?,
            check_bound(self.hi - other.lo)?,
        )
    }

    /// `self + c`.
    pub fn offset(&self, c: i128) -> Result<Self, QuantError> {
        let c = check_bound(c)?;
        Self::assume(
            self.lc.clone() + L::constant(fr(c)),
            check_bound(self.lo + c)?,
            check_bound(self.hi + c)?,
        )
    }

    /// `k · self`.
    pub fn scale(&self, k: i128) -> Result<Self, QuantError> {
        let k = check_bound(k)?;
        let a = self.lo.checked_mul(k).ok_or(QuantError::BoundTooWide)?;
        let b = self.hi.checked_mul(k).ok_or(QuantError::BoundTooWide)?;
        Self::assume(
            self.lc.clone() * fr(k),
            check_bound(a.min(b))?,
            check_bound(a.max(b))?,
        )
    }

    /// Whether the value is the same for every assignment.
    pub fn is_constant(&self) -> bool {
        self.lo == self.hi
    }

    /// The value under the builder's assignment, clamped into the bounds, so that witness code
    /// never overflows on a bad assignment (which then fails a constraint instead).
    pub fn value<B: Builder<Lc = L>>(&self, b: &B) -> i128 {
        to_i128(b.value(&self.lc))
            .unwrap_or(self.lo)
            .clamp(self.lo, self.hi)
    }
}

/// `[x >= 0]` as a bit. Free when the bounds decide it; otherwise `signed_width + 1` constraints
/// (a decomposition of `x + 2^(n−1)`, see [`is_nonnegative`]).
pub fn nonnegative_bit<B: Builder>(b: &mut B, x: &Bounded<B::Lc>) -> B::Lc {
    if x.lo >= 0 {
        return B::Lc::constant(Fr::from(1u64));
    }
    if x.hi < 0 {
        return B::Lc::zero();
    }
    is_nonnegative(b, &x.lc, signed_width(x.lo, x.hi))
}

/// Range-checks `x` to `[lo, hi]` and returns it bounded. `n + 1` constraints for `n` bits of
/// `hi − lo`, twice that when `hi − lo + 1` is not a power of two (`x − lo` and `hi − x` are both
/// decomposed). A value outside makes the witness unsatisfiable.
pub fn range_checked<B: Builder>(
    b: &mut B,
    x: &B::Lc,
    lo: i128,
    hi: i128,
) -> Result<Bounded<B::Lc>, QuantError> {
    let out = Bounded::assume(x.clone(), lo, hi)?;
    let span = hi - lo;
    let n = unsigned_width(span);
    let above = x.clone() - B::Lc::constant(fr(lo));
    to_bits_le(b, &above, n);
    if (span + 1).count_ones() != 1 {
        let below = B::Lc::constant(fr(hi)) - x.clone();
        to_bits_le(b, &below, n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::WitnessBuilder;

    #[test]
    fn field_round_trip_of_signed_values() {
        for v in [
            0i128,
            1,
            -1,
            127,
            -128,
            1 << 100,
            -(1 << 100),
            i128::MAX,
            i128::MIN + 1,
        ] {
            assert_eq!(to_i128(fr(v)), Some(v));
        }
        assert_eq!(to_i128(fr(1 << 126) * Fr::from(8u64)), None);
    }

    #[test]
    fn widths() {
        assert_eq!(unsigned_width(0), 0);
        assert_eq!(unsigned_width(255), 8);
        assert_eq!(unsigned_width(256), 9);
        assert_eq!(signed_width(-128, 127), 8);
        assert_eq!(signed_width(-129, 127), 9);
        assert_eq!(signed_width(-128, 128), 9);
        assert_eq!(signed_width(0, 0), 1);
        assert_eq!(signed_width(-1, 0), 1);
    }

    #[test]
    fn bounds_follow_arithmetic_and_refuse_to_grow_past_the_budget() {
        let x = Bounded::<Fr>::assume(Fr::from(0u64), -5, 7).unwrap();
        let y = x.scale(-3).unwrap();
        assert_eq!((y.lo(), y.hi()), (-21, 15));
        let z = x.sub(&y).unwrap();
        assert_eq!((z.lo(), z.hi()), (-20, 28));
        let big = Bounded::<Fr>::assume(Fr::from(0u64), 0, 1 << 100).unwrap();
        assert_eq!(big.scale(1 << 30).unwrap_err(), QuantError::BoundTooWide);
        assert!(Bounded::<Fr>::assume(Fr::from(0u64), 1, 0).is_err());
    }

    #[test]
    fn range_check_is_exact_at_both_ends() {
        for (lo, hi) in [(-128i128, 127i128), (-3, 9), (5, 5)] {
            for v in lo - 3..=hi + 3 {
                let mut b = WitnessBuilder::new();
                let x = b.alloc(fr(v));
                range_checked(&mut b, &x, lo, hi).unwrap();
                let ok = b.finish().first_unsatisfied().is_none();
                assert_eq!(ok, (lo..=hi).contains(&v), "v={v} in [{lo},{hi}]");
            }
        }
    }
}
