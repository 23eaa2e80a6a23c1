//! Iris codes: code bits and mask bits in open-iris's template order.

use super::{IrisError, IrisModel};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The shape of an iris code: probe rows x probe columns x filters x 2 parts (real, imaginary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeShape {
    /// Probe rows.
    pub rows: usize,
    /// Probe columns.
    pub cols: usize,
    /// Filters.
    pub filters: usize,
}

impl CodeShape {
    /// `rows x cols` code positions of `filters` filters (e.g. an iris v2 TFLite model's output,
    /// `zkbio_circuits::models::iris_tflite`).
    pub fn new(rows: usize, cols: usize, filters: usize) -> Self {
        Self {
            rows,
            cols,
            filters,
        }
    }

    /// The shape of `model`'s codes.
    pub fn of(model: &IrisModel) -> Self {
        Self {
            rows: model.code_rows(),
            cols: model.code_cols(),
            filters: model.filters().len(),
        }
    }

    /// Number of bits: `rows * cols * filters * 2`.
    pub fn len(&self) -> usize {
        self.rows * self.cols * self.filters * 2
    }

    /// Whether the shape has no bits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of a bit: `((row * cols + col) * filters + filter) * 2 + part`, the order of
    /// open-iris's serialized templates (part 0 = real, 1 = imaginary).
    pub fn index(&self, row: usize, col: usize, filter: usize, part: usize) -> usize {
        ((row * self.cols + col) * self.filters + filter) * 2 + part
    }
}

/// An iris code: code bits (signs of the filter responses) and mask bits (which code bits are
/// valid), both in [`CodeShape::index`] order. Wiped on drop; `Debug` shows only the shape.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct IrisCode {
    #[zeroize(skip)]
    shape: CodeShape,
    code_bits: Vec<bool>,
    mask_bits: Vec<bool>,
}

impl IrisCode {
    /// A code of `shape`; both bit vectors must have `shape.len()` bits.
    pub fn new(
        shape: CodeShape,
        code_bits: Vec<bool>,
        mask_bits: Vec<bool>,
    ) -> Result<Self, IrisError> {
        let code = Self {
            shape,
            code_bits,
            mask_bits,
        };
        for got in [code.code_bits.len(), code.mask_bits.len()] {
            if got != shape.len() {
                return Err(IrisError::CodeLength {
                    expected: shape.len(),
                    got,
                });
            }
        }
        Ok(code)
    }

    /// The shape.
    pub fn shape(&self) -> CodeShape {
        self.shape
    }

    /// Code bits, in [`CodeShape::index`] order.
    pub fn code_bits(&self) -> &[bool] {
        &self.code_bits
    }

    /// Mask bits, in [`CodeShape::index`] order.
    pub fn mask_bits(&self) -> &[bool] {
        &self.mask_bits
    }

    /// One code bit.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn code_bit(&self, row: usize, col: usize, filter: usize, part: usize) -> bool {
        self.code_bits[self.shape.index(row, col, filter, part)]
    }

    /// One mask bit.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn mask_bit(&self, row: usize, col: usize, filter: usize, part: usize) -> bool {
        self.mask_bits[self.shape.index(row, col, filter, part)]
    }
}

impl std::fmt::Debug for IrisCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisCode({:?}, redacted)", self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_row_col_filter_part() {
        let s = CodeShape {
            rows: 16,
            cols: 256,
            filters: 2,
        };
        assert_eq!(s.len(), 16_384);
        assert_eq!(s.index(0, 0, 0, 1), 1);
        assert_eq!(s.index(0, 0, 1, 0), 2);
        assert_eq!(s.index(0, 1, 0, 0), 4);
        assert_eq!(s.index(1, 0, 0, 0), 1024);
        assert_eq!(s.index(15, 255, 1, 1), 16_383);
        let m = IrisModel::open_iris_v0_1();
        assert_eq!(CodeShape::of(&m), s);
        assert_eq!(m.bit_index(3, 7, 1, 0), s.index(3, 7, 1, 0));
    }

    #[test]
    fn lengths_are_checked() {
        let s = CodeShape {
            rows: 1,
            cols: 2,
            filters: 1,
        };
        assert!(IrisCode::new(s, vec![false; 4], vec![true; 4]).is_ok());
        assert_eq!(
            IrisCode::new(s, vec![false; 4], vec![true; 3]),
            Err(IrisError::CodeLength {
                expected: 4,
                got: 3
            })
        );
    }
}
