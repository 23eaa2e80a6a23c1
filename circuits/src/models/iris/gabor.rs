//! Re-derivation of open-iris's fix-point Gabor kernels and regular probe positions.
//!
//! This is the only floating-point code of the iris model, and it runs when a model is *built*,
//! never on a proven path: its output (integer kernels, integer probe positions) is what the
//! model's canonical bytes, its hash, the inference and the circuit use. It follows open-iris
//! 1.11.2 / numpy 1.24 operation by operation (same operation order, numpy's pairwise summation,
//! multiplication by the reciprocal in complex division) so that every rounding step matches. The
//! only step it cannot copy is the BLAS dot product inside `np.linalg.norm`; the kernel tests
//! check that the result equals open-iris's exported kernels and that every pre-rounding value is
//! far (see [`GaborKernel::min_rounding_margin`]) from a rounding boundary, so such last-bit
//! differences, or a different platform `libm`, cannot change an integer.

use std::f64::consts::PI;

/// Parameters of an open-iris `GaborFilter` (with `dc_correction=True`, `to_fixpoints=True`).
#[derive(Debug, Clone, PartialEq)]
pub struct GaborParams {
    /// Kernel width along the angle axis (`kernel_size[0]`, image columns); odd.
    pub size_phi: usize,
    /// Kernel height along the radius axis (`kernel_size[1]`, image rows); odd.
    pub size_rho: usize,
    /// Envelope standard deviation along the angle axis, in pixels.
    pub sigma_phi: f64,
    /// Envelope standard deviation along the radius axis, in pixels.
    pub sigma_rho: f64,
    /// Orientation in degrees (90 for open-iris's defaults).
    pub theta_degrees: f64,
    /// Carrier wavelength along the angle axis, in pixels.
    pub lambda_phi: f64,
}

/// An integer kernel with the values that led to it, before rounding.
#[derive(Debug, Clone, PartialEq)]
pub struct GaborKernel {
    /// Rows (radius axis).
    pub rows: usize,
    /// Columns (angle axis).
    pub cols: usize,
    /// Real part, row-major, `round_half_even(v * 2^15)`.
    pub real: Vec<i64>,
    /// Imaginary part, row-major.
    pub imag: Vec<i64>,
    /// `v * 2^15` before rounding, real then imaginary part.
    scaled: Vec<f64>,
}

impl GaborKernel {
    /// Smallest distance of a scaled value `v * 2^15` to a rounding boundary (`n + 1/2`).
    ///
    /// A last-bit difference in the float computation moves a scaled value by about `1e-11`; a
    /// margin far above that proves the integers do not depend on such differences.
    pub fn min_rounding_margin(&self) -> f64 {
        self.scaled
            .iter()
            .map(|v| (v - v.floor() - 0.5).abs())
            .fold(f64::INFINITY, f64::min)
    }
}

/// numpy's pairwise summation (`pairwise_sum` in `loops_utils.h`, blocks of 128, 8 accumulators).
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `round` with ties to even (numpy's `np.round`).
fn round_half_even(v: f64) -> f64 {
    v.round_ties_even()
}

/// Computes open-iris's `GaborFilter(...).kernel_values` with `dc_correction` and `to_fixpoints`.
pub fn fixpoint_gabor_kernel(p: &GaborParams) -> GaborKernel {
    let (rows, cols) = (p.size_rho, p.size_phi);
    let (half_rho, half_phi) = ((rows / 2) as f64, (cols / 2) as f64);
    // rotate(): angle * np.pi / 180, evaluated left to right.
    let angle = p.theta_degrees * PI / 180.0;
    let (cos_t, sin_t) = (angle.cos(), angle.sin());
    // 1j * 2 * np.pi / lambda: Python's complex division leaves (2*pi) / lambda in the imaginary part.
    let freq = (2.0 * PI) / p.lambda_phi;
    let (s_phi2, s_rho2) = (p.sigma_phi * p.sigma_phi, p.sigma_rho * p.sigma_rho);
    // kernel_values /= 2 * np.pi * sigma_phi * sigma_rho: numpy's complex division multiplies by
    // the reciprocal of the (real) divisor.
    let scale = 1.0 / (2.0 * PI * p.sigma_phi * p.sigma_rho);

    let n = rows * cols;
    let mut re = vec![0.0; n];
    let mut im = vec![0.0; n];
    let mut envelope = vec![0.0; n];
    for a in 0..rows {
        let x = a as f64 - half_rho; // radius offset (meshgrid's x)
        for b in 0..cols {
            let y = b as f64 - half_phi; // angle offset (meshgrid's y)
            let rotx = x * cos_t + y * sin_t;
            let roty = -x * sin_t + y * cos_t;
            let env = -(rotx * rotx / s_phi2 + roty * roty / s_rho2) / 2.0;
            let carrier = freq * rotx;
            // np.exp on complex128: exp(re) * (cos(im), sin(im)) (glibc cexp for finite input).
            let e = env.exp();
            let k = a * cols + b;
            re[k] = (e * carrier.cos()) * scale;
            im[k] = (e * carrier.sin()) * scale;
            envelope[k] = env;
        }
    }

    // DC correction, per row: subtract the row's envelope scaled so the real part's mean is 0.
    for a in 0..rows {
        let row = a * cols..(a + 1) * cols;
        let g_mean = pairwise_sum(&re[row.clone()]) / cols as f64;
        let env_mean = pairwise_sum(&envelope[row.clone()]) / cols as f64;
        let factor = g_mean / env_mean;
        for k in row {
            re[k] -= factor * envelope[k];
        }
    }

    // Unit Frobenius norm per part (the real part is normalized first, as open-iris does).
    for part in [&mut re, &mut im] {
        let norm = part.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            for v in part.iter_mut() {
                *v /= norm;
            }
        }
    }

    let scaled: Vec<f64> = re.iter().chain(im.iter()).map(|v| v * 32768.0).collect();
    let to_int = |v: &f64| round_half_even(*v) as i64;
    GaborKernel {
        rows,
        cols,
        real: scaled[..n].iter().map(to_int).collect(),
        imag: scaled[n..].iter().map(to_int).collect(),
        scaled,
    }
}

/// Probe pixel rows and columns of open-iris's `RegularProbeSchema(n_rows, n_cols)` with its
/// defaults (`boundary_rho=[0, 0.0625]`, `boundary_phi="periodic-left"`), converted to pixels as
/// `ConvFilterBank._convolve` does: `min(round(v * size), size - 1)`, ties to even.
pub fn regular_probe_positions(
    n_rows: usize,
    n_cols: usize,
    image_rows: usize,
    image_cols: usize,
) -> (Vec<usize>, Vec<usize>) {
    // np.linspace(start, stop, num, endpoint): i * ((stop - start) / div) + start, last = stop.
    fn linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
        let div = if endpoint { num - 1 } else { num } as f64;
        let step = (stop - start) / div;
        let mut y: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
        if endpoint && num > 1 {
            y[num - 1] = stop;
        }
        y
    }
    let to_pixel = |v: f64, size: usize| (round_half_even(v * size as f64) as usize).min(size - 1);
    let rhos = linspace(0.0, 1.0 - 0.0625, n_rows, true);
    let phis = linspace(0.0, 1.0, n_cols, false);
    (
        rhos.into_iter().map(|v| to_pixel(v, image_rows)).collect(),
        phis.into_iter().map(|v| to_pixel(v, image_cols)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_plain_sum_on_exact_values() {
        let v: Vec<f64> = (0..300).map(|i| i as f64).collect();
        for n in [0, 5, 8, 9, 41, 128, 129, 300] {
            assert_eq!(pairwise_sum(&v[..n]), (0..n).sum::<usize>() as f64);
        }
    }

    #[test]
    fn round_half_even_ties() {
        assert_eq!(round_half_even(0.5), 0.0);
        assert_eq!(round_half_even(1.5), 2.0);
        assert_eq!(round_half_even(-2.5), -2.0);
        assert_eq!(round_half_even(2.4999), 2.0);
        assert_eq!(round_half_even(-3.7), -4.0);
    }

    #[test]
    fn default_probe_grid_is_every_8th_row_and_2nd_column() {
        let (r, c) = regular_probe_positions(16, 256, 128, 512);
        assert_eq!(r, (0..16).map(|i| 8 * i).collect::<Vec<_>>());
        assert_eq!(c, (0..256).map(|j| 2 * j).collect::<Vec<_>>());
    }
}
