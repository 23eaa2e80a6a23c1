//! Iris model families at the test size (32x128): the v1 filter bank (`scaled_test_model`) and the
//! v2 int8 TFLite network (`TfliteIrisModel::development_small`) share `C_img` for the same image,
//! mask and salt, but a proof made with one family's key never verifies under the other's, with
//! either statement's public inputs.

use ark_bn254::Fr;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::models::iris_tflite::TfliteIrisModel;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::statements::iris_tflite::IrisTfliteStatement;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};
use zkbio_core::groth16::progress::Silent;
use zkbio_core::groth16::{dev_setup_insecure, prove, verify};

fn xorshift(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
        .collect()
}

fn key_bytes<C: Circuit>(c: &C, seed: u8) -> Vec<u8> {
    let r1cs = c.to_r1cs().expect("synthesis");
    let pk = dev_setup_insecure(&r1cs, [seed; 32]).expect("setup");
    key_to_bytes(&pk, r1cs.constraints.len()).expect("key bytes")
}

#[test]
fn v1_and_v2_keys_do_not_accept_each_others_proofs() {
    let v1 = IrisCodeStatement::new(IrisModel::scaled_test_model());
    let v2 = IrisTfliteStatement::new(TfliteIrisModel::development_small());
    let n = 32 * 128;
    let z = xorshift(77, 2 * n);
    let image: Vec<u8> = z[..n].iter().map(|&v| (v >> 5) as u8).collect();
    let mask: Vec<bool> = z[n..].iter().map(|&v| v % 50 != 0).collect();
    let (s_img, s_code, binding) = (Fr::from(11u64), Fr::from(12u64), Fr::from(13u64));
    let in1 = v1
        .input(image.clone(), mask.clone(), s_img, s_code, binding)
        .unwrap();
    let in2 = v2.input(image, mask, s_img, s_code, binding).unwrap();
    let pub1 = v1.public_inputs(&in1).unwrap();
    let pub2 = v2.public_inputs(&in2).unwrap();
    assert_eq!(pub1[0], pub2[0], "same image opening");
    assert_ne!(pub1[1], pub2[1], "different codes");

    let (k1, k2) = (key_bytes(&v1, 1), key_bytes(&v2, 2));
    let (k1, k2) = (KeyView::new(&k1).unwrap(), KeyView::new(&k2).unwrap());
    let (vk1, vk2) = (k1.verifying_key(), k2.verifying_key());
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let p1 = prove(&k1, v1.witness(&in1).unwrap(), &mut rng, &Silent).expect("v1 proof");
    let p2 = prove(&k2, v2.witness(&in2).unwrap(), &mut rng, &Silent).expect("v2 proof");
    verify(&vk1, &p1, &pub1).expect("v1 proof under v1");
    verify(&vk2, &p2, &pub2).expect("v2 proof under v2");
    for public in [pub1, pub2] {
        assert!(verify(&vk2, &p1, &public).is_err(), "v1 proof under v2");
        assert!(verify(&vk1, &p2, &public).is_err(), "v2 proof under v1");
    }
    // A v2 witness does not fit the v1 key (different constraint systems).
    assert!(prove(&k1, v2.witness(&in2).unwrap(), &mut rng, &Silent).is_err());
}
