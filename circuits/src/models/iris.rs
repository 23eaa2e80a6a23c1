//! The iris-code model: open-iris's Gabor filter bank and encoder as exact integer arithmetic.
//!
//! An [`IrisModel`] says everything needed to compute an iris code from a normalized iris image
//! (`rows x cols` bytes) and its mask (`rows x cols` booleans), and nothing else: integer kernels,
//! probe pixel positions and an exact rational mask rule. Its semantics (see `docs/IRIS.md`) are
//! those of open-iris 1.11.2's `ConvFilterBank` followed by `IrisEncoder`:
//!
//! For filter `f` with kernel `K` (`kr x kc`, both odd, `pr = kr/2`, `pc = kc/2`) and the probe at
//! pixel `(r, c)`, the window is [`IrisModel::probe_window`]: image rows `r0..r0+h` with
//! `r0 = max(0, r - pr)`, `h = min(r + pr + 1, rows) - r0` (no radial padding), kernel rows
//! `k0..k0+h` with `k0 = pr - h/2` (open-iris centres the kernel slice on the clipped window, not
//! on the probe), and image columns `(c - pc + t) mod cols` for `t in 0..kc` (angular
//! wrap-around). The responses are the exact integer sums
//! `S = sum_{a<h, t<kc} image[r0+a][(c-pc+t) mod cols] * K[k0+a][t]` of the real and imaginary
//! parts; a code bit is `S > 0`. The mask weight of a part is
//! `N = sum |K[k0+a][t]| * mask[r0+a][(c-pc+t) mod cols]` over the same window, out of the total
//! `D = sum |K[k0+a][t]|`; the part's mask bit is `(S_re != 0 or S_im != 0) and rule(N, D)`
//! ([`MaskRule`]). With `mask_duplicated`, both parts use the imaginary part's weights.
//!
//! The model and its exact integer inference ([`IrisInference`]) live in this crate because the
//! circuit compiler consumes them: the iris-code statement computes its public `C_code` with the
//! same inference that `zkbio-core`'s `IrisEngine` wraps, so there is one implementation.

mod canonical;
mod fragile;
mod gabor;
mod infer;

pub use canonical::IrisModelDecodeError;
pub use fragile::{
    FragileRefinement, FragileRowRule, MAX_FRAGILE_BITS, OPEN_IRIS_FRAGILE_THRESHOLDS,
};
pub use gabor::{fixpoint_gabor_kernel, regular_probe_positions, GaborKernel, GaborParams};
pub use infer::{CodeBits, IrisInference, IrisInputError, ProbeResponse};

/// Largest pixel value (images are `u8`).
pub const PIXEL_MAX: u64 = 255;

/// Why a model description is not a valid iris model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrisModelError {
    /// The name is empty, longer than 255 bytes or not printable ASCII.
    #[error("model name must be 1..=255 printable ASCII bytes")]
    InvalidName,
    /// The code version does not look like `v<digits>.<digits>` (open-iris's own rule).
    #[error("iris code version {0:?} is not of the form v<digits>.<digits>")]
    InvalidCodeVersion(String),
    /// An image dimension is 0 or larger than 65535.
    #[error("image size {rows}x{cols} must be within 1..=65535 in both dimensions")]
    ImageSize {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
    },
    /// There must be between 1 and 255 filters.
    #[error("a model needs 1..=255 filters, got {0}")]
    FilterCount(usize),
    /// A kernel dimension is even, 0 or larger than 65535, or its value arrays have the wrong size.
    #[error(
        "filter {filter}: kernel shape is invalid (odd dimensions and rows*cols values required)"
    )]
    KernelShape {
        /// Index of the filter.
        filter: usize,
    },
    /// `i16::MIN` is excluded so that `|k|` fits an `i16`.
    #[error("filter {filter}: kernel value -32768 is not allowed")]
    KernelValue {
        /// Index of the filter.
        filter: usize,
    },
    /// The angular padding (`kernel_cols / 2`) is wider than the image.
    #[error("filter {filter}: kernel is wider than twice the image")]
    KernelTooWide {
        /// Index of the filter.
        filter: usize,
    },
    /// A probe grid is empty, has more than 65535 rows or columns, or a position outside the image.
    #[error("filter {filter}: probe grid is empty, too large or outside the image")]
    ProbeGrid {
        /// Index of the filter.
        filter: usize,
    },
    /// All filters must have grids of the same shape (open-iris's template format stacks them).
    #[error("filter {filter}: probe grid shape differs from filter 0's")]
    ProbeGridShape {
        /// Index of the filter.
        filter: usize,
    },
    /// A kernel slice has no weight for the mask rule (`D = 0`), where open-iris divides by zero.
    #[error("filter {filter}, probe row {probe_row}: kernel slice has zero total weight")]
    ZeroMaskTotal {
        /// Index of the filter.
        filter: usize,
        /// Index of the probe row.
        probe_row: usize,
    },
    /// `255 * sum |k|` over a window must stay below 2^31 (exact `i32` accumulation) and
    /// `D * den` below 2^53 (exactness of the mask rule, see [`MaskRule`]).
    #[error("filter {filter}: kernel weights too large for exact arithmetic")]
    KernelBound {
        /// Index of the filter.
        filter: usize,
    },
    /// The mask rule's threshold must be a fraction `num/den` in `[0, 1]` with `den > 0`.
    #[error("mask rule must be num/den with 0 <= num <= den, 0 < den")]
    MaskRule,
    /// The fragile-bit thresholds must be finite, `0 <= radius_min <= radius_max`,
    /// `0 < angle_cos <= 1`.
    #[error(
        "fragile-bit thresholds must satisfy 0 <= radius_min <= radius_max, 0 < angle_cos <= 1"
    )]
    FragileThreshold,
    /// A fragile-bit comparison would need more than [`MAX_FRAGILE_BITS`] bits.
    #[error("filter {filter}: fragile-bit constants too large for the circuit's comparisons")]
    FragileBound {
        /// Index of the filter.
        filter: usize,
    },
}

/// An integer convolution kernel: real and imaginary parts, row-major (rows = radius axis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntKernel {
    rows: usize,
    cols: usize,
    real: Vec<i16>,
    imag: Vec<i16>,
}

impl IntKernel {
    /// A kernel of `rows x cols` values per part. Shape is checked by [`IrisModel::new`].
    pub fn new(rows: usize, cols: usize, real: Vec<i16>, imag: Vec<i16>) -> Self {
        Self {
            rows,
            cols,
            real,
            imag,
        }
    }

    /// Rows (odd).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns (odd).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Real part, row-major.
    pub fn real(&self) -> &[i16] {
        &self.real
    }

    /// Imaginary part, row-major.
    pub fn imag(&self) -> &[i16] {
        &self.imag
    }

    /// Part `part` (0 = real, 1 = imaginary), row-major.
    pub fn part(&self, part: usize) -> &[i16] {
        if part == 0 {
            &self.real
        } else {
            &self.imag
        }
    }

    /// The integer kernel of a derived Gabor kernel; a value outside `i16` is an error.
    fn from_gabor(k: &GaborKernel, filter: usize) -> Result<Self, IrisModelError> {
        let narrow = |v: &[i64]| -> Result<Vec<i16>, IrisModelError> {
            v.iter()
                .map(|&x| i16::try_from(x).map_err(|_| IrisModelError::KernelValue { filter }))
                .collect()
        };
        Ok(Self::new(
            k.rows,
            k.cols,
            narrow(&k.real)?,
            narrow(&k.imag)?,
        ))
    }
}

/// Probe pixel positions of one filter: a grid, every probe row crossed with every probe column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeGrid {
    rows: Vec<usize>,
    cols: Vec<usize>,
}

impl ProbeGrid {
    /// A grid with these pixel rows and columns. Checked by [`IrisModel::new`].
    pub fn new(rows: Vec<usize>, cols: Vec<usize>) -> Self {
        Self { rows, cols }
    }

    /// Pixel row of each probe row.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Pixel column of each probe column.
    pub fn cols(&self) -> &[usize] {
        &self.cols
    }
}

/// One filter of the bank: its kernel and where it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrisFilter {
    kernel: IntKernel,
    probes: ProbeGrid,
}

impl IrisFilter {
    /// A filter. Checked by [`IrisModel::new`].
    pub fn new(kernel: IntKernel, probes: ProbeGrid) -> Self {
        Self { kernel, probes }
    }

    /// The kernel.
    pub fn kernel(&self) -> &IntKernel {
        &self.kernel
    }

    /// The probe grid.
    pub fn probes(&self) -> &ProbeGrid {
        &self.probes
    }
}

/// The exact mask rule: a part's mask bit passes iff `N * den > num * D` (or `>=` when
/// `inclusive`), where `N/D` is the unmasked share of the kernel slice's absolute weight.
///
/// open-iris computes `float32(float64(N / D)) >= float32(threshold)` (numpy 1.24 compares a
/// float32 array with a Python float in float32). [`MaskRule::from_open_iris_threshold`] turns
/// that into the rational rule: with `c = float32(threshold)` and `p` the float32 just below it,
/// the float32 rounding of a value `v` is `>= c` iff `v > (p + c)/2`, or `v == (p + c)/2` and `c`
/// has an even significand (ties to even). The intermediate float64 rounding cannot move `N/D`
/// across that midpoint when `D * den < 2^53`, which [`IrisModel::new`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskRule {
    num: u64,
    den: u64,
    inclusive: bool,
}

impl MaskRule {
    /// The rule `N * den > num * D` (`>=` if `inclusive`). Checked by [`IrisModel::new`].
    pub fn new(num: u64, den: u64, inclusive: bool) -> Self {
        Self {
            num,
            den,
            inclusive,
        }
    }

    /// The rule equivalent to open-iris's `IrisEncoder(mask_threshold=threshold)`.
    pub fn from_open_iris_threshold(threshold: f64) -> Result<Self, IrisModelError> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(IrisModelError::MaskRule);
        }
        let c = threshold as f32;
        if c == 0.0 {
            // Every ratio is >= 0.
            return Ok(Self::new(0, 1, true));
        }
        let below = f32::from_bits(c.to_bits() - 1);
        // Both are float32, so their sum and half are exact in float64.
        let mut mid = (below as f64 + c as f64) / 2.0;
        let mut den: u64 = 1;
        // Scaling by 2 is exact; a float32 midpoint has at most 25 significant bits below 1.
        while mid.fract() != 0.0 {
            mid *= 2.0;
            den = den.checked_mul(2).ok_or(IrisModelError::MaskRule)?;
        }
        let inclusive = c.to_bits() & 1 == 0;
        Ok(Self::new(mid as u64, den, inclusive))
    }

    /// Numerator of the threshold.
    pub fn num(&self) -> u64 {
        self.num
    }

    /// Denominator of the threshold (a power of two for open-iris thresholds).
    pub fn den(&self) -> u64 {
        self.den
    }

    /// Whether a ratio exactly at `num/den` passes.
    pub fn inclusive(&self) -> bool {
        self.inclusive
    }

    /// Whether the share `weight / total` passes.
    pub fn passes(&self, weight: u64, total: u64) -> bool {
        let lhs = weight as u128 * self.den as u128;
        let rhs = self.num as u128 * total as u128;
        if self.inclusive {
            lhs >= rhs
        } else {
            lhs > rhs
        }
    }

    /// The smallest integer weight `T` that passes out of `total`: for every integer
    /// `0 <= N`, `passes(N, total)` iff `N >= T`. A circuit compares `N` with this constant
    /// instead of multiplying by `den` (about 21 bits instead of 46 for the default model).
    ///
    /// Proof (`den > 0`, as [`IrisModel::new`] checks): write `num * total = q * den + rho` with
    /// `q = floor(num * total / den)` and `0 <= rho < den`.
    /// - Strict rule: `N * den > q * den + rho` iff `(N - q) * den > rho`. If `N >= q + 1` the left
    ///   side is `>= den > rho`; if `N <= q` it is `<= 0 <= rho`. So `T = q + 1`.
    /// - Inclusive rule: `(N - q) * den >= rho`. If `rho = 0` this is `N >= q`. If `rho > 0`,
    ///   `N >= q + 1` gives `>= den > rho` and `N <= q` gives `<= 0 < rho`. So
    ///   `T = q + (rho > 0) = ceil(num * total / den)`.
    ///
    /// `T <= total + 1` since `num <= den`.
    pub fn min_passing_weight(&self, total: u64) -> u64 {
        let prod = self.num as u128 * total as u128;
        let den = self.den.max(1) as u128;
        let (q, rho) = (prod / den, prod % den);
        let t = if self.inclusive {
            q + u128::from(rho > 0)
        } else {
            q + 1
        };
        // q <= total because num <= den, so t <= total + 1 fits a u64 for any model total.
        u64::try_from(t).unwrap_or(u64::MAX)
    }
}

/// The pixels and kernel rows one probe's response covers (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeWindow {
    /// First image row (`r0`).
    pub image_row: usize,
    /// Number of rows (`h`), at most the kernel's rows.
    pub rows: usize,
    /// First kernel row (`k0`) matched with image row `image_row`.
    pub kernel_row: usize,
    /// Image column under kernel column 0: `(c - kernel_cols/2) mod image_cols`.
    pub image_col: usize,
    /// Number of columns: the kernel's columns; image columns wrap around modulo the width.
    pub cols: usize,
}

/// A versioned, validated iris-code model. See the module docs for its semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrisModel {
    name: String,
    iris_code_version: String,
    image_rows: usize,
    image_cols: usize,
    filters: Vec<IrisFilter>,
    mask_rule: MaskRule,
    mask_duplicated: bool,
    fragile: Option<FragileRefinement>,
}

/// open-iris's default mask threshold (`IrisEncoder(mask_threshold=0.93)`).
pub const OPEN_IRIS_MASK_THRESHOLD: f64 = 0.93;

/// Gabor parameters of open-iris 1.11.2's default filter bank (`pipeline.yaml`).
pub fn open_iris_default_gabor_params() -> [GaborParams; 2] {
    [
        GaborParams {
            size_phi: 41,
            size_rho: 21,
            sigma_phi: 7.0,
            sigma_rho: 6.13,
            theta_degrees: 90.0,
            lambda_phi: 28.0,
        },
        GaborParams {
            size_phi: 17,
            size_rho: 21,
            sigma_phi: 2.0,
            sigma_rho: 5.86,
            theta_degrees: 90.0,
            lambda_phi: 8.0,
        },
    ]
}

/// Gabor parameters of the scaled CI model ([`IrisModel::scaled_test_model`]).
pub fn scaled_test_gabor_params() -> [GaborParams; 2] {
    [
        GaborParams {
            size_phi: 15,
            size_rho: 9,
            sigma_phi: 3.0,
            sigma_rho: 2.5,
            theta_degrees: 90.0,
            lambda_phi: 10.0,
        },
        GaborParams {
            size_phi: 9,
            size_rho: 7,
            sigma_phi: 1.5,
            sigma_rho: 2.0,
            theta_degrees: 90.0,
            lambda_phi: 5.0,
        },
    ]
}

impl IrisModel {
    /// A model, validated (see [`IrisModelError`] for the rules).
    pub fn new(
        name: String,
        iris_code_version: String,
        image_rows: usize,
        image_cols: usize,
        filters: Vec<IrisFilter>,
        mask_rule: MaskRule,
        mask_duplicated: bool,
    ) -> Result<Self, IrisModelError> {
        let model = Self {
            name,
            iris_code_version,
            image_rows,
            image_cols,
            filters,
            mask_rule,
            mask_duplicated,
            fragile: None,
        };
        model.validate()?;
        Ok(model)
    }

    /// This model followed by open-iris's fragile-bit refinement (`FragileBitRefinement`, polar,
    /// `maskisduplicated = False`): a mask bit is kept only if it passes this model's rule and the
    /// refinement's (see [`FragileRefinement`]). Validated again (the constants' sizes).
    pub fn with_fragile_refinement(
        mut self,
        refinement: FragileRefinement,
    ) -> Result<Self, IrisModelError> {
        self.fragile = Some(refinement);
        self.validate()?;
        Ok(self)
    }

    /// open-iris 1.11.2's default pipeline, `iris_code_version` "v0.1", *with* its fragile-bit
    /// refinement (`value_threshold = [0.0001, 0.275, 0.08726646259971647]`, polar): the model
    /// variant "v0.1-full", whose templates equal the full pipeline's `IrisTemplate`.
    pub fn open_iris_v0_1_full() -> Self {
        Self::open_iris_v0_1()
            .renamed("open-iris-1.11.2-full")
            .with_fragile_refinement(FragileRefinement::open_iris_default())
            .expect("the default refinement fits the default model")
    }

    /// [`IrisModel::scaled_test_model`] with open-iris's default fragile-bit refinement.
    pub fn scaled_test_model_full() -> Self {
        Self::scaled_test_model()
            .renamed("zkbio-scaled-test-full")
            .with_fragile_refinement(FragileRefinement::open_iris_default())
            .expect("the default refinement fits the scaled model")
    }

    fn renamed(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// open-iris 1.11.2's default iris-code model, `iris_code_version` "v0.1": image 128 x 512,
    /// Gabor filters (41x21, sigma 7/6.13, lambda 28) and (17x21, sigma 2/5.86, lambda 8) at
    /// 90 degrees with DC correction and fix-point kernels, 16 x 256 regular probes each, mask
    /// threshold 0.93, `maskisduplicated = False` (as in open-iris's `pipeline.yaml`).
    pub fn open_iris_v0_1() -> Self {
        Self::from_gabor(
            "open-iris-1.11.2",
            128,
            512,
            &open_iris_default_gabor_params(),
            (16, 256),
        )
    }

    /// A small model with the same semantics for tests: image 32 x 128, kernels 15x9 and 9x7,
    /// 4 x 32 probes (rows 0, 10, 20, 30: both borders clip the kernel).
    pub fn scaled_test_model() -> Self {
        Self::from_gabor(
            "zkbio-scaled-test",
            32,
            128,
            &scaled_test_gabor_params(),
            (4, 32),
        )
    }

    /// A tiny model for tests and demos of the flows (12 x 24 image, two 3x5 / 5x3 kernels,
    /// 3 x 4 probes, a few thousand constraints): `variant` scales the first kernel, so two
    /// variants compute different codes from the same image, like two model versions.
    pub fn tiny_test_model(variant: i16) -> Self {
        let k = |v: [i16; 15]| v.iter().map(|x| x * variant).collect::<Vec<_>>();
        let k1 = IntKernel::new(
            3,
            5,
            k([3, -7, 11, -2, 5, -9, 4, 8, -6, 1, 2, -3, 7, -5, 9]),
            k([-4, 6, -1, 9, -8, 2, -5, 3, 7, -2, 6, 1, -9, 4, -3]),
        );
        let k2 = IntKernel::new(
            5,
            3,
            vec![1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15],
            vec![15, -14, 13, 12, -11, 10, -9, 8, 7, -6, 5, -4, 3, 2, -1],
        );
        let grid = || ProbeGrid::new(vec![0, 5, 11], vec![0, 7, 15, 23]);
        // Fixed, valid parameters: construction cannot fail.
        Self::new(
            format!("zkbio-tiny-test-{variant}"),
            "v0.1".into(),
            12,
            24,
            vec![IrisFilter::new(k1, grid()), IrisFilter::new(k2, grid())],
            MaskRule::new(3, 4, true),
            true,
        )
        .expect("the tiny test model is valid")
    }

    fn from_gabor(
        name: &str,
        rows: usize,
        cols: usize,
        params: &[GaborParams],
        probes: (usize, usize),
    ) -> Self {
        let (probe_rows, probe_cols) = regular_probe_positions(probes.0, probes.1, rows, cols);
        let build = || -> Result<Self, IrisModelError> {
            let filters = params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    Ok(IrisFilter::new(
                        IntKernel::from_gabor(&fixpoint_gabor_kernel(p), i)?,
                        ProbeGrid::new(probe_rows.clone(), probe_cols.clone()),
                    ))
                })
                .collect::<Result<_, IrisModelError>>()?;
            let rule = MaskRule::from_open_iris_threshold(OPEN_IRIS_MASK_THRESHOLD)?;
            Self::new(name.into(), "v0.1".into(), rows, cols, filters, rule, false)
        };
        // Fixed parameters, checked by this module's tests: a failure is a bug, not bad input.
        build().expect("built-in model parameters are valid")
    }

    /// Model name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// open-iris `iris_code_version` written into templates.
    pub fn iris_code_version(&self) -> &str {
        &self.iris_code_version
    }

    /// Image rows (radius axis).
    pub fn image_rows(&self) -> usize {
        self.image_rows
    }

    /// Image columns (angle axis; wraps around).
    pub fn image_cols(&self) -> usize {
        self.image_cols
    }

    /// The filters, in code order.
    pub fn filters(&self) -> &[IrisFilter] {
        &self.filters
    }

    /// The mask rule.
    pub fn mask_rule(&self) -> MaskRule {
        self.mask_rule
    }

    /// Whether both parts' mask bits use the imaginary part's weights (open-iris
    /// `maskisduplicated`).
    pub fn mask_duplicated(&self) -> bool {
        self.mask_duplicated
    }

    /// The fragile-bit refinement after the encoder's mask rule, if any.
    pub fn fragile_refinement(&self) -> Option<FragileRefinement> {
        self.fragile
    }

    /// `Q = sum K^2` of part `part` over the whole kernel: the square of the Frobenius norm
    /// open-iris divides the responses by.
    pub fn kernel_sq_norm(&self, filter: usize, part: usize) -> u64 {
        let k = &self.filters[filter].kernel;
        k.part(part)
            .iter()
            .map(|&v| (v as i64 * v as i64) as u64)
            .sum()
    }

    /// The refinement's integer constants at probe row `row` of filter `filter` (`None` without
    /// a refinement).
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn fragile_row_rule(&self, filter: usize, row: usize) -> Option<FragileRowRule> {
        let r = self.fragile?;
        let w = self.probe_window(filter, row, 0);
        let sq = [0, 1].map(|q| self.kernel_sq_norm(filter, q));
        Some(r.row_rule((w.rows * w.cols) as u64, sq))
    }

    /// Probe rows of the code (the same for every filter).
    pub fn code_rows(&self) -> usize {
        self.filters[0].probes.rows.len()
    }

    /// Probe columns of the code (the same for every filter).
    pub fn code_cols(&self) -> usize {
        self.filters[0].probes.cols.len()
    }

    /// Number of code bits (and of mask bits): rows x cols x filters x 2.
    pub fn code_len(&self) -> usize {
        self.code_rows() * self.code_cols() * self.filters.len() * 2
    }

    /// Index of a bit in code order, which is open-iris's template order: probe row, probe
    /// column, filter, part (0 = real, 1 = imaginary).
    pub fn bit_index(&self, row: usize, col: usize, filter: usize, part: usize) -> usize {
        ((row * self.code_cols() + col) * self.filters.len() + filter) * 2 + part
    }

    /// The window of filter `filter`'s probe at probe row `row`, probe column `col`.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn probe_window(&self, filter: usize, row: usize, col: usize) -> ProbeWindow {
        let f = &self.filters[filter];
        let (r, c) = (f.probes.rows[row], f.probes.cols[col]);
        let (pr, pc) = (f.kernel.rows / 2, f.kernel.cols / 2);
        let top = r.saturating_sub(pr);
        let bottom = (r + pr + 1).min(self.image_rows);
        let h = bottom - top;
        ProbeWindow {
            image_row: top,
            rows: h,
            kernel_row: pr - h / 2,
            image_col: (c + self.image_cols - pc % self.image_cols) % self.image_cols,
            cols: f.kernel.cols,
        }
    }

    /// `D`: the total absolute kernel weight of part `part` over the window of probe row `row`
    /// (the same for every probe column).
    pub fn mask_total(&self, filter: usize, row: usize, part: usize) -> u64 {
        let w = self.probe_window(filter, row, 0);
        let k = &self.filters[filter].kernel;
        let start = w.kernel_row * k.cols;
        k.part(part)[start..start + w.rows * k.cols]
            .iter()
            .map(|v| v.unsigned_abs() as u64)
            .sum()
    }

    /// Bound on `|S|` for part `part` at probe row `row`: `255 * D`.
    pub fn response_bound(&self, filter: usize, row: usize, part: usize) -> u64 {
        PIXEL_MAX * self.mask_total(filter, row, part)
    }

    /// The canonical byte encoding (see `docs/IRIS.md`).
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        canonical::encode(self)
    }

    /// Decodes and validates canonical bytes; the inverse of [`IrisModel::to_canonical_bytes`].
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, IrisModelDecodeError> {
        canonical::decode(bytes)
    }

    /// keccak256 of the canonical bytes: the model hash registered on chain.
    pub fn model_hash(&self) -> [u8; 32] {
        use sha3::{Digest, Keccak256};
        Keccak256::digest(self.to_canonical_bytes()).into()
    }

    fn validate(&self) -> Result<(), IrisModelError> {
        let name_ok = (1..=255).contains(&self.name.len())
            && self.name.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !name_ok {
            return Err(IrisModelError::InvalidName);
        }
        if !is_code_version(&self.iris_code_version) {
            return Err(IrisModelError::InvalidCodeVersion(
                self.iris_code_version.clone(),
            ));
        }
        let size_ok = |n: usize| (1..=u16::MAX as usize).contains(&n);
        if !size_ok(self.image_rows) || !size_ok(self.image_cols) {
            return Err(IrisModelError::ImageSize {
                rows: self.image_rows,
                cols: self.image_cols,
            });
        }
        if !(1..=255).contains(&self.filters.len()) {
            return Err(IrisModelError::FilterCount(self.filters.len()));
        }
        let rule = self.mask_rule;
        if rule.den == 0 || rule.num > rule.den {
            return Err(IrisModelError::MaskRule);
        }
        for (i, f) in self.filters.iter().enumerate() {
            self.validate_filter(i, f)?;
        }
        self.validate_fragile()
    }

    /// Every refinement comparison fits [`MAX_FRAGILE_BITS`] at the responses' static bounds.
    fn validate_fragile(&self) -> Result<(), IrisModelError> {
        if self.fragile.is_none() {
            return Ok(());
        }
        for filter in 0..self.filters.len() {
            for row in 0..self.code_rows() {
                let bounds = [0, 1].map(|q| self.response_bound(filter, row, q));
                let fits = self
                    .fragile_row_rule(filter, row)
                    .is_some_and(|r| r.max_bits(bounds) <= MAX_FRAGILE_BITS);
                if !fits {
                    return Err(IrisModelError::FragileBound { filter });
                }
            }
        }
        Ok(())
    }

    fn validate_filter(&self, i: usize, f: &IrisFilter) -> Result<(), IrisModelError> {
        let k = &f.kernel;
        let dim_ok = |n: usize| n % 2 == 1 && n <= u16::MAX as usize;
        if !dim_ok(k.rows) || !dim_ok(k.cols) {
            return Err(IrisModelError::KernelShape { filter: i });
        }
        let n = k.rows * k.cols;
        if k.real.len() != n || k.imag.len() != n {
            return Err(IrisModelError::KernelShape { filter: i });
        }
        if k.real.iter().chain(&k.imag).any(|&v| v == i16::MIN) {
            return Err(IrisModelError::KernelValue { filter: i });
        }
        // open-iris pads by copying kernel_cols/2 columns from the other side.
        if k.cols / 2 > self.image_cols {
            return Err(IrisModelError::KernelTooWide { filter: i });
        }
        let g = &f.probes;
        let grid_ok = !g.rows.is_empty()
            && !g.cols.is_empty()
            && g.rows.len() <= u16::MAX as usize
            && g.cols.len() <= u16::MAX as usize
            && g.rows.iter().all(|&r| r < self.image_rows)
            && g.cols.iter().all(|&c| c < self.image_cols);
        if !grid_ok {
            return Err(IrisModelError::ProbeGrid { filter: i });
        }
        let first = &self.filters[0].probes;
        if g.rows.len() != first.rows.len() || g.cols.len() != first.cols.len() {
            return Err(IrisModelError::ProbeGridShape { filter: i });
        }
        for row in 0..g.rows.len() {
            for part in 0..2 {
                let total = self.mask_total(i, row, part);
                if total == 0 {
                    return Err(IrisModelError::ZeroMaskTotal {
                        filter: i,
                        probe_row: row,
                    });
                }
                let exact_i32 = PIXEL_MAX * total < 1 << 31;
                let exact_rule = (total as u128) * (self.mask_rule.den as u128) < 1 << 53;
                if !exact_i32 || !exact_rule {
                    return Err(IrisModelError::KernelBound { filter: i });
                }
            }
        }
        Ok(())
    }
}

/// open-iris's `iris_code_version_check`: `v<digits>.<digits>`, at most 255 bytes here.
fn is_code_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    v.len() <= 255 && digits(major) && digits(minor)
}

#[cfg(test)]
mod tests;
