//! Exact integer inference: filter responses at the probe points, then code and mask bits.
//!
//! The arithmetic lives in [`zkbio_circuits::models::iris::IrisInference`], the one
//! implementation shared with the iris-code circuit (which computes its public `C_code` with it).
//! This module adapts it to [`NormalizedIris`], [`IrisResponses`] and [`IrisCode`].

use super::{CodeShape, IrisCode, IrisError, IrisModel, NormalizedIris};
use zeroize::{Zeroize, ZeroizeOnDrop};
use zkbio_circuits::models::iris::{IrisInference, IrisInputError};

pub use zkbio_circuits::models::iris::ProbeResponse;

/// All probes' responses, indexed `(row * cols + col) * filters + filter` (code order without
/// the part). Wiped on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct IrisResponses {
    #[zeroize(skip)]
    shape: CodeShape,
    probes: Vec<ProbeResponse>,
}

impl IrisResponses {
    /// The code shape.
    pub fn shape(&self) -> CodeShape {
        self.shape
    }

    /// All responses, in code order.
    pub fn probes(&self) -> &[ProbeResponse] {
        &self.probes
    }

    /// The response of one probe.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn probe(&self, row: usize, col: usize, filter: usize) -> ProbeResponse {
        self.probes[self.shape.index(row, col, filter, 0) / 2]
    }
}

impl std::fmt::Debug for IrisResponses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IrisResponses({:?}, redacted)", self.shape)
    }
}

/// A model prepared for repeated inference.
#[derive(Debug, Clone)]
pub struct IrisEngine<'m> {
    inner: IrisInference<'m>,
}

impl<'m> IrisEngine<'m> {
    /// Precomputes kernel tables and probe windows of `model`.
    pub fn new(model: &'m IrisModel) -> Self {
        Self {
            inner: IrisInference::new(model),
        }
    }

    /// The model.
    pub fn model(&self) -> &'m IrisModel {
        self.inner.model()
    }

    /// The exact responses and mask weights at every probe.
    pub fn responses(&self, iris: &NormalizedIris) -> Result<IrisResponses, IrisError> {
        let model = self.model();
        let (rows, cols) = (model.image_rows(), model.image_cols());
        if iris.rows() != rows || iris.cols() != cols {
            return Err(IrisError::ModelMismatch {
                rows,
                cols,
                got_rows: iris.rows(),
                got_cols: iris.cols(),
            });
        }
        let mut probes = self
            .inner
            .responses(iris.image(), iris.mask())
            .map_err(|e| input_error(e, rows, cols))?;
        Ok(IrisResponses {
            shape: CodeShape::of(model),
            probes: std::mem::take(&mut *probes),
        })
    }

    /// The iris code of `iris`.
    pub fn infer(&self, iris: &NormalizedIris) -> Result<IrisCode, IrisError> {
        self.encode(&self.responses(iris)?)
    }

    /// Code and mask bits from responses (open-iris's `IrisEncoder`).
    ///
    /// Code bit: `S > 0` (0 and negative give 0). Mask bit of a part: the probe's response is not
    /// zero in both parts, and the part's unmasked weight share passes the model's
    /// [`zkbio_circuits::models::iris::MaskRule`].
    ///
    /// Fails with [`IrisError::ShapeMismatch`] if `responses` have another model's code shape.
    pub fn encode(&self, responses: &IrisResponses) -> Result<IrisCode, IrisError> {
        let shape = responses.shape;
        if shape != CodeShape::of(self.model()) {
            return Err(IrisError::ShapeMismatch);
        }
        let (code, mask) = self
            .inner
            .encode(&responses.probes)
            .map_err(|_| IrisError::ShapeMismatch)?
            .into_parts();
        IrisCode::new(shape, code, mask)
    }
}

/// The inference's size errors in this module's terms (the iris was checked against the model,
/// so they do not happen; mapped rather than unwrapped all the same).
fn input_error(e: IrisInputError, rows: usize, cols: usize) -> IrisError {
    match e {
        IrisInputError::ImageSize { got, .. } => IrisError::ImageSize { rows, cols, got },
        IrisInputError::MaskSize { got, .. } => IrisError::MaskSize { rows, cols, got },
        IrisInputError::ResponseCount { .. } => IrisError::ShapeMismatch,
    }
}

/// Computes `model`'s iris code of `iris` (prepares an [`IrisEngine`] each call).
pub fn infer(model: &IrisModel, iris: &NormalizedIris) -> Result<IrisCode, IrisError> {
    IrisEngine::new(model).infer(iris)
}

#[cfg(test)]
mod tests;
