//! Batch-affine summation: every run of affine points is summed pairwise in rounds, and each
//! round's additions share one field inversion (Montgomery's trick), so an addition costs about
//! six field multiplications instead of the eleven of a mixed projective addition.
//!
//! Generic over the short-Weierstrass curve: the same code sums BN254's G1 (over `Fq`) and G2
//! (over `Fq2`) points.
//!
//! Runs are contiguous ranges of one buffer and are reduced in place: pair `j` of a run starting
//! at `s` reads `s+2j, s+2j+1` and writes `s+j`. Pairs are processed in increasing `j`, so a
//! write never lands on a point a later pair still has to read.

use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, Zero};
use zeroize::Zeroize;

/// Additions whose inversions are batched together: enough to amortise the inversion (about 100
/// multiplications), few enough that the pairs stay in cache.
const BATCH: usize = 1024;

/// How a pair is combined once the batch's inverses are known.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `x2 ≠ x1`: the chord through the two points.
    Chord,
    /// `P + P`: the tangent.
    Double,
    /// Needs no inverse: one side is the identity, or `P + (−P)`.
    Trivial,
    /// An odd run's last point moves down unchanged.
    Move,
}

/// One pending step: read `a` (and `b`), write `dst`.
#[derive(Clone, Copy)]
struct Step {
    a: u32,
    b: u32,
    dst: u32,
    kind: Kind,
}

/// Reusable buffers of one summation, so rounds allocate nothing.
pub(super) struct BatchAdder<P: SWCurveConfig> {
    steps: Vec<Step>,
    dens: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> Default for BatchAdder<P> {
    fn default() -> Self {
        BatchAdder {
            steps: Vec::new(),
            dens: Vec::new(),
            prefix: Vec::new(),
        }
    }
}

fn classify<P: SWCurveConfig>(p: &Affine<P>, q: &Affine<P>) -> (Kind, P::BaseField) {
    if p.is_zero() || q.is_zero() {
        (Kind::Trivial, P::BaseField::ONE)
    } else if p.x != q.x {
        (Kind::Chord, q.x - p.x)
    } else if p.y == q.y && !p.y.is_zero() {
        (Kind::Double, p.y.double())
    } else {
        (Kind::Trivial, P::BaseField::ONE)
    }
}

/// Replaces every element of `dens` by its inverse with one field inversion (Montgomery's
/// trick), `prefix` holding the running products. Every denominator is non-zero: chords have
/// `x2 ≠ x1`, tangents `y ≠ 0`, other steps 1.
fn invert_all<F: Field>(dens: &mut [F], prefix: &mut Vec<F>) {
    prefix.clear();
    let mut acc = F::ONE;
    for d in dens.iter() {
        prefix.push(acc);
        acc *= d;
    }
    let mut inv = acc.inverse().unwrap_or(F::ONE);
    for (d, before) in dens.iter_mut().zip(prefix.iter()).rev() {
        let next = inv * *d;
        *d = inv * before;
        inv = next;
    }
}

fn combine<P: SWCurveConfig>(
    p: &Affine<P>,
    q: &Affine<P>,
    kind: Kind,
    inv: &P::BaseField,
) -> Affine<P> {
    let slope = match kind {
        Kind::Chord => (q.y - p.y) * inv,
        Kind::Double => {
            let xx = p.x.square();
            let mut num = xx.double() + xx;
            // `a` is zero on BN254's G1 and G2: skipped at no cost there.
            if !P::COEFF_A.is_zero() {
                num += P::COEFF_A;
            }
            num * inv
        }
        Kind::Move => return *p,
        Kind::Trivial => {
            return if p.is_zero() {
                *q
            } else if q.is_zero() {
                *p
            } else {
                // Same x, different y (or y = 0): the points cancel.
                Affine::identity()
            };
        }
    };
    let x3 = slope.square() - p.x - q.x;
    let y3 = slope * (p.x - x3) - p.y;
    Affine::new_unchecked(x3, y3)
}

impl<P: SWCurveConfig> BatchAdder<P> {
    /// Replaces each run `pts[start[i]..start[i] + len[i]]` by its sum, stored at `pts[start[i]]`
    /// (the identity for an empty run, which is left untouched and reported as `None`).
    /// Returns each run's sum.
    pub(super) fn sum_runs(
        &mut self,
        pts: &mut [Affine<P>],
        starts: &[u32],
        lens: &mut [u32],
        out: &mut Vec<Option<Affine<P>>>,
    ) {
        loop {
            let mut any = false;
            for (&s, l) in starts.iter().zip(lens.iter_mut()) {
                let len = *l;
                if len < 2 {
                    continue;
                }
                any = true;
                for j in 0..len / 2 {
                    self.push(pts, s + 2 * j, s + 2 * j + 1, s + j);
                    // Flushing inside a run is safe: later pairs read above every write so far.
                    if self.steps.len() >= BATCH {
                        self.flush(pts);
                    }
                }
                if len % 2 == 1 {
                    self.steps.push(Step {
                        a: s + len - 1,
                        b: s + len - 1,
                        dst: s + len / 2,
                        kind: Kind::Move,
                    });
                    self.dens.push(P::BaseField::ONE);
                }
                *l = len.div_ceil(2);
            }
            self.flush(pts);
            if !any {
                break;
            }
        }
        out.clear();
        out.extend(
            starts
                .iter()
                .zip(lens.iter())
                .map(|(&s, &l)| (l == 1).then(|| pts[s as usize])),
        );
    }

    fn push(&mut self, pts: &[Affine<P>], a: u32, b: u32, dst: u32) {
        let (kind, den) = classify(&pts[a as usize], &pts[b as usize]);
        self.steps.push(Step { a, b, dst, kind });
        self.dens.push(den);
    }

    /// Inverts the pending denominators together and writes the pending steps in order.
    fn flush(&mut self, pts: &mut [Affine<P>]) {
        if self.steps.is_empty() {
            return;
        }
        invert_all(&mut self.dens, &mut self.prefix);
        for (st, inv) in self.steps.iter().zip(&self.dens) {
            let r = combine(&pts[st.a as usize], &pts[st.b as usize], st.kind, inv);
            pts[st.dst as usize] = r;
        }
        self.steps.clear();
        self.dens.clear();
    }
}

/// Additions of points into a window's buckets in place, `bucket[b] += p` in the order the points
/// come, with the pending additions' inversions shared (Montgomery's trick).
///
/// Why not sort the points by bucket and sum each bucket's run ([`BatchAdder::sum_runs`], what the
/// windows did before): the sort copies every point (64 bytes on G1) to a slot among `2^(c−1)`
/// scattered write positions, and that copy cost about as much as the additions' bookkeeping.
/// Here each point is read once, in order, and only the buckets (1 MiB at `c = 15`, a core's L2
/// here) are accessed at random.
///
/// A bucket with an addition pending cannot take another until the batch is flushed (its sum is
/// not known yet): such a point waits in a queue and is pushed again after the flush. With
/// `BATCH` pending additions over `2^14` buckets that is a few percent of the points. When the
/// points crowd into few buckets (many equal scalars), the queue would be pushed again at every
/// flush, each time finding its buckets busy; once it holds `BATCH` points it is instead sorted
/// by bucket and each bucket's queued points summed as one run ([`BatchAdder::sum_runs`]), so
/// a bucket gets one addition per flush whatever the input.
pub(super) struct BucketAdder<P: SWCurveConfig> {
    /// The pending additions: bucket, point, and how they combine.
    pending: Vec<(u32, Affine<P>, Kind)>,
    dens: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    /// Whether a bucket has an addition pending.
    busy: Vec<bool>,
    /// Points whose bucket was busy when they came.
    queue: Vec<(u32, Affine<P>)>,
    requeue: Vec<(u32, Affine<P>)>,
    /// A crowded queue's points by bucket, its runs and their sums.
    runs: RunBuffers<P>,
}

/// The buffers of [`BucketAdder`]'s crowded-queue path.
struct RunBuffers<P: SWCurveConfig> {
    pts: Vec<Affine<P>>,
    starts: Vec<u32>,
    lens: Vec<u32>,
    sums: Vec<Option<Affine<P>>>,
    adder: BatchAdder<P>,
}

impl<P: SWCurveConfig> Default for BucketAdder<P> {
    fn default() -> Self {
        BucketAdder {
            pending: Vec::new(),
            dens: Vec::new(),
            prefix: Vec::new(),
            busy: Vec::new(),
            queue: Vec::new(),
            requeue: Vec::new(),
            runs: RunBuffers {
                pts: Vec::new(),
                starts: Vec::new(),
                lens: Vec::new(),
                sums: Vec::new(),
                adder: BatchAdder::default(),
            },
        }
    }
}

impl<P: SWCurveConfig> BucketAdder<P> {
    /// Sizes the buffers for `buckets` buckets (on the caller's thread, so no worker grows them).
    pub(super) fn reserve(&mut self, buckets: usize) {
        self.pending.reserve(BATCH);
        self.dens.reserve(BATCH);
        self.prefix.reserve(BATCH);
        self.busy.clear();
        self.busy.resize(buckets, false);
        self.queue.reserve(BATCH);
        self.requeue.reserve(BATCH);
    }

    /// How many buckets the adder is sized for.
    pub(super) fn buckets(&self) -> usize {
        self.busy.len()
    }

    /// `buckets[b] += p`, now or at a later flush; [`BucketAdder::finish`] completes them all.
    #[inline]
    pub(super) fn add(&mut self, buckets: &mut [Option<Affine<P>>], b: u32, p: Affine<P>) {
        self.push(buckets, b, p);
        if self.pending.len() >= BATCH {
            self.flush(buckets);
        }
    }

    fn push(&mut self, buckets: &mut [Option<Affine<P>>], b: u32, p: Affine<P>) {
        let slot = b as usize;
        if self.busy[slot] {
            self.queue.push((b, p));
            return;
        }
        let Some(q) = &buckets[slot] else {
            buckets[slot] = (!p.is_zero()).then_some(p);
            return;
        };
        match classify(q, &p) {
            (Kind::Trivial, _) => {
                let sum = combine(q, &p, Kind::Trivial, &P::BaseField::ONE);
                buckets[slot] = (!sum.is_zero()).then_some(sum);
            }
            (kind, den) => {
                self.busy[slot] = true;
                self.pending.push((b, p, kind));
                self.dens.push(den);
            }
        }
    }

    /// Completes the pending additions, then pushes the queued points again.
    fn flush(&mut self, buckets: &mut [Option<Affine<P>>]) {
        if self.pending.is_empty() && self.queue.is_empty() {
            return;
        }
        invert_all(&mut self.dens, &mut self.prefix);
        for ((b, p, kind), inv) in self.pending.iter().zip(&self.dens) {
            let slot = *b as usize;
            if let Some(q) = &buckets[slot] {
                let sum = combine(q, p, *kind, inv);
                buckets[slot] = (!sum.is_zero()).then_some(sum);
            }
            self.busy[slot] = false;
        }
        self.pending.clear();
        self.dens.clear();
        // The queued points' buckets are free now; a point whose bucket another queued point
        // takes first waits again.
        std::mem::swap(&mut self.queue, &mut self.requeue);
        if self.requeue.len() >= BATCH {
            self.sum_queued_runs();
        }
        for i in 0..self.requeue.len() {
            let (b, p) = self.requeue[i];
            self.push(buckets, b, p);
        }
        self.requeue.clear();
    }

    /// Replaces the points in `requeue` by one point per bucket, their sum.
    fn sum_queued_runs(&mut self) {
        let RunBuffers {
            pts,
            starts,
            lens,
            sums,
            adder,
        } = &mut self.runs;
        self.requeue.sort_unstable_by_key(|&(b, _)| b);
        pts.clear();
        starts.clear();
        lens.clear();
        for (i, &(b, p)) in self.requeue.iter().enumerate() {
            if i == 0 || self.requeue[i - 1].0 != b {
                starts.push(i as u32);
                lens.push(0);
            }
            pts.push(p);
            if let Some(len) = lens.last_mut() {
                *len += 1;
            }
        }
        adder.sum_runs(pts, starts, lens, sums);
        // A run's bucket is that of its first queued point; the queue is rewritten in run order,
        // one point per run, so each entry's bucket is read before it is overwritten.
        let mut kept = 0;
        for (&start, sum) in starts.iter().zip(sums.iter()) {
            if let Some(sum) = sum {
                let b = self.requeue[start as usize].0;
                self.requeue[kept] = (b, *sum);
                kept += 1;
            }
        }
        self.requeue.truncate(kept);
    }

    /// Overwrites every buffer's whole capacity: a queued point's bucket is one of its scalar's
    /// digits.
    pub(super) fn wipe(&mut self) {
        let blank = (0u32, Affine::<P>::identity());
        overwrite(&mut self.pending, (0, Affine::identity(), Kind::Trivial));
        overwrite(&mut self.queue, blank);
        overwrite(&mut self.requeue, blank);
        overwrite(&mut self.busy, false);
        self.dens.zeroize();
        self.prefix.zeroize();
        let RunBuffers {
            pts,
            starts,
            lens,
            sums,
            ..
        } = &mut self.runs;
        pts.zeroize();
        starts.zeroize();
        lens.zeroize();
        overwrite(sums, None);
    }

    /// Completes every addition pushed so far.
    pub(super) fn finish(&mut self, buckets: &mut [Option<Affine<P>>]) {
        while !self.pending.is_empty() || !self.queue.is_empty() {
            self.flush(buckets);
        }
    }
}

/// Fills `v`'s whole capacity with `blank` (for element types `zeroize` does not cover), then
/// empties it.
fn overwrite<T: Copy>(v: &mut Vec<T>, blank: T) {
    v.clear();
    v.resize(v.capacity(), blank);
    std::hint::black_box(&v[..]);
    v.clear();
}
