//! Deterministic bundles and helpers shared by the vault tests.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::vault::bundle::IRIS_PIXELS;
use crate::vault::codec;
use crate::vault::{
    Address, CodeOpening, EmbeddingOpening, EnrollmentBundle, FaceImage, FaceModelState,
    FieldBytes, IrisModelState, IrisSample, RecordId, Salt, Signature65,
};

/// 32 random bytes below the BN254 modulus (top byte under 0x30).
fn field_bytes(rng: &mut ChaCha8Rng) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    bytes[0] &= 0x1f;
    bytes
}

pub(crate) fn field(rng: &mut ChaCha8Rng) -> FieldBytes {
    FieldBytes::from_be_bytes(field_bytes(rng), "test").expect("below the modulus")
}

pub(crate) fn salt(rng: &mut ChaCha8Rng) -> Salt {
    Salt::from_be_bytes(field_bytes(rng)).expect("below the modulus")
}

fn bits(rng: &mut ChaCha8Rng, n: usize) -> Vec<bool> {
    (0..n).map(|_| rng.next_u32() & 1 == 1).collect()
}

/// A full-size bundle whose every field depends on `seed`.
pub(crate) fn bundle(seed: u64) -> EnrollmentBundle {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut image = vec![0u8; IRIS_PIXELS];
    rng.fill_bytes(&mut image);
    let mask = bits(&mut rng, IRIS_PIXELS);
    let mut face = vec![0u8; 48 * 40];
    rng.fill_bytes(&mut face);
    let mut sig = [0u8; 65];
    rng.fill_bytes(&mut sig);
    let mut subject = [0u8; 20];
    rng.fill_bytes(&mut subject);
    EnrollmentBundle {
        iris: IrisSample::new(image, mask).expect("iris"),
        face: FaceImage::new(48, 40, face).expect("face"),
        salt_img: salt(&mut rng),
        salt_face: salt(&mut rng),
        scanner_sig: Signature65(sig),
        scanner_deadline: rng.next_u64(),
        subject: Address::from(subject),
        c_img: field(&mut rng),
        c_face: field(&mut rng),
        iris_model: Some(iris_model(&mut rng, 1)),
        face_model: None,
    }
}

/// A model state for iris model `version`, with an opening (a 1,003-bit code, so its
/// packing has padding bits).
pub(crate) fn iris_model(rng: &mut ChaCha8Rng, version: u32) -> IrisModelState {
    let opening = CodeOpening::new(bits(rng, 1003), bits(rng, 1003), salt(rng)).expect("opening");
    IrisModelState {
        version,
        c_code: field(rng),
        opening: Some(opening),
    }
}

/// The same bundle after a re-enrollment to iris model 2 and a face model registration.
pub(crate) fn reenrolled(bundle: &mut EnrollmentBundle, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    bundle.iris_model = Some(iris_model(&mut rng, 2));
    let mut embedding = vec![0u8; 512];
    rng.fill_bytes(&mut embedding);
    bundle.face_model = Some(FaceModelState {
        version: 1,
        c_emb: field(&mut rng),
        opening: Some(EmbeddingOpening::new(embedding, salt(&mut rng)).expect("embedding")),
    });
}

/// The bundle's full encoding, to compare bundles exactly.
pub(crate) fn encoded(bundle: &EnrollmentBundle) -> Vec<u8> {
    codec::encode(bundle).as_slice().to_vec()
}

pub(crate) fn id(name: &str) -> RecordId {
    RecordId::new(name).expect("valid id")
}
