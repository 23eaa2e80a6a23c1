//! The prover's move to the odd coset ([`zkbio_groth16::coset_fft`]) against arkworks' inverse
//! transform on the shifted domain then forward transform (what the prover did before), wall
//! time of alternating runs (each round runs both once, in turn: the machine is shared).
//!
//! `cargo bench -p zkbio-groth16 --bench fft` (sizes 2^16..2^21, 7 rounds). Environment:
//! `FFT_LOG_SIZES=18,21` sizes as powers of two; `FFT_RUNS=9` rounds; `FFT_BLOCKS=11,12,13,14`
//! the blocked transform at each block size instead of arkworks; `FFT_ONLY=ark|blocked` one run
//! of one side at the first size (for `valgrind --tool=callgrind`).
//!
//! Run without `--bench` (as `cargo test --all-targets` runs it), it only checks at 2^12 that
//! both sides agree.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use std::time::{Duration, Instant};
use zkbio_groth16::coset_fft::{CosetFft, BLOCK_LOG};

mod support;
use support::env_list;

/// The previous path: interpolate on `g⁻¹·⟨ω⟩` (coefficients times `gⁱ`), evaluate on `⟨ω⟩`.
struct Arkworks {
    base: Radix2EvaluationDomain<Fr>,
    shifted: Radix2EvaluationDomain<Fr>,
}

impl Arkworks {
    fn new(n: usize) -> Arkworks {
        let base = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let doubled = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap();
        let shifted = base.get_coset(doubled.group_gen_inv).unwrap();
        Arkworks { base, shifted }
    }

    fn run(&self, v: &mut Vec<Fr>) {
        self.shifted.ifft_in_place(v);
        self.base.fft_in_place(v);
    }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(v[v.len() / 2]), ms(v[0]), ms(v[v.len() - 1]))
}

fn main() {
    let mut rng = StdRng::seed_from_u64(21);
    let random = |n: usize, rng: &mut StdRng| (0..n).map(|_| Fr::rand(rng)).collect::<Vec<_>>();
    if let Ok(only) = std::env::var("FFT_ONLY") {
        let log = env_list("FFT_LOG_SIZES", "16")[0];
        let mut v = random(1 << log, &mut rng);
        match only.as_str() {
            "ark" => Arkworks::new(1 << log).run(&mut v),
            "blocked" => {
                CosetFft::new(log).unwrap().to_odd_coset(&mut v, || true);
            }
            _ => panic!("FFT_ONLY is ark or blocked"),
        }
        std::hint::black_box(v);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        let v = random(1 << 12, &mut rng);
        let (mut a, mut b) = (v.clone(), v);
        Arkworks::new(1 << 12).run(&mut a);
        CosetFft::new(12).unwrap().to_odd_coset(&mut b, || true);
        assert_eq!(a, b, "the blocked transform disagrees with arkworks");
        return;
    }
    let runs = env_list("FFT_RUNS", "7")[0] as usize;
    let blocks = std::env::var("FFT_BLOCKS")
        .ok()
        .map(|_| env_list("FFT_BLOCKS", ""));
    println!("| size | side | median ms | min | max | median vs first |");
    println!("|---|---|---|---|---|---|");
    for log in env_list("FFT_LOG_SIZES", "16,17,18,19,20,21") {
        let n = 1usize << log;
        let input = random(n, &mut rng);
        type Side = (String, Box<dyn Fn(&mut Vec<Fr>)>);
        let mut sides: Vec<Side> = Vec::new();
        match &blocks {
            None => {
                let ark = Arkworks::new(n);
                sides.push((
                    "arkworks".into(),
                    Box::new(move |v: &mut Vec<Fr>| ark.run(v)),
                ));
                let f = CosetFft::new(log).unwrap();
                sides.push((
                    format!("blocked 2^{BLOCK_LOG}"),
                    Box::new(move |v: &mut Vec<Fr>| {
                        f.to_odd_coset(v, || true);
                    }),
                ));
            }
            Some(bs) => {
                for &b in bs {
                    let f = CosetFft::with_block(log, b).unwrap();
                    sides.push((
                        format!("blocked 2^{b}"),
                        Box::new(move |v: &mut Vec<Fr>| {
                            f.to_odd_coset(v, || true);
                        }),
                    ));
                }
            }
        }
        let mut want: Option<Vec<Fr>> = None;
        let mut times = vec![Vec::new(); sides.len()];
        for _ in 0..runs {
            for (k, (_, f)) in sides.iter().enumerate() {
                let mut v = input.clone();
                let t = Instant::now();
                f(&mut v);
                times[k].push(t.elapsed());
                match &want {
                    None => want = Some(v),
                    Some(w) => assert!(*w == v, "the sides disagree at 2^{log}"),
                }
            }
        }
        let first = stats(times[0].clone()).0;
        for ((name, _), t) in sides.iter().zip(times) {
            let (med, min, max) = stats(t);
            println!(
                "| 2^{log} | {name} | {med:.1} | {min:.1} | {max:.1} | {:.2} |",
                med / first
            );
        }
    }
}
