//! The MSM against arkworks' on random and adversarial inputs, in every configuration.

use super::{g1_msm, g1_msm_with, g2_msm, msm_with, G1Buffers, G2Buffers, MsmConfig};
use ark_bn254::{g1, g2, Fr, G1Affine, G1Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, UniformRand};
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};
use proptest::prelude::*;

/// arkworks' MSM, on either group.
fn reference<P: SWCurveConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    scalars: &[Fr],
) -> Projective<P> {
    Projective::<P>::msm_unchecked(bases, scalars)
}

/// `n` distinct points `g·(k + i)` for a random `k`, by additions (cheap for large `n`).
fn points_on<P: SWCurveConfig<ScalarField = Fr>>(n: usize, rng: &mut StdRng) -> Vec<Affine<P>> {
    let g = Projective::<P>::generator();
    let mut p = g * Fr::rand(rng);
    let ps: Vec<Projective<P>> = (0..n)
        .map(|_| {
            p += g;
            p
        })
        .collect();
    Projective::normalize_batch(&ps)
}

/// [`points_on`] G1.
fn points(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
    points_on::<g1::Config>(n, rng)
}

/// Scalars that exercise every path: zero, ±1, small and negated-small, around `r/2`, `r − 1`,
/// 64-bit boundaries, and full-size random values.
fn edge_scalar(rng: &mut StdRng) -> Fr {
    let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).expect("below r");
    match rng.gen_range(0..12) {
        0 => Fr::ZERO,
        1 => Fr::ONE,
        2 => -Fr::ONE,
        3 => Fr::from(rng.gen::<u8>()),
        4 => -Fr::from(rng.gen::<u32>()),
        5 => Fr::from(u64::MAX),
        6 => Fr::from(u64::MAX) + Fr::ONE,
        7 => half,
        8 => half + Fr::ONE,
        9 => -Fr::from(u64::MAX),
        10 => Fr::from(rng.gen::<u64>()),
        _ => Fr::rand(rng),
    }
}

fn configs() -> Vec<MsmConfig> {
    let mut v = Vec::new();
    for (batch_affine, in_place) in [(true, true), (true, false), (false, false)] {
        for unit_path in [true, false] {
            v.push(MsmConfig {
                batch_affine,
                unit_path,
                in_place,
                window: None,
            });
        }
    }
    for c in 1..=15 {
        for in_place in [true, false] {
            v.push(MsmConfig {
                window: Some(c),
                in_place,
                ..MsmConfig::default()
            });
        }
    }
    v
}

#[test]
fn random_full_scalars_of_many_sizes_match_arkworks() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in [0usize, 1, 2, 3, 5, 16, 31, 32, 33, 100, 257, 1000, 4099] {
        let bases = points(n, &mut rng);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(
            g1_msm(&bases, &scalars),
            reference(&bases, &scalars),
            "n = {n}"
        );
    }
}

/// Edge scalars on `P`'s points, in every configuration.
fn edge_scalars_match_arkworks_on<P: SWCurveConfig<ScalarField = Fr>>(sizes: &[usize]) {
    let mut rng = StdRng::seed_from_u64(2);
    for &n in sizes {
        let bases = points_on::<P>(n, &mut rng);
        let scalars: Vec<Fr> = (0..n).map(|_| edge_scalar(&mut rng)).collect();
        let want = reference(&bases, &scalars);
        for cfg in configs() {
            assert_eq!(msm_with(&cfg, &bases, &scalars), want, "n = {n}, {cfg:?}");
        }
    }
}

#[test]
fn edge_scalars_in_every_configuration_match_arkworks() {
    edge_scalars_match_arkworks_on::<g1::Config>(&[1, 2, 9, 64, 700]);
}

/// G2: the same code over `Fq2` coordinates.
#[test]
fn edge_scalars_on_g2_in_every_configuration_match_arkworks() {
    edge_scalars_match_arkworks_on::<g2::Config>(&[1, 2, 9, 300]);
    let mut rng = StdRng::seed_from_u64(12);
    let bases = points_on::<g2::Config>(2000, &mut rng);
    let scalars: Vec<Fr> = (0..2000).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(g2_msm(&bases, &scalars), reference(&bases, &scalars));
}

#[test]
fn bit_valued_witness_matches_arkworks() {
    // The witness MSMs: mostly 0/1, a few full values.
    let mut rng = StdRng::seed_from_u64(3);
    let n = 3000;
    let bases = points(n, &mut rng);
    let scalars: Vec<Fr> = (0..n)
        .map(|i| match i % 10 {
            0 => Fr::rand(&mut rng),
            1..=5 => Fr::ONE,
            _ => Fr::ZERO,
        })
        .collect();
    let want = reference(&bases, &scalars);
    for cfg in configs() {
        assert_eq!(g1_msm_with(&cfg, &bases, &scalars), want, "{cfg:?}");
    }
}

/// Doubled, cancelling and infinite points on `P`, in every configuration.
fn repeated_opposite_and_infinite_points_match_arkworks_on<P: SWCurveConfig<ScalarField = Fr>>() {
    let mut rng = StdRng::seed_from_u64(4);
    let p = points_on::<P>(3, &mut rng);
    let inf = Affine::<P>::identity();
    // Same point, same scalar (the doubling path); P and −P with the same scalar (cancel in one
    // bucket); infinity anywhere; a run whose pairs cancel, then a run that sums to infinity.
    let cases: Vec<(Vec<Affine<P>>, Vec<Fr>)> = vec![
        (vec![p[0]; 64], vec![Fr::from(5u64); 64]),
        (vec![p[0], -p[0]], vec![Fr::from(7u64); 2]),
        (vec![p[0], -p[0], p[0]], vec![Fr::from(7u64); 3]),
        (vec![p[0], -p[0], p[1], -p[1], p[2]], vec![Fr::ONE; 5]),
        (vec![p[0], p[0], -p[0], -p[0]], vec![-Fr::ONE; 4]),
        (vec![inf; 10], (0..10).map(|_| Fr::rand(&mut rng)).collect()),
        (
            vec![inf, p[1], inf, p[1]],
            vec![Fr::ONE, Fr::ONE, -Fr::ONE, Fr::ONE],
        ),
        (
            (0..200)
                .map(|i| if i % 2 == 0 { p[i % 3] } else { -p[i % 3] })
                .collect(),
            (0..200).map(|i| Fr::from((i / 2) as u64 % 9)).collect(),
        ),
        (
            (0..300)
                .map(|i| [p[0], -p[0], inf, p[1], p[0]][i % 5])
                .collect(),
            (0..300).map(|_| edge_scalar(&mut rng)).collect(),
        ),
    ];
    for (k, (bases, scalars)) in cases.iter().enumerate() {
        let want = reference(bases, scalars);
        for cfg in configs() {
            assert_eq!(msm_with(&cfg, bases, scalars), want, "case {k}, {cfg:?}");
        }
    }
}

#[test]
fn repeated_opposite_and_infinite_points_match_arkworks() {
    repeated_opposite_and_infinite_points_match_arkworks_on::<g1::Config>();
}

#[test]
fn repeated_opposite_and_infinite_points_on_g2_match_arkworks() {
    repeated_opposite_and_infinite_points_match_arkworks_on::<g2::Config>();
}

/// Chunks of one stream added into the same buffers: buckets carried across chunks whose best
/// window stays, shrinks (a short last chunk), grows (the carry is reduced first), or whose
/// terms move between the unit, short and long parts; `finish` restarts the sum.
#[test]
fn chunks_added_into_carried_buckets_sum_to_the_whole() {
    let mut rng = StdRng::seed_from_u64(8);
    let bases = points(6000, &mut rng);
    let mut scalars: Vec<Fr> = (0..6000).map(|_| Fr::rand(&mut rng)).collect();
    // A run of short and unit scalars in the middle, edge cases at the end.
    for s in &mut scalars[2500..3500] {
        *s = Fr::from(rng.gen::<u32>());
    }
    for s in &mut scalars[5000..] {
        *s = edge_scalar(&mut rng);
    }
    let want = reference(&bases, &scalars);
    let splits: [&[usize]; 4] = [
        &[1024, 2048, 3072, 4096, 5120, 6000],
        &[4000, 5990, 6000],
        &[10, 100, 3000, 6000],
        &[1, 2, 2, 2500, 3500, 6000],
    ];
    // Windows chosen for one call and for a long stream (wider: reduced once).
    for (cfg, chunks) in configs().into_iter().flat_map(|c| [(c, 0), (c, 64)]) {
        let mut buffers = G1Buffers::for_chunks(chunks);
        for ends in splits {
            let mut start = 0;
            for &end in ends {
                buffers.add(&cfg, &bases[start..end], &scalars[start..end]);
                start = end;
            }
            assert_eq!(buffers.finish(), want, "{ends:?}, {cfg:?}, {chunks}");
        }
        assert_eq!(buffers.finish(), G1Projective::ZERO, "{cfg:?}, {chunks}");
    }
}

#[test]
fn unequal_lengths_use_the_shorter() {
    let mut rng = StdRng::seed_from_u64(5);
    let bases = points(10, &mut rng);
    let scalars: Vec<Fr> = (0..7).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(g1_msm(&bases, &scalars), reference(&bases[..7], &scalars));
    assert_eq!(
        g1_msm(&bases[..4], &scalars),
        reference(&bases[..4], &scalars[..4])
    );
}

#[test]
fn a_wrong_term_changes_the_result() {
    // Guards the comparison itself: a single changed scalar must be visible.
    let mut rng = StdRng::seed_from_u64(6);
    let bases = points(500, &mut rng);
    let mut scalars: Vec<Fr> = (0..500).map(|_| edge_scalar(&mut rng)).collect();
    let before = g1_msm(&bases, &scalars);
    scalars[123] += Fr::ONE;
    assert_ne!(g1_msm(&bases, &scalars), before);
    assert_eq!(g1_msm(&bases, &scalars), reference(&bases, &scalars));
}

/// A point drawn from a small pool (so buckets collide), possibly negated or at infinity.
fn arb_point(pool: &[G1Affine]) -> impl Strategy<Value = G1Affine> + '_ {
    (0..pool.len() + 1, any::<bool>()).prop_map(move |(i, neg)| match pool.get(i) {
        None => G1Affine::identity(),
        Some(p) if neg => -*p,
        Some(p) => *p,
    })
}

fn arb_scalar() -> impl Strategy<Value = Fr> {
    prop_oneof![
        Just(Fr::ZERO),
        Just(Fr::ONE),
        Just(-Fr::ONE),
        any::<u64>().prop_map(Fr::from),
        any::<u64>().prop_map(|v| -Fr::from(v)),
        any::<[u64; 4]>()
            .prop_map(|l| Fr::from_le_bytes_mod_order(&ark_ff::BigInt(l).to_bytes_le())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn msm_equals_arkworks(
        terms in {
            let pool = points(6, &mut StdRng::seed_from_u64(7));
            let pool: &'static [G1Affine] = Box::leak(pool.into_boxed_slice());
            prop::collection::vec((arb_point(pool), arb_scalar()), 0..300)
        },
        window in prop::option::of(1u32..=15),
        batch_affine in any::<bool>(),
        unit_path in any::<bool>(),
        in_place in any::<bool>(),
    ) {
        let (bases, scalars): (Vec<G1Affine>, Vec<Fr>) = terms.into_iter().unzip();
        let cfg = MsmConfig { batch_affine, unit_path, in_place, window };
        prop_assert_eq!(g1_msm_with(&cfg, &bases, &scalars), reference(&bases, &scalars));
    }
}

/// Points crowding into few buckets of a wide window: equal scalars put every point of a window
/// into one bucket, so the in-place adder's queue fills and is summed by runs; repeated and
/// opposite points among them make tangents and cancellations inside those runs.
/// (G1 only: G2's points never go in place, see `pippenger::fits_in_place`.)
#[test]
fn crowded_buckets_match_arkworks() {
    let mut rng = StdRng::seed_from_u64(11);
    let pool = points(7, &mut rng);
    let n = 5000;
    let bases: Vec<G1Affine> = (0..n)
        .map(|i| match i % 5 {
            0 => -pool[i % 7],
            _ => pool[i % 7],
        })
        .collect();
    let same = Fr::rand(&mut rng);
    let few = [same, same + Fr::ONE, -same];
    let scalars: Vec<Fr> = (0..n)
        .map(|i| if i % 9 == 0 { few[i % 3] } else { same })
        .collect();
    let expected = reference(&bases, &scalars);
    for c in [13, 14, 15] {
        let cfg = MsmConfig {
            window: Some(c),
            ..MsmConfig::default()
        };
        assert_eq!(msm_with(&cfg, &bases, &scalars), expected, "window {c}");
    }
}

#[test]
fn a_long_stream_of_chunks_takes_a_wider_window_than_one_call() {
    use super::pippenger::best_window;
    // Reduced once per stream, buckets cost a chunk less: a wider window pays.
    let one = best_window(1 << 17, 253, true, 1);
    let stream = best_window(1 << 17, 253, true, 16);
    assert!(stream > one, "{stream} vs {one}");
    // Projective buckets are not carried: the stream changes nothing.
    assert_eq!(
        best_window(1 << 17, 253, false, 16),
        best_window(1 << 17, 253, false, 1)
    );
}

/// G2 chunks carried as G1's: unit, short, zero and edge scalars, one call's window and a long
/// stream's.
#[test]
fn g2_chunks_added_into_carried_buckets_sum_to_the_whole() {
    let mut rng = StdRng::seed_from_u64(18);
    let bases = points_on::<g2::Config>(3000, &mut rng);
    let scalars: Vec<Fr> = (0..3000)
        .map(|i| match i % 7 {
            0 | 1 => Fr::ONE,
            2 => Fr::ZERO,
            3 => Fr::from(i as u64 * 977),
            _ => edge_scalar(&mut rng),
        })
        .collect();
    let want = reference(&bases, &scalars);
    for chunks in [0, 64] {
        let mut buffers = G2Buffers::for_chunks(chunks);
        for ends in [&[700usize, 1400, 2100, 3000][..], &[1, 2999, 3000]] {
            let mut start = 0;
            for &end in ends {
                buffers.add(
                    &MsmConfig::default(),
                    &bases[start..end],
                    &scalars[start..end],
                );
                start = end;
            }
            assert_eq!(buffers.finish(), want, "{ends:?}, {chunks}");
        }
        assert_eq!(buffers.finish(), Projective::ZERO);
    }
}
