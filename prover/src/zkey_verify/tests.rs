//! Keys from [`setup_from_toxic_waste_insecure`] (scalars first, one multiplication per point:
//! an independent computation) against a prepared ptau made here from the same τ, α, β.
//! The snarkjs-made keys and ptau files are tested in `tests/tests/zkey_verify.rs`.

use super::*;
use crate::zkey_convert::{from_zkey, to_zkey, ImportError};
use crate::{setup_from_toxic_waste_insecure, ToxicWaste};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::PrimeGroup;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::io::Write;
use std::time::Instant;
use zkbio_circuits::builder::Constraint;
use zkbio_circuits::circom::binfile::BinWriter;
use zkbio_circuits::circom::{fq_modulus_le, write_g1, write_g2, G1_SIZE, G2_SIZE, N8};
use zkbio_circuits::statements::image_opening::ImageOpening;
use zkbio_circuits::Circuit;

fn secrets(delta: u64) -> ToxicWaste {
    ToxicWaste {
        tau: Fr::from(0x5eed_1234_5678u64),
        alpha: Fr::from(7u64),
        beta: Fr::from(11u64),
        gamma: Fr::one(),
        delta: Fr::from(delta),
    }
}

/// A prepared ptau of `power` with these τ, α, β, laid out as snarkjs 0.7.6 writes it.
fn synthetic_ptau(s: &ToxicWaste, power: u32) -> Vec<u8> {
    let n = 1usize << power;
    let g1 = BatchMulPreprocessing::new(G1Projective::generator(), 4 * n);
    let g2 = BatchMulPreprocessing::new(G2Projective::generator(), 2 * n);
    let powers: Vec<Fr> = std::iter::successors(Some(Fr::one()), |x| Some(*x * s.tau))
        .take(2 * n - 1)
        .collect();
    let scaled = |k: Fr, v: &[Fr]| v.iter().map(|x| k * x).collect::<Vec<_>>();
    let lagrange = |p_max: u32| -> Vec<Fr> {
        (0..=p_max)
            .flat_map(|p| {
                Radix2EvaluationDomain::<Fr>::new(1 << p)
                    .unwrap()
                    .evaluate_all_lagrange_coefficients(s.tau)
            })
            .collect()
    };
    let (l1, l0) = (lagrange(power + 1), lagrange(power));
    let g1_sections: [(u32, Vec<Fr>); 6] = [
        (2, powers.clone()),
        (4, scaled(s.alpha, &powers[..n])),
        (5, scaled(s.beta, &powers[..n])),
        (12, l1),
        (14, scaled(s.alpha, &l0)),
        (15, scaled(s.beta, &l0)),
    ];
    let g2_sections: [(u32, Vec<Fr>); 3] = [(3, powers[..n].to_vec()), (6, vec![s.beta]), (13, l0)];
    let mut w = BinWriter::new(Vec::new(), b"ptau", 1, 11).unwrap();
    w.section(1, (4 + N8 + 8) as u64, |o| {
        o.write_all(&(N8 as u32).to_le_bytes())?;
        o.write_all(&fq_modulus_le())?;
        o.write_all(&power.to_le_bytes())?;
        o.write_all(&power.to_le_bytes())
    })
    .unwrap();
    for (id, v) in &g1_sections {
        let pts = g1.batch_mul(v);
        w.section(*id, (pts.len() * G1_SIZE) as u64, |o| {
            pts.iter().try_for_each(|p| write_g1(o, p))
        })
        .unwrap();
    }
    for (id, v) in &g2_sections {
        let pts = g2.batch_mul(v);
        w.section(*id, (pts.len() * G2_SIZE) as u64, |o| {
            pts.iter().try_for_each(|p| write_g2(o, p))
        })
        .unwrap();
    }
    w.section(7, 4, |o| o.write_all(&0u32.to_le_bytes()))
        .unwrap();
    w.finish().unwrap()
}

/// Wires: 0 one, 1 public x, 2 y, 3 t, 4 u (private). `x·y = k·t`, `t·t = u + c`, `u·x = y`.
/// `k` sits on a private wire in C, `c` on the one wire in C: neither is in the key's A/B data.
fn toy(k: u64, c: u64) -> R1cs {
    let one = Fr::one();
    R1cs {
        n_wires: 5,
        n_public: 1,
        constraints: vec![
            Constraint {
                a: vec![(1, one)],
                b: vec![(2, one)],
                c: vec![(3, Fr::from(k))],
            },
            Constraint {
                a: vec![(3, one)],
                b: vec![(3, Fr::from(2u64))],
                c: vec![(0, Fr::from(c)), (4, one)],
            },
            Constraint {
                a: vec![(4, one)],
                b: vec![(1, one)],
                c: vec![(2, one)],
            },
        ],
    }
}

fn key(r1cs: &R1cs, s: &ToxicWaste) -> Zkey {
    to_zkey(
        &setup_from_toxic_waste_insecure(r1cs, s, &|_, _| {}).unwrap(),
        r1cs,
    )
}

#[test]
fn a_key_from_the_ptau_secrets_verifies_and_imports() {
    let s = secrets(99);
    let bytes = synthetic_ptau(&s, 3);
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let r1cs = toy(3, 5);
    let z = key(&r1cs, &s);
    assert_eq!(verify_zkey(&z, &r1cs, &ptau), Ok(()));
    // A ptau larger than needed serves too (the domain's blocks are picked out of it).
    let big = synthetic_ptau(&s, 5);
    assert_eq!(
        verify_zkey(&z, &r1cs, &Ptau::from_bytes(&big).unwrap()),
        Ok(())
    );
    // The whole key checks out, but it records no phase-2 contribution (it was made from known
    // secrets), so import refuses it all the same; cli/tests/import_zkey.rs imports a contributed one.
    assert_eq!(
        from_zkey(&z, &r1cs, &ptau).unwrap_err(),
        ImportError::NoContribution
    );

    // A real statement (896 constraints, 1024-point domain = the ptau's power).
    let stmt = ImageOpening { rows: 2, cols: 8 }.to_r1cs().unwrap();
    let bytes = synthetic_ptau(&s, 10);
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let z = key(&stmt, &s);
    assert_eq!(verify_zkey(&z, &stmt, &ptau), Ok(()));
}

#[test]
fn each_section_that_differs_is_named() {
    let s = secrets(99);
    let bytes = synthetic_ptau(&s, 3);
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let r1cs = toy(3, 5);
    let good = key(&r1cs, &s);
    let g1 = G1Affine::generator();
    let bump = |p: &mut G1Affine| *p = (*p + g1).into_affine();
    type Tamper<'a> = Box<dyn Fn(&mut Zkey) + 'a>;
    let cases: Vec<(KeySection, Tamper<'_>)> = vec![
        (KeySection::Alpha, Box::new(|z| bump(&mut z.alpha_g1))),
        (KeySection::Beta, Box::new(|z| bump(&mut z.beta_g1))),
        (
            KeySection::Beta,
            Box::new(|z| z.beta_g2 = (z.beta_g2 + G2Affine::generator()).into_affine()),
        ),
        (KeySection::Gamma, Box::new(|z| z.gamma_g2 = z.delta_g2)),
        (KeySection::Delta, Box::new(|z| bump(&mut z.delta_g1))),
        (KeySection::Ic, Box::new(|z| bump(&mut z.ic[1]))),
        (KeySection::A, Box::new(|z| bump(&mut z.a[2]))),
        (KeySection::B1, Box::new(|z| bump(&mut z.b_g1[3]))),
        (
            KeySection::B2,
            Box::new(|z| z.b_g2[1] = (z.b_g2[1] + G2Affine::generator()).into_affine()),
        ),
        (KeySection::L, Box::new(|z| bump(&mut z.c[1]))),
        (KeySection::H, Box::new(|z| bump(&mut z.h[0]))),
        (KeySection::H, Box::new(|z| z.h[7] = z.h[6])),
        (KeySection::L, Box::new(|z| z.c.swap(0, 2))),
    ];
    for (section, tamper) in cases {
        let mut z = good.clone();
        tamper(&mut z);
        assert_eq!(
            verify_zkey(&z, &r1cs, &ptau),
            Err(ZkeyVerifyError::Mismatch(section)),
            "{section}"
        );
    }
    // A consistent δ that is not the key's: L and H no longer divide by it.
    let mut z = good.clone();
    let other = key(&r1cs, &secrets(98));
    (z.delta_g1, z.delta_g2) = (other.delta_g1, other.delta_g2);
    assert_eq!(
        verify_zkey(&z, &r1cs, &ptau),
        Err(ZkeyVerifyError::Mismatch(KeySection::L))
    );
    // A point off the curve.
    let mut z = good.clone();
    z.h[2] = G1Affine::new_unchecked(z.h[2].x, z.h[2].y + ark_bn254::Fq::one());
    assert_eq!(
        verify_zkey(&z, &r1cs, &ptau),
        Err(ZkeyVerifyError::BadPoint {
            section: KeySection::H,
            index: 2
        })
    );
    // Another ptau (other τ): A already differs.
    let other_tau = ToxicWaste {
        tau: Fr::from(4242u64),
        ..s
    };
    let bytes = synthetic_ptau(&other_tau, 3);
    assert_eq!(
        verify_zkey(&good, &r1cs, &Ptau::from_bytes(&bytes).unwrap()),
        Err(ZkeyVerifyError::Mismatch(KeySection::A))
    );
}

#[test]
fn circuits_that_differ_only_in_c_do_not_share_keys() {
    let s = secrets(99);
    let bytes = synthetic_ptau(&s, 3);
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let base = toy(3, 5);
    let z = key(&base, &s);
    for (other, section) in [(toy(4, 5), KeySection::L), (toy(3, 6), KeySection::Ic)] {
        // What import checked before: shapes and the A/B coefficients. All equal.
        assert_eq!(
            (other.n_wires, other.n_public, other.domain_size()),
            (z.n_vars, z.n_public, z.domain_size)
        );
        assert_eq!(coefs_from_r1cs(&other), z.coefs);
        assert_eq!(
            verify_zkey(&z, &other, &ptau),
            Err(ZkeyVerifyError::Mismatch(section))
        );
    }
}

#[test]
fn a_ptau_too_small_for_the_circuit_is_refused() {
    let s = secrets(99);
    let bytes = synthetic_ptau(&s, 2);
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let r1cs = toy(3, 5);
    let z = key(&r1cs, &s);
    assert_eq!(
        verify_zkey(&z, &r1cs, &ptau),
        Err(ZkeyVerifyError::Ptau(PtauReadError::DomainNotCovered {
            domain_size: 8,
            power: 2
        }))
    );
}

/// Timing at a mid size: `cargo test -p zkbio-core --lib zkey_verify::tests::timing -- --ignored
/// --nocapture` (`ZKEY_VERIFY_ROWS` image rows of 32 pixels: 16 gives a 2^15 domain).
#[test]
#[ignore]
fn timing() {
    let rows = std::env::var("ZKEY_VERIFY_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let r1cs = ImageOpening { rows, cols: 32 }.to_r1cs().unwrap();
    let n = r1cs.domain_size();
    let s = secrets(99);
    let t = Instant::now();
    let bytes = synthetic_ptau(&s, n.trailing_zeros());
    let z = key(&r1cs, &s);
    let made = t.elapsed();
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    let terms: usize = r1cs
        .constraints
        .iter()
        .map(|c| c.a.len() + c.b.len() + c.c.len())
        .sum();
    let t = Instant::now();
    assert_eq!(verify_zkey(&z, &r1cs, &ptau), Ok(()));
    println!(
        "{} constraints, {} wires, {terms} nonzero terms, domain 2^{}: verify {:.2?} \
         (ptau + key made in {made:.2?})",
        r1cs.constraints.len(),
        r1cs.n_wires,
        n.trailing_zeros(),
        t.elapsed()
    );
}
