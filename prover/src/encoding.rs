//! Raw point encoding shared by `.zpk` and snarkjs `.zkey`: each base-field coordinate is its
//! Montgomery-form limbs, little-endian (what arkworks keeps in memory); G2 coordinates are
//! `x.c0, x.c1, y.c0, y.c1`; the point at infinity is all zero bytes.
//!
//! Decoding performs no validation (no range, curve or subgroup check): it is a copy. Integrity of
//! key bytes comes from the key file's digest, checked when the file is obtained.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Zero};

/// Bytes of one encoded G1 point.
pub const G1_BYTES: usize = 64;
/// Bytes of one encoded G2 point.
pub const G2_BYTES: usize = 128;

fn put_fq(x: &Fq, out: &mut [u8]) {
    for (i, limb) in x.0 .0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

fn get_fq(b: &[u8]) -> Fq {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i * 8..i * 8 + 8]);
        *limb = u64::from_le_bytes(w);
    }
    Fq::new_unchecked(BigInt(limbs))
}

/// Writes `p` into `out[..64]`.
pub fn put_g1(p: &G1Affine, out: &mut [u8]) {
    match p.xy() {
        None => out[..G1_BYTES].fill(0),
        Some((x, y)) => {
            put_fq(&x, &mut out[..32]);
            put_fq(&y, &mut out[32..64]);
        }
    }
}

/// Reads a point from `b[..64]` without validation.
pub fn get_g1(b: &[u8]) -> G1Affine {
    let (x, y) = (get_fq(&b[..32]), get_fq(&b[32..64]));
    if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    }
}

/// Writes `p` into `out[..128]`.
pub fn put_g2(p: &G2Affine, out: &mut [u8]) {
    match p.xy() {
        None => out[..G2_BYTES].fill(0),
        Some((x, y)) => {
            put_fq(&x.c0, &mut out[..32]);
            put_fq(&x.c1, &mut out[32..64]);
            put_fq(&y.c0, &mut out[64..96]);
            put_fq(&y.c1, &mut out[96..128]);
        }
    }
}

/// Reads a point from `b[..128]` without validation.
pub fn get_g2(b: &[u8]) -> G2Affine {
    let x = Fq2::new(get_fq(&b[..32]), get_fq(&b[32..64]));
    let y = Fq2::new(get_fq(&b[64..96]), get_fq(&b[96..128]));
    if x.is_zero() && y.is_zero() {
        G2Affine::identity()
    } else {
        G2Affine::new_unchecked(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn points_round_trip_including_infinity() {
        let mut rng = ark_std::test_rng();
        for _ in 0..8 {
            let p = (G1Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine();
            let q = (G2Affine::generator() * ark_bn254::Fr::rand(&mut rng)).into_affine();
            let (mut b1, mut b2) = ([0u8; G1_BYTES], [0u8; G2_BYTES]);
            put_g1(&p, &mut b1);
            put_g2(&q, &mut b2);
            assert_eq!(get_g1(&b1), p);
            assert_eq!(get_g2(&b2), q);
        }
        let mut b = [7u8; G1_BYTES];
        put_g1(&G1Affine::identity(), &mut b);
        assert_eq!(b, [0u8; G1_BYTES]);
        assert!(get_g1(&b).is_zero());
    }
}
