//! open-iris's `FragileBitRefinement` (polar, `maskisduplicated = False`) as exact integer
//! comparisons: the "full pipeline" variant of an iris model (`docs/IRIS.md`, "Fragile-bit
//! refinement").
//!
//! open-iris normalizes each response, `z = S_re / (h kc ||K_re||) + i S_im / (h kc ||K_im||)`
//! (`h` the window's rows, `kc` the kernel's columns, `||K_q||` the Frobenius norm of the whole
//! kernel part), and keeps a part's mask bit only if `r_min <= |z| <= r_max` and, for the real bit,
//! `|sin(arg z)| <= c`, for the imaginary bit `|cos(arg z)| <= c`, where `r_min`, `r_max` and
//! `c = |cos(value_threshold[2])|` are the float32 values numpy compares with. With
//! `Q_q = ||K_q||^2` (an integer), `H = h kc`, `x = S_re^2`, `y = S_im^2` and `c = m 2^e`:
//!
//! - radius: `L = Q_im x + Q_re y` and `T_min <= L <= T_max` with
//!   `T_min = ceil(r_min^2 H^2 Q_re Q_im)`, `T_max = floor(r_max^2 H^2 Q_re Q_im)` (`L` is an
//!   integer, so rounding the rational bounds inward is exact);
//! - real bit: `|sin| <= c` iff `(1 - c^2) y / Q_im <= c^2 x / Q_re`, i.e.
//!   `m^2 Q_im x >= (2^(-2e) - m^2) Q_re y`;
//! - imaginary bit: `m^2 Q_re y >= (2^(-2e) - m^2) Q_im x`.
//!
//! Every constant is an integer derived from the model, so the native rule here and the circuit's
//! comparisons use the same numbers ([`FragileRowRule`]). The constants exceed 128 bits, hence
//! `num-bigint` (already a dependency of this crate).

use super::IrisModelError;
use num_bigint::BigUint;

/// open-iris 1.11.2's `pipeline.yaml`: `FragileBitRefinement(value_threshold=[0.0001, 0.275,
/// 0.08726646259971647], fragile_type="polar", maskisduplicated=False)`.
pub const OPEN_IRIS_FRAGILE_THRESHOLDS: [f64; 3] = [0.0001, 0.275, 0.08726646259971647];

/// Largest bit length of a refinement constant or comparison operand: comparisons must fit
/// [`crate::gadgets::bits::MAX_BITS`] with room for the sign bit.
pub const MAX_FRAGILE_BITS: u64 = 240;

/// The thresholds of a polar fragile-bit refinement, as the float32 values open-iris compares
/// with (numpy 1.24 compares a float32 array with a Python float in float32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragileRefinement {
    radius_min: u32,
    radius_max: u32,
    angle_cos: u32,
}

impl FragileRefinement {
    /// A refinement with these float32 thresholds (bit patterns): `radius_min <= radius_max`,
    /// both finite and non-negative, and `0 < angle_cos <= 1`.
    pub fn from_bits(
        radius_min: u32,
        radius_max: u32,
        angle_cos: u32,
    ) -> Result<Self, IrisModelError> {
        let [lo, hi, c] = [radius_min, radius_max, angle_cos].map(f32::from_bits);
        let finite_nonneg = |v: f32| v.is_finite() && v.is_sign_positive();
        let ok = finite_nonneg(lo) && finite_nonneg(hi) && lo <= hi && c > 0.0 && c <= 1.0;
        if !ok {
            return Err(IrisModelError::FragileThreshold);
        }
        Ok(Self {
            radius_min,
            radius_max,
            angle_cos,
        })
    }

    /// The refinement open-iris runs for `value_threshold`: the radius bounds rounded to float32,
    /// and `float32(|cos(value_threshold[2])|)`, as numpy computes and compares them.
    pub fn from_open_iris(value_threshold: [f64; 3]) -> Result<Self, IrisModelError> {
        let [lo, hi, angle] = value_threshold;
        // numpy: np.abs(np.cos(float64)) is a float64 scalar, cast to float32 by the comparison.
        let c = angle.cos().abs() as f32;
        Self::from_bits((lo as f32).to_bits(), (hi as f32).to_bits(), c.to_bits())
    }

    /// open-iris 1.11.2's default refinement ([`OPEN_IRIS_FRAGILE_THRESHOLDS`]).
    pub fn open_iris_default() -> Self {
        // Fixed, valid thresholds (pinned by a test): construction cannot fail.
        Self::from_open_iris(OPEN_IRIS_FRAGILE_THRESHOLDS).expect("default thresholds are valid")
    }

    /// Float32 bit patterns `[radius_min, radius_max, angle_cos]`.
    pub fn bits(&self) -> [u32; 3] {
        [self.radius_min, self.radius_max, self.angle_cos]
    }

    /// The smallest kept `|z|`.
    pub fn radius_min(&self) -> f32 {
        f32::from_bits(self.radius_min)
    }

    /// The largest kept `|z|`.
    pub fn radius_max(&self) -> f32 {
        f32::from_bits(self.radius_max)
    }

    /// `c`: the real bit needs `|sin(arg z)| <= c`, the imaginary bit `|cos(arg z)| <= c`.
    pub fn angle_cos(&self) -> f32 {
        f32::from_bits(self.angle_cos)
    }

    /// The integer rule of a window with `h * kc = window` pixels and squared kernel norms
    /// `sq_norms = [Q_re, Q_im]`.
    pub fn row_rule(&self, window: u64, sq_norms: [u64; 2]) -> FragileRowRule {
        let [q_re, q_im] = sq_norms.map(BigUint::from);
        let scale = BigUint::from(window).pow(2) * &q_re * &q_im;
        let bound = |v: f32, round_up: bool| -> BigUint {
            let (m, e) = dyadic(v);
            let num = BigUint::from(m).pow(2) * &scale;
            let shift = 2 * e;
            if shift >= 0 {
                num << shift as u64
            } else {
                let s = (-shift) as u64;
                let extra = if round_up {
                    (BigUint::from(1u8) << s) - 1u8
                } else {
                    BigUint::from(0u8)
                };
                (num + extra) >> s
            }
        };
        // 0 < c <= 1, so e <= 0 once m is odd (or c = 1 = 1 * 2^0).
        let (m, e) = dyadic(self.angle_cos());
        let m_sq = BigUint::from(m).pow(2);
        let one = BigUint::from(1u8) << (-2 * e) as u64;
        let rest = one - &m_sq;
        FragileRowRule {
            radius_weights: [q_im.clone(), q_re.clone()],
            radius_min: bound(self.radius_min(), true),
            radius_max: bound(self.radius_max(), false),
            angle: [
                [&m_sq * &q_im, &rest * &q_re],
                [&m_sq * &q_re, &rest * &q_im],
            ],
        }
    }
}

/// `v = m * 2^e` exactly, with `m` odd (or `v = 0 = 0 * 2^0`). `v` is finite and non-negative.
fn dyadic(v: f32) -> (u64, i32) {
    let bits = v.to_bits();
    let (exp, frac) = ((bits >> 23) & 0xff, (bits & 0x7f_ffff) as u64);
    let (mut m, mut e) = if exp == 0 {
        (frac, -149)
    } else {
        (frac | 0x80_0000, exp as i32 - 150)
    };
    if m == 0 {
        return (0, 0);
    }
    while m % 2 == 0 {
        m /= 2;
        e += 1;
    }
    (m, e)
}

/// The refinement's integer constants for one probe row of one filter (see the module docs),
/// with `x = S_re^2` and `y = S_im^2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragileRowRule {
    /// `[Q_im, Q_re]`: `L = Q_im x + Q_re y`.
    pub radius_weights: [BigUint; 2],
    /// `T_min`: the radius test needs `L >= T_min`.
    pub radius_min: BigUint,
    /// `T_max`: the radius test needs `L <= T_max`.
    pub radius_max: BigUint,
    /// Per part `q`, `[own, other]`: the angle test needs `own * S_q^2 >= other * S_(1-q)^2`.
    pub angle: [[BigUint; 2]; 2],
}

impl FragileRowRule {
    /// Whether each part's bit survives the refinement: the radius test and the part's angle test.
    pub fn passes(&self, s_re: i64, s_im: i64) -> [bool; 2] {
        let sq = [s_re, s_im].map(|s| BigUint::from(s.unsigned_abs()).pow(2));
        let l = &self.radius_weights[0] * &sq[0] + &self.radius_weights[1] * &sq[1];
        let radius = self.radius_min <= l && l <= self.radius_max;
        [0, 1].map(|q| {
            let [own, other] = &self.angle[q];
            radius && own * &sq[q] >= other * &sq[1 - q]
        })
    }

    /// `L` of the responses (the radius test's operand).
    pub fn radius_operand(&self, s_re: i64, s_im: i64) -> BigUint {
        let sq = [s_re, s_im].map(|s| BigUint::from(s.unsigned_abs()).pow(2));
        &self.radius_weights[0] * &sq[0] + &self.radius_weights[1] * &sq[1]
    }

    /// Bit length of the largest operand at `|S_re| <= bounds[0]`, `|S_im| <= bounds[1]` (the
    /// model keeps it at most [`MAX_FRAGILE_BITS`]).
    pub fn max_bits(&self, bounds: [u64; 2]) -> u64 {
        let sq = bounds.map(|b| BigUint::from(b).pow(2));
        let l = &self.radius_weights[0] * &sq[0] + &self.radius_weights[1] * &sq[1];
        let angles = (0..2).flat_map(|q| {
            let [own, other] = &self.angle[q];
            [own * &sq[q], other * &sq[1 - q]]
        });
        angles
            .chain([l, self.radius_min.clone(), self.radius_max.clone()])
            .map(|v| v.bits())
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_thresholds_are_numpys_float32_values() {
        // np.float32(0.0001), np.float32(0.275), np.float32(np.abs(np.cos(0.08726646259971647))),
        // printed by numpy 1.24.4 (open-iris 1.11.2's venv).
        assert_eq!(
            FragileRefinement::open_iris_default().bits(),
            [0x38d1_b717, 0x3e8c_cccd, 0x3f7f_069e]
        );
    }

    #[test]
    fn dyadic_is_exact() {
        for v in [
            1.0f32,
            0.5,
            0.275,
            1e-4,
            0.996_194_7,
            f32::from_bits(1),
            3.0e7,
        ] {
            let (m, e) = dyadic(v);
            assert_eq!(m % 2, 1, "{v}");
            assert_eq!(m as f64 * 2f64.powi(e), v as f64, "{v}");
        }
        assert_eq!(dyadic(0.0), (0, 0));
    }

    #[test]
    fn thresholds_are_validated() {
        let one = 1.0f32.to_bits();
        let bad = [
            (f32::NAN.to_bits(), one, one),
            ((-1.0f32).to_bits(), one, one),
            (one, 0.5f32.to_bits(), one),
            (0, f32::INFINITY.to_bits(), one),
            (0, one, 0),
            (0, one, 1.5f32.to_bits()),
        ];
        for (lo, hi, c) in bad {
            assert_eq!(
                FragileRefinement::from_bits(lo, hi, c),
                Err(IrisModelError::FragileThreshold)
            );
        }
        assert!(FragileRefinement::from_bits(0, one, one).is_ok());
    }

    /// The integer rule against the same tests in f64 on values far from every threshold (the
    /// exact boundary cases are the differential tests' job).
    #[test]
    fn rule_matches_the_float_definition_away_from_thresholds() {
        let r = FragileRefinement::open_iris_default();
        let (window, sq) = (21u64 * 17, [5_000_000u64, 7_000_000]);
        let rule = r.row_rule(window, sq);
        let norm = sq.map(|q| window as f64 * (q as f64).sqrt());
        let c = r.angle_cos() as f64;
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut checked = 0;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s_re = ((state >> 33) as i64 % 2_000_000) - 1_000_000;
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s_im = ((state >> 33) as i64 % 2_000_000) - 1_000_000;
            let (a, b) = (s_re as f64 / norm[0], s_im as f64 / norm[1]);
            let rad = a.hypot(b);
            let (sin, cos) = (b.abs() / rad, a.abs() / rad);
            let far = |x: f64, t: f64| (x - t).abs() > 1e-6 * t.max(1e-300);
            let (lo, hi) = (r.radius_min() as f64, r.radius_max() as f64);
            if !(far(rad, lo) && far(rad, hi) && far(sin, c) && far(cos, c)) {
                continue;
            }
            let radius = lo <= rad && rad <= hi;
            assert_eq!(
                rule.passes(s_re, s_im),
                [radius && sin <= c, radius && cos <= c],
                "S = ({s_re}, {s_im})"
            );
            checked += 1;
        }
        assert!(checked > 19_000, "{checked}");
    }
}
