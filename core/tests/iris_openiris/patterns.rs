//! The integer-only image and mask generators of `tests/openiris/gen_vectors.py`, re-implemented
//! so committed vectors need no image files. The manifest's SHA3-256 of each image and mask
//! checks that both implementations agree.

use serde_json::Value;

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64 outputs `mix(seed + i * GAMMA)` for `i = 1..=n`.
pub fn stream(seed: u64, n: usize) -> Vec<u64> {
    (1..=n as u64)
        .map(|i| {
            let mut z = seed.wrapping_add(i.wrapping_mul(GAMMA));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("spec field {key} in {v}"))
}

/// The image of `spec`, row-major.
pub fn image(spec: &Value, rows: usize, cols: usize) -> Vec<u8> {
    let base = &spec["base"];
    let kind = base["kind"].as_str().expect("kind");
    let n = rows * cols;
    let at = |f: &dyn Fn(i64, i64) -> i64| -> Vec<i64> {
        (0..n)
            .map(|i| f((i / cols) as i64, (i % cols) as i64))
            .collect()
    };
    let mut img: Vec<i64> = match kind {
        "const" => vec![int(base, "value"); n],
        "random" => stream(int(base, "seed") as u64, n)
            .iter()
            .map(|z| (z % 256) as i64)
            .collect(),
        "random_range" => {
            let (lo, hi) = (int(base, "lo"), int(base, "hi"));
            stream(int(base, "seed") as u64, n)
                .iter()
                .map(|z| lo + (z % (hi - lo + 1) as u64) as i64)
                .collect()
        }
        "stripes_rows" | "stripes_cols" => {
            let (p, lo, hi) = (int(base, "period"), int(base, "lo"), int(base, "hi"));
            let by_row = kind == "stripes_rows";
            at(&|r, c| {
                let t = if by_row { r } else { c };
                if (t / p) % 2 == 1 {
                    hi
                } else {
                    lo
                }
            })
        }
        "checker" => {
            let cell = int(base, "cell");
            at(&|r, c| ((r / cell + c / cell) % 2) * 255)
        }
        "gradient_cols" => at(&|_, c| c * 255 / (cols as i64 - 1)),
        "gradient_rows" => at(&|r, _| r * 255 / (rows as i64 - 1)),
        other => panic!("unknown image kind {other}"),
    };
    for op in spec["ops"].as_array().into_iter().flatten() {
        img = match op["op"].as_str().expect("op") {
            "blur" => blur(&img, rows, cols, int(op, "radius") as usize),
            "roll_cols" => {
                let s = int(op, "shift");
                let c = cols as i64;
                (0..n)
                    .map(|i| {
                        let (r, col) = (i / cols, (i % cols) as i64);
                        img[r * cols + (col - s).rem_euclid(c) as usize]
                    })
                    .collect()
            }
            "noise" => {
                let a = int(op, "amplitude");
                let z = stream(int(op, "seed") as u64, n);
                img.iter()
                    .zip(z)
                    .map(|(&v, z)| (v + (z % (2 * a + 1) as u64) as i64 - a).clamp(0, 255))
                    .collect()
            }
            other => panic!("unknown image op {other}"),
        };
    }
    img.into_iter()
        .map(|v| u8::try_from(v).expect("pixel in 0..=255"))
        .collect()
}

/// Box blur: columns wrap around, rows are clamped (both with floor division).
fn blur(img: &[i64], rows: usize, cols: usize, k: usize) -> Vec<i64> {
    let mut h = vec![0i64; img.len()];
    for r in 0..rows {
        for c in 0..cols {
            let s: i64 = (0..=2 * k)
                .map(|d| img[r * cols + (c + cols * (k / cols + 1) + d - k) % cols])
                .sum();
            h[r * cols + c] = s / (2 * k + 1) as i64;
        }
    }
    let mut out = vec![0i64; img.len()];
    for r in 0..rows {
        let (lo, hi) = (r.saturating_sub(k), (r + k + 1).min(rows));
        for c in 0..cols {
            let s: i64 = (lo..hi).map(|q| h[q * cols + c]).sum();
            out[r * cols + c] = s / (hi - lo) as i64;
        }
    }
    out
}

/// The mask of `spec`, row-major.
pub fn mask(spec: &Value, rows: usize, cols: usize) -> Vec<bool> {
    let mut m = vec![spec["base"].as_bool().expect("base"); rows * cols];
    let mut set = |r: usize, c: usize, v: bool| m[r * cols + c] = v;
    for op in spec["ops"].as_array().into_iter().flatten() {
        let value = op["value"].as_bool().unwrap_or(false);
        let clip = |v: i64| (v.max(0) as usize).min(rows);
        match op["op"].as_str().expect("op") {
            "rows" => {
                for r in clip(int(op, "from"))..clip(int(op, "to")) {
                    (0..cols).for_each(|c| set(r, c, value));
                }
            }
            "cols" => {
                let to = (int(op, "to") as usize).min(cols);
                for c in int(op, "from") as usize..to {
                    (0..rows).for_each(|r| set(r, c, value));
                }
            }
            "every_nth_row" => {
                for r in (int(op, "offset") as usize..rows).step_by(int(op, "n") as usize) {
                    (0..cols).for_each(|c| set(r, c, value));
                }
            }
            "random_off" => {
                let p = int(op, "permille") as u64;
                for (i, z) in stream(int(op, "seed") as u64, rows * cols)
                    .iter()
                    .enumerate()
                {
                    if z % 1000 < p {
                        set(i / cols, i % cols, false);
                    }
                }
            }
            "rect" => {
                let (r0, h) = (int(op, "row"), int(op, "height"));
                let (c0, w) = (int(op, "col") as usize, int(op, "width") as usize);
                for r in clip(r0)..clip(r0 + h) {
                    (0..w).for_each(|d| set(r, (c0 + d) % cols, value));
                }
            }
            "blobs_off" => {
                let count = int(op, "count") as usize;
                let (mh, mw) = (int(op, "max_height") as u64, int(op, "max_width") as u64);
                let z = stream(int(op, "seed") as u64, 4 * count);
                for b in z.chunks_exact(4) {
                    let (r0, c0) = ((b[0] % rows as u64) as usize, (b[1] % cols as u64) as usize);
                    let (h, w) = (1 + (b[2] % mh) as usize, 1 + (b[3] % mw) as usize);
                    for r in r0..(r0 + h).min(rows) {
                        (0..w).for_each(|d| set(r, (c0 + d) % cols, false));
                    }
                }
            }
            other => panic!("unknown mask op {other}"),
        }
    }
    m
}
