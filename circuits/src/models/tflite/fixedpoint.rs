//! TFLite's fixed-point primitives, written as literal emulations of their C++ definitions.
//!
//! - [`quantize_multiplier`]: LiteRT `tflite/kernels/internal/quantization_util.cc`
//!   `QuantizeMultiplier` (load time, `f64`).
//! - [`srdhm`]: gemmlowp `SaturatingRoundingDoublingHighMul` (C++ `/` truncates toward zero).
//! - [`rdpot`]: gemmlowp `RoundingDivideByPOT` (arithmetic shift plus a remainder test).
//! - [`mbqm`]: LiteRT `tflite/kernels/internal/common.cc` `MultiplyByQuantizedMultiplier`, the
//!   default double-rounding build (`TFLITE_SINGLE_ROUNDING` unset).
//! - [`round_mul_f64`]: ai-edge-litert 2.3's reference FULLY_CONNECTED requantization
//!   `(int32)round((double)acc * scale)`, computed exactly with integers.
//!
//! Apart from [`quantize_multiplier`] and [`DoubleScale::new`], which run when a model is loaded,
//! everything here is integer arithmetic: this is the arithmetic the circuit must reproduce, and
//! the circuit compiler proves its closed forms equal to these functions.

use super::model::{DoubleScale, QuantizedMultiplier};
use crate::gadgets::quant::reference::rounding_divide_by_pot;

/// `QuantizeMultiplier(double m)`: `m ≈ M * 2^(shift - 31)` with `M` in `[2^30, 2^31 - 1]`.
///
/// `frexp` gives `m = q * 2^shift`, `q` in `[0.5, 1)`; `M = round(q * 2^31)` (half away from
/// zero, `TfLiteRound`); `M == 2^31` becomes `2^30` with `shift + 1`; `shift < -31` flushes to
/// `(0, 0)`. Returns `None` for a multiplier that is negative, not finite or not below 2^31
/// (where the C++ `TFLITE_CHECK`s would abort).
pub fn quantize_multiplier(m: f64) -> Option<QuantizedMultiplier> {
    if m == 0.0 {
        return Some(QuantizedMultiplier {
            multiplier: 0,
            shift: 0,
        });
    }
    if !m.is_finite() || m < 0.0 {
        return None;
    }
    let (q, mut shift) = frexp(m);
    let mut q_fixed = (q * (1u64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if q_fixed > i32::MAX as i64 {
        return None;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    Some(QuantizedMultiplier {
        multiplier: q_fixed as i32,
        shift,
    })
}

/// `QuantizeMultiplierSmallerThanOneExp`: [`quantize_multiplier`] restricted to `0 < m < 1`
/// (so `shift <= 0`); `None` otherwise (a `TFLITE_CHECK` failure in C++).
pub fn quantize_multiplier_smaller_than_one(m: f64) -> Option<QuantizedMultiplier> {
    if !(m > 0.0 && m < 1.0) {
        return None;
    }
    let q = quantize_multiplier(m)?;
    (q.shift <= 0).then_some(q)
}

/// `std::frexp` for positive finite `m`: `(q, e)` with `m = q * 2^e`, `q` in `[0.5, 1)`.
fn frexp(m: f64) -> (f64, i32) {
    let bits = m.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first (exact: a power of two).
        let (q, e) = frexp(m * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (q, e - 54);
    }
    let q = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (q, biased - 1022)
}

/// gemmlowp `SaturatingRoundingDoublingHighMul(a, b)`: the one literal transcription, shared
/// with the gadgets' oracle.
pub use crate::gadgets::quant::reference::srdhm;

/// gemmlowp `RoundingDivideByPOT(x, exponent)` for `0 <= exponent <= 31` (a larger exponent is
/// taken as 31, which the loader never produces): the gadgets' oracle
/// [`rounding_divide_by_pot`], which is defined on that whole range.
pub fn rdpot(x: i32, exponent: u32) -> i32 {
    debug_assert!(exponent <= 31);
    rounding_divide_by_pot(x, exponent.min(31) as i32).unwrap_or(x)
}

/// `MultiplyByQuantizedMultiplier(x, M, shift)`, double rounding:
/// `RDPOT(SRDHM(x * 2^max(shift, 0), M), max(-shift, 0))`.
///
/// The caller guarantees `x * 2^max(shift, 0)` fits an `i32` and `shift >= -31` (the model
/// loader checks both statically); the product wraps otherwise, as it does in practice in C++.
pub fn mbqm(x: i32, m: QuantizedMultiplier) -> i32 {
    let left_shift = m.shift.max(0) as u32;
    let right_shift = (-m.shift).max(0) as u32;
    rdpot(
        srdhm(x.wrapping_mul(1i32.wrapping_shl(left_shift)), m.multiplier),
        right_shift.min(31),
    )
}

impl DoubleScale {
    /// Decompose a finite, non-negative, normal (or zero) `f64`; `None` otherwise.
    pub fn new(value: f64) -> Option<DoubleScale> {
        if value == 0.0 {
            return Some(DoubleScale {
                value: 0.0,
                mantissa: 0,
                exponent: 0,
            });
        }
        if !value.is_normal() || value < 0.0 {
            return None;
        }
        let bits = value.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let mut mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
        let mut exponent = biased - 1075;
        let tz = mantissa.trailing_zeros();
        mantissa >>= tz;
        exponent += tz as i32;
        Some(DoubleScale {
            value,
            mantissa,
            exponent,
        })
    }
}

/// `round((double)acc * scale.value)` exactly, with integers only (the `int32` cast is left to
/// the caller, which knows from static bounds that the result fits).
///
/// `(double)acc` is exact. The product `|acc| * mantissa` (< 2^84) is exact in `u128`;
/// IEEE multiplication rounds it to 53 significant bits, half to even, which gives
/// `q * 2^k` exactly; C's `round` then rounds that to an integer, half away from zero. No
/// overflow or subnormal case exists: `scale` is normal and `|acc| >= 1`, and the loader bounds
/// `|acc| * scale` far below `f64::MAX`.
pub fn round_mul_f64(acc: i32, scale: &DoubleScale) -> i64 {
    if acc == 0 || scale.mantissa == 0 {
        return 0;
    }
    let mut q: u128 = acc.unsigned_abs() as u128 * scale.mantissa as u128;
    let mut k: i32 = scale.exponent;
    let bits = 128 - q.leading_zeros();
    if bits > 53 {
        let d = bits - 53;
        let rem = q & ((1u128 << d) - 1);
        let half = 1u128 << (d - 1);
        q >>= d;
        if rem > half || (rem == half && q & 1 == 1) {
            q += 1;
        }
        k += d as i32;
    }
    let magnitude: u128 = if k >= 0 {
        q << k.min(64)
    } else {
        let s = (-k) as u32;
        if s > 64 {
            0 // q < 2^54, so |value| < 2^-10: rounds to 0.
        } else {
            let int = q >> s;
            let frac = q & ((1u128 << s) - 1);
            int + u128::from(frac >= 1u128 << (s - 1))
        }
    };
    let magnitude = magnitude.min(i64::MAX as u128) as i64;
    if acc < 0 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn floor_div(n: i128, d: i128) -> i128 {
        n.div_euclid(d)
    }

    #[test]
    fn srdhm_is_round_half_up_of_the_doubled_product() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for i in 0..200_000 {
            let a = rng.next_u32() as i32 >> (i % 24);
            let b = if i % 3 == 0 {
                (1 << 30) + (rng.next_u32() >> 2) as i32 % (1 << 30)
            } else {
                rng.next_u32() as i32
            };
            if a == i32::MIN && b == i32::MIN {
                continue;
            }
            let expect = floor_div(a as i128 * b as i128 + (1 << 30), 1 << 31);
            assert_eq!(srdhm(a, b) as i128, expect, "a={a} b={b}");
        }
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        // Exact ties: -0.5 -> 0, -1.5 -> -1, 1.5 -> 2 (half toward +infinity).
        assert_eq!(srdhm(-1, 1 << 30), 0);
        assert_eq!(srdhm(-3, 1 << 30), -1);
        assert_eq!(srdhm(3, 1 << 30), 2);
    }

    #[test]
    fn rdpot_is_round_half_away_from_zero() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for i in 0..200_000u32 {
            let x = rng.next_u32() as i32 >> (i % 30);
            let e = i % 32;
            let expect = if e == 0 {
                x as i128
            } else {
                floor_div(x as i128 + (1 << (e - 1)) - i128::from(x < 0), 1 << e)
            };
            assert_eq!(rdpot(x, e) as i128, expect, "x={x} e={e}");
        }
        assert_eq!(rdpot(-1, 1), -1); // -0.5 -> -1
        assert_eq!(rdpot(-5, 1), -3); // -2.5 -> -3
        assert_eq!(rdpot(5, 1), 3); // 2.5 -> 3
        assert_eq!(rdpot(-3, 2), -1); // -0.75 -> -1
        assert_eq!(rdpot(i32::MIN, 31), -1);
    }

    #[test]
    fn mbqm_matches_the_verified_closed_form() {
        // Research notes §3.3: q0 = floor(N0 / 2^(31+rs)) with N0 = x*M*2^ls + 2^30 + 2^(30+rs),
        // minus 1 when R0 < 2^31 and q0 <= 0 (rs >= 1); floor((x*M*2^ls + 2^30) / 2^31) (rs = 0).
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for i in 0..200_000u32 {
            let multiplier = (1 << 30) + (rng.next_u32() % (1 << 30)) as i32;
            let shift = (i % 40) as i32 - 33;
            let shift = shift.max(-31);
            let ls = shift.max(0);
            let x = (rng.next_u32() as i32) >> (8 + ls as u32 + i % 16);
            let m = QuantizedMultiplier { multiplier, shift };
            let rs = (-shift).max(0) as u32;
            let p = x as i128 * multiplier as i128 * (1i128 << ls);
            let expect = if rs == 0 {
                floor_div(p + (1 << 30), 1 << 31)
            } else {
                let n0 = p + (1 << 30) + (1i128 << (30 + rs));
                let d = 1i128 << (31 + rs);
                let q0 = floor_div(n0, d);
                let r0 = n0 - q0 * d;
                q0 - i128::from(r0 < (1 << 31) && q0 <= 0)
            };
            assert_eq!(
                mbqm(x, m) as i128,
                expect,
                "x={x} M={multiplier} shift={shift}"
            );
        }
    }

    #[test]
    fn quantize_multiplier_known_values() {
        // 0.5 = 0.5 * 2^0 -> M = 2^30, shift 0.
        assert_eq!(
            quantize_multiplier(0.5),
            Some(QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 0
            })
        );
        // 1.0 = 0.5 * 2^1.
        assert_eq!(
            quantize_multiplier(1.0),
            Some(QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 1
            })
        );
        // q rounds up to 2^31: renormalized to 2^30 with shift + 1.
        let just_below_one = 1.0 - f64::EPSILON / 2.0;
        assert_eq!(
            quantize_multiplier(just_below_one),
            Some(QuantizedMultiplier {
                multiplier: 1 << 30,
                shift: 1
            })
        );
        // Below 2^-32: flushed to zero.
        assert_eq!(
            quantize_multiplier(1e-12),
            Some(QuantizedMultiplier {
                multiplier: 0,
                shift: 0
            })
        );
        assert_eq!(quantize_multiplier(-0.5), None);
        assert_eq!(quantize_multiplier(f64::NAN), None);
        // Every result reconstructs the multiplier to within half a unit of the Q31 mantissa.
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for _ in 0..10_000 {
            let m = f64::from(rng.next_u32()) / f64::from(u32::MAX) * 4.0 + 1e-9;
            let q = quantize_multiplier(m).unwrap();
            assert!((1 << 30..=i32::MAX).contains(&q.multiplier));
            let back = q.multiplier as f64 * 2f64.powi(q.shift - 31);
            assert!(
                (back - m).abs() <= 2f64.powi(q.shift - 32) * 1.000001,
                "{m} {q:?}"
            );
        }
    }

    #[test]
    fn double_scale_decomposes_exactly() {
        for v in [1.0, 0.75, 3.0e-5, 0.1, 123.456, f64::MIN_POSITIVE] {
            let s = DoubleScale::new(v).unwrap();
            assert_eq!(s.mantissa % 2, 1);
            assert!(s.mantissa < 1 << 53);
            assert_eq!(s.mantissa as f64 * 2f64.powi(s.exponent), v);
        }
        assert!(DoubleScale::new(-1.0).is_none());
        assert!(DoubleScale::new(f64::INFINITY).is_none());
        assert!(DoubleScale::new(f64::MIN_POSITIVE / 2.0).is_none());
    }

    fn f64_reference(acc: i32, s: &DoubleScale) -> i64 {
        ((acc as f64) * s.value).round() as i64
    }

    #[test]
    fn round_mul_f64_equals_the_floating_point_expression_on_random_cases() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for i in 0..500_000u32 {
            // Scales like TFLite's: products and quotients of f32 scales, ~2^-20..2^4.
            let s_in = f32::from_bits(0x3000_0000 + rng.next_u32() % 0x0e00_0000);
            let s_w = f32::from_bits(0x3000_0000 + rng.next_u32() % 0x0e00_0000);
            let s_out = f32::from_bits(0x3400_0000 + rng.next_u32() % 0x0c00_0000);
            let v = s_in as f64 * s_w as f64 / s_out as f64;
            let Some(s) = DoubleScale::new(v) else {
                continue;
            };
            let acc = (rng.next_u32() as i32) >> (i % 31);
            assert_eq!(
                round_mul_f64(acc, &s),
                f64_reference(acc, &s),
                "acc={acc} s={v:e}"
            );
        }
    }

    #[test]
    fn round_mul_f64_equals_the_floating_point_expression_at_ties_and_near_ties() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut cases = 0;
        for _ in 0..20_000 {
            // Pick acc and an integer target n + 1/2; the scale nearest (n + 1/2) / acc makes the
            // exact product sit at, or within a few ulps of, a rounding boundary.
            let acc = ((rng.next_u32() % (1 << 22)) as i32 + 1)
                * if rng.next_u32() % 2 == 0 { 1 } else { -1 };
            let n = (rng.next_u32() % 300) as f64;
            let target = (n + 0.5) / (acc.unsigned_abs() as f64);
            for ulps in -3i64..=3 {
                let v = f64::from_bits((target.to_bits() as i64 + ulps) as u64);
                let s = DoubleScale::new(v).unwrap();
                assert_eq!(
                    round_mul_f64(acc, &s),
                    f64_reference(acc, &s),
                    "acc={acc} v={v:e}"
                );
                cases += 1;
            }
        }
        // Exact ties of the exact product (power-of-two scales): half away from zero.
        for acc in [
            1,
            -1,
            3,
            -3,
            5,
            -5,
            7,
            1001,
            -1001,
            i32::MAX,
            i32::MIN + 1,
            i32::MIN,
        ] {
            for e in 1..12 {
                let s = DoubleScale::new(2f64.powi(-e)).unwrap();
                assert_eq!(
                    round_mul_f64(acc, &s),
                    f64_reference(acc, &s),
                    "acc={acc} e={e}"
                );
                cases += 1;
            }
        }
        // Products that need rounding to 53 bits before C's round: large acc, 53-bit scales.
        for _ in 0..100_000 {
            let acc = rng.next_u32() as i32;
            let v =
                f64::from_bits(0x3f00_0000_0000_0000 | (rng.next_u64() & 0x000f_ffff_ffff_ffff));
            let s = DoubleScale::new(v).unwrap();
            assert_eq!(
                round_mul_f64(acc, &s),
                f64_reference(acc, &s),
                "acc={acc} v={v:e}"
            );
            cases += 1;
        }
        assert!(cases > 200_000);
    }
}
