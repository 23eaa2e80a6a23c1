//! The prover's multi-scalar multiplications: `Σ s_i·P_i` over affine points of BN254's G1 and
//! G2 (one generic implementation over the short-Weierstrass curve: G2's points are pairs of
//! `Fq2` coordinates, and every lever below applies to them unchanged).
//!
//! Three levers over arkworks' `VariableBaseMSM` (each can be switched off in [`MsmConfig`], so
//! `prover/benches/msm.rs` measures them separately):
//! - **unit scalars**: most witness values are bits, so scalars `±1` skip Pippenger; their
//!   points are summed directly, batch-affine, as one bucket.
//! - **signed digits** (every configuration): a scalar above `r/2` is replaced by `r − s` on the
//!   negated point, and windows use digits in `[-2^(c-1), 2^(c-1)]`, halving the buckets. Small
//!   scalars (≤ 64 bits after that) run in their own Pippenger with fewer windows. The window `c`
//!   is chosen per size from an operation-count cost model (`pippenger`'s constants: estimates
//!   in field multiplications, not yet fitted to measurements).
//! - **batch-affine buckets**: each window's bucket additions are done in affine coordinates,
//!   sharing one inversion per batch of additions (`batch_add`); the alternative is one mixed
//!   projective addition per point. Where the buckets are many and fit a core's L2 (G1 windows of
//!   13 to 15 bits) each point is added into its bucket **in place**, in the order the points
//!   come; otherwise the window counting-sorts its points by bucket and sums every bucket's run
//!   together. In place skips the sort's scattered copy of every point: the full iris proof took
//!   0.88× the wall and CPU time in one `zkbio bench` of 5 paired runs, 0.95× (CPU 0.94×) in
//!   another of 6, and 3.9% fewer instructions on image opening 128x512 (callgrind);
//!   `MsmConfig::in_place` switches it.
//!
//! Memory beyond the inputs: the scalars' recoding (`40 + 2·windows` bytes per non-unit
//! scalar) and, per window being processed (one per thread), either the in-place adder's batch
//! (about 1024 points) or one sorted copy of its points (64 bytes per non-zero digit on G1, 128
//! on G2). The prover streams the key in chunks, so this is bounded by the chunk size whatever
//! the circuit; these buffers are made on the caller's thread and reused from chunk to chunk
//! ([`MsmBuffers`]). The buckets (a point each, `2^(c-1)` per window: about 20 MiB on G1 for full
//! scalars at `c = 15`, twice that on G2) are carried from chunk to chunk and reduced once.
//!
//! On G2 the levers replace arkworks' MSM (which the prover used for B2 before): the 1M-constraint
//! circom circuit's G2 phase took 3.2–3.7 s instead of 6.1 s, the full iris proof's 1.0 s
//! instead of 1.3 s (traced, `zkbio -v`).
//!
//! Pure Rust on arkworks' field arithmetic: no target-specific code, so it is the same algorithm
//! on aarch64 phones. The GLV endomorphism is not used yet: arkworks' `scalar_decomposition`
//! allocates big integers per scalar, so it needs a fixed-width decomposition first.
//!
//! Measure: `cargo bench -p zkbio-groth16 --bench msm` (alternating wall-time runs per lever, see
//! the bench's docs for the environment knobs, including `MSM_ONLY` for callgrind).

mod batch_add;
mod digits;
mod pippenger;

use ark_bn254::{g1, g2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{BigInt, BigInteger, PrimeField};
use rayon::prelude::*;
use zeroize::Zeroize;

/// The top bit of a term's point index: the point enters negated.
const NEG: u32 = 1 << 31;

/// Which levers the MSM uses. [`MsmConfig::default`] is what the prover uses (every lever on); the
/// others exist to measure each lever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsmConfig {
    /// Sum bucket contents batch-affine (Montgomery's trick) rather than projective.
    pub batch_affine: bool,
    /// Sum the points of scalars `±1` directly instead of running them through Pippenger.
    pub unit_path: bool,
    /// With `batch_affine`, add each window's points into its buckets in place where the buckets
    /// fit a core's cache, instead of sorting the points into one run per bucket.
    pub in_place: bool,
    /// A fixed window size in bits (1..=15); `None` picks it per size.
    pub window: Option<u32>,
}

impl Default for MsmConfig {
    fn default() -> Self {
        MsmConfig {
            batch_affine: true,
            unit_path: true,
            in_place: true,
            window: None,
        }
    }
}

/// One non-zero scalar reduced to a magnitude `≤ (r−1)/2` and the point it multiplies.
pub(super) struct Term {
    /// Index into the bases, with [`NEG`] set when the point is negated.
    point: u32,
    mag: [u64; 4],
}

impl Term {
    fn bits(&self) -> u32 {
        BigInt(self.mag).num_bits()
    }
}

/// The base `point & !NEG`, negated if exactly one of the index's sign bit and `negate` is set.
fn signed_point<P: SWCurveConfig>(bases: &[Affine<P>], point: u32, negate: bool) -> Affine<P> {
    let p = bases[(point & !NEG) as usize];
    if (point & NEG != 0) != negate {
        -p
    } else {
        p
    }
}

/// The non-zero scalars, split into units (`±1`), short (`< 2^64` in magnitude) and long terms.
#[derive(Default)]
struct Split {
    units: Vec<u32>,
    short: Vec<Term>,
    long: Vec<Term>,
}

/// Sorts the scalars (out of Montgomery form) into units, short and long terms, into `out`.
fn split(scalars: &[BigInt<4>], unit_path: bool, out: &mut Split) {
    let modulus = Fr::MODULUS;
    let half = Fr::MODULUS_MINUS_ONE_DIV_TWO;
    out.units.clear();
    out.short.clear();
    out.long.clear();
    for (i, &v) in scalars.iter().enumerate() {
        if v.is_zero() {
            continue;
        }
        let (mag, neg) = if v > half {
            let mut m = modulus;
            m.sub_with_borrow(&v);
            (m, NEG)
        } else {
            (v, 0)
        };
        let point = i as u32 | neg;
        if unit_path && mag == BigInt::one() {
            out.units.push(point);
        } else if mag.0[1..].iter().all(|&l| l == 0) {
            out.short.push(Term { point, mag: mag.0 });
        } else {
            out.long.push(Term { point, mag: mag.0 });
        }
    }
}

/// The sum of the (signed) unit points, batch-affine as one run, in `pts`.
fn sum_units<P: SWCurveConfig>(
    bases: &[Affine<P>],
    units: &[u32],
    pts: &mut Vec<Affine<P>>,
) -> Projective<P> {
    if units.is_empty() {
        return Projective::default();
    }
    pts.clear();
    pts.extend(units.iter().map(|&u| signed_point(bases, u, false)));
    let mut lens = [pts.len() as u32];
    let mut sums = Vec::with_capacity(1);
    batch_add::BatchAdder::default().sum_runs(pts, &[0], &mut lens, &mut sums);
    sums[0].map(Into::into).unwrap_or_default()
}

/// The buffers of MSMs on the curve `P`, reused from one call to the next (the prover's chunks
/// of one stream): made and grown on the caller's thread, never by a worker.
///
/// Reused because each chunk would otherwise allocate and free tens of MiB, and an allocator
/// that returns freed memory promptly (the phones', glibc as the CLI sets it up) makes each
/// chunk fault those pages in again: about 0.3 s on the full iris proof. Made on the caller's
/// thread because glibc keeps the top of a worker thread's arena resident after a free
/// ([`crate::heap`]). They hold the scalars' recoding (witness values): wiped on drop.
///
/// They also carry the sum so far: [`MsmBuffers::add`] adds one chunk's terms (into Pippenger's
/// buckets, which are reduced once, not per chunk) and [`MsmBuffers::finish`] returns the total.
pub struct MsmBuffers<P: SWCurveConfig> {
    reduced: Vec<BigInt<4>>,
    split: Split,
    unit_pts: Vec<Affine<P>>,
    short: pippenger::Scratch<P>,
    long: pippenger::Scratch<P>,
    /// The unit points' and the projective windows' sums so far.
    summed: Projective<P>,
    /// About how many chunks the stream has (0 or 1: one call), for the window's choice.
    chunks: usize,
}

/// The buffers of G1 MSMs.
pub type G1Buffers = MsmBuffers<g1::Config>;
/// The buffers of G2 MSMs.
pub type G2Buffers = MsmBuffers<g2::Config>;

impl<P: SWCurveConfig> Default for MsmBuffers<P> {
    fn default() -> Self {
        MsmBuffers {
            reduced: Vec::new(),
            split: Split::default(),
            unit_pts: Vec::new(),
            short: pippenger::Scratch::default(),
            long: pippenger::Scratch::default(),
            summed: Projective::default(),
            chunks: 0,
        }
    }
}

impl<P: SWCurveConfig> Drop for MsmBuffers<P> {
    fn drop(&mut self) {
        self.reduced.iter_mut().for_each(|b| b.0.zeroize());
        self.split.units.zeroize();
        for t in self
            .split
            .short
            .iter_mut()
            .chain(self.split.long.iter_mut())
        {
            t.point.zeroize();
            t.mag.zeroize();
        }
        self.short.wipe();
        self.long.wipe();
        self.summed.zeroize();
    }
}

/// `Σ scalars[i]·bases[i]` with the default (fastest) configuration. Extra bases or scalars past
/// the shorter slice are ignored, as in arkworks. At most `2^31 − 1` terms.
pub fn g1_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_with(&MsmConfig::default(), bases, scalars)
}

/// [`g1_msm`] with the levers chosen by `cfg`.
pub fn g1_msm_with(cfg: &MsmConfig, bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_with(cfg, bases, scalars)
}

/// `Σ scalars[i]·bases[i]` on G2, as [`g1_msm`] on G1.
pub fn g2_msm(bases: &[G2Affine], scalars: &[Fr]) -> G2Projective {
    msm_with(&MsmConfig::default(), bases, scalars)
}

/// `Σ scalars[i]·bases[i]` on the curve `P`, with the levers chosen by `cfg`.
pub fn msm_with<P: SWCurveConfig<ScalarField = Fr>>(
    cfg: &MsmConfig,
    bases: &[Affine<P>],
    scalars: &[Fr],
) -> Projective<P> {
    let mut buffers = MsmBuffers::default();
    buffers.add(cfg, bases, scalars);
    buffers.finish()
}

impl<P: SWCurveConfig<ScalarField = Fr>> MsmBuffers<P> {
    /// Buffers for a stream of about `chunks` calls of [`MsmBuffers::add`] of similar sizes: the
    /// window is chosen for buckets carried across them and reduced once. The sum is right for
    /// any number of calls; this only tunes the speed.
    pub fn for_chunks(chunks: usize) -> Self {
        let mut buffers = MsmBuffers::default();
        buffers.chunks = chunks;
        buffers
    }

    /// Adds `Σ scalars[i]·bases[i]` to the sum so far, with the levers chosen by `cfg` (extra
    /// bases or scalars past the shorter slice are ignored). The buffers keep their capacity.
    pub fn add(&mut self, cfg: &MsmConfig, bases: &[Affine<P>], scalars: &[Fr]) {
        let n = bases.len().min(scalars.len()).min(NEG as usize - 1);
        let (bases, scalars) = (&bases[..n], &scalars[..n]);
        let MsmBuffers {
            reduced,
            split: parts,
            unit_pts,
            short,
            long,
            summed,
            chunks,
        } = self;
        // One Montgomery reduction per scalar on all cores, into the caller's buffer; the sorting
        // into parts on the caller's thread.
        scalars
            .par_iter()
            .map(|s| s.into_bigint())
            .collect_into_vec(reduced);
        split(reduced, cfg.unit_path, parts);
        unit_pts.reserve(parts.units.len());
        let (batch, in_place) = (cfg.batch_affine, cfg.in_place);
        short.prepare(&parts.short, batch, in_place, cfg.window, *chunks);
        long.prepare(&parts.long, batch, in_place, cfg.window, *chunks);
        let ((units, short), long) = rayon::join(
            || {
                rayon::join(
                    || sum_units(bases, &parts.units, unit_pts),
                    || pippenger::msm(bases, &parts.short, cfg.batch_affine, short),
                )
            },
            || pippenger::msm(bases, &parts.long, cfg.batch_affine, long),
        );
        *summed += units + short + long;
    }

    /// The sum of everything [`MsmBuffers::add`]ed since the last call; the sum restarts at zero.
    pub fn finish(&mut self) -> Projective<P> {
        std::mem::take(&mut self.summed) + self.short.finish() + self.long.finish()
    }
}

#[cfg(test)]
mod tests;
