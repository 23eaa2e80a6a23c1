use super::*;
use crate::check::modes_agree;
use crate::fault::{sample_wires, FaultCampaign};
use crate::models::tflite::npy::{self, NpyData};
use crate::models::tflite::Model;
use std::sync::Arc;

/// The tiny test face model (8x8 input, 8-d embedding; `tests/face/make_face_model.py --tiny`).
pub(crate) fn tiny() -> FaceModel {
    let bytes = include_bytes!("../../../tests/data/face/face_tiny.tflite");
    FaceModel::new(Arc::new(Model::from_bytes(bytes).unwrap())).unwrap()
}

/// Its four sample images.
pub(crate) fn tiny_faces() -> Vec<Vec<u8>> {
    let a = npy::read(include_bytes!("../../../tests/data/face/tiny_faces.npy")).unwrap();
    let NpyData::U8(v) = a.data else {
        panic!("tiny_faces.npy is not uint8")
    };
    v.chunks(64).map(<[u8]>::to_vec).collect()
}

fn satisfied(
    s: &FaceEmbeddingStatement,
    input: &FaceEmbeddingInput,
    public: FaceEmbeddingPublic,
) -> bool {
    let mut b = crate::builder::WitnessBuilder::new();
    s.synthesize_claiming(&mut b, input, public).unwrap();
    b.finish().first_unsatisfied().is_none()
}

fn statement_and_input() -> (FaceEmbeddingStatement, FaceEmbeddingInput) {
    let s = FaceEmbeddingStatement::new(tiny());
    let img = tiny_faces().remove(1);
    let input = s
        .input(img, Fr::from(11u64), Fr::from(22u64), Fr::from(33u64))
        .unwrap();
    (s, input)
}

#[test]
fn honest_witness_satisfies_and_commits_to_the_models_embedding() {
    let (s, input) = statement_and_input();
    let n = modes_agree(&s, &input).unwrap();
    assert_eq!(s.witness(&input).unwrap().first_unsatisfied(), None);
    let public = s.public_inputs(&input);
    let face = s.face();
    let e = face.embed(&tiny_faces()[1]).unwrap();
    assert_eq!(
        public[0],
        face.face_commitment(&tiny_faces()[1], Fr::from(11u64))
            .unwrap()
    );
    assert_eq!(
        public[1],
        face.embedding_commitment(&e, Fr::from(22u64)).unwrap()
    );
    // 64 pixels x 8 bits, the model, 2 commitments of one absorption each, binding_sq, 2 equalities.
    let model: usize = face.costs().iter().map(|c| c.constraints).sum();
    assert_eq!(n, 64 * 8 + model + 2 * (243 + 507) + 1 + 2);
}

#[test]
fn any_other_public_input_is_unsatisfiable() {
    let (s, input) = statement_and_input();
    let public = s.public_inputs(&input);
    assert!(satisfied(&s, &input, public));
    for i in 0..2 {
        let mut bad = public;
        bad[i] += Fr::from(1u64);
        assert!(!satisfied(&s, &input, bad), "public input {i} changed");
    }
    // C_emb of another embedding (every value + 1, still int8 for this image) is refused.
    let mut e = s.embedding(&input);
    for v in &mut e {
        *v = v.saturating_add(1);
    }
    let mut bad = public;
    bad[1] = s.face().embedding_commitment(&e, Fr::from(22u64)).unwrap();
    assert!(!satisfied(&s, &input, bad));
    // C_face of another image.
    let mut bad = public;
    bad[0] = s
        .face()
        .face_commitment(&tiny_faces()[2], Fr::from(11u64))
        .unwrap();
    assert!(!satisfied(&s, &input, bad));
}

#[test]
fn wrong_image_size_is_refused() {
    let s = FaceEmbeddingStatement::new(tiny());
    let err = s.input(vec![0; 63], Fr::from(0u64), Fr::from(0u64), Fr::from(0u64));
    assert_eq!(
        err.unwrap_err(),
        FaceSizeError {
            what: "image",
            got: 63,
            expected: 64
        }
    );
}

#[test]
fn fault_injection_finds_no_hole() {
    let (s, input) = statement_and_input();
    let campaign = FaultCampaign::new(&s, &input).unwrap();
    let wires = sample_wires(campaign.r1cs().n_wires, 300, 5);
    let report = campaign.run(&wires, 2);
    assert_eq!(report.faults, 600);
    assert!(
        report.holes().is_empty() && report.layout_changed.is_empty(),
        "holes {:?}, layout changed {:?}",
        report.holes(),
        report.layout_changed
    );
}
