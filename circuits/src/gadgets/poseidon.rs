//! Poseidon over BN254 with circomlib's parameters (x^5 S-box), constants from `light-poseidon`.
//!
//! The native hash runs the rounds on `light-poseidon`'s parameters, built once per width, in
//! fixed-size state arrays: `light-poseidon`'s own `hash` rebuilds the parameters on every call
//! and allocates per round, which made the public inputs' commitments (hundreds of thousands of
//! calls for an image) cost more than the whole in-circuit hashing of the witness. The gadget
//! replays the same rounds with each S-box as three constraints (`x², x⁴, x⁵`) and the round
//! constants and MDS mixing as free linear combinations. Tests check native == `light-poseidon`
//! on random inputs of every width, gadget == native, and `light-poseidon` == circomlibjs.

use crate::builder::{Builder, LinearCombination};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use light_poseidon::parameters::bn254_x5::get_poseidon_parameters;
use light_poseidon::PoseidonParameters;
use std::sync::OnceLock;

/// Most inputs one Poseidon call takes (circomlib width 13).
pub const MAX_INPUTS: usize = 12;

fn params(n_inputs: usize) -> &'static PoseidonParameters<Fr> {
    static CACHE: [OnceLock<PoseidonParameters<Fr>>; MAX_INPUTS] =
        [const { OnceLock::new() }; MAX_INPUTS];
    assert!(
        (1..=MAX_INPUTS).contains(&n_inputs),
        "Poseidon takes 1 to {MAX_INPUTS} inputs, not {n_inputs}"
    );
    CACHE[n_inputs - 1].get_or_init(|| {
        get_poseidon_parameters::<Fr>((n_inputs + 1) as u8).expect("widths 2..=13 exist")
    })
}

/// circomlib `Poseidon(n)` computed natively (1 to [`MAX_INPUTS`] inputs).
///
/// # Panics
/// On 0 or more than [`MAX_INPUTS`] inputs (a fixed property of the caller's code).
pub fn hash(inputs: &[Fr]) -> Fr {
    let p = params(inputs.len());
    let t = p.width;
    let mut state = [Fr::ZERO; MAX_INPUTS + 1];
    let mut mixed = [Fr::ZERO; MAX_INPUTS + 1];
    let state = &mut state[..t];
    state[1..].copy_from_slice(inputs);
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        for (s, c) in state.iter_mut().zip(&p.ark[round * t..]) {
            *s += c;
        }
        let full = round < half || round >= half + p.partial_rounds;
        let n_sbox = if full { t } else { 1 };
        for s in state.iter_mut().take(n_sbox) {
            let x4 = s.square().square();
            *s *= x4;
        }
        for (m, row) in mixed.iter_mut().zip(&p.mds) {
            *m = state.iter().zip(row).map(|(s, c)| *s * c).sum();
        }
        state.copy_from_slice(&mixed[..t]);
    }
    state[0]
}

/// Number of constraints of [`poseidon`] with `n_inputs` inputs.
pub fn constraint_count(n_inputs: usize) -> usize {
    let p = params(n_inputs);
    3 * (p.full_rounds * p.width + p.partial_rounds)
}

fn sbox<B: Builder>(b: &mut B, x: &B::Lc) -> B::Lc {
    let v = b.value(x);
    let x2 = b.alloc(v.square());
    b.enforce(x, x, &x2);
    let x4 = b.alloc(v.square().square());
    b.enforce(&x2, &x2, &x4);
    let x5 = b.alloc(v.square().square() * v);
    b.enforce(&x4, x, &x5);
    x5
}

/// circomlib `Poseidon(n)` as a gadget: returns the hash of `inputs` (1 to [`MAX_INPUTS`]).
pub fn poseidon<B: Builder>(b: &mut B, inputs: &[B::Lc]) -> B::Lc {
    let p = params(inputs.len());
    let t = p.width;
    let mut state: Vec<B::Lc> = std::iter::once(B::Lc::zero())
        .chain(inputs.iter().cloned())
        .collect();
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s = s.clone() + B::Lc::constant(p.ark[round * t + i]);
        }
        let full = round < half || round >= half + p.partial_rounds;
        let n_sbox = if full { t } else { 1 };
        for s in state.iter_mut().take(n_sbox) {
            *s = sbox(b, s);
        }
        state = (0..t)
            .map(|i| {
                let mut acc = B::Lc::zero();
                for (s, m) in state.iter().zip(&p.mds[i]) {
                    acc.add_scaled(s, *m);
                }
                acc
            })
            .collect();
    }
    state.swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{Recorder, WitnessBuilder};
    use crate::gadgets::equality::enforce_equal;
    use crate::gadgets::test_support::{check_sound, gadget_circuit};

    gadget_circuit!(Hash3, Vec<u64>, vec![0; 3], |b, input| {
        let ins: Vec<B::Lc> = input.iter().map(|&v| b.alloc(Fr::from(v))).collect();
        ins.iter().for_each(|x| b.mark_free_input(x));
        let h = poseidon(b, &ins);
        let out = b.alloc(b.value(&h));
        enforce_equal(b, &h, &out);
    });

    #[test]
    fn gadget_equals_light_poseidon_for_every_width() {
        for n in 1..=MAX_INPUTS {
            let ins: Vec<Fr> = (0..n as u64).map(|i| Fr::from(1000 + i * 7)).collect();
            let mut wb = WitnessBuilder::new();
            let vars: Vec<Fr> = ins.iter().map(|v| wb.alloc(*v)).collect();
            let h = poseidon(&mut wb, &vars);
            assert_eq!(h, hash(&ins), "n = {n}");
            let mut rec = Recorder::new();
            let vars: Vec<_> = ins.iter().map(|v| rec.alloc(*v)).collect();
            let hl = poseidon(&mut rec, &vars);
            assert_eq!(rec.value(&hl), hash(&ins), "recorded n = {n}");
            assert_eq!(rec.num_constraints(), constraint_count(n));
        }
    }

    #[test]
    fn native_hash_equals_light_poseidon_on_random_inputs_of_every_width() {
        use ark_std::rand::SeedableRng;
        use light_poseidon::{Poseidon, PoseidonHasher};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for n in 1..=MAX_INPUTS {
            for _ in 0..4 {
                let ins: Vec<Fr> = (0..n)
                    .map(|_| ark_ff::UniformRand::rand(&mut rng))
                    .collect();
                let want = Poseidon::<Fr>::new_circom(n).unwrap().hash(&ins).unwrap();
                assert_eq!(hash(&ins), want, "n = {n}");
            }
        }
    }

    #[test]
    fn circomlib_reference_vector() {
        // circomlibjs: poseidon([1, 2]).
        let expected: Fr =
            "7853200120776062878684798364095072458815029376092732009249414926327459813530"
                .parse()
                .unwrap();
        assert_eq!(hash(&[Fr::from(1u64), Fr::from(2u64)]), expected);
    }

    #[test]
    fn poseidon_gadget_is_sound() {
        let n = check_sound(&Hash3, &[vec![1, 2, 3], vec![0, 0, 0]]);
        assert_eq!(n, constraint_count(3) + 1);
    }
}
