//! open-iris's `HammingDistanceMatcher` (unweighted), with the same float results.
//!
//! For each rotation `s` in `0, -1, 1, ..., -R, R` the probe code is rotated by `s` code columns
//! (`np.roll(probe, s, axis=1)`), then per bit: `differ = probe != gallery`, `valid = probe_mask &
//! gallery_mask`; `ib` counts bits that differ and are valid, `mb` counts valid bits. With
//! `separate_half_matching` the counts are split by code column (`[cols/2, cols)` first, then
//! `[0, cols/2)`) and doubled, as open-iris does. The distance is the smallest over rotations
//! (strictly smaller wins, so the earliest rotation wins ties); rotations without any valid bit
//! are skipped; with none at all the distance is 1 and the rotation 0. Every float operation is
//! done in open-iris's order so that the results are the same `f64`.

use super::{IrisCode, IrisError};

/// Matcher settings; the defaults are open-iris's `HammingDistanceMatcher()` defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatcherParams {
    /// Largest rotation tried, in code columns (15).
    pub rotation_shift: usize,
    /// Whether to normalise the distance by the number of valid bits (true).
    pub normalise: bool,
    /// Non-match mean of the normalisation (0.45).
    pub norm_mean: f64,
    /// Gradient of the normalisation's linear term (0.00005).
    pub norm_gradient: f64,
    /// Whether to also score the two halves of the code columns separately (true).
    pub separate_half_matching: bool,
}

impl Default for MatcherParams {
    fn default() -> Self {
        Self {
            rotation_shift: 15,
            normalise: true,
            norm_mean: 0.45,
            norm_gradient: 0.00005,
            separate_half_matching: true,
        }
    }
}

/// The best distance and the rotation that gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchResult {
    /// The distance (open-iris's `match_dist`).
    pub distance: f64,
    /// The probe's rotation, in code columns (open-iris's `match_rot`).
    pub rotation: i64,
}

/// open-iris's `normalized_HD`: `max(0, mean - (mean - ib/mb) * (gradient * mb + 0.5))`.
///
/// `mb = 0` gives `0/0 = NaN` in numpy, and Python's `max(0, NaN)` is 0: so does this.
fn normalized_hd(ib: u64, mb: u64, mean: f64, gradient: f64) -> f64 {
    let v = mean - (mean - ib as f64 / mb as f64) * (gradient * mb as f64 + 0.5);
    if v > 0.0 {
        v
    } else {
        0.0
    }
}

/// The Hamming distance between a probe and a gallery code (open-iris's `hamming_distance`).
pub fn hamming_distance(
    probe: &IrisCode,
    gallery: &IrisCode,
    params: &MatcherParams,
) -> Result<MatchResult, IrisError> {
    let shape = probe.shape();
    if shape != gallery.shape() {
        return Err(IrisError::ShapeMismatch);
    }
    if shape.cols % 2 == 1 {
        return Err(IrisError::OddCodeColumns);
    }
    let mut best = MatchResult {
        distance: 1.0,
        rotation: 0,
    };
    let shifts = std::iter::once(0).chain((1..=params.rotation_shift as i64).flat_map(|x| [-x, x]));
    for shift in shifts {
        // [second half, first half] as in open-iris (x[hw:] first), or [all, 0].
        let (ib, mb) = counts(probe, gallery, shift, params.separate_half_matching);
        let (ib_sum, mb_sum) = (ib[0] + ib[1], mb[0] + mb[1]);
        if mb_sum == 0 {
            continue;
        }
        let distance = if !params.normalise {
            ib_sum as f64 / mb_sum as f64
        } else {
            let (mean, grad) = (params.norm_mean, params.norm_gradient);
            let all = normalized_hd(ib_sum, mb_sum, mean, grad);
            if params.separate_half_matching {
                // open-iris tests mb[0] for both halves; with mb[1] = 0 the second term is 0.
                let (d0, d1) = if mb[0] > 0 {
                    (
                        normalized_hd(ib[0], mb[0], mean, grad),
                        normalized_hd(ib[1], mb[1], mean, grad),
                    )
                } else {
                    (mean, mean)
                };
                let halves = (d0 * mb[0] as f64 + d1 * mb[1] as f64) / mb_sum as f64;
                (all + halves) / 2.0
            } else {
                all
            }
        };
        if distance < best.distance {
            best = MatchResult {
                distance,
                rotation: shift,
            };
        }
    }
    Ok(best)
}

/// Differing-and-valid and valid bit counts for one rotation, split by code-column half and
/// doubled when `halves` (index 0: columns `[cols/2, cols)`, 1: `[0, cols/2)`).
fn counts(probe: &IrisCode, gallery: &IrisCode, shift: i64, halves: bool) -> ([u64; 2], [u64; 2]) {
    let s = probe.shape();
    let mut ib = [0u64; 2];
    let mut mb = [0u64; 2];
    let per_col = s.filters * 2;
    for row in 0..s.rows {
        for col in 0..s.cols {
            // np.roll(probe, shift, axis=1)[col] = probe[(col - shift) mod cols].
            let src = (col as i64 - shift).rem_euclid(s.cols as i64) as usize;
            let g0 = s.index(row, col, 0, 0);
            let p0 = s.index(row, src, 0, 0);
            let half = usize::from(halves && col < s.cols / 2);
            for k in 0..per_col {
                let valid = probe.mask_bits()[p0 + k] & gallery.mask_bits()[g0 + k];
                let differ = probe.code_bits()[p0 + k] != gallery.code_bits()[g0 + k];
                mb[half] += valid as u64;
                ib[half] += (valid & differ) as u64;
            }
        }
    }
    if halves {
        for v in ib.iter_mut().chain(mb.iter_mut()) {
            *v *= 2;
        }
    }
    (ib, mb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iris::CodeShape;

    fn shape() -> CodeShape {
        CodeShape {
            rows: 2,
            cols: 8,
            filters: 1,
        }
    }

    fn code(seed: u64, mask: bool) -> IrisCode {
        let n = shape().len();
        let bits = (0..n as u64)
            .map(|i| (i * 7 + seed).count_ones() % 2 == 1)
            .collect();
        IrisCode::new(shape(), bits, vec![mask; n]).expect("shape")
    }

    fn rolled(c: &IrisCode, shift: i64) -> IrisCode {
        let s = c.shape();
        let mut bits = vec![false; s.len()];
        for row in 0..s.rows {
            for col in 0..s.cols {
                let src = (col as i64 - shift).rem_euclid(s.cols as i64) as usize;
                for part in 0..2 {
                    bits[s.index(row, col, 0, part)] = c.code_bit(row, src, 0, part);
                }
            }
        }
        IrisCode::new(s, bits, c.mask_bits().to_vec()).expect("shape")
    }

    #[test]
    fn identical_codes_have_distance_zero_after_rotation() {
        let a = code(3, true);
        let plain = MatcherParams {
            normalise: false,
            separate_half_matching: false,
            rotation_shift: 3,
            ..MatcherParams::default()
        };
        let r = hamming_distance(&a, &rolled(&a, 2), &plain).expect("same shape");
        // Rolling the probe by -2 undoes the gallery's +2.
        assert_eq!(
            r,
            MatchResult {
                distance: 0.0,
                rotation: 2
            }
        );
        let r = hamming_distance(&rolled(&a, 2), &a, &plain).expect("same shape");
        assert_eq!(r.rotation, -2);
    }

    #[test]
    fn no_valid_bits_gives_distance_one() {
        let r = hamming_distance(&code(1, false), &code(2, true), &MatcherParams::default());
        assert_eq!(
            r,
            Ok(MatchResult {
                distance: 1.0,
                rotation: 0
            })
        );
    }

    #[test]
    fn complement_has_distance_one_without_normalisation() {
        let a = code(5, true);
        let inv = IrisCode::new(
            shape(),
            a.code_bits().iter().map(|b| !b).collect(),
            a.mask_bits().to_vec(),
        )
        .expect("shape");
        let p = MatcherParams {
            normalise: false,
            rotation_shift: 0,
            ..MatcherParams::default()
        };
        assert_eq!(hamming_distance(&a, &inv, &p).expect("ok").distance, 1.0);
    }

    #[test]
    fn shape_errors() {
        let odd = CodeShape {
            rows: 1,
            cols: 3,
            filters: 1,
        };
        let c = IrisCode::new(odd, vec![false; 6], vec![true; 6]).expect("shape");
        let p = MatcherParams::default();
        assert_eq!(hamming_distance(&c, &c, &p), Err(IrisError::OddCodeColumns));
        assert_eq!(
            hamming_distance(&c, &code(1, true), &p),
            Err(IrisError::ShapeMismatch)
        );
    }
}
