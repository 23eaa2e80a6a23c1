//! Pippenger's bucket method over signed-digit windows. Windows are independent, so they run in
//! parallel; each adds its points into its buckets batch-affine, in place ([`fits_in_place`]) or
//! by sorting them by bucket (a counting sort into one buffer) and summing every bucket's run at
//! once, or adds them one by one into projective buckets.
//!
//! Batch-affine buckets are carried from one call to the next (the prover's chunks of one
//! stream): each bucket's sum so far enters the next chunk's run as one more point, and the
//! buckets are reduced once, in [`Scratch::finish`]. Reducing them per chunk costs about 25
//! multiplications per bucket against about 6 to carry one, which was 16% of the H MSM in
//! 2^18-point chunks (`MSM_CHUNKS` in `prover/benches/msm.rs`).

use super::batch_add::{BatchAdder, BucketAdder};
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
    /// Whether the windows add their points into the buckets in place ([`fits_in_place`]).
    in_place: bool,
    digits: Vec<i16>,
    /// Per thread: a bucket adder (wide windows) or a sorted-points buffer (narrow ones).
    adders: Vec<BucketAdder<P>>,
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
            in_place: false,
            digits: Vec::new(),
            adders: Vec::new(),
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
        in_place: bool,
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
        self.adders.resize_with(threads, BucketAdder::default);
        self.sorted.resize_with(threads, Vec::new);
        self.in_place = batch_affine && in_place && fits_in_place::<P>(self.c);
        if self.in_place {
            for adder in &mut self.adders {
                adder.reserve(1 << (self.c - 1));
            }
        } else if batch_affine {
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

    /// Wipes the digits (they encode the scalars), what was sorted or queued by them and the
    /// carried buckets (sums chosen by them).
    pub(super) fn wipe(&mut self) {
        self.digits.zeroize();
        // Which bucket a point went to is a digit; the runs' order and the adders' queues keep it.
        self.sorted.iter_mut().for_each(Zeroize::zeroize);
        self.adders.iter_mut().for_each(BucketAdder::wipe);
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
        in_place,
        digits,
        adders,
        sorted,
        carry,
        ..
    } = scratch;
    let (c, windows, in_place) = (*c, *windows, *in_place);
    digits
        .par_chunks_mut(windows)
        .zip(terms.par_iter())
        .for_each(|(d, t)| signed_digits(&t.mag, c, d));
    let digits = &*digits;
    // Each thread takes a run of windows and reuses its bucket adder or sorted-points buffer
    // across them.
    let per_group = windows.div_ceil(adders.len());
    if batch_affine {
        carry
            .par_chunks_mut(per_group)
            .zip(adders.par_iter_mut().zip(sorted.par_iter_mut()))
            .enumerate()
            .for_each(|(g, (out, (adder, pts)))| {
                for (k, buckets) in out.iter_mut().enumerate() {
                    let w = g * per_group + k;
                    let digit = |j: usize| digits[j * windows + w];
                    if in_place {
                        window_in_place(bases, terms, &digit, c, adder, buckets);
                    } else {
                        window_sorted(bases, terms, &digit, c, pts, buckets);
                    }
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

/// Whether a window of `c` bits adds its points into the buckets in place ([`BucketAdder`]) rather
/// than sorting them into runs. Its bucket accesses are random, so it pays only when the buckets
/// are many (with few, a batch of pending additions finds most of them busy and the queue is
/// pushed again and again), fit a core's L2, and a point is one cache line: on the full iris
/// proof, G1's `2^14` buckets (1 MiB) in place made the H MSM 8–12% faster, while G2's
/// (128-byte points; `2^12` of them, 0.5 MiB) made the G2 phase 40% slower (`zkbio -v prove`).
fn fits_in_place<P: SWCurveConfig>(c: u32) -> bool {
    let buckets = 1usize << (c - 1);
    let point = std::mem::size_of::<Affine<P>>();
    let bucket = std::mem::size_of::<Option<Affine<P>>>();
    buckets >= IN_PLACE_MIN_BUCKETS && point <= 64 && buckets * bucket <= IN_PLACE_MAX_BYTES
}

/// See [`fits_in_place`]: `BATCH` pending additions among `2^12` buckets queue about an eighth
/// of the points.
const IN_PLACE_MIN_BUCKETS: usize = 1 << 12;
/// See [`fits_in_place`]: a phone core's L2 is 512 KiB to 1 MiB, this machine's 1 MiB.
const IN_PLACE_MAX_BYTES: usize = 3 << 19;

/// Adds one window's points into its carried `buckets` in place ([`Scratch::prepare`] sized them
/// and the adder on the caller's thread; the `resize` here only keeps a mis-sized call correct).
fn window_in_place<P: SWCurveConfig>(
    bases: &[Affine<P>],
    terms: &[Term],
    digit: &impl Fn(usize) -> i16,
    c: u32,
    adder: &mut BucketAdder<P>,
    buckets: &mut Vec<Option<Affine<P>>>,
) {
    let n_buckets = 1usize << (c - 1);
    buckets.resize(n_buckets, None);
    if adder.buckets() < n_buckets {
        adder.reserve(n_buckets);
    }
    for (j, t) in terms.iter().enumerate() {
        let d = digit(j);
        if d != 0 {
            let p = signed_point(bases, t.point, d < 0);
            adder.add(buckets, d.unsigned_abs() as u32 - 1, p);
        }
    }
    adder.finish(buckets);
}

/// Adds one window's points into its carried `buckets` by sorting them into runs, one per
/// bucket (its carried sum, if any, then the new points), summed together ([`BatchAdder`]).
fn window_sorted<P: SWCurveConfig>(
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
