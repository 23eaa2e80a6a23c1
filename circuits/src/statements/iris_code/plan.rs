//! The circuit's constants, derived from the model: kernel coefficients, each
//! probe row's window, comparison widths and mask thresholds, and the constraint count by part.

use super::fragile::FragilePlan;
use crate::gadgets::commitment;
use crate::models::iris::IrisModel;

/// Constants of one probe row of one filter (the same for every probe column).
#[derive(Debug, Clone)]
pub(super) struct RowPlan {
    /// First image row of the window (`r0`).
    pub image_row: usize,
    /// Window rows (`h`).
    pub rows: usize,
    /// Kernel row matched with `image_row` (`k0`).
    pub kernel_row: usize,
    /// Width of each part's sign test: `|S_q| <= 255 * D_q` needs `1 + bitlen(255 * D_q)`.
    pub sign_bits: [usize; 2],
    /// `T_q`: the mask rule passes iff `N_q >= T_q` ([`crate::models::iris::MaskRule::min_passing_weight`]).
    pub threshold: [u64; 2],
    /// Width of each part's threshold test ([`threshold_width`]).
    pub threshold_bits: [usize; 2],
    /// The fragile-bit refinement's constants, if the model has one.
    pub fragile: Option<FragilePlan>,
}

/// Constants of one filter.
#[derive(Debug, Clone)]
pub(super) struct FilterPlan {
    /// Kernel columns (`kc`).
    pub kernel_cols: usize,
    /// `K_q`, row-major.
    pub coeffs: [Vec<i64>; 2],
    /// `|K_q|`, row-major.
    pub abs_coeffs: [Vec<i64>; 2],
    /// One plan per probe row.
    pub rows: Vec<RowPlan>,
    /// Image column under kernel column 0, per probe column.
    pub start_cols: Vec<usize>,
}

/// Number of bits of `v` (0 for 0).
fn bit_len(v: u64) -> usize {
    (u64::BITS - v.leading_zeros()) as usize
}

/// Width `n` of the sign test of a response with `|S| <= bound`: `is_positive(S, n)` decomposes
/// `S - 1 + 2^(n-1)`, which lies in `[0, 2^n)` iff `2^(n-1) >= bound + 1`. The smallest such `n`
/// is `1 + bitlen(bound)`.
pub fn sign_width(bound: u64) -> usize {
    1 + bit_len(bound)
}

/// Width `n` of the test `N - T >= 0` for a weight `N` in `[0, total]` and a threshold `T` in
/// `[0, total + 1]`: `N - T` lies in `[-T, total - T]`, and `is_nonnegative(x, n)` needs
/// `-2^(n-1) <= x < 2^(n-1)`, i.e. `2^(n-1) >= M` with `M = max(T, total + 1 - T)`. The smallest
/// such `n` is `1 + bitlen(M - 1)`.
pub fn threshold_width(threshold: u64, total: u64) -> usize {
    let m = threshold.max(total + 1 - threshold.min(total + 1));
    1 + bit_len(m.saturating_sub(1))
}

/// The parts whose mask weights the circuit computes: both, or only the imaginary part's when
/// the model duplicates it (open-iris `maskisduplicated`).
pub(super) fn mask_parts(model: &IrisModel) -> &'static [usize] {
    if model.mask_duplicated() {
        &[1]
    } else {
        &[0, 1]
    }
}

/// The constants of every filter of `model`.
pub(super) fn plan(model: &IrisModel) -> Vec<FilterPlan> {
    let rule = model.mask_rule();
    let dup = model.mask_duplicated();
    (0..model.filters().len())
        .map(|f| {
            let k = model.filters()[f].kernel();
            let rows = (0..model.code_rows())
                .map(|row| {
                    let w = model.probe_window(f, row, 0);
                    let sign_bits = [0, 1].map(|q| sign_width(model.response_bound(f, row, q)));
                    // With duplicated masks both parts compare the imaginary part's weight.
                    let total = [0, 1].map(|q| model.mask_total(f, row, if dup { 1 } else { q }));
                    let threshold = total.map(|d| rule.min_passing_weight(d));
                    let threshold_bits = [0, 1].map(|q| threshold_width(threshold[q], total[q]));
                    let bounds = [0, 1].map(|q| model.response_bound(f, row, q));
                    RowPlan {
                        image_row: w.image_row,
                        rows: w.rows,
                        kernel_row: w.kernel_row,
                        sign_bits,
                        threshold,
                        threshold_bits,
                        fragile: model
                            .fragile_row_rule(f, row)
                            .map(|rule| FragilePlan::new(&rule, bounds)),
                    }
                })
                .collect();
            let start_cols = (0..model.code_cols())
                .map(|col| model.probe_window(f, 0, col).image_col)
                .collect();
            FilterPlan {
                kernel_cols: k.cols(),
                coeffs: [0, 1].map(|q| k.part(q).iter().map(|&v| i64::from(v)).collect()),
                abs_coeffs: [0, 1].map(|q| {
                    k.part(q)
                        .iter()
                        .map(|&v| i64::from(v.unsigned_abs()))
                        .collect()
                }),
                rows,
                start_cols,
            }
        })
        .collect()
}

/// Constraints of the iris-code statement, by part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConstraintCounts {
    /// `binding * binding = binding_sq`: 1.
    pub binding: usize,
    /// Each pixel a wire and its 8 bits: 9 per pixel.
    pub image_bits: usize,
    /// Each input mask bit boolean: 1 per pixel.
    pub image_mask_bits: usize,
    /// `C_img`: the Poseidon sponge over `image || pack_bits(mask)` and the equality with the
    /// public input.
    pub image_commitment: usize,
    /// Code bits: one sign test `S_q > 0` per bit (`sign_bits + 1` each).
    pub code_bits: usize,
    /// The squares `S_re^2`, `S_im^2`: 2 per probe (the nonzero test's and the refinement's
    /// radius operands).
    pub squares: usize,
    /// Mask bits: per probe, the threshold tests `N_q >= T_q` and, unless a refinement's radius
    /// test already excludes `S = 0`, the nonzero test `is_zero(S_re^2 + S_im^2)` (3) and one
    /// product per computed mask bit.
    pub mask_bits: usize,
    /// Fragile-bit refinement (models with one), per probe: the radius tests `T_max - L >= 0`
    /// and the gated `L - T_min >= 0` (the private `fragile` module).
    pub fragile_radius: usize,
    /// Fragile-bit refinement: per probe `|S_re|`, `|S_im|` (one product each) and the two angle
    /// tests, each gated by the radius bit.
    pub fragile_angle: usize,
    /// Fragile-bit refinement: the encoder's bit AND the refinement's, one product per part.
    pub fragile_and: usize,
    /// `C_code`: the sponge over `pack_bits(code) || pack_bits(mask)` and the equality.
    pub code_commitment: usize,
}

impl ConstraintCounts {
    /// All constraints.
    pub fn total(&self) -> usize {
        self.binding
            + self.image_bits
            + self.image_mask_bits
            + self.image_commitment
            + self.code_bits
            + self.squares
            + self.mask_bits
            + self.fragile_bits()
            + self.code_commitment
    }

    /// The refinement's constraints: radius, angles and ANDs (0 for a model without one).
    pub fn fragile_bits(&self) -> usize {
        self.fragile_radius + self.fragile_angle + self.fragile_and
    }

    /// The counts for `model`, from the layout's formulas (tests check them against synthesis).
    pub fn of(model: &IrisModel) -> Self {
        let pixels = model.image_rows() * model.image_cols();
        let code_bytes = model.code_len().div_ceil(8);
        let mut counts = Self {
            binding: 1,
            image_bits: 9 * pixels,
            image_mask_bits: pixels,
            image_commitment: commitment::constraint_count(pixels + pixels.div_ceil(8)) + 1,
            code_commitment: commitment::constraint_count(2 * code_bytes) + 1,
            ..Self::default()
        };
        let parts = mask_parts(model);
        let probe_cols = model.code_cols();
        for f in plan(model) {
            for r in &f.rows {
                counts.code_bits += probe_cols * (r.sign_bits[0] + 1 + r.sign_bits[1] + 1);
                counts.squares += probe_cols * 2;
                let thresholds: usize = parts.iter().map(|&q| r.threshold_bits[q] + 1).sum();
                let nonzero = match &r.fragile {
                    Some(fp) if fp.implies_nonzero() => 0,
                    _ => IS_ZERO_CONSTRAINTS + parts.len(),
                };
                counts.mask_bits += probe_cols * (thresholds + nonzero);
                if let Some(fp) = &r.fragile {
                    let cost = fp.cost();
                    counts.fragile_radius += probe_cols * cost.radius;
                    counts.fragile_angle += probe_cols * cost.angle;
                    counts.fragile_and += probe_cols * 2;
                }
            }
        }
        counts
    }
}

/// Constraints of the nonzero test's `is_zero(S_re^2 + S_im^2)` (the squares are counted apart).
const IS_ZERO_CONSTRAINTS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_smallest_that_fit() {
        for bound in [1u64, 2, 3, 255, 256, 1 << 20, (1 << 27) + 5] {
            let n = sign_width(bound);
            // S - 1 + 2^(n-1) in [0, 2^n) for S = -bound and S = bound ...
            let half = 1u128 << (n - 1);
            assert!(half > bound as u128, "bound {bound}: n = {n}");
            // ... and not with one bit less.
            assert!(
                (half / 2) < bound as u128 + 1,
                "bound {bound}: n = {n} is not minimal"
            );
        }
        for (t, d) in [
            (0u64, 5u64),
            (6, 5),
            (3, 5),
            (5, 5),
            (1, 1),
            (930, 1000),
            (1 << 19, 1 << 19),
        ] {
            let n = threshold_width(t, d);
            let half = 1i128 << (n - 1);
            let (lo, hi) = (-(t as i128), d as i128 - t as i128);
            assert!(-half <= lo && hi < half, "T={t} D={d}: n = {n}");
            let half = half / 2;
            assert!(
                !(-half <= lo && hi < half),
                "T={t} D={d}: n = {n} is not minimal"
            );
        }
    }

    #[test]
    fn default_model_widths() {
        let m = IrisModel::open_iris_v0_1();
        let p = plan(&m);
        let max_sign = p
            .iter()
            .flat_map(|f| f.rows.iter().flat_map(|r| r.sign_bits))
            .max();
        let max_threshold = p
            .iter()
            .flat_map(|f| f.rows.iter().flat_map(|r| r.threshold_bits))
            .max();
        // |S| < 2^27.6 and D < 2^20 (docs/IRIS.md).
        assert_eq!(max_sign, Some(29));
        assert_eq!(max_threshold, Some(21));
    }
}
