//! The development face model (`circuits/tests/data/face/face_dev.tflite`, made by
//! `tests/face/make_face_model.py`; not a face recognizer, see `zkbio_circuits::models::face`):
//! - zkbio's integer interpreter gives exactly ai-edge-litert 2.3's `BUILTIN_REF` embedding
//!   (`embeddings.npy`) on each committed sample image (`faces.npy`, with `q = p - 128`);
//! - it behaves like an embedding model at [`DEV_TAU`]: every image matches its perturbed
//!   copies (noise, brightness, contrast, a 1-2 px shift) and no image of another synthetic
//!   identity, by the exact integer rule of the face-match statement;
//! - its size and its circuit's cost are within the phone budget.
//!   The same checks run on the tiny test model against its LiteRT outputs.

use std::path::{Path, PathBuf};
use zkbio_circuits::gadgets::cosine::similarity;
use zkbio_circuits::models::face::{FaceModel, DEV_TAU};
use zkbio_circuits::models::tflite::npy::{self, NpyData};

/// Identities and views per identity in `faces.npy` (view 0 is the enrolled image).
const IDS: usize = 10;
const VIEWS: usize = 4;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/face")
}

fn read(name: &str) -> (Vec<usize>, NpyData) {
    let a = npy::read(&std::fs::read(dir().join(name)).unwrap()).unwrap();
    (a.shape, a.data)
}

fn images_and_embeddings(faces: &str, embs: &str) -> (Vec<Vec<u8>>, Vec<Vec<i8>>) {
    let (fs, NpyData::U8(f)) = read(faces) else {
        panic!("{faces} is not uint8")
    };
    let (es, NpyData::I8(e)) = read(embs) else {
        panic!("{embs} is not int8")
    };
    let px = fs[1] * fs[2];
    (
        f.chunks(px).map(<[u8]>::to_vec).collect(),
        e.chunks(es[1]).map(<[i8]>::to_vec).collect(),
    )
}

fn load(name: &str) -> FaceModel {
    FaceModel::from_bytes(&std::fs::read(dir().join(name)).unwrap()).unwrap()
}

#[test]
fn interpreter_equals_litert_on_the_face_models() {
    for (model, faces, embs) in [
        ("face_tiny.tflite", "tiny_faces.npy", "tiny_embeddings.npy"),
        ("face_dev.tflite", "faces.npy", "embeddings.npy"),
    ] {
        let m = load(model);
        let (images, expected) = images_and_embeddings(faces, embs);
        assert!(!images.is_empty());
        for (i, (img, want)) in images.iter().zip(&expected).enumerate() {
            assert_eq!(&m.embed(img).unwrap(), want, "{model}: image {i}");
        }
    }
}

#[test]
fn dev_model_matches_perturbed_copies_and_no_other_identity() {
    let m = load("face_dev.tflite");
    assert_eq!((m.height(), m.width(), m.dim()), (64, 64, 128));
    // The interpreter's embeddings are LiteRT's (the test above checks them one by one), so the
    // committed ones stand for them here and the debug build runs the model once per image.
    let (images, e) = images_and_embeddings("faces.npy", "embeddings.npy");
    assert_eq!((images.len(), e.len()), (IDS * VIEWS, IDS * VIEWS));
    let sim = |a: usize, b: usize| similarity(&e[a], &e[b]).map_or(0, i64::from);
    // Genuine: the enrolled image (view 0) against each perturbed copy, the protocol's case
    // (E from the scanner's image, the selfie a new capture). Two perturbed copies of one
    // identity (shifts add up to 4 px) are reported, not asserted. Impostor: every pair of
    // images of different identities.
    let (mut genuine, mut copies, mut impostor) = (Vec::new(), Vec::new(), Vec::new());
    for a in 0..e.len() {
        for b in a + 1..e.len() {
            if a / VIEWS != b / VIEWS {
                impostor.push(sim(a, b));
            } else if a % VIEWS == 0 {
                genuine.push(sim(a, b));
            } else {
                copies.push(sim(a, b));
            }
        }
    }
    genuine.sort();
    copies.sort();
    impostor.sort();
    let q = |v: i64| v as f64 / 65536.0;
    eprintln!(
        "genuine ({} pairs): min {:.4} median {:.4} max {:.4}; impostor ({} pairs): min {:.4} median {:.4} max {:.4}; tau {:.4}",
        genuine.len(),
        q(genuine[0]),
        q(genuine[genuine.len() / 2]),
        q(genuine[genuine.len() - 1]),
        impostor.len(),
        q(impostor[0]),
        q(impostor[impostor.len() / 2]),
        q(impostor[impostor.len() - 1]),
        q(i64::from(DEV_TAU))
    );
    eprintln!(
        "perturbed copy vs perturbed copy ({} pairs): min {:.4} median {:.4}; below tau: {}",
        copies.len(),
        q(copies[0]),
        q(copies[copies.len() / 2]),
        copies.iter().filter(|&&s| s < i64::from(DEV_TAU)).count()
    );
    assert!(
        genuine[0] >= i64::from(DEV_TAU),
        "a perturbed copy does not match"
    );
    assert!(
        impostor[impostor.len() - 1] < i64::from(DEV_TAU),
        "another identity matches"
    );
}

#[test]
fn dev_model_is_within_the_phone_budget() {
    let bytes = std::fs::read(dir().join("face_dev.tflite")).unwrap();
    assert!(bytes.len() < 400_000, "{} bytes", bytes.len());
    let m = load("face_dev.tflite");
    let requantized: usize = m
        .model()
        .ops
        .iter()
        .map(|op| m.model().requantized_elements(op))
        .sum();
    let constraints: usize = m.costs().iter().map(|c| c.constraints).sum();
    eprintln!("face_dev: {requantized} requantized elements, {constraints} model constraints");
    assert_eq!(requantized, 20_736);
    assert!(constraints < 1_500_000, "{constraints}");
}
