//! The face match's check before proving: a selfie of the wrong size is `InvalidInput`, and one
//! that does not match the enrolled embedding at the relying party's `tau` is `FaceNoMatch`
//! with its similarity, both before any witness or proof is made (a proof of a false match
//! cannot exist; this saves the seconds of trying and says why).
//!
//! The rule is the face-match statement's own, in exact integer arithmetic
//! (`zkbio_circuits::gadgets::cosine`): the check passes iff the statement's witness is
//! satisfiable. [`super::prove_face_match`] runs it and returns its refusals as `FlowError`s.

use zkbio_circuits::gadgets::cosine;
use zkbio_circuits::models::face::{FaceModel, FaceSizeError};

/// Why a face match is refused before proving.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceMatchError {
    /// The selfie does not match the template at `tau`.
    #[error("the selfie does not match: similarity {} below tau {tau} (in 1/65536)", similarity.map_or("≤ 0".to_string(), |s| s.to_string()))]
    FaceNoMatch {
        /// The similarity as a 16-bit fraction (`None`: the embeddings' dot product is `<= 0`).
        similarity: Option<u32>,
        /// The threshold asked for.
        tau: u16,
    },
    /// The selfie or the template has the wrong size for the face model.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] FaceSizeError),
}

/// Checks a selfie against the enrolled embedding `template` at `tau`; returns the similarity
/// (a 16-bit fraction, `>= tau`) when the face-match statement can be proved.
pub fn check_face_match(
    face: &FaceModel,
    selfie: &[u8],
    template: &[i8],
    tau: u16,
) -> Result<u32, FaceMatchError> {
    face.check_embedding(template)?;
    let t = zeroize::Zeroizing::new(face.embed(selfie)?);
    match cosine::similarity(&t, template) {
        Some(s) if cosine::matches(&t, template, tau) => Ok(s),
        similarity => Err(FaceMatchError::FaceNoMatch { similarity, tau }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkbio_circuits::models::face::DEV_TAU;
    use zkbio_circuits::models::tflite::npy::{self, NpyData};
    use zkbio_circuits::statements::face_match::FaceMatchStatement;
    use zkbio_circuits::{Circuit, Fr};

    fn tiny() -> FaceModel {
        FaceModel::from_bytes(include_bytes!(
            "../../../circuits/tests/data/face/face_tiny.tflite"
        ))
        .unwrap()
    }

    fn tiny_faces() -> Vec<Vec<u8>> {
        let a = npy::read(include_bytes!(
            "../../../circuits/tests/data/face/tiny_faces.npy"
        ))
        .unwrap();
        let NpyData::U8(v) = a.data else {
            panic!("uint8")
        };
        v.chunks(64).map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn the_check_passes_exactly_when_the_statement_is_satisfiable() {
        let face = tiny();
        let stmt = FaceMatchStatement::new(face.clone());
        let faces = tiny_faces();
        for (i, selfie) in faces.iter().enumerate() {
            for (j, enrolled) in faces.iter().enumerate() {
                let e = face.embed(enrolled).unwrap();
                let neg: Vec<i8> = e.iter().map(|&v| v.saturating_neg()).collect();
                for template in [e, neg] {
                    for tau in [0u16, 30000, DEV_TAU, 65000, 65535] {
                        let check = check_face_match(&face, selfie, &template, tau);
                        let input = stmt
                            .input(
                                selfie.clone(),
                                template.clone(),
                                Fr::from(1u64),
                                tau,
                                Fr::from(2u64),
                            )
                            .unwrap();
                        let satisfiable =
                            stmt.witness(&input).unwrap().first_unsatisfied().is_none();
                        assert_eq!(
                            check.is_ok(),
                            satisfiable,
                            "selfie {i}, enrolled {j}, tau {tau}: {check:?}"
                        );
                        if let Ok(s) = check {
                            assert!(s >= u32::from(tau));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_negated_template_is_face_no_match_and_sizes_are_invalid_input() {
        let face = tiny();
        let faces = tiny_faces();
        let neg: Vec<i8> = face
            .embed(&faces[0])
            .unwrap()
            .iter()
            .map(|&v| v.saturating_neg())
            .collect();
        assert_eq!(
            check_face_match(&face, &faces[0], &neg, 0),
            Err(FaceMatchError::FaceNoMatch {
                similarity: None,
                tau: 0
            })
        );
        let e = face.embed(&faces[0]).unwrap();
        assert_eq!(check_face_match(&face, &faces[0], &e, 65535), Ok(65536));
        assert!(matches!(
            check_face_match(&face, &faces[0][..63], &e, 0),
            Err(FaceMatchError::InvalidInput(FaceSizeError {
                what: "image",
                got: 63,
                expected: 64
            }))
        ));
        assert!(matches!(
            check_face_match(&face, &faces[0], &e[..7], 0),
            Err(FaceMatchError::InvalidInput(FaceSizeError {
                what: "embedding",
                got: 7,
                expected: 8
            }))
        ));
    }
}
