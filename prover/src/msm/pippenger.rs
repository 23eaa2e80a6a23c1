//! Pippenger's bucket method over signed-digit windows. Windows are independent, so they run in
//! parallel; each sorts its points by bucket (a counting sort into one buffer) and sums every
//! bucket at once, batch-affine, or adds them one by one into projective buckets.

use super::batch_add::BatchAdder;
use super::digits::{signed_digits, window_count, MAX_WINDOW};
use super::{signed_point, Term};
use ark_bn254::{G1Affine, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::Zero;
use rayon::prelude::*;
use zeroize::Zeroize;

/// Relative cost of putting one point into a bucket: a batch-affine addition plus its share of
/// the sort (≈ 7 field multiplications), or a mixed projective addition (≈ 11).
const POINT_COST_BATCH: u64 = 7;
const POINT_COST_PROJECTIVE: u64 = 11;
/// Relative cost of one bucket in the final running sum (a mixed and a projective addition).
const BUCKET_COST: u64 = 25;

/// The window minimising `windows · (points · point_cost + buckets · bucket_cost)`.
pub(super) fn best_window(points: usize, bits: u32, batch_affine: bool) -> u32 {
    let point_cost = if batch_affine {
        POINT_COST_BATCH
    } else {
        POINT_COST_PROJECTIVE
    };
    (1..=MAX_WINDOW)
        .min_by_key(|&c| {
            let per_window = points as u64 * point_cost + (1u64 << (c - 1)) * BUCKET_COST;
            window_count(bits, c) as u64 * per_window
        })
        .unwrap_or(1)
}

/// The buffers of [`msm`]: the terms' digits and one sorted-points buffer per thread, made on
/// the caller's thread and reused across calls ([`super::G1Buffers`] says why).
#[derive(Default)]
pub(super) struct Scratch {
    c: u32,
    windows: usize,
    digits: Vec<i16>,
    sorted: Vec<Vec<G1Affine>>,
}

impl Scratch {
    /// Sizes the buffers for `terms`, with window `window` (or the modelled best).
    pub(super) fn prepare(&mut self, terms: &[Term], batch_affine: bool, window: Option<u32>) {
        let bits = terms.iter().map(|t| t.bits()).max().unwrap_or(1).max(1);
        self.c = window
            .unwrap_or_else(|| best_window(terms.len(), bits, batch_affine))
            .clamp(1, MAX_WINDOW);
        self.windows = window_count(bits, self.c);
        self.digits.clear();
        self.digits.resize(terms.len() * self.windows, 0);
        let threads = rayon::current_num_threads().clamp(1, self.windows.max(1));
        self.sorted.resize_with(threads, Vec::new);
        if batch_affine {
            for pts in &mut self.sorted {
                pts.clear();
                pts.reserve(terms.len());
            }
        }
    }

    /// Wipes the digits (they encode the scalars).
    pub(super) fn wipe(&mut self) {
        self.digits.zeroize();
    }
}

/// `Σ ±mag·P` over `terms`, in the buffers `scratch` made for them.
pub(super) fn msm(
    bases: &[G1Affine],
    terms: &[Term],
    batch_affine: bool,
    scratch: &mut Scratch,
) -> G1Projective {
    if terms.is_empty() {
        return G1Projective::zero();
    }
    let Scratch {
        c,
        windows,
        digits,
        sorted,
    } = scratch;
    let (c, windows) = (*c, *windows);
    digits
        .par_chunks_mut(windows)
        .zip(terms.par_iter())
        .for_each(|(d, t)| signed_digits(&t.mag, c, d));
    let digits = &*digits;
    // Each thread takes a run of windows and reuses its sorted-points buffer across them.
    let per_group = windows.div_ceil(sorted.len());
    let mut sums = vec![G1Projective::zero(); windows];
    sums.par_chunks_mut(per_group)
        .zip(sorted.par_iter_mut())
        .enumerate()
        .for_each(|(g, (out, pts))| {
            for (k, s) in out.iter_mut().enumerate() {
                let w = g * per_group + k;
                let digit = |j: usize| digits[j * windows + w];
                *s = if batch_affine {
                    window_batch_affine(bases, terms, &digit, c, pts)
                } else {
                    window_projective(bases, terms, &digit, c)
                };
            }
        });
    sums.iter().rev().fold(G1Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// `Σ_b (b+1)·bucket_b` by a running sum from the top bucket down.
fn reduce_buckets<'a>(
    buckets: impl DoubleEndedIterator<Item = Option<&'a G1Affine>>,
) -> G1Projective {
    let mut running = G1Projective::zero();
    let mut total = G1Projective::zero();
    for b in buckets.rev() {
        if let Some(p) = b {
            running += p;
        }
        total += running;
    }
    total
}

fn window_batch_affine(
    bases: &[G1Affine],
    terms: &[Term],
    digit: &impl Fn(usize) -> i16,
    c: u32,
    pts: &mut Vec<G1Affine>,
) -> G1Projective {
    let n_buckets = 1usize << (c - 1);
    let mut lens = vec![0u32; n_buckets];
    for j in 0..terms.len() {
        let d = digit(j);
        if d != 0 {
            lens[d.unsigned_abs() as usize - 1] += 1;
        }
    }
    let mut starts = Vec::with_capacity(n_buckets);
    let mut at = 0u32;
    for &l in &lens {
        starts.push(at);
        at += l;
    }
    pts.clear();
    pts.resize(at as usize, G1Affine::identity());
    let mut cursor = starts.clone();
    for (j, t) in terms.iter().enumerate() {
        let d = digit(j);
        if d != 0 {
            let slot = &mut cursor[d.unsigned_abs() as usize - 1];
            pts[*slot as usize] = signed_point(bases, t.point, d < 0);
            *slot += 1;
        }
    }
    let mut sums = Vec::with_capacity(n_buckets);
    BatchAdder::default().sum_runs(pts, &starts, &mut lens, &mut sums);
    reduce_buckets(sums.iter().map(Option::as_ref))
}

fn window_projective(
    bases: &[G1Affine],
    terms: &[Term],
    digit: &impl Fn(usize) -> i16,
    c: u32,
) -> G1Projective {
    let mut buckets = vec![G1Projective::zero(); 1usize << (c - 1)];
    for (j, t) in terms.iter().enumerate() {
        let d = digit(j);
        if d != 0 {
            buckets[d.unsigned_abs() as usize - 1] += signed_point(bases, t.point, d < 0);
        }
    }
    let mut running = G1Projective::zero();
    let mut total = G1Projective::zero();
    for b in buckets.iter().rev() {
        running += b;
        total += running;
    }
    total
}
