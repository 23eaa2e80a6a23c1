//! Native reference for TFLite's int8 fixed-point arithmetic, and the closed forms the gadgets prove.
//!
//! The `literal_*`-style functions transcribe the C++ definitions line by line (gemmlowp
//! `fixedpoint.h` `SaturatingRoundingDoublingHighMul` and `RoundingDivideByPOT`, LiteRT
//! `common.cc` `MultiplyByQuantizedMultiplier` in its default double-rounding build, the int8
//! `AveragePool` rounding division, and the float `FULLY_CONNECTED` requantization), with C++'s
//! truncating `/` and arithmetic `>>`. The closed forms are single floor divisions with one
//! correction term: the shape the circuit proves. Tests check that both agree over millions of
//! random and boundary cases.
//!
//! The interpreter ([`crate::models::tflite::fixedpoint`]) uses the same `srdhm` and
//! `rounding_divide_by_pot`: one transcription of the C++ serves both. The float FC rounding
//! stays in two independent forms on purpose (`fc_float_requant` here, with `f64` as the kernel
//! does; the interpreter's exact integer emulation of IEEE rounding), so each checks the other.

/// `floor(n / 2^k)` for any sign of `n` (an arithmetic shift).
pub fn floor_shift(n: i128, k: u32) -> i128 {
    n >> k
}

/// `floor(n / d)` for `d > 0` (Euclidean for positive divisors).
pub fn floor_div(n: i128, d: i128) -> i128 {
    n.div_euclid(d)
}

/// gemmlowp `SaturatingRoundingDoublingHighMul(a, b)`, literally.
pub fn srdhm(a: i32, b: i32) -> i32 {
    let overflow = a == b && a == i32::MIN;
    let ab_64 = a as i64 * b as i64;
    let nudge: i64 = if ab_64 >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // C++ integer division truncates toward zero, as Rust's `/` does.
    let ab_x2_high32 = ((ab_64 + nudge) / (1i64 << 31)) as i32;
    if overflow {
        i32::MAX
    } else {
        ab_x2_high32
    }
}

/// gemmlowp `RoundingDivideByPOT(x, exponent)`, literally; `None` outside `0 <= exponent <= 31`
/// (where the C++ asserts).
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> Option<i32> {
    if !(0..=31).contains(&exponent) {
        return None;
    }
    let mask: i32 = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    Some((x >> exponent) + i32::from(remainder > threshold))
}

/// `(left_shift, right_shift)` of a TFLite `shift`: `ls = max(shift, 0)`, `rs = max(-shift, 0)`.
pub fn split_shift(shift: i32) -> (u32, u32) {
    if shift > 0 {
        (shift as u32, 0)
    } else {
        (0, shift.unsigned_abs())
    }
}

/// LiteRT `MultiplyByQuantizedMultiplier(x, M, shift)` with double rounding (the default build),
/// literally. `None` where the C++ is undefined or asserts: `x·2^ls` overflowing int32, or a shift
/// outside `[-31, 30]`.
pub fn multiply_by_quantized_multiplier(x: i32, m: i32, shift: i32) -> Option<i32> {
    if !(-31..=30).contains(&shift) {
        return None;
    }
    let (ls, rs) = split_shift(shift);
    let shifted = x.checked_mul(1i32 << ls)?;
    rounding_divide_by_pot(srdhm(shifted, m), rs as i32)
}

/// The closed form of [`multiply_by_quantized_multiplier`] for `M >= 1` (every multiplier
/// `QuantizeMultiplier` produces is in `[2^30, 2^31)`), as the circuit proves it:
///
/// `N = x·M·2^ls + 2^30 + [rs≥1]·2^(30+rs)`, `q = floor(N / 2^(31+rs))`, `R = N − q·2^(31+rs)`,
/// result `q − [rs≥1 ∧ R < 2^31 ∧ q ≤ 0]`.
pub fn mbqm_closed_form(x: i64, m: i64, shift: i32) -> i128 {
    let (ls, rs) = split_shift(shift);
    let mut n = x as i128 * m as i128 * (1i128 << ls) + (1i128 << 30);
    if rs >= 1 {
        n += 1i128 << (30 + rs);
    }
    let k = 31 + rs;
    let q = floor_shift(n, k);
    let r = n - (q << k);
    if rs >= 1 && r < (1i128 << 31) && q <= 0 {
        q - 1
    } else {
        q
    }
}

/// TFLite's int8 `AVERAGE_POOL_2D` rounding division, literally:
/// `acc > 0 ? (acc + n/2) / n : (acc − n/2) / n` with truncating `/`. `None` if `n <= 0`.
pub fn avg_pool_round(acc: i32, n: i32) -> Option<i32> {
    if n <= 0 {
        return None;
    }
    Some(if acc > 0 {
        (acc + n / 2) / n
    } else {
        (acc - n / 2) / n
    })
}

/// The closed form of [`avg_pool_round`]: `q = floor((acc + ⌊n/2⌋) / n)`, minus one when `n` is
/// even, `q ≤ 0` and the division is exact (then `acc ≤ 0` sat on a tie that C++ rounds away).
pub fn avg_pool_closed_form(acc: i64, n: i64) -> i128 {
    let num = acc as i128 + (n / 2) as i128;
    let q = floor_div(num, n as i128);
    let r = num - q * n as i128;
    if n % 2 == 0 && q <= 0 && r == 0 {
        q - 1
    } else {
        q
    }
}

/// `(m, e)` with `x = m·2^e` exactly, `m` odd (or `(0, 0)` for zero). `None` for non-finite `x`.
pub fn decompose_f64(x: f64) -> Option<(i64, i32)> {
    if !x.is_finite() {
        return None;
    }
    if x == 0.0 {
        return Some((0, 0));
    }
    let bits = x.to_bits();
    let sign = if bits >> 63 == 1 { -1 } else { 1 };
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as i64;
    let (mut m, mut e) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1i64 << 52), exp_bits - 1075)
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    e += tz as i32;
    Some((sign * m, e))
}

/// The float `FULLY_CONNECTED` requantization of ai-edge-litert ≥ 1.3 (reference kernel),
/// literally: `(int32)std::round((double)acc * scale)`. `None` if the rounded value is outside
/// int32 (undefined in C++) or not finite.
pub fn fc_float_requant(acc: i32, scale: f64) -> Option<i32> {
    // f64 `*` is IEEE round-to-nearest-even and `round` is half away from zero, as in C++.
    let r = (acc as f64 * scale).round();
    if r.is_finite() && r >= i32::MIN as f64 && r <= i32::MAX as f64 {
        Some(r as i32)
    } else {
        None
    }
}

/// `round_half_away(acc · m·2^e)` over the rationals, for `m > 0` and `e <= 0` (so the scale is
/// at most `m`): `q = floor((acc·m + 2^(k−1)) / 2^k)` with `k = −e`, minus one when `q ≤ 0` and
/// the division is exact (a negative tie). For `k = 0` it is `acc·m`.
pub fn round_half_away_exact(acc: i64, m: i64, e: i32) -> i128 {
    let p = acc as i128 * m as i128;
    if e >= 0 {
        return p << e;
    }
    let k = e.unsigned_abs();
    let n = p + (1i128 << (k - 1));
    let q = floor_shift(n, k);
    let r = n - (q << k);
    if q <= 0 && r == 0 {
        q - 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// `x` from a mix of uniform int32, small, and near-boundary values.
    fn interesting_i32(rng: &mut impl Rng) -> i32 {
        match rng.gen_range(0..6) {
            0 => rng.gen(),
            1 => rng.gen_range(-300..300),
            2 => i32::MIN + rng.gen_range(0..300),
            3 => i32::MAX - rng.gen_range(0..300),
            4 => {
                let k = rng.gen_range(0..31);
                ((1i64 << k) + rng.gen_range(-2..=2)) as i32 * if rng.gen() { 1 } else { -1 }
            }
            _ => rng.gen_range(-(1 << 22)..(1 << 22)),
        }
    }

    #[test]
    fn srdhm_rounds_half_toward_plus_infinity() {
        // floor((a·b + 2^30) / 2^31) on the ties and around them.
        let m = 1 << 30; // a·m / 2^31 = a / 2
        assert_eq!(srdhm(1, m), 1); // 0.5 -> 1
        assert_eq!(srdhm(-1, m), 0); // -0.5 -> 0
        assert_eq!(srdhm(-3, m), -1); // -1.5 -> -1
        assert_eq!(srdhm(3, m), 2); // 1.5 -> 2
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for _ in 0..1_000_000 {
            let a = interesting_i32(&mut rng);
            let b = interesting_i32(&mut rng);
            if a == i32::MIN && b == i32::MIN {
                continue;
            }
            let want = floor_shift(a as i128 * b as i128 + (1 << 30), 31);
            assert_eq!(srdhm(a, b) as i128, want, "a={a} b={b}");
        }
    }

    #[test]
    fn rdpot_rounds_half_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(-1, 1), Some(-1)); // -0.5 -> -1
        assert_eq!(rounding_divide_by_pot(-5, 1), Some(-3)); // -2.5 -> -3
        assert_eq!(rounding_divide_by_pot(5, 1), Some(3));
        assert_eq!(rounding_divide_by_pot(7, 0), Some(7));
        assert_eq!(rounding_divide_by_pot(7, 32), None);
        assert_eq!(rounding_divide_by_pot(7, -1), None);
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for _ in 0..1_000_000 {
            let x = interesting_i32(&mut rng);
            let e = rng.gen_range(1..=31);
            let want = floor_shift(x as i128 + (1 << (e - 1)) - i128::from(x < 0), e as u32);
            assert_eq!(
                rounding_divide_by_pot(x, e),
                Some(want as i32),
                "x={x} e={e}"
            );
        }
    }

    /// The verified closed form agrees with the literal double rounding, for every shift and
    /// multipliers across `[2^30, 2^31)` (random, both ends, and multipliers with many trailing
    /// zeros, where ties are frequent).
    #[test]
    fn mbqm_closed_form_matches_literal() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut checked = 0u64;
        for i in 0..4_000_000u64 {
            let m: i32 = match i % 4 {
                0 => rng.gen_range(1 << 30..=i32::MAX),
                1 => [1 << 30, i32::MAX, (1 << 30) + 1, i32::MAX - 1][rng.gen_range(0..4)],
                2 => {
                    let tz = rng.gen_range(0..30);
                    ((rng.gen_range(1 << 30..=i32::MAX) >> tz) << tz) | (1 << 30)
                }
                _ => rng.gen_range(1..=i32::MAX),
            };
            let shift = rng.gen_range(-31..=30);
            let x = interesting_i32(&mut rng);
            let Some(lit) = multiply_by_quantized_multiplier(x, m, shift) else {
                continue;
            };
            checked += 1;
            assert_eq!(
                mbqm_closed_form(x as i64, m as i64, shift),
                lit as i128,
                "x={x} m={m} shift={shift}"
            );
        }
        assert!(checked > 2_000_000, "only {checked} cases in range");
    }

    /// Exhaustive over a small accumulator range, for every right shift and a few multipliers.
    #[test]
    fn mbqm_closed_form_exhaustive_small_range() {
        for m in [1 << 30, (1 << 30) + 1, 1_518_500_250, i32::MAX, 3 << 29] {
            for shift in -12..=2 {
                for x in -5000..=5000 {
                    let lit = multiply_by_quantized_multiplier(x, m, shift).unwrap();
                    assert_eq!(mbqm_closed_form(x as i64, m as i64, shift), lit as i128);
                }
            }
        }
    }

    #[test]
    fn avg_pool_closed_form_matches_literal() {
        assert_eq!(avg_pool_round(-2, 4), Some(-1)); // -0.5 rounds away from zero
        assert_eq!(avg_pool_round(2, 4), Some(1));
        assert_eq!(avg_pool_round(-1, 4), Some(0));
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for n in 1..=64 {
            for acc in -3000..=3000 {
                let lit = avg_pool_round(acc, n).unwrap();
                assert_eq!(avg_pool_closed_form(acc as i64, n as i64), lit as i128);
            }
        }
        for _ in 0..1_000_000 {
            let n = rng.gen_range(1..=1 << 20);
            let acc = rng.gen_range(-(1 << 30)..(1 << 30));
            let lit = avg_pool_round(acc, n).unwrap();
            assert_eq!(avg_pool_closed_form(acc as i64, n as i64), lit as i128);
        }
        assert_eq!(avg_pool_round(1, 0), None);
    }

    #[test]
    fn decompose_f64_is_exact() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for _ in 0..100_000 {
            let x: f64 = rng.gen::<f64>() * 2f64.powi(rng.gen_range(-40..10));
            let (m, e) = decompose_f64(x).unwrap();
            assert_eq!(m % 2, 1);
            assert!(m < 1 << 53);
            assert_eq!(m as f64 * 2f64.powi(e), x);
        }
        assert_eq!(decompose_f64(0.0), Some((0, 0)));
        assert_eq!(decompose_f64(f64::NAN), None);
    }

    /// Where `fl64(acc·E)` is exact, the float requantization is the exact rational rounding; the
    /// rare exceptions are where the product's 53-bit rounding lands on or leaves a `.5`.
    #[test]
    fn fc_float_requant_is_exact_rounding_except_near_ties() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut exceptions = 0;
        for _ in 0..2_000_000 {
            let scale: f64 = rng.gen::<f64>() * 2f64.powi(rng.gen_range(-14..-2));
            let acc = rng.gen_range(-(1 << 22)..(1 << 22));
            let (m, e) = decompose_f64(scale).unwrap();
            let exact = round_half_away_exact(acc as i64, m, e);
            let lit = fc_float_requant(acc, scale).unwrap() as i128;
            if exact != lit {
                exceptions += 1;
                // Only ever one unit off, and only when the exact value is within one double
                // ulp of a half-integer.
                assert_eq!((exact - lit).abs(), 1);
                let prod = acc as f64 * scale;
                let ulp = f64::EPSILON * prod.abs();
                assert!(
                    (prod.abs().fract() - 0.5).abs() <= ulp,
                    "acc={acc} scale={scale}"
                );
            }
        }
        assert!(exceptions < 20, "{exceptions} exceptions");
        // Exact ties (short-mantissa scales) round away from zero in both.
        for acc in [-3, -1, 1, 3, 5, -5] {
            assert_eq!(
                fc_float_requant(acc, 0.5).unwrap() as i128,
                round_half_away_exact(acc as i64, 1, -1)
            );
        }
        assert_eq!(round_half_away_exact(-1, 1, -1), -1);
        assert_eq!(round_half_away_exact(1, 1, -1), 1);
        assert_eq!(round_half_away_exact(-3, 1, -2), -1); // -0.75
        assert_eq!(round_half_away_exact(-2, 1, -2), -1); // -0.5
    }
}
