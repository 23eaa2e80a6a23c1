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
        self.prefix.clear();
        let mut acc = P::BaseField::ONE;
        for d in &self.dens {
            self.prefix.push(acc);
            acc *= d;
        }
        // Every denominator is non-zero (chords have x2 ≠ x1, tangents y ≠ 0, others 1).
        let mut inv = acc.inverse().unwrap_or(P::BaseField::ONE);
        for i in (0..self.dens.len()).rev() {
            let d = self.dens[i];
            self.dens[i] = inv * self.prefix[i];
            inv *= d;
        }
        for (st, inv) in self.steps.iter().zip(&self.dens) {
            let r = combine(&pts[st.a as usize], &pts[st.b as usize], st.kind, inv);
            pts[st.dst as usize] = r;
        }
        self.steps.clear();
        self.dens.clear();
    }
}
