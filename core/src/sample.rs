//! The embedded default sample: a deterministic synthetic normalized iris (image + mask) for demos,
//! benchmarks and tests. It is not a real person's iris: no biometric data ships with the SDK.

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

#[cfg(test)]
mod tests {
    use super::*;

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
