//! G1 MSM levers against arkworks' `VariableBaseMSM`, wall time of alternating runs (the machine
//! is shared and noisy: each round runs every configuration once, in turn).
//!
//! `cargo bench -p zkbio-groth16 --bench msm` (sizes 2^16..2^21, 5 rounds). Environment:
//! - `MSM_LOG_SIZES=16,18` sizes as powers of two; `MSM_RUNS=7` rounds;
//! - `MSM_SCALARS=full|witness` random field elements, or a witness-like mix (60% zero, 30% one,
//!   10% random);
//! - `MSM_CHUNKS=16,17,18,19,20,21` instead: the default MSM streamed over chunks of each size
//!   through one `2^max` input, with the buckets carried across chunks (what the prover does
//!   with the key), the same with each window's points sorted into runs instead of added into
//!   the buckets in place, and reduced per chunk;
//! - `MSM_ONLY=ark|projective|batch-sorted|batch|batch+units|none` one run of one configuration
//!   (`none`: only the inputs' generation), for `valgrind --tool=callgrind` instruction counts.
//!
//! Run without `--bench` (as `cargo test --all-targets` runs it), it only checks at 2^10 that
//! every configuration agrees with arkworks.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, Field, UniformRand};
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::{Duration, Instant};
use zkbio_groth16::msm::{g1_msm_with, G1Buffers, MsmConfig};

mod support;
use support::env_list;

type Run = fn(&[G1Affine], &[Fr]) -> G1Projective;

fn configs() -> Vec<(&'static str, Run)> {
    vec![
        ("ark", |b, s| G1Projective::msm_unchecked(b, s)),
        ("projective", |b, s| {
            g1_msm_with(
                &MsmConfig {
                    batch_affine: false,
                    unit_path: false,
                    in_place: false,
                    window: None,
                },
                b,
                s,
            )
        }),
        ("batch-sorted", |b, s| {
            g1_msm_with(
                &MsmConfig {
                    unit_path: false,
                    in_place: false,
                    ..MsmConfig::default()
                },
                b,
                s,
            )
        }),
        ("batch", |b, s| {
            g1_msm_with(
                &MsmConfig {
                    unit_path: false,
                    ..MsmConfig::default()
                },
                b,
                s,
            )
        }),
        ("batch+units", |b, s| {
            g1_msm_with(&MsmConfig::default(), b, s)
        }),
    ]
}

fn points(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
    let g = G1Projective::generator();
    let step = g * Fr::rand(rng);
    let mut p = g * Fr::rand(rng);
    let ps: Vec<G1Projective> = (0..n)
        .map(|_| {
            p += step;
            p
        })
        .collect();
    G1Projective::normalize_batch(&ps)
}

fn scalars(n: usize, rng: &mut StdRng) -> Vec<Fr> {
    let witness = std::env::var("MSM_SCALARS").as_deref() == Ok("witness");
    (0..n)
        .map(|_| {
            if !witness {
                return Fr::rand(rng);
            }
            match rng.gen_range(0..10) {
                0..=5 => Fr::ZERO,
                6..=8 => Fr::ONE,
                _ => Fr::rand(rng),
            }
        })
        .collect()
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut rng = StdRng::seed_from_u64(15);
    let runs = env_list("MSM_RUNS", "5")[0] as usize;
    if let Ok(only) = std::env::var("MSM_ONLY") {
        let log = env_list("MSM_LOG_SIZES", "16")[0];
        let (b, s) = (points(1 << log, &mut rng), scalars(1 << log, &mut rng));
        // `none`: the inputs only, to subtract from the others' instruction counts.
        if only == "none" {
            let _ = std::hint::black_box((&b, &s));
            return;
        }
        let (_, f) = configs()
            .into_iter()
            .find(|(n, _)| *n == only)
            .expect("a configuration name");
        let _ = std::hint::black_box(f(&b, &s));
        return;
    }
    // `cargo test --all-targets` (CI) runs this binary too, without `--bench`: there it only
    // checks that every configuration runs and agrees with arkworks at 2^10, in well under a
    // second, instead of measuring 2^16..2^21 for many minutes.
    if !std::env::args().any(|a| a == "--bench") && std::env::var("MSM_CHUNKS").is_err() {
        let (b, s) = (points(1 << 10, &mut rng), scalars(1 << 10, &mut rng));
        let want = G1Projective::msm_unchecked(&b, &s);
        for (name, f) in configs() {
            assert_eq!(f(&b, &s), want, "{name} disagrees with arkworks");
        }
        return;
    }
    if let Ok(chunks) = std::env::var("MSM_CHUNKS") {
        let logs = env_list("MSM_CHUNKS", &chunks);
        let n = 1usize << logs.iter().max().expect("chunk sizes");
        let (b, s) = (points(n, &mut rng), scalars(n, &mut rng));
        let want = G1Projective::msm_unchecked(&b, &s);
        // Each chunk size three ways: buckets carried across the chunks in one `G1Buffers` (what
        // the prover does), the same with the points sorted into runs instead of added in place,
        // and each chunk reduced on its own.
        let sorted = MsmConfig {
            in_place: false,
            ..MsmConfig::default()
        };
        let ways = ["carried", "carried, sorted runs", "reduced per chunk"];
        let mut times = vec![Vec::new(); ways.len() * logs.len()];
        for _ in 0..runs {
            for (k, &log) in logs.iter().enumerate() {
                for (way, cfg) in [MsmConfig::default(), sorted].iter().enumerate() {
                    let t = Instant::now();
                    let mut buffers = G1Buffers::for_chunks(n >> log);
                    for (b, s) in b.chunks(1 << log).zip(s.chunks(1 << log)) {
                        buffers.add(cfg, b, s);
                    }
                    let carried = buffers.finish();
                    drop(buffers);
                    times[ways.len() * k + way].push(t.elapsed());
                    assert_eq!(carried, want, "{}, chunks of 2^{log}", ways[way]);
                }
                let t = Instant::now();
                let per_chunk: G1Projective = b
                    .chunks(1 << log)
                    .zip(s.chunks(1 << log))
                    .map(|(b, s)| g1_msm_with(&MsmConfig::default(), b, s))
                    .sum();
                times[ways.len() * k + 2].push(t.elapsed());
                assert_eq!(per_chunk, want, "per chunk, chunks of 2^{log}");
            }
        }
        println!(
            "| 2^{} points in chunks of | buckets | median ms | min | max |",
            n.ilog2()
        );
        println!("|---|---|---|---|---|");
        for (k, t) in times.into_iter().enumerate() {
            let (med, min, max) = stats(t);
            let how = ways[k % ways.len()];
            println!(
                "| 2^{} | {how} | {:.1} | {:.1} | {:.1} |",
                logs[k / ways.len()],
                ms(med),
                ms(min),
                ms(max)
            );
        }
        return;
    }
    let cfgs = configs();
    println!("| size | config | median ms | min | max | median vs ark |");
    println!("|---|---|---|---|---|---|");
    for log in env_list("MSM_LOG_SIZES", "16,17,18,19,20,21") {
        let n = 1usize << log;
        let (b, s) = (points(n, &mut rng), scalars(n, &mut rng));
        let want = G1Projective::msm_unchecked(&b, &s);
        for (name, f) in &cfgs {
            assert_eq!(f(&b, &s), want, "{name} at 2^{log}");
        }
        let mut times = vec![Vec::new(); cfgs.len()];
        for _ in 0..runs {
            for (k, (_, f)) in cfgs.iter().enumerate() {
                let t = Instant::now();
                let _ = std::hint::black_box(f(&b, &s));
                times[k].push(t.elapsed());
            }
        }
        let ark = stats(times[0].clone()).0;
        for ((name, _), t) in cfgs.iter().zip(times) {
            let (med, min, max) = stats(t);
            println!(
                "| 2^{log} | {name} | {:.1} | {:.1} | {:.1} | {:.2} |",
                ms(med),
                ms(min),
                ms(max),
                ms(med) / ms(ark)
            );
        }
    }
}
