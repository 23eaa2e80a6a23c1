//! The shortest single floor division that reproduces a monotone integer function on a static
//! range: the lever that brings a requantization below the kernel's own 31-bit multiplier.
//!
//! A requantization's output is `act_min + clamp(F(acc), 0, H)` for a non-decreasing `F` (the
//! kernel's `MultiplyByQuantizedMultiplier` + zero point, or the float FC rounding). The kernel's
//! closed form writes `F` as one floor division by `2^(31 + rs − t)`, and a circuit pays one
//! constraint per bit of that divisor (the remainder's range check). But only the `H` steps of
//! `F` inside the unsaturated window matter, and over a static range `[lo, hi]` the same steps
//! are usually reproduced by `floor((acc·k + c) / 2^n)` with a much smaller `n`:
//! [`FloorFit::search`] finds the smallest such `n` and a `(k, c)` for it.
//!
//! **Why agreeing at the run ends is enough.** `g` (the target, clamped or not) is non-decreasing
//! and so is `f(x) = floor((x·k + c)/2^n)` for `k >= 1`. Split `[lo, hi]` into maximal runs on
//! which `g` is constant. If `f` has the right value (clamped, where `g` saturates) at both ends
//! of every run, then for `x` inside a run `f(start) <= f(x) <= f(end)` pins `f(x)` to the same
//! value (or to the same side of the saturation), so `f` and `g` agree on all of `[lo, hi]`.
//! The search only ever looks at run ends, and [`FloorFit::search`] re-checks every run end with
//! integer arithmetic before returning, so a fit it returns is exact on the range by this lemma;
//! the unit tests also compare fits with the target at every point of many ranges.
//!
//! **The search.** Each run end `(x, v)` asks `x·k + c >= v·2^n` (unless `v` is the clamped
//! bottom) and `x·k + c <= (v + 1)·2^n − 1` (unless `v` is the clamped top). For a fixed `k`, `c`
//! is then an integer interval `[max_i(A_i − a_i·k), min_j(B_j − b_j·k)]`, whose length is a
//! concave function of `k`: a binary search on its slope finds the best `k`, and the fit exists
//! iff that length is nonnegative. Feasibility is monotone in `n` (double `k` and `c`), so a
//! binary search finds the smallest `n`. No floats: everything is `i128`.
//!
//! How short it gets (measured by the unit tests and the model cost tables): the unsaturated
//! window holds `N ≈ H / slope` accumulators, and a fit needs `2^n` of about `N^1.5–N^2`; for
//! the bench model's convolutions that is 8–12 bits below the kernel's `31 + rs`.

use super::QuantError;

/// Most run ends a search accepts (a clamped requantization has at most `2·256`; an unclamped
/// rescale of an int8 value at most `2·511`).
pub const MAX_POINTS: usize = 4096;

/// Largest divisor exponent a fit may use (keeps every product far inside `i128`).
pub const MAX_FIT_BITS: u32 = 64;

/// `f(x) = floor((x·k + c) / 2^n)` with `k >= 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FloorFit {
    /// The multiplier.
    pub k: i128,
    /// The offset.
    pub c: i128,
    /// The divisor's exponent.
    pub n: u32,
}

/// What the fit must reproduce at a point whose target level is `v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saturation {
    /// `clamp(f(x), 0, top) = g(x)`, with `g` in `[0, top]`.
    Clamped {
        /// The highest level.
        top: i128,
    },
    /// `f(x) = g(x)` exactly.
    Exact,
}

/// A lower constraint `a·k + c >= big_a` or an upper one `a·k + c <= big_a` (already scaled).
#[derive(Clone, Copy, Debug)]
struct Side {
    a: i128,
    big_a: i128,
}

impl FloorFit {
    /// `floor((x·k + c) / 2^n)`, or `None` if it leaves `i128`.
    pub fn eval(&self, x: i128) -> Option<i128> {
        let num = x.checked_mul(self.k)?.checked_add(self.c)?;
        Some(num >> self.n)
    }

    /// The run ends of a non-decreasing `g` on `[lo, hi]`: `(x, g(x))` for the first and last
    /// point of each maximal run where `g` is constant, in order. `None` if there are more than
    /// [`MAX_POINTS`]. `g` is evaluated `O(runs · log(hi − lo))` times.
    pub fn run_ends(lo: i128, hi: i128, g: impl Fn(i128) -> i128) -> Option<Vec<(i128, i128)>> {
        let mut pts = Vec::new();
        let mut x = lo;
        while x <= hi {
            let v = g(x);
            // The last point of the run that starts at x: g(a) == v is kept invariant.
            let (mut a, mut b) = (x, hi);
            while a < b {
                let m = a + (b - a + 1) / 2;
                if g(m) == v {
                    a = m;
                } else {
                    b = m - 1;
                }
            }
            pts.push((x, v));
            if a != x {
                pts.push((a, v));
            }
            if pts.len() > MAX_POINTS {
                return None;
            }
            x = a + 1;
        }
        Some(pts)
    }

    /// Whether `f` gives level `v` at `x` under `sat`.
    fn agrees(&self, x: i128, v: i128, sat: Saturation) -> bool {
        match (self.eval(x), sat) {
            (Some(f), Saturation::Exact) => f == v,
            (Some(f), Saturation::Clamped { top }) => f.clamp(0, top) == v,
            (None, _) => false,
        }
    }

    /// The smallest-`n` fit (`n <= max_n`) of the run ends `pts` (from [`FloorFit::run_ends`] of
    /// a non-decreasing target), or `Ok(None)` if there is none. Deterministic: the same points
    /// give the same fit.
    pub fn search(
        pts: &[(i128, i128)],
        sat: Saturation,
        max_n: u32,
    ) -> Result<Option<FloorFit>, QuantError> {
        if pts.is_empty() || pts.len() > MAX_POINTS {
            return Ok(None);
        }
        let max_n = max_n.min(MAX_FIT_BITS);
        let (vmin, vmax) = (pts[0].1, pts[pts.len() - 1].1);
        if let Saturation::Clamped { top } = sat {
            if vmin < 0 || vmax > top {
                return Err(QuantError::EmptyInterval { lo: 0, hi: top });
            }
        }
        // Every product below is at most |x|·span·2^n: keep it inside i128 with room to spare.
        let span = vmax - vmin + 1;
        let bits = |v: i128| 128 - v.unsigned_abs().leading_zeros();
        let x_bits = pts.iter().map(|&(x, _)| bits(x)).max().unwrap_or(0);
        let Some(max_n) = 118u32
            .checked_sub(x_bits + bits(span))
            .map(|b| b.min(max_n))
        else {
            return Ok(None);
        };
        let solve = |n: u32| -> Option<FloorFit> {
            let fit = best_k(pts, sat, n, span)?;
            pts.iter()
                .all(|&(x, v)| fit.agrees(x, v, sat))
                .then_some(fit)
        };
        let Some(mut best) = solve(max_n) else {
            return Ok(None);
        };
        let (mut lo, mut hi) = (0u32, max_n);
        // Invariant: solve(hi) is Some (kept in `best`), solve(n) is None for n < lo.
        while lo < hi {
            let mid = (lo + hi) / 2;
            match solve(mid) {
                Some(f) => {
                    best = f;
                    hi = mid;
                }
                None => lo = mid + 1,
            }
        }
        Ok(Some(best))
    }
}

/// The constraints of the run ends at divisor `2^n`.
fn sides(pts: &[(i128, i128)], sat: Saturation, n: u32) -> (Vec<Side>, Vec<Side>) {
    let d = 1i128 << n;
    let (mut lower, mut upper) = (Vec::new(), Vec::new());
    for &(x, v) in pts {
        let (bottom, top) = match sat {
            Saturation::Clamped { top } => (v == 0, v == top),
            Saturation::Exact => (false, false),
        };
        if !bottom {
            lower.push(Side { a: x, big_a: v * d });
        }
        if !top {
            upper.push(Side {
                a: x,
                big_a: (v + 1) * d - 1,
            });
        }
    }
    (lower, upper)
}

/// `(c_min, c_max)` for multiplier `k`: the interval of offsets every constraint allows.
fn c_interval(lower: &[Side], upper: &[Side], k: i128) -> (i128, i128) {
    let c_min = lower
        .iter()
        .map(|s| s.big_a - s.a * k)
        .max()
        .unwrap_or(i128::MIN / 4);
    let c_max = upper
        .iter()
        .map(|s| s.big_a - s.a * k)
        .min()
        .unwrap_or(i128::MAX / 4);
    (c_min, c_max)
}

/// The smallest `k` in `[1, span·2^n]` whose offset interval is not empty (found next to the
/// maximum of its length, which is concave in `k`), with the lowest offset for it.
///
/// The range loses no fit: a lower constraint at `x_i` (level `v_i`) and an upper one at
/// `x_j > x_i` (level `v_j`) force `k <= ((v_j − v_i + 1)·2^n − 1)/(x_j − x_i) < span·2^n`;
/// without such a pair every large `k` works once `k >= k_min`, and the pairs that bound `k`
/// from below (an upper before a lower) give `k_min <= (span − 1)·2^n + 1`.
fn best_k(pts: &[(i128, i128)], sat: Saturation, n: u32, span: i128) -> Option<FloorFit> {
    let (lower, upper) = sides(pts, sat, n);
    let len = |k: i128| {
        let (a, b) = c_interval(&lower, &upper, k);
        b - a
    };
    let (mut lo, mut hi) = (1i128, span.max(1) << n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if len(mid + 1) > len(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if len(lo) < 0 {
        return None;
    }
    // The smallest feasible k (the shortest decomposition): `len` is non-decreasing up to its
    // maximum, so the feasible k below it form an interval ending there.
    let (mut a, mut z) = (1i128, lo);
    while a < z {
        let mid = a + (z - a) / 2;
        if len(mid) >= 0 {
            z = mid;
        } else {
            a = mid + 1;
        }
    }
    let (c_min, _) = c_interval(&lower, &upper, a);
    Some(FloorFit { k: a, c: c_min, n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::quant::reference::{multiply_by_quantized_multiplier, split_shift};
    use ark_std::rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn kernel(acc: i128, m: i32, shift: i32, zp: i32, amin: i32, amax: i32) -> i128 {
        let v = multiply_by_quantized_multiplier(acc as i32, m, shift).unwrap() as i128;
        (v + zp as i128).clamp(amin as i128, amax as i128)
    }

    #[test]
    fn run_ends_of_a_step_function() {
        let g = |x: i128| (x.div_euclid(3)).clamp(0, 4);
        let pts = FloorFit::run_ends(-5, 20, g).unwrap();
        assert_eq!(
            pts,
            vec![
                (-5, 0),
                (2, 0),
                (3, 1),
                (5, 1),
                (6, 2),
                (8, 2),
                (9, 3),
                (11, 3),
                (12, 4),
                (20, 4)
            ]
        );
        assert_eq!(FloorFit::run_ends(7, 7, g).unwrap(), vec![(7, 2)]);
        assert!(FloorFit::run_ends(0, 100_000, |x| x).is_none());
    }

    /// Random requantizations (multiplier, shift, zero point, activation) over random static
    /// ranges: every fit found reproduces the kernel at every accumulator of the range, and
    /// is shorter than the kernel's `31 + rs` bits for ReLU outputs.
    #[test]
    fn fits_reproduce_the_kernel_at_every_point() {
        let mut rng = ChaCha20Rng::seed_from_u64(45);
        let mut shorter = 0;
        for case in 0..60 {
            let m = rng.gen_range(1 << 30..=i32::MAX);
            let shift = rng.gen_range(-12..=0);
            let zp = rng.gen_range(-128..=127);
            let (amin, amax) = match case % 3 {
                0 => (zp, 127),
                1 => (zp, rng.gen_range(zp..=127)),
                _ => (-128, 127),
            };
            let lo = -rng.gen_range(1..40_000i128);
            let hi = rng.gen_range(1..40_000i128);
            let g = |x: i128| kernel(x, m, shift, zp, amin, amax) - amin as i128;
            let pts = FloorFit::run_ends(lo, hi, g).unwrap();
            let top = (amax - amin) as i128;
            let (_, rs) = split_shift(shift);
            let fit = FloorFit::search(&pts, Saturation::Clamped { top }, 31 + rs + 4).unwrap();
            let Some(fit) = fit else {
                assert!(
                    amin < zp,
                    "a ReLU always has a fit (the kernel's own): {case}"
                );
                continue;
            };
            for x in lo..=hi {
                assert_eq!(
                    fit.eval(x).unwrap().clamp(0, top),
                    g(x),
                    "case {case} x={x} {fit:?}"
                );
            }
            if amin >= zp && fit.n < 31 + rs {
                shorter += 1;
            }
        }
        assert!(shorter >= 30, "only {shorter} fits were shorter");
    }

    /// Exact (unclamped) fits of ADD's input rescale `MBQM((x − zp)·2^20, M, shift)` over the
    /// int8 values, checked at every value. The kernel rounds negative ties away from zero, so
    /// a single floor division exists only when no negative value sits on a tie; for the others
    /// the search must say so rather than return a wrong fit.
    #[test]
    fn exact_fits_of_add_rescales() {
        let mut rng = ChaCha20Rng::seed_from_u64(46);
        let (mut found, mut refused) = (0, 0);
        for _ in 0..40 {
            let m = rng.gen_range(1 << 30..=i32::MAX);
            let shift = rng.gen_range(-6..=-1);
            let g = |v: i128| {
                multiply_by_quantized_multiplier((v << 20) as i32, m, shift).unwrap() as i128
            };
            let pts = FloorFit::run_ends(-255, 255, g).unwrap();
            match FloorFit::search(&pts, Saturation::Exact, 60).unwrap() {
                Some(fit) => {
                    for v in -255..=255 {
                        assert_eq!(fit.eval(v), Some(g(v)), "{fit:?} v={v}");
                    }
                    assert!(fit.n <= 40, "{fit:?}");
                    found += 1;
                }
                None => refused += 1,
            }
        }
        assert!(
            found >= 5 && refused >= 5,
            "found {found}, refused {refused}"
        );
    }

    /// Breaking a found fit (one less in `k` or `c` at the minimal `n`, or one less bit) makes it
    /// disagree somewhere, so the search really returns a minimal `n`.
    #[test]
    fn minimal_fits_are_tight() {
        let (m, shift, zp) = (1_518_500_249, -6, -128);
        let g = |x: i128| kernel(x, m, shift, zp, zp, 127) - zp as i128;
        let (lo, hi) = (-(1 << 17), 1 << 17);
        let pts = FloorFit::run_ends(lo, hi, g).unwrap();
        let sat = Saturation::Clamped { top: 255 };
        let fit = FloorFit::search(&pts, sat, 37).unwrap().unwrap();
        assert!(fit.n < 37, "{fit:?}");
        assert_eq!(FloorFit::search(&pts, sat, fit.n - 1).unwrap(), None);
        let wrong = FloorFit {
            c: fit.c - 1,
            ..fit
        };
        assert!((lo..=hi).any(|x| wrong.eval(x).unwrap().clamp(0, 255) != g(x)));
    }
}
