//! The iris-code statement of a model version, of either family ([`IrisFamily`]): the open-iris
//! filter bank ([`IrisCodeStatement`]) or an int8 TFLite network ([`IrisTfliteStatement`]).
//! Both have the public inputs `[C_img, C_code, binding]`, the same `C_img` opening and the same
//! `C_code` construction, so everything past the statement (registry, vault, flows) is shared.

use std::borrow::Cow;

use ark_bn254::Fr;
use zkbio_circuits::builder::Witness;
use zkbio_circuits::gadgets::commitment::Geometry;
use zkbio_circuits::models::iris::{CodeBits, IrisModel};
use zkbio_circuits::models::iris_tflite::{CodeRule, TfliteIrisModel};
use zkbio_circuits::statements::image_opening::InputError;
use zkbio_circuits::statements::iris_code::{
    code_geometry, IrisCodeError, IrisCodeInput, IrisCodeOpening, IrisCodeStatement,
};
use zkbio_circuits::statements::iris_tflite::{tflite_code_geometry, IrisTfliteStatement};
use zkbio_circuits::WitnessBuilder;

use super::FlowError;
use crate::iris::{CodeShape, IrisCode};
use crate::package::IrisFamily;

/// An iris model version's statement, of either family.
#[derive(Clone, Debug)]
pub enum IrisStatement {
    /// Family `filter-bank` (v1).
    FilterBank(IrisCodeStatement),
    /// Family `tflite` (v2).
    Tflite(IrisTfliteStatement),
}

impl From<IrisModel> for IrisStatement {
    fn from(model: IrisModel) -> Self {
        IrisStatement::FilterBank(IrisCodeStatement::new(model))
    }
}

impl From<TfliteIrisModel> for IrisStatement {
    fn from(model: TfliteIrisModel) -> Self {
        IrisStatement::Tflite(IrisTfliteStatement::new(model))
    }
}

impl IrisStatement {
    /// The statement of the model file `bytes` of `family`; [`FlowError::ModelFamily`] if the
    /// file is not a model of that family (a `.tflite` file in a filter-bank package, a rule the
    /// network's cells cannot meet, a truncated file...).
    pub fn from_model_bytes(family: IrisFamily, bytes: &[u8]) -> Result<Self, FlowError> {
        let refused = |why: String| FlowError::ModelFamily {
            family: family.name(),
            why,
        };
        match family {
            IrisFamily::FilterBank => IrisModel::from_canonical_bytes(bytes)
                .map(Self::from)
                .map_err(|e| refused(e.to_string())),
            IrisFamily::Tflite {
                magnitude,
                cell_min_valid,
            } => {
                let rule = CodeRule {
                    magnitude,
                    cell_min_valid,
                };
                TfliteIrisModel::from_bytes(bytes, rule)
                    .map(Self::from)
                    .map_err(|e| refused(e.to_string()))
            }
        }
    }

    /// The family, with the TFLite code rule.
    pub fn family(&self) -> IrisFamily {
        match self {
            IrisStatement::FilterBank(_) => IrisFamily::FilterBank,
            IrisStatement::Tflite(s) => {
                let rule = s.model().rule();
                IrisFamily::Tflite {
                    magnitude: rule.magnitude,
                    cell_min_valid: rule.cell_min_valid,
                }
            }
        }
    }

    /// The filter-bank model, for family `filter-bank`.
    pub fn filter_bank(&self) -> Option<&IrisModel> {
        match self {
            IrisStatement::FilterBank(s) => Some(&s.model),
            IrisStatement::Tflite(_) => None,
        }
    }

    /// The model's name: the filter bank's own, or `tflite-` and the first 8 hex digits of the
    /// network's keccak256.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            IrisStatement::FilterBank(s) => Cow::Borrowed(s.model.name()),
            IrisStatement::Tflite(s) => Cow::Owned(format!(
                "tflite-{}",
                hex::encode(&s.model().model().hash[..4])
            )),
        }
    }

    /// keccak256 of the model file: the registry's model hash.
    pub fn model_hash(&self) -> [u8; 32] {
        match self {
            IrisStatement::FilterBank(s) => s.model.model_hash(),
            IrisStatement::Tflite(s) => s.model().model().hash,
        }
    }

    /// Normalized image rows.
    pub fn image_rows(&self) -> usize {
        match self {
            IrisStatement::FilterBank(s) => s.model.image_rows(),
            IrisStatement::Tflite(s) => s.model().image_rows(),
        }
    }

    /// Normalized image columns.
    pub fn image_cols(&self) -> usize {
        match self {
            IrisStatement::FilterBank(s) => s.model.image_cols(),
            IrisStatement::Tflite(s) => s.model().image_cols(),
        }
    }

    /// The shape of the model's codes.
    pub fn code_shape(&self) -> CodeShape {
        match self {
            IrisStatement::FilterBank(s) => CodeShape::of(&s.model),
            IrisStatement::Tflite(s) => {
                let m = s.model();
                CodeShape::new(m.code_rows(), m.code_cols(), m.filters())
            }
        }
    }

    /// The geometry of `C_code`'s tag, `[code rows, code cols, filters, 2]`.
    pub fn code_geometry(&self) -> Result<Geometry, FlowError> {
        match self {
            IrisStatement::FilterBank(s) => code_geometry(&s.model),
            IrisStatement::Tflite(s) => tflite_code_geometry(s.model()),
        }
        .map_err(|e| FlowError::Model(e.to_string()))
    }

    /// The circuit's constraint count (what a proving key for it must have).
    pub fn constraint_count(&self) -> usize {
        match self {
            IrisStatement::FilterBank(s) => s.constraint_counts().total(),
            IrisStatement::Tflite(s) => s.constraint_counts().total(),
        }
    }

    /// The statement's input (checks the image and mask sizes).
    pub fn input(
        &self,
        image: Vec<u8>,
        mask: Vec<bool>,
        salt_img: Fr,
        salt_code: Fr,
        binding: Fr,
    ) -> Result<IrisCodeInput, InputError> {
        match self {
            IrisStatement::FilterBank(s) => s.input(image, mask, salt_img, salt_code, binding),
            IrisStatement::Tflite(s) => s.input(image, mask, salt_img, salt_code, binding),
        }
    }

    /// The public inputs `[C_img, C_code, binding]` of `input`.
    pub fn public_inputs(&self, input: &IrisCodeInput) -> Result<[Fr; 3], InputError> {
        match self {
            IrisStatement::FilterBank(s) => s.public_inputs(input),
            IrisStatement::Tflite(s) => s.public_inputs(input),
        }
    }

    /// The witness and the code opening read from it, on `wb` (e.g.
    /// [`WitnessBuilder::with_cancel`]).
    pub fn witness_with_opening_using(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        match self {
            IrisStatement::FilterBank(s) => s.witness_with_opening_using(wb, input),
            IrisStatement::Tflite(s) => s.witness_with_opening_using(wb, input),
        }
    }

    /// [`Self::witness_with_opening_using`] for an image whose commitment `c_img` the caller
    /// holds: the image is not committed natively; the circuit enforces `c_img`.
    pub fn witness_with_opening_for_commitment(
        &self,
        wb: WitnessBuilder,
        input: &IrisCodeInput,
        c_img: Fr,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        match self {
            IrisStatement::FilterBank(s) => s.witness_with_opening_for_commitment(wb, input, c_img),
            IrisStatement::Tflite(s) => s.witness_with_opening_for_commitment(wb, input, c_img),
        }
    }

    /// [`Self::witness_with_opening_using`] on a fresh builder.
    pub fn witness_with_opening(
        &self,
        input: &IrisCodeInput,
    ) -> Result<(Witness, IrisCodeOpening), IrisCodeError> {
        self.witness_with_opening_using(WitnessBuilder::new(), input)
    }

    /// The iris code of `image` and `mask` (no proof), by the model's native inference.
    pub fn infer(&self, image: &[u8], mask: &[bool]) -> Result<IrisCode, FlowError> {
        let bits: CodeBits = match self {
            IrisStatement::FilterBank(s) => {
                let iris =
                    crate::iris::NormalizedIris::new(&s.model, image.to_vec(), mask.to_vec())
                        .map_err(|e| FlowError::Model(e.to_string()))?;
                return crate::iris::IrisEngine::new(&s.model)
                    .infer(&iris)
                    .map_err(|e| FlowError::Model(e.to_string()));
            }
            IrisStatement::Tflite(s) => s
                .model()
                .infer(image, mask)
                .map_err(|e| FlowError::Model(e.to_string()))?,
        };
        let (code, valid) = bits.into_parts();
        IrisCode::new(self.code_shape(), code, valid).map_err(|e| FlowError::Model(e.to_string()))
    }
}
