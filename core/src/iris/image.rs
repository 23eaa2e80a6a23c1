//! The normalized iris: the biometric input of inference.

use super::{IrisError, IrisModel};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A normalized iris image and its mask (open-iris `NormalizedIris`), row-major, rows along the
/// radius (pupil to sclera) and columns along the angle. `mask[i]` is true where the pixel is iris.
///
/// Both buffers are wiped when the value is dropped. `Debug` shows only the size.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct NormalizedIris {
    rows: usize,
    cols: usize,
    image: Vec<u8>,
    mask: Vec<bool>,
}

impl NormalizedIris {
    /// An iris for `model`: `image` and `mask` must have `image_rows * image_cols` entries.
    pub fn new(model: &IrisModel, image: Vec<u8>, mask: Vec<bool>) -> Result<Self, IrisError> {
        let (rows, cols) = (model.image_rows(), model.image_cols());
        // Wrap the inputs first so they are wiped on the error paths too.
        let iris = Self {
            rows,
            cols,
            image,
            mask,
        };
        if iris.image.len() != rows * cols {
            return Err(IrisError::ImageSize {
                rows,
                cols,
                got: iris.image.len(),
            });
        }
        if iris.mask.len() != rows * cols {
            return Err(IrisError::MaskSize {
                rows,
                cols,
                got: iris.mask.len(),
            });
        }
        Ok(iris)
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels, row-major.
    pub fn image(&self) -> &[u8] {
        &self.image
    }

    /// Mask, row-major (true = iris pixel).
    pub fn mask(&self) -> &[bool] {
        &self.mask
    }
}

impl std::fmt::Debug for NormalizedIris {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NormalizedIris({}x{}, redacted)", self.rows, self.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_against_the_model() {
        let m = IrisModel::scaled_test_model();
        let n = 32 * 128;
        assert!(NormalizedIris::new(&m, vec![0; n], vec![true; n]).is_ok());
        assert_eq!(
            NormalizedIris::new(&m, vec![0; n - 1], vec![true; n]),
            Err(IrisError::ImageSize {
                rows: 32,
                cols: 128,
                got: n - 1
            })
        );
        assert_eq!(
            NormalizedIris::new(&m, vec![0; n], vec![true; n + 128]),
            Err(IrisError::MaskSize {
                rows: 32,
                cols: 128,
                got: n + 128
            })
        );
    }

    #[test]
    fn debug_does_not_leak_pixels() {
        let m = IrisModel::scaled_test_model();
        let n = 32 * 128;
        let iris = NormalizedIris::new(&m, vec![77; n], vec![true; n]).expect("valid");
        assert_eq!(format!("{iris:?}"), "NormalizedIris(32x128, redacted)");
    }
}
