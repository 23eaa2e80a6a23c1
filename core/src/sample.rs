//! The embedded default samples, deterministic and synthetic, for demos, benchmarks and tests:
//! a normalized iris (image + mask), and face crops (an enrolled "face", camera-like perturbed
//! copies of it as selfies, other identities). They are not real people's irises or faces: no
//! biometric data ships with the SDK.
//!
//! The face crops are the development face model's training distribution
//! (`tests/face/make_face_model.py`): mid-gray plus smooth blobs, one pattern per identity. They
//! are computed in integer arithmetic only, so every platform makes the same bytes.

/// A synthetic 8-bit normalized iris of `rows x cols`, row-major, with a mask that occludes an
/// eyelid-shaped band and a specular spot, as real normalized irises have. Same `seed`, same bytes.
pub fn synthetic_iris(rows: usize, cols: usize, seed: u64) -> (Vec<u8>, Vec<bool>) {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic texture noise, no float on any proven path (the image is
        // input data; only its bytes matter).
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut image = Vec::with_capacity(rows * cols);
    let mut mask = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            // Radial fibres (columns are angles) plus crypts (blobs) plus noise.
            let fibre = ((c * 7 + (c * c) / 13 + r / 3) % 23) as i64 * 3;
            let crypt = if ((r / 9) * 31 + (c / 17) * 7) % 11 == 0 {
                -40
            } else {
                0
            };
            let noise = (next() % 25) as i64 - 12;
            let radial = (r as i64 * 40) / rows.max(1) as i64;
            image.push((90 + fibre + crypt + noise + radial).clamp(0, 255) as u8);
            let eyelid = r * 4 >= rows * 3 && (c * 8 / cols.max(1)) % 4 == 1;
            let spot = r * 8 < rows && (c * 16 / cols.max(1)) == 5;
            mask.push(!(eyelid || spot));
        }
    }
    (image, mask)
}

/// xorshift64*: a deterministic stream from `seed` (texture and layout, not secrets).
fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A uniform integer in `[lo, hi]` from `next`.
fn uniform(next: &mut impl FnMut() -> u64, lo: i64, hi: i64) -> i64 {
    lo + (next() % (hi - lo + 1) as u64) as i64
}

/// A synthetic `height x width` 8-bit grayscale face crop of `identity`, row-major: mid-gray
/// plus 10 to 16 smooth blobs (bumps `a·(1 − r²/6.25)²` in the blob's own scale, `a` in ±90,
/// scales of 2.5 to 9 pixels, the dev model's training images' shape with a bounded bump for
/// its Gaussian). Same identity, same bytes; different identities are unrelated patterns.
pub fn synthetic_face(height: usize, width: usize, identity: u64) -> Vec<u8> {
    let mut next = stream(identity.wrapping_mul(0xd134_2543_de82_ef95) ^ 0xface);
    // Positions and scales in 1/256 pixel.
    let margin = 4 * 256;
    let span = |side: usize| ((side as i64 * 256) - margin).max(margin + 1);
    let blobs: Vec<[i64; 5]> = (0..uniform(&mut next, 10, 16))
        .map(|_| {
            [
                uniform(&mut next, margin.min(span(height)), span(height)),
                uniform(&mut next, margin.min(span(width)), span(width)),
                uniform(&mut next, 640, 2304),
                uniform(&mut next, 640, 2304),
                uniform(&mut next, -90, 90),
            ]
        })
        .collect();
    let mut image = Vec::with_capacity(height * width);
    for y in 0..height as i64 {
        for x in 0..width as i64 {
            // Value in 1/256 gray levels.
            let mut v: i64 = 128 << 8;
            for &[cy, cx, sy, sx, a] in &blobs {
                let (dy, dx) = (y * 256 + 128 - cy, x * 256 + 128 - cx);
                // r² in 1/65536: (dy/sy)² + (dx/sx)².
                let r2 = (dy * dy * 65536) / (sy * sy) + (dx * dx * 65536) / (sx * sx);
                let u = 65536 - r2 * 4 / 25;
                if u > 0 {
                    v += a * 256 * ((u * u) >> 16) / 65536;
                }
            }
            image.push(((v + 128) >> 8).clamp(0, 255) as u8);
        }
    }
    image
}

/// A camera-like copy of a `height x width` face crop (a selfie of the same person): shifted by
/// up to one pixel each way (edges replicated), contrast 0.92 to 1.08, brightness ±12, and
/// per-pixel noise of ±6 (triangular). Same `seed`, same bytes.
pub fn perturbed_face(face: &[u8], height: usize, width: usize, seed: u64) -> Vec<u8> {
    let mut next = stream(seed ^ 0x5e1f_1e00);
    let (dy, dx) = (uniform(&mut next, -1, 1), uniform(&mut next, -1, 1));
    let contrast = uniform(&mut next, 59, 69); // in 1/64
    let brightness = uniform(&mut next, -12, 12);
    let at = |y: i64, x: i64| -> i64 {
        let y = y.clamp(0, height as i64 - 1) as usize;
        let x = x.clamp(0, width as i64 - 1) as usize;
        face.get(y * width + x).copied().map_or(128, i64::from)
    };
    let mut out = Vec::with_capacity(height * width);
    for y in 0..height as i64 {
        for x in 0..width as i64 {
            let noise = uniform(&mut next, -3, 3) + uniform(&mut next, -3, 3);
            let p = (at(y + dy, x + dx) - 128) * contrast / 64 + 128 + brightness + noise;
            out.push(p.clamp(0, 255) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_are_deterministic_and_perturbations_small() {
        let a = synthetic_face(64, 64, 7);
        assert_eq!(a.len(), 64 * 64);
        assert_eq!(a, synthetic_face(64, 64, 7));
        let other = synthetic_face(64, 64, 8);
        let dist = |x: &[u8], y: &[u8]| -> u64 {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| u64::from(p.abs_diff(q)))
                .sum::<u64>()
                / x.len() as u64
        };
        // A pattern, not a flat image.
        let distinct: std::collections::HashSet<u8> = a.iter().copied().collect();
        assert!(distinct.len() > 40, "{}", distinct.len());
        let p = perturbed_face(&a, 64, 64, 1);
        assert_eq!(p, perturbed_face(&a, 64, 64, 1));
        assert_ne!(p, perturbed_face(&a, 64, 64, 2));
        assert_ne!(p, a);
        assert!(dist(&a, &p) < 20, "{}", dist(&a, &p));
        assert!(dist(&a, &other) > dist(&a, &p));
        assert_eq!(synthetic_face(8, 8, 3).len(), 64);
    }

    #[test]
    fn deterministic_and_partly_masked() {
        let (a, m) = synthetic_iris(128, 512, 1);
        assert_eq!((a.clone(), m.clone()), synthetic_iris(128, 512, 1));
        assert_ne!(a, synthetic_iris(128, 512, 2).0);
        let valid = m.iter().filter(|&&v| v).count();
        assert!(
            valid > 128 * 512 * 3 / 4 && valid < 128 * 512,
            "valid = {valid}"
        );
        let distinct: std::collections::HashSet<u8> = a.iter().copied().collect();
        assert!(distinct.len() > 100);
    }
}

#[cfg(test)]
mod face_model_tests {
    use super::*;
    use zkbio_circuits::gadgets::cosine::matches;
    use zkbio_circuits::models::face::{FaceModel, DEV_TAU};

    /// What the demo relies on: under the development face model at its `DEV_TAU`, every
    /// perturbed selfie matches its identity's enrolled crop and no other identity's crop
    /// matches it (measured: genuine similarities >= 63312, impostors <= 44760 of 65536).
    #[test]
    fn the_dev_model_matches_selfies_of_the_same_identity_only() {
        let m = FaceModel::from_bytes(include_bytes!(
            "../../circuits/tests/data/face/face_dev.tflite"
        ))
        .unwrap();
        let ids = 6u64;
        let enrolled: Vec<Vec<i8>> = (0..ids)
            .map(|i| m.embed(&synthetic_face(64, 64, i)).unwrap())
            .collect();
        for i in 0..ids {
            let face = synthetic_face(64, 64, i);
            for s in 0..3 {
                let t = m.embed(&perturbed_face(&face, 64, 64, i * 10 + s)).unwrap();
                assert!(
                    matches(&t, &enrolled[i as usize], DEV_TAU),
                    "id {i} selfie {s}"
                );
            }
            for j in 0..ids {
                let same = i == j;
                assert_eq!(
                    matches(&enrolled[j as usize], &enrolled[i as usize], DEV_TAU),
                    same,
                    "ids {i} {j}"
                );
            }
        }
    }
}
