//! Exact integer inference of an [`IrisModel`]: responses at the probe points, then code and mask
//! bits. This is the one implementation of the model's semantics: `zkbio-core`'s `IrisEngine`
//! wraps it, and the iris-code statement computes its public `C_code` with it.
//!
//! For every probe the response is `S = sum image[px] * K[kx]` over the probe's window (see the
//! parent module): `u8 * i16` products summed in `i32`, exact because the model guarantees
//! `255 * sum |K| < 2^31` over every window. Only the probe points are computed (a sparse grid:
//! 4096 probes per filter instead of 65536 pixels). The image is copied once into a buffer padded
//! by wrapping columns around, so every window row is one contiguous slice and the inner loop is a
//! plain dot product the compiler vectorizes.

use super::{FragileRowRule, IrisModel};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The exact integer quantities behind one probe's four bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Zeroize)]
pub struct ProbeResponse {
    /// Real response `S_re`; its code bit is `S_re > 0`.
    pub real: i32,
    /// Imaginary response `S_im`; its code bit is `S_im > 0`.
    pub imag: i32,
    /// `N_re`: sum of `|K_re|` over the window's unmasked pixels.
    pub mask_weight_real: u32,
    /// `N_im`: sum of `|K_im|` over the window's unmasked pixels.
    pub mask_weight_imag: u32,
}

/// Inputs that do not fit the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrisInputError {
    /// The image does not have `rows * cols` pixels.
    #[error("image has {got} pixels, the model needs {expected}")]
    ImageSize {
        /// Pixels the model needs.
        expected: usize,
        /// Pixels given.
        got: usize,
    },
    /// The mask does not have `rows * cols` entries.
    #[error("mask has {got} entries, the model needs {expected}")]
    MaskSize {
        /// Entries the model needs.
        expected: usize,
        /// Entries given.
        got: usize,
    },
    /// The responses are not one per probe of this model.
    #[error("{got} probe responses given, the model has {expected} probes")]
    ResponseCount {
        /// Probes of the model.
        expected: usize,
        /// Responses given.
        got: usize,
    },
}

/// Code bits and mask bits in code order ([`IrisModel::bit_index`]). Wiped on drop; `Debug`
/// shows only the length.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CodeBits {
    code: Vec<bool>,
    mask: Vec<bool>,
}

impl CodeBits {
    /// Bits computed elsewhere (the circuit's witness), in code order.
    pub(crate) fn from_parts(code: Vec<bool>, mask: Vec<bool>) -> Self {
        Self { code, mask }
    }

    /// Code bits (signs of the responses).
    pub fn code(&self) -> &[bool] {
        &self.code
    }

    /// Mask bits (which code bits are valid).
    pub fn mask(&self) -> &[bool] {
        &self.mask
    }

    /// Moves the two bit vectors out (the emptied value is still wiped on drop).
    pub fn into_parts(mut self) -> (Vec<bool>, Vec<bool>) {
        (
            std::mem::take(&mut self.code),
            std::mem::take(&mut self.mask),
        )
    }
}

impl std::fmt::Debug for CodeBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeBits({} bits, redacted)", self.code.len())
    }
}

/// One probe row's window of one filter (the same for every probe column).
#[derive(Debug, Clone, Copy)]
struct RowWindow {
    image_row: usize,
    rows: usize,
    kernel_row: usize,
    total: [u32; 2],
}

/// A filter's tables, precomputed once per model.
#[derive(Debug, Clone)]
struct FilterTables {
    kernel_cols: usize,
    half_cols: usize,
    parts: [Vec<i16>; 2],
    abs_parts: [Vec<i16>; 2],
    windows: Vec<RowWindow>,
    probe_cols: Vec<usize>,
    /// Per probe row, the fragile-bit refinement's constants (empty without a refinement).
    fragile: Vec<FragileRowRule>,
}

/// A model prepared for repeated inference.
#[derive(Debug, Clone)]
pub struct IrisInference<'m> {
    model: &'m IrisModel,
    filters: Vec<FilterTables>,
    /// Columns of wrap-around padding on each side (the widest kernel's half width).
    pad: usize,
    /// Image column shown by each padded column: `(t - pad) mod cols`.
    source_cols: Vec<usize>,
}

impl<'m> IrisInference<'m> {
    /// Precomputes kernel tables and probe windows of `model`.
    pub fn new(model: &'m IrisModel) -> Self {
        let filters: Vec<FilterTables> = model
            .filters()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let k = f.kernel();
                let abs = |v: &[i16]| v.iter().map(|x| x.abs()).collect::<Vec<i16>>();
                let windows = (0..model.code_rows())
                    .map(|row| {
                        let w = model.probe_window(i, row, 0);
                        // The model bounds these totals by 2^31 / 255.
                        let total = [0, 1].map(|p| model.mask_total(i, row, p) as u32);
                        RowWindow {
                            image_row: w.image_row,
                            rows: w.rows,
                            kernel_row: w.kernel_row,
                            total,
                        }
                    })
                    .collect();
                FilterTables {
                    kernel_cols: k.cols(),
                    half_cols: k.cols() / 2,
                    parts: [k.real().to_vec(), k.imag().to_vec()],
                    abs_parts: [abs(k.real()), abs(k.imag())],
                    windows,
                    probe_cols: f.probes().cols().to_vec(),
                    fragile: (0..model.code_rows())
                        .filter_map(|row| model.fragile_row_rule(i, row))
                        .collect(),
                }
            })
            .collect();
        let pad = filters.iter().map(|f| f.half_cols).max().unwrap_or(0);
        let cols = model.image_cols();
        // The model guarantees pad <= cols.
        let source_cols = (0..cols + 2 * pad)
            .map(|t| (t + cols - pad % cols) % cols)
            .collect();
        Self {
            model,
            filters,
            pad,
            source_cols,
        }
    }

    /// The model.
    pub fn model(&self) -> &'m IrisModel {
        self.model
    }

    /// Number of probes: code rows x code columns x filters (half the code length).
    pub fn probe_count(&self) -> usize {
        self.model.code_len() / 2
    }

    /// The exact responses and mask weights at every probe, indexed
    /// `(row * code_cols + col) * filters + filter` (code order without the part). `image` and
    /// `mask` are row-major with the model's `rows * cols` entries.
    pub fn responses(
        &self,
        image: &[u8],
        mask: &[bool],
    ) -> Result<Zeroizing<Vec<ProbeResponse>>, IrisInputError> {
        let expected = self.model.image_rows() * self.model.image_cols();
        if image.len() != expected {
            return Err(IrisInputError::ImageSize {
                expected,
                got: image.len(),
            });
        }
        if mask.len() != expected {
            return Err(IrisInputError::MaskSize {
                expected,
                got: mask.len(),
            });
        }
        let padded = Padded::new(image, mask, self.model.image_cols(), &self.source_cols);
        let (n_cols, n_filters) = (self.model.code_cols(), self.filters.len());
        let mut probes = Zeroizing::new(vec![ProbeResponse::default(); self.probe_count()]);
        for (fi, f) in self.filters.iter().enumerate() {
            for (row, w) in f.windows.iter().enumerate() {
                for (col, &c) in f.probe_cols.iter().enumerate() {
                    // Padded column of kernel column 0: (c - half) + pad >= 0.
                    let start = c + self.pad - f.half_cols;
                    probes[(row * n_cols + col) * n_filters + fi] =
                        probe_response(f, w, &padded, start);
                }
            }
        }
        Ok(probes)
    }

    /// Code and mask bits from responses (open-iris's `IrisEncoder`).
    ///
    /// Code bit: `S > 0` (0 and negative give 0). Mask bit of a part: the probe's response is not
    /// zero in both parts, and the part's unmasked weight share passes the model's
    /// [`super::MaskRule`] (with `mask_duplicated`, both parts use the imaginary part's weights).
    /// With a fragile-bit refinement, a mask bit also needs the refinement's tests
    /// ([`FragileRowRule::passes`]).
    pub fn encode(&self, responses: &[ProbeResponse]) -> Result<CodeBits, IrisInputError> {
        if responses.len() != self.probe_count() {
            return Err(IrisInputError::ResponseCount {
                expected: self.probe_count(),
                got: responses.len(),
            });
        }
        let rule = self.model.mask_rule();
        let dup = self.model.mask_duplicated();
        let (n_cols, n_filters) = (self.model.code_cols(), self.filters.len());
        let mut bits = CodeBits {
            code: vec![false; 2 * responses.len()],
            mask: vec![false; 2 * responses.len()],
        };
        for (i, p) in responses.iter().enumerate() {
            let (row, filter) = (i / n_filters / n_cols, i % n_filters);
            let total = self.filters[filter].windows[row].total;
            let weights = [p.mask_weight_real, p.mask_weight_imag];
            let nonzero = p.real != 0 || p.imag != 0;
            let kept = match self.filters[filter].fragile.get(row) {
                Some(rule) => rule.passes(p.real as i64, p.imag as i64),
                None => [true, true],
            };
            for (part, s) in [p.real, p.imag].into_iter().enumerate() {
                // maskisduplicated: both parts use the imaginary kernel's weights.
                let q = if dup { 1 } else { part };
                bits.code[2 * i + part] = s > 0;
                bits.mask[2 * i + part] =
                    nonzero && rule.passes(weights[q] as u64, total[q] as u64) && kept[part];
            }
        }
        Ok(bits)
    }

    /// The code and mask bits of `image` and `mask` (row-major, the model's size).
    pub fn infer(&self, image: &[u8], mask: &[bool]) -> Result<CodeBits, IrisInputError> {
        self.encode(&self.responses(image, mask)?)
    }
}

/// The image and the holes (masked-out pixels) with wrapped-around columns on each side, and per
/// row a running count of holes so "does this window row have a hole" is one subtraction.
struct Padded {
    width: usize,
    image: Zeroizing<Vec<i16>>,
    /// 1 where the mask is false.
    hole: Zeroizing<Vec<i16>>,
    /// `holes[r * (width + 1) + t]`: holes among row r's first t padded columns.
    holes: Zeroizing<Vec<u32>>,
}

impl Padded {
    fn new(image: &[u8], mask: &[bool], cols: usize, source_cols: &[usize]) -> Self {
        let (rows, width) = (image.len() / cols, source_cols.len());
        let mut padded = Zeroizing::new(vec![0i16; rows * width]);
        let mut hole = Zeroizing::new(vec![0i16; rows * width]);
        let mut holes = Zeroizing::new(vec![0u32; rows * (width + 1)]);
        for r in 0..rows {
            let (src_image, src_mask) = (&image[r * cols..], &mask[r * cols..]);
            let mut count = 0u32;
            for (t, &c) in source_cols.iter().enumerate() {
                padded[r * width + t] = src_image[c] as i16;
                let is_hole = !src_mask[c];
                hole[r * width + t] = is_hole as i16;
                count += is_hole as u32;
                holes[r * (width + 1) + t + 1] = count;
            }
        }
        Self {
            width,
            image: padded,
            hole,
            holes,
        }
    }

    /// Index range of `len` padded columns from `start` in row `r` (of `image` or `hole`).
    fn range(&self, r: usize, start: usize, len: usize) -> std::ops::Range<usize> {
        debug_assert!(start + len <= self.width);
        r * self.width + start..r * self.width + start + len
    }

    fn holes(&self, r: usize, start: usize, len: usize) -> u32 {
        let base = r * (self.width + 1);
        self.holes[base + start + len] - self.holes[base + start]
    }
}

fn dot(a: &[i16], b: &[i16]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| x as i32 * y as i32).sum()
}

fn probe_response(f: &FilterTables, w: &RowWindow, p: &Padded, start: usize) -> ProbeResponse {
    let kc = f.kernel_cols;
    let mut sums = [0i32; 2];
    // Mask weights: the window's total minus the weight under its holes (most rows have none).
    let mut weights = w.total;
    for a in 0..w.rows {
        let r = w.image_row + a;
        let px = p.range(r, start, kc);
        let k = (w.kernel_row + a) * kc..(w.kernel_row + a + 1) * kc;
        let pixels = &p.image[px.clone()];
        sums[0] += dot(pixels, &f.parts[0][k.clone()]);
        sums[1] += dot(pixels, &f.parts[1][k.clone()]);
        if p.holes(r, start, kc) > 0 {
            let holes = &p.hole[px];
            // Non-negative and at most the total: |K| weights of a subset of the window.
            weights[0] -= dot(holes, &f.abs_parts[0][k.clone()]) as u32;
            weights[1] -= dot(holes, &f.abs_parts[1][k]) as u32;
        }
    }
    ProbeResponse {
        real: sums[0],
        imag: sums[1],
        mask_weight_real: weights[0],
        mask_weight_imag: weights[1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_sizes_are_typed_errors() {
        let m = IrisModel::scaled_test_model();
        let e = IrisInference::new(&m);
        let n = m.image_rows() * m.image_cols();
        assert_eq!(
            e.responses(&vec![0; n - 1], &vec![true; n]).err(),
            Some(IrisInputError::ImageSize {
                expected: n,
                got: n - 1
            })
        );
        assert_eq!(
            e.infer(&vec![0; n], &vec![true; n + 1]).err(),
            Some(IrisInputError::MaskSize {
                expected: n,
                got: n + 1
            })
        );
        assert_eq!(
            e.encode(&[ProbeResponse::default(); 3]).err(),
            Some(IrisInputError::ResponseCount {
                expected: m.code_len() / 2,
                got: 3
            })
        );
    }

    #[test]
    fn zero_image_gives_zero_code_and_mask() {
        let m = IrisModel::scaled_test_model();
        let n = m.image_rows() * m.image_cols();
        let bits = IrisInference::new(&m)
            .infer(&vec![0; n], &vec![true; n])
            .expect("sizes match");
        assert_eq!(bits.code().len(), m.code_len());
        assert!(bits.code().iter().all(|b| !b));
        assert!(bits.mask().iter().all(|b| !b));
        assert_eq!(format!("{bits:?}"), "CodeBits(512 bits, redacted)");
    }
}
