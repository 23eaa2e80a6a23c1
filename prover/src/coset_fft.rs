//! The move from a polynomial's values on the base domain `⟨ω⟩` to its values on the odd coset
//! `g·⟨ω⟩` (`g` a primitive `2n`-th root), in place: the six transforms of a proof.
//!
//! Why not arkworks' `ifft_in_place` then `fft_in_place` (what the prover used before): each of
//! those makes one pass over the whole vector per butterfly stage (21 passes over 64 MiB at
//! `n = 2^21`, which does not fit any cache here), puts its output in order with a serial bit
//! reversal, and computes a table of `n/2` roots (32 MiB at `2^21`) on every call. Here:
//! - **No bit reversal at all.** The inverse transform is decimation in frequency (natural order
//!   in, bit-reversed out) and the forward one decimation in time (bit-reversed in, natural out),
//!   so the coefficients in between stay in bit-reversed order, which nothing else reads.
//! - **Cache blocks.** The stages whose butterflies stay inside a block of [`BLOCK_LOG`]
//!   (2^13 elements, 256 KiB) are done block by block: the inverse transform's last stages, the
//!   coset scaling `c_i·gⁱ/n` and the forward transform's first stages in one visit of the block.
//!   Only the stages with a wider span stream over the vector (8 + 8 at `2^21`, against 42).
//! - **Small root tables.** A wide stage's twiddle `ω^e` is `hi[e >> b]·lo[e & (2^b − 1)]` from
//!   two tables of about `√(n/2)` roots, computed once per run of consecutive twiddles and
//!   shared by every butterfly group of the stage; the blocks use one table of `2^12` roots.
//!
//! The butterflies are arkworks' (`io`/`oi` helpers), so the field operations per element are the
//! same plus two multiplications for the coset scaling (arkworks' scaling pass has one). Pure
//! Rust on arkworks' field arithmetic: the same algorithm on aarch64.
//!
//! Measure: `cargo bench -p zkbio-groth16 --bench fft` (alternating runs against arkworks).

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;

/// Log₂ of the cache block: 2^13 elements are 256 KiB, which with the block's roots (128 KiB)
/// stays inside one core's 1 MiB L2 here and the 512 KiB–1 MiB of phone cores.
pub const BLOCK_LOG: u32 = 13;

/// Twiddles computed together and then applied to every butterfly group of a wide stage.
const RUN: usize = 512;

/// `ω^e` for every `e < 2^bits` from two tables: `hi[e >> b]·lo[e & (2^b − 1)]`.
struct SplitPowers {
    b: u32,
    lo: Vec<Fr>,
    hi: Vec<Fr>,
}

impl SplitPowers {
    fn new(root: Fr, bits: u32) -> SplitPowers {
        let b = bits.div_ceil(2);
        let lo = powers(root, 1 << b);
        let hi = powers(root.pow([1u64 << b]), 1 << (bits - b));
        SplitPowers { b, lo, hi }
    }

    #[inline]
    fn get(&self, e: usize) -> Fr {
        self.hi[e >> self.b] * self.lo[e & ((1 << self.b) - 1)]
    }
}

fn powers(root: Fr, count: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut p = Fr::one();
    for _ in 0..count {
        out.push(p);
        p *= root;
    }
    out
}

/// The precomputed roots for one domain size `n = 2^log_n`.
pub struct CosetFft {
    log_n: u32,
    block_log: u32,
    /// `ω_L^{-k}` and `ω_L^k` for `k < L/2`, `L` the block length (`ω_L = ω^{n/L}`).
    block_inv: Vec<Fr>,
    block_fwd: Vec<Fr>,
    /// `ω^{-e}` and `ω^e` for `e < n/2`, for the wide stages.
    wide_inv: SplitPowers,
    wide_fwd: SplitPowers,
    /// The coset offset `g` and `g^(2^m)`, `m = log_n − block_log` (the scaling's step inside a
    /// block, see [`CosetFft::scale_block`]).
    g: Fr,
    g_step: Fr,
    n_inv: Fr,
}

impl CosetFft {
    /// Roots for `n = 2^log_n` points, with the default block.
    pub fn new(log_n: u32) -> Option<CosetFft> {
        Self::with_block(log_n, BLOCK_LOG)
    }

    /// Roots for `n = 2^log_n` points and blocks of `2^block_log` (clamped to `n`); `None` past
    /// BN254's 2-adicity.
    pub fn with_block(log_n: u32, block_log: u32) -> Option<CosetFft> {
        if log_n >= Fr::TWO_ADICITY {
            return None;
        }
        let n = 1u64 << log_n;
        let omega = Fr::get_root_of_unity(n)?;
        let g = Fr::get_root_of_unity(2 * n)?;
        let omega_inv = omega.inverse()?;
        let block_log = block_log.max(1).min(log_n);
        let half_block = (1usize << block_log) / 2;
        let omega_block = omega.pow([1u64 << (log_n - block_log)]);
        let omega_block_inv = omega_block.inverse()?;
        let wide_bits = log_n.saturating_sub(1);
        Some(CosetFft {
            log_n,
            block_log,
            block_inv: powers(omega_block_inv, half_block),
            block_fwd: powers(omega_block, half_block),
            wide_inv: SplitPowers::new(omega_inv, wide_bits),
            wide_fwd: SplitPowers::new(omega, wide_bits),
            g,
            g_step: g.pow([1u64 << (log_n - block_log)]),
            n_inv: Fr::from(n).inverse()?,
        })
    }

    /// The number of points.
    pub fn size(&self) -> usize {
        1 << self.log_n
    }

    /// Replaces the values `x` of a polynomial `P` of degree `< n` on `⟨ω⟩` by its values on
    /// `g·⟨ω⟩`, both in natural order. With `ctl` between the halves: `false` stops (the vector is
    /// then left in between, bit-reversed coefficients).
    ///
    /// # Panics
    /// If `x.len()` is not `n`.
    pub fn to_odd_coset(&self, x: &mut [Fr], mut go_on: impl FnMut() -> bool) -> bool {
        assert_eq!(
            x.len(),
            self.size(),
            "the vector must have the domain's size"
        );
        let (n, block) = (self.size(), 1usize << self.block_log);
        // Inverse transform (unnormalised), wide stages: span n/2 down to the block.
        let mut h = n / 2;
        while h >= block {
            wide_stage::<Dif>(x, h, n, &self.wide_inv);
            h /= 2;
        }
        if !go_on() {
            return false;
        }
        let m = self.log_n - self.block_log;
        x.par_chunks_mut(block).enumerate().for_each(|(j, blk)| {
            for h in (0..self.block_log).rev().map(|s| 1usize << s) {
                block_stage::<Dif>(blk, h, &self.block_inv);
            }
            self.scale_block(blk, j, m);
            for h in (0..self.block_log).map(|s| 1usize << s) {
                block_stage::<Dit>(blk, h, &self.block_fwd);
            }
        });
        let mut h = block;
        while h < n {
            wide_stage::<Dit>(x, h, n, &self.wide_fwd);
            h *= 2;
        }
        true
    }

    /// Block `j` holds the bit-reversed positions `p = j·L + q`, which carry the coefficient of
    /// index `bitrev(p) = bitrev_l(q)·2^m + bitrev_m(j)` times `n`: it becomes that coefficient
    /// times `g^index`. Walking `k = bitrev_l(q)` upwards, the factor grows by `g^(2^m)`.
    fn scale_block(&self, blk: &mut [Fr], j: usize, m: u32) {
        let l = self.block_log;
        let mut f = self.g.pow([bitrev(j, m) as u64]) * self.n_inv;
        for k in 0..blk.len() {
            blk[bitrev(k, l)] *= f;
            f *= self.g_step;
        }
    }
}

/// The low `bits` bits of `i` reversed.
#[inline]
fn bitrev(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// A butterfly with twiddle `w`, and the same with `w = 1` (no multiplication). A type, not a
/// function pointer, so that each stage's loop is compiled with its butterfly inlined.
trait Butterfly: Sync {
    fn twiddled(lo: &mut Fr, hi: &mut Fr, w: &Fr);
    #[inline(always)]
    fn plain(lo: &mut Fr, hi: &mut Fr) {
        let d = *lo - *hi;
        *lo += *hi;
        *hi = d;
    }
}

/// Decimation in frequency (arkworks' `io` butterfly).
struct Dif;

impl Butterfly for Dif {
    #[inline(always)]
    fn twiddled(lo: &mut Fr, hi: &mut Fr, w: &Fr) {
        let d = *lo - *hi;
        *lo += *hi;
        *hi = d * w;
    }
}

/// Decimation in time (arkworks' `oi` butterfly).
struct Dit;

impl Butterfly for Dit {
    #[inline(always)]
    fn twiddled(lo: &mut Fr, hi: &mut Fr, w: &Fr) {
        let t = *hi * w;
        *hi = *lo - t;
        *lo += t;
    }
}

/// One stage of span `h` inside a block: groups of `2h`, twiddle `ω_{2h}^t = roots[t·L/(2h)]`.
/// The twiddle of `t = 0` is one: that butterfly has no multiplication (all of span 1's, half of
/// span 2's).
#[inline]
fn block_stage<B: Butterfly>(blk: &mut [Fr], h: usize, roots: &[Fr]) {
    let step = blk.len() / (2 * h);
    for group in blk.chunks_exact_mut(2 * h) {
        let (lo, hi) = group.split_at_mut(h);
        B::plain(&mut lo[0], &mut hi[0]);
        for t in 1..h {
            B::twiddled(&mut lo[t], &mut hi[t], &roots[t * step]);
        }
    }
}

/// One stage of span `h` over the whole vector: twiddle `ω_{2h}^t = ω^{t·n/(2h)}`. The twiddles of
/// a run of [`RUN`] consecutive `t` are computed once and applied to that run in every group, and
/// runs go to different threads.
fn wide_stage<B: Butterfly>(x: &mut [Fr], h: usize, n: usize, roots: &SplitPowers) {
    let stride = n / (2 * h);
    let run = RUN.min(h);
    let mut runs: Vec<Vec<(&mut [Fr], &mut [Fr])>> = (0..h / run).map(|_| Vec::new()).collect();
    for group in x.chunks_exact_mut(2 * h) {
        let (lo, hi) = group.split_at_mut(h);
        for (r, pair) in lo.chunks_mut(run).zip(hi.chunks_mut(run)).enumerate() {
            runs[r].push(pair);
        }
    }
    runs.into_par_iter().enumerate().for_each(|(r, pairs)| {
        let t0 = r * run;
        let tw: Vec<Fr> = (t0..t0 + run).map(|t| roots.get(t * stride)).collect();
        for (lo, hi) in pairs {
            for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(&tw) {
                B::twiddled(a, b, w);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use ark_std::rand::SeedableRng;
    use ark_std::UniformRand;
    use rand_chacha::ChaCha20Rng;

    /// arkworks' interpolation on the base domain then evaluation on the odd coset.
    fn reference(evals: &[Fr]) -> Vec<Fr> {
        let n = evals.len();
        let base = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let doubled = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap();
        let coset = base.get_coset(doubled.group_gen).unwrap();
        let mut v = evals.to_vec();
        base.ifft_in_place(&mut v);
        coset.fft_in_place(&mut v);
        v
    }

    #[test]
    fn every_split_into_wide_and_block_stages_is_arkworks_transform() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for log_n in 0..=11u32 {
            let evals: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
            let want = reference(&evals);
            for block_log in 1..=log_n.max(1) {
                let f = CosetFft::with_block(log_n, block_log).unwrap();
                let mut got = evals.clone();
                assert!(f.to_odd_coset(&mut got, || true));
                assert_eq!(got, want, "n = 2^{log_n}, block 2^{block_log}");
            }
        }
    }

    #[test]
    fn sizes_past_the_default_block_and_the_run_are_arkworks_transform() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for log_n in [BLOCK_LOG + 1, BLOCK_LOG + 3, BLOCK_LOG + 4] {
            let evals: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
            let mut got = evals.clone();
            assert!(CosetFft::new(log_n)
                .unwrap()
                .to_odd_coset(&mut got, || true));
            assert_eq!(got, reference(&evals), "n = 2^{log_n}");
        }
    }

    #[test]
    fn a_stop_between_the_halves_is_reported() {
        let f = CosetFft::new(4).unwrap();
        let mut v = vec![Fr::one(); 16];
        assert!(!f.to_odd_coset(&mut v, || false));
    }
}
