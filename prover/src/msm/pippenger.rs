//! Pippenger's bucket method over signed-digit windows. Windows are independent, so they run in
//! parallel; each sorts its points by bucket (a counting sort into one buffer) and sums every
//! bucket at once, batch-affine, or adds them one by one into projective buckets.
//!
//! Batch-affine buckets are carried from one call to the next (the prover's chunks of one
//! stream): each bucket's sum so far enters the next chunk's run as one more point, and the
//! buckets are reduced once, in [`Scratch::finish`]. Reducing them per chunk costs about 25
//! multiplications per bucket against about 6 to carry one, which was 16% of the H MSM in
//! 2^18-point chunks (`MSM_CHUNKS` in `prover/benches/msm.rs`).

use super::batch_add::BatchAdder;
use super::digits::{signed_digits, window_count, MAX_WINDOW};
use super::{signed_point, Term};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
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
/// Relative cost of carrying one batch-affine bucket into the next chunk's run (its share of an
/// addition and of the copies).
const CARRY_COST: u64 = 7;

/// The window minimising `windows · (points · point_cost + buckets · bucket_cost)` per chunk of
/// a stream of about `chunks` chunks: batch-affine buckets are carried between chunks, so each
/// chunk pays their carrying and a `1/chunks` share of reducing them.
pub(super) fn best_window(points: usize, bits: u32, batch_affine: bool, chunks: usize) -> u32 {
    let (point_cost, bucket_cost) = if batch_affine {
        let chunks = chunks.max(1) as u64;
        (POINT_COST_BATCH, CARRY_COST + BUCKET_COST.div_ceil(chunks))
    } else {
        (POINT_COST_PROJECTIVE, BUCKET_COST)
    };
    (1..=MAX_WINDOW)
        .min_by_key(|&c| {
            let per_window = points as u64 * point_cost + (1u64 << (c - 1)) * bucket_cost;
            window_count(bits, c) as u64 * per_window
        })
        .unwrap_or(1)
}

/// The buffers of [`msm`]: the terms' digits and one sorted-points buffer per thread, made on
/// the caller's thread and reused across calls ([`super::G1Buffers`] says why), and the
/// buckets carried between calls.
pub(super) struct Scratch<P: SWCurveConfig> {
    c: u32,
    windows: usize,
    digits: Vec<i16>,
    sorted: Vec<Vec<Affine<P>>>,
    /// Per window, each bucket's sum so far (batch-affine only; empty when nothing is carried).
    carry: Vec<Vec<Option<Affine<P>>>>,
    /// What earlier carries reduced to, when a later call needed a wider window.
    flushed: Projective<P>,
}

impl<P: SWCurveConfig> Default for Scratch<P> {
    fn default() -> Self {
        Scratch {
            c: 0,
            windows: 0,
            digits: Vec::new(),
            sorted: Vec::new(),
            carry: Vec::new(),
            flushed: Projective::zero(),
        }
    }
}

impl<P: SWCurveConfig> Scratch<P> {
    /// Sizes the buffers for `terms`, with window `window` (or the modelled best for a stream of
    /// about `chunks` such calls).
    ///
    /// With buckets carried, their window is kept unless `terms` want a wider one (then the
    /// carry is reduced first): a narrower chunk (a stream's last) pays little for the wider
    /// window, since its buckets are not reduced.
    pub(super) fn prepare(
        &mut self,
        terms: &[Term],
        batch_affine: bool,
        window: Option<u32>,
        chunks: usize,
    ) {
        let bits = terms.iter().map(|t| t.bits()).max().unwrap_or(1).max(1);
        let want = window
            .unwrap_or_else(|| best_window(terms.len(), bits, batch_affine, chunks))
            .clamp(1, MAX_WINDOW);
        let carried = !self.carry.is_empty();
        if carried && (want > self.c || !batch_affine) {
            let reduced = self.reduce_carry();
            self.flushed += reduced;
        }
        if self.carry.is_empty() {
            self.c = want;
        }
        self.windows = window_count(bits, self.c).max(self.carry.len());
        if batch_affine && !terms.is_empty() {
            // Sized here, on the caller's thread, rather than by the window's worker.
            self.carry.resize_with(self.windows, Vec::new);
            for buckets in &mut self.carry {
                buckets.resize(1 << (self.c - 1), None);
            }
        }
        self.digits.clear();
        self.digits.resize(terms.len() * self.windows, 0);
        let threads = rayon::current_num_threads().clamp(1, self.windows.max(1));
        self.sorted.resize_with(threads, Vec::new);
        if batch_affine {
            // A window's runs hold its new points and at most one carried sum per bucket.
            let most = terms.len() + (1 << (self.c - 1));
            for pts in &mut self.sorted {
                pts.clear();
                pts.reserve(most);
            }
        }
    }

    /// The carried buckets' sum `Σ_w 2^(c·w) Σ_b (b+1)·bucket_{w,b}`; nothing is carried after.
    fn reduce_carry(&mut self) -> Projective<P> {
        let c = self.c;
        let sums: Vec<Projective<P>> = self
            .carry
            .par_iter()
            .map(|buckets| reduce_buckets(buckets.iter().map(Option::as_ref)))
            .collect();
        self.wipe_carry();
        combine_windows(&sums, c)
    }

    /// Everything [`msm`] added since the last call; the buckets are reduced and dropped.
    pub(super) fn finish(&mut self) -> Projective<P> {
        std::mem::take(&mut self.flushed) + self.reduce_carry()
    }

    fn wipe_carry(&mut self) {
        for buckets in &mut self.carry {
            buckets.iter_mut().flatten().for_each(Zeroize::zeroize);
        }
        self.carry.clear();
    }

    /// Wipes the digits (they encode the scalars) and the carried buckets (sums chosen by them).
    pub(super) fn wipe(&mut self) {
        self.digits.zeroize();
        self.wipe_carry();
        self.flushed.zeroize();
    }
}

/// `Σ ±mag·P` over `terms`, in the buffers `scratch` made for them: returned when summed
/// projectively, added into the carried buckets (and so to [`Scratch::finish`]) when summed
/// batch-affine.
pub(super) fn msm<P: SWCurveConfig>(
    bases: &[Affine<P>],
    terms: &[Term],
    batch_affine: bool,
    scratch: &mut Scratch<P>,
) -> Projective<P> {
    if terms.is_empty() {
        return Projective::zero();
    }
    let Scratch {
        c,
        windows,
        digits,
        sorted,
        carry,
        ..
    } = scratch;
    let (c, windows) = (*c, *windows);
    digits
        .par_chunks_mut(windows)
        .zip(terms.par_iter())
        .for_each(|(d, t)| signed_digits(&t.mag, c, d));
    let digits = &*digits;
    // Each thread takes a run of windows and reuses its sorted-points buffer across them.
    let per_group = windows.div_ceil(sorted.len());
    if batch_affine {
        carry
            .par_chunks_mut(per_group)
            .zip(sorted.par_iter_mut())
            .enumerate()
            .for_each(|(g, (out, pts))| {
                for (k, buckets) in out.iter_mut().enumerate() {
                    let w = g * per_group + k;
                    let digit = |j: usize| digits[j * windows + w];
                    window_batch_affine(bases, terms, &digit, c, pts, buckets);
                }
            });
        return Projective::zero();
    }
    let mut sums = vec![Projective::<P>::zero(); windows];
    sums.par_chunks_mut(per_group)
        .enumerate()
        .for_each(|(g, out)| {
            for (k, s) in out.iter_mut().enumerate() {
                let w = g * per_group + k;
                let digit = |j: usize| digits[j * windows + w];
                *s = window_projective(bases, terms, &digit, c);
            }
        });
    combine_windows(&sums, c)
}

/// `Σ_w 2^(c·w)·sums[w]`, by doubling from the top window down.
fn combine_windows<P: SWCurveConfig>(sums: &[Projective<P>], c: u32) -> Projective<P> {
    sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// `Σ_b (b+1)·bucket_b` by a running sum from the top bucket down.
fn reduce_buckets<'a, P: SWCurveConfig>(
    buckets: impl DoubleEndedIterator<Item = Option<&'a Affine<P>>>,
) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for b in buckets.rev() {
        if let Some(p) = b {
            running += p;
        }
        total += running;
    }
    total
}

/// Adds one window's points into its carried `buckets` ([`Scratch::prepare`] sized them on the
/// caller's thread; the `resize` here only keeps a mis-sized call correct): each bucket's run is
/// its carried sum, if any, then the new points.
fn window_batch_affine<P: SWCurveConfig>(
    bases: &[Affine<P>],
    terms: &[Term],
    digit: &impl Fn(usize) -> i16,
    c: u32,
    pts: &mut Vec<Affine<P>>,
    buckets: &mut Vec<Option<Affine<P>>>,
) {
    let n_buckets = 1usize << (c - 1);
    buckets.resize(n_buckets, None);
    let mut lens: Vec<u32> = buckets.iter().map(|b| b.is_some() as u32).collect();
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
    pts.resize(at as usize, Affine::identity());
    let mut cursor = starts.clone();
    for (slot, b) in cursor.iter_mut().zip(buckets.iter()) {
        if let Some(p) = b {
            pts[*slot as usize] = *p;
            *slot += 1;
        }
    }
    for (j, t) in terms.iter().enumerate() {
        let d = digit(j);
        if d != 0 {
            let slot = &mut cursor[d.unsigned_abs() as usize - 1];
            pts[*slot as usize] = signed_point(bases, t.point, d < 0);
            *slot += 1;
        }
    }
    BatchAdder::default().sum_runs(pts, &starts, &mut lens, buckets);
}

fn window_projective<P: SWCurveConfig>(
    bases: &[Affine<P>],
    terms: &[Term],
    digit: &impl Fn(usize) -> i16,
    c: u32,
) -> Projective<P> {
    let mut buckets = vec![Projective::<P>::zero(); 1usize << (c - 1)];
    for (j, t) in terms.iter().enumerate() {
        let d = digit(j);
        if d != 0 {
            buckets[d.unsigned_abs() as usize - 1] += signed_point(bases, t.point, d < 0);
        }
    }
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for b in buckets.iter().rev() {
        running += b;
        total += running;
    }
    total
}
