//! Signed-digit (radix `2^c`) recoding of scalar magnitudes: each digit is in
//! `[-2^(c-1), 2^(c-1)]`, so a window needs `2^(c-1)` buckets instead of `2^c - 1` (the sign
//! goes onto the point, and negating an affine point is free).

/// The largest window: digits must fit an `i16` (`|d| ≤ 2^14`).
pub(super) const MAX_WINDOW: u32 = 15;

/// Windows needed for magnitudes of `bits` bits: one more bit than the magnitude, for the carry
/// the recentring pushes out of the top window.
pub(super) fn window_count(bits: u32, c: u32) -> usize {
    (bits + 1).div_ceil(c) as usize
}

/// Bits `[start, start + c)` of `mag` (zero past the top).
fn bits_at(mag: &[u64; 4], start: u32, c: u32) -> u64 {
    let (limb, shift) = ((start / 64) as usize, start % 64);
    if limb >= 4 {
        return 0;
    }
    let mut v = mag[limb] >> shift;
    if shift + c > 64 && limb + 1 < 4 {
        v |= mag[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

/// Writes the `out.len()` signed digits of `mag` (least significant first), so that
/// `mag = Σ out[w]·2^(c·w)`. `out.len()` must be `window_count(bits, c)` for a `mag` of at most
/// `bits` bits, and `c ≤ MAX_WINDOW`.
pub(super) fn signed_digits(mag: &[u64; 4], c: u32, out: &mut [i16]) {
    debug_assert!((1..=MAX_WINDOW).contains(&c));
    let half = 1u64 << (c - 1);
    let mut carry = 0u64;
    for (w, d) in out.iter_mut().enumerate() {
        let raw = bits_at(mag, w as u32 * c, c) + carry;
        if raw > half {
            carry = 1;
            *d = (raw as i64 - (1i64 << c)) as i16;
        } else {
            carry = 0;
            *d = raw as i16;
        }
    }
    debug_assert_eq!(carry, 0, "window_count leaves room for the carry");
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::{BigInt, BigUint};

    fn value(digits: &[i16], c: u32) -> BigInt {
        digits
            .iter()
            .rev()
            .fold(BigInt::from(0), |acc, &d| (acc << c) + BigInt::from(d))
    }

    #[test]
    fn digits_recompose_the_magnitude_and_stay_in_range() {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for c in 1..=MAX_WINDOW {
            for bits in [1u32, 2, 63, 64, 65, 128, 200, 253, 256] {
                for _ in 0..20 {
                    let mut mag = [next(), next(), next(), next()];
                    // Keep `bits` bits; also try the all-ones magnitude (every window carries).
                    for (i, limb) in mag.iter_mut().enumerate() {
                        let lo = i as u32 * 64;
                        if bits <= lo {
                            *limb = 0;
                        } else if bits - lo < 64 {
                            *limb &= (1u64 << (bits - lo)) - 1;
                        }
                    }
                    let ones = {
                        let mut m = [0u64; 4];
                        for (i, limb) in m.iter_mut().enumerate() {
                            let lo = i as u32 * 64;
                            *limb = if bits <= lo {
                                0
                            } else if bits - lo < 64 {
                                (1u64 << (bits - lo)) - 1
                            } else {
                                u64::MAX
                            };
                        }
                        m
                    };
                    for m in [mag, ones] {
                        let mut d = vec![0i16; window_count(bits, c)];
                        signed_digits(&m, c, &mut d);
                        let want = BigUint::from_slice(
                            &m.iter()
                                .flat_map(|l| [*l as u32, (*l >> 32) as u32])
                                .collect::<Vec<_>>(),
                        );
                        assert_eq!(value(&d, c), BigInt::from(want), "c={c} bits={bits}");
                        let half = 1i32 << (c - 1);
                        assert!(d.iter().all(|&x| (x as i32).abs() <= half));
                    }
                }
            }
        }
    }
}
