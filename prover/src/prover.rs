//! The matrix-free Groth16 prover.
//!
//! Inputs: the witness builder's output (wire values and each constraint's `A·z`, `B·z`, `C·z`) and
//! a proving key in the `.zpk` layout. The multi-scalar multiplications stream the key's points in
//! chunks, decoding each chunk into a reused buffer; a G1 stream's Pippenger buckets are carried
//! from chunk to chunk and reduced once (so chunks cost memory, not time). The ones over the
//! wire values run first and the wires are wiped before the FFTs, so the peak of memory is the
//! FFTs' two length-`n` buffers and the compact evaluations not yet transformed, whatever the
//! key's size.
//!
//! The prover trusts no key: before any work it refuses a forgeable or degenerate key
//! ([`super::key_check`]), and before returning it verifies its own proof under the key's
//! verification key, so a corrupted key (one flipped byte in a query point) fails with
//! [`ProveError::CorruptedKey`] instead of yielding a proof every verifier rejects. Both checks
//! together cost about one verification and two multi-pairings, whatever the circuit's size
//! (`zkbio bench` prints them); the verification also makes the released proof
//! witness-independent given the blinding (see [`super::key_check`]).

use super::encoding::{get_g1, get_g2, G1_BYTES, G2_BYTES};
use super::key_check::{check_key_structure, KeyStructureError, ProverPoints};
use super::key_file::KeyView;
use super::msm::{G1Buffers, G2Buffers, MsmBuffers, MsmConfig};
use super::progress::{Phase, ProveControl};
use super::qap::{h_scalars, Domains};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{UniformRand, Zero};
use ark_groth16::Proof;
use ark_std::rand::{CryptoRng, RngCore};
use std::ops::AddAssign;
use zeroize::{Zeroize, Zeroizing};
use zkbio_circuits::builder::{Evaluations, Witness};

/// Points decoded per G1 chunk (about 9 MiB of affine points). With the buckets carried across
/// chunks, 2^17 rather than 2^18 saves about 40 MiB of the MSM's buffers (the chunk, its
/// recoding, one sorted copy per thread, which the full-scalar windows no longer make since they
/// add in place), so the carried buckets (about 20 MiB) fit under the FFT phase's peak; the time
/// per chunk size: `MSM_CHUNKS` in `prover/benches/msm.rs`.
const G1_CHUNK: usize = 1 << 17;
/// Points decoded per G2 chunk (about 9 MiB). G2's points are twice G1's size, and so are its
/// MSM's sorted copies and carried buckets: at 2^17 they raised the full iris proof's peak from
/// 140 to 165 MiB RssAnon (and the 1M-constraint circom circuit's from 171 to 228 MiB); at 2^16
/// the G2 phase stays under the G1 phase's peak on both, in the same time (full iris: 0.98 s
/// against 1.39 s at 2^17, 1.02 s at 2^15; traced once each, `-v` phase logs).
const G2_CHUNK: usize = 1 << 16;

/// Why no proof was produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProveError {
    /// The key was made for another circuit.
    #[error("proving key does not fit the witness: {what} is {key} in the key, {witness} in the witness")]
    KeyMismatch {
        /// Which count differs.
        what: &'static str,
        /// The key's value.
        key: usize,
        /// The witness's value.
        witness: usize,
    },
    /// The inputs do not satisfy the statement (e.g. an image that does not open the commitment).
    #[error("the inputs do not satisfy the circuit (constraint {0} fails)")]
    Unsatisfied(usize),
    /// The caller cancelled.
    #[error("proving was cancelled")]
    Cancelled,
    /// The key is forgeable or degenerate (e.g. no phase-2 contribution, δ₁ at infinity).
    #[error("unsafe proving key: {0}")]
    UnsafeKey(KeyStructureError),
    /// The proof made with this key does not verify under the key's own verification key: a
    /// query point is corrupted. Fetch the key again.
    #[error("corrupted proving key: the proof made with it does not verify under its own verification key")]
    CorruptedKey,
}

fn check_shape(key: &KeyView<'_>, w: &Witness) -> Result<(), ProveError> {
    let checks = [
        ("the wire count", key.n_vars(), w.wires.len()),
        ("the public-input count", key.n_public(), w.n_public),
        ("the constraint count", key.n_constraints(), w.a.len()),
    ];
    for (what, k, v) in checks {
        if k != v {
            return Err(ProveError::KeyMismatch {
                what,
                key: k,
                witness: v,
            });
        }
    }
    if w.b.len() != w.a.len() || w.c.len() != w.a.len() {
        return Err(ProveError::KeyMismatch {
            what: "the evaluation count",
            key: w.a.len(),
            witness: w.b.len().min(w.c.len()),
        });
    }
    Ok(())
}

fn cancelled(ctl: &dyn ProveControl) -> Result<(), ProveError> {
    if ctl.is_cancelled() {
        Err(ProveError::Cancelled)
    } else {
        Ok(())
    }
}

/// How one group's points are streamed: encoded width, decoder, chunk length, progress phase,
/// the buffers for a stream of so many chunks, the MSM that consumes each chunk (returning what
/// it does not carry in its buffers), and what the buffers carried at the end.
struct Stream<A, G, B> {
    width: usize,
    decode: fn(&[u8]) -> A,
    chunk: usize,
    phase: Phase,
    buffers: fn(usize) -> B,
    msm: fn(&mut B, &[A], &[Fr]) -> G,
    finish: fn(&mut B) -> G,
}

/// One chunk, added into buffers (and buckets) carried across the chunks of a stream.
fn add_chunk<P: SWCurveConfig<ScalarField = Fr>>(
    buffers: &mut MsmBuffers<P>,
    bases: &[Affine<P>],
    scalars: &[Fr],
) -> Projective<P> {
    buffers.add(&MsmConfig::default(), bases, scalars);
    Projective::zero()
}

/// G1 chunks go through [`super::msm`] (batch-affine buckets, signed digits, a unit-scalar path).
const G1_STREAM: Stream<G1Affine, G1Projective, G1Buffers> = Stream {
    width: G1_BYTES,
    decode: get_g1,
    chunk: G1_CHUNK,
    phase: Phase::MsmG1,
    buffers: G1Buffers::for_chunks,
    msm: add_chunk,
    finish: G1Buffers::finish,
};

/// The H scalars' G1 chunks: as [`G1_STREAM`], reported as [`Phase::MsmH`].
const H_STREAM: Stream<G1Affine, G1Projective, G1Buffers> = Stream {
    phase: Phase::MsmH,
    ..G1_STREAM
};

/// The one G2 MSM (B2): the same MSM on G2's points.
const G2_STREAM: Stream<G2Affine, G2Projective, G2Buffers> = Stream {
    width: G2_BYTES,
    decode: get_g2,
    chunk: G2_CHUNK,
    phase: Phase::MsmG2,
    buffers: G2Buffers::for_chunks,
    msm: add_chunk,
    finish: G2Buffers::finish,
};

/// The scalars of one multi-scalar multiplication.
enum Scalars<'a> {
    /// Field elements as they are (the H scalars).
    Slice(&'a [Fr]),
    /// Wire values `z[from..]`, held compactly and decoded chunk by chunk.
    Wires { z: &'a Evaluations, from: usize },
}

impl Scalars<'_> {
    fn len(&self) -> usize {
        match self {
            Scalars::Slice(s) => s.len(),
            Scalars::Wires { z, from } => z.len() - from,
        }
    }

    /// Scalars `start..start + len`, decoded into `buf` if they are compact.
    fn chunk<'s>(&'s self, start: usize, len: usize, buf: &'s mut Vec<Fr>) -> &'s [Fr] {
        match self {
            Scalars::Slice(s) => &s[start..start + len],
            Scalars::Wires { z, from } => {
                buf.resize(len, Fr::zero());
                z.decode_into(from + start, buf);
                buf
            }
        }
    }
}

/// `Σ scalars[i]·P_i` over the points encoded in `bases`, decoded chunk by chunk into one reused
/// buffer (and compact scalars into another, wiped when done). `done`/`total` count scalars
/// across the calls of one phase, for progress.
fn msm_streamed<A, G: Zero + AddAssign, B>(
    s: &Stream<A, G, B>,
    bases: &[u8],
    scalars: Scalars<'_>,
    ctl: &dyn ProveControl,
    done: &mut usize,
    total: usize,
) -> Result<G, ProveError> {
    let n = scalars.len();
    let mut buf: Vec<A> = Vec::with_capacity(s.chunk.min(n));
    let mut decoded = Zeroizing::new(Vec::new());
    let mut buffers = (s.buffers)(n.div_ceil(s.chunk));
    let mut acc = G::zero();
    for start in (0..n).step_by(s.chunk) {
        cancelled(ctl)?;
        let len = s.chunk.min(n - start);
        buf.clear();
        buf.extend(
            bases[start * s.width..(start + len) * s.width]
                .chunks_exact(s.width)
                .map(s.decode),
        );
        acc += (s.msm)(&mut buffers, &buf, scalars.chunk(start, len, &mut decoded));
        *done += len;
        ctl.progress(s.phase, *done as f32 / total as f32);
    }
    acc += (s.finish)(&mut buffers);
    Ok(acc)
}

/// Proves that `witness` satisfies the circuit `key` was made for, and checks the proof verifies
/// under the key's own verification key before returning it.
///
/// `witness` is consumed: the multi-scalar multiplications over its wire values run first and
/// the wires are wiped before the FFTs, whose two length-`n` buffers are the peak of memory; its
/// evaluations are released column by column during them ([`Phase`] gives the order). `rng`
/// draws the zero-knowledge blinding `r, s`. Each phase's time and a refusal's reason are logged
/// ([`crate::trace`]).
pub fn prove(
    key: &KeyView<'_>,
    witness: Witness,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ProveError> {
    let _span = tracing::info_span!("prove", constraints = key.n_constraints()).entered();
    let traced = crate::trace::TracedControl::new(ctl);
    let result = prove_phases(key, witness, rng, &traced);
    match &result {
        Ok(_) => traced.finish(),
        Err(ProveError::Cancelled) => tracing::info!("proving cancelled"),
        Err(e) => crate::trace::refused("prove", e),
    }
    result
}

fn prove_phases(
    key: &KeyView<'_>,
    mut witness: Witness,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ProveError> {
    check_shape(key, &witness)?;
    check_key(key)?;
    if let Some(i) = witness.first_unsatisfied() {
        return Err(ProveError::Unsatisfied(i));
    }
    let domains = domains_of(key)?;
    // The MSMs read the wires in 4 bytes each where they can (most are bits).
    let z = Evaluations::from(&witness.wires[..]);
    witness.wires.zeroize();
    witness.wires = Vec::new();
    crate::heap::release_freed();
    let columns = [&mut witness.a, &mut witness.b, &mut witness.c].map(std::mem::take);
    // snarkjs's public-input rows of A are z_0..=z_npub.
    let public_rows = witness.n_public + 1;
    prove_compact(key, z, columns, public_rows, &domains, rng, ctl)
}

/// The proof from the wire values `z` and the evaluations `[A·z, B·z, C·z]`, all held compactly:
/// the MSMs over the wires, then the FFTs (`z` is freed before them), then the H MSM and the
/// proof. The first `public_rows` wire values are appended to A's column as snarkjs's
/// public-input rows (0 when the column already holds them). `z` must have the key's wire count
/// (the callers check it).
pub(crate) fn prove_compact(
    key: &KeyView<'_>,
    z: Evaluations,
    columns: [Evaluations; 3],
    public_rows: usize,
    domains: &Domains,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ProveError> {
    let sums = wire_sums(key, &z, ctl)?;
    // The only wire values the FFTs need.
    let public_rows = Zeroizing::new(z.iter().take(public_rows).collect::<Vec<_>>());
    drop(z);
    crate::heap::release_freed();
    cancelled(ctl)?;
    ctl.progress(Phase::Fft, 0.0);
    let h = h_scalars(columns, &public_rows, domains, ctl).ok_or(ProveError::Cancelled)?;
    prove_from_h(key, sums, h, rng, ctl)
}

/// Refuses a forgeable or degenerate key before any work.
pub(crate) fn check_key(key: &KeyView<'_>) -> Result<(), ProveError> {
    let prover_points = ProverPoints {
        beta_g1: key.beta_g1(),
        delta_g1: key.delta_g1(),
    };
    check_key_structure(&key.verifying_key(), Some(&prover_points)).map_err(ProveError::UnsafeKey)
}

/// The key's evaluation domains.
pub(crate) fn domains_of(key: &KeyView<'_>) -> Result<Domains, ProveError> {
    Domains::new(key.domain_size()).ok_or(ProveError::KeyMismatch {
        what: "the domain size",
        key: key.domain_size(),
        witness: key.n_constraints(),
    })
}

/// The multi-scalar multiplications over the wire values, and the public inputs: all a proof
/// needs from the wires ([`wire_sums`]).
struct WireSums {
    a: G1Projective,
    b1: G1Projective,
    c: G1Projective,
    b2: G2Projective,
    public: Vec<Fr>,
}

/// `Σ z_i·A_i`, `Σ z_i·B1_i`, `Σ z_i·C_i` over the private wires, and `Σ z_i·B2_i`: the
/// [`Phase::MsmG1`] and [`Phase::MsmG2`] phases. `z` must have the key's wire count (the
/// callers check it).
fn wire_sums(
    key: &KeyView<'_>,
    z: &Evaluations,
    ctl: &dyn ProveControl,
) -> Result<WireSums, ProveError> {
    cancelled(ctl)?;
    let all = || Scalars::Wires { z, from: 0 };
    let private = Scalars::Wires {
        z,
        from: key.n_public() + 1,
    };
    let total = 2 * z.len() + private.len();
    let mut done = 0;
    ctl.progress(Phase::MsmG1, 0.0);
    let g1 = |bases, scalars, done: &mut usize| {
        msm_streamed(&G1_STREAM, bases, scalars, ctl, done, total)
    };
    let a = g1(key.a_bytes(), all(), &mut done)?;
    let b1 = g1(key.b_g1_bytes(), all(), &mut done)?;
    let c = g1(key.c_bytes(), private, &mut done)?;
    ctl.progress(Phase::MsmG2, 0.0);
    let mut done = 0;
    let b2 = msm_streamed(&G2_STREAM, key.b_g2_bytes(), all(), ctl, &mut done, z.len())?;
    Ok(WireSums {
        a,
        b1,
        c,
        b2,
        public: z.iter().skip(1).take(key.n_public()).collect(),
    })
}

/// The proof from the wire sums and the H scalars: the H multi-scalar multiplication
/// ([`Phase::MsmH`]), the blinding, and the check that the proof verifies under the key's own
/// verification key. `h` is zeroized when done.
fn prove_from_h(
    key: &KeyView<'_>,
    sums: WireSums,
    h: Vec<Fr>,
    rng: &mut (impl RngCore + CryptoRng),
    ctl: &dyn ProveControl,
) -> Result<Proof<Bn254>, ProveError> {
    let h = Zeroizing::new(h);
    cancelled(ctl)?;
    ctl.progress(Phase::MsmH, 0.0);
    let mut done = 0;
    let hz: G1Projective = msm_streamed(
        &H_STREAM,
        key.h_bytes(),
        Scalars::Slice(&h),
        ctl,
        &mut done,
        h.len(),
    )?;
    drop(h);

    let WireSums {
        a,
        b1,
        c,
        b2,
        public,
    } = sums;
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let delta_g1 = key.delta_g1().into_group();
    let pi_a = a + key.alpha_g1() + delta_g1 * r;
    let pi_b = b2 + key.beta_g2() + key.delta_g2().into_group() * s;
    let pi_b1 = b1 + key.beta_g1() + delta_g1 * s;
    let pi_c = c + hz + pi_a * s + pi_b1 * r - delta_g1 * (r * s);
    let proof = Proof {
        a: pi_a.into_affine(),
        b: pi_b.into_affine(),
        c: pi_c.into_affine(),
    };
    super::verify(&key.verifying_key(), &proof, &public).map_err(|_| ProveError::CorruptedKey)?;
    Ok(proof)
}
