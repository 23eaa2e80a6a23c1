//! Whole-key verification of snarkjs ceremony keys (issue 10, row 2), against snarkjs 0.7.6:
//! - a key from `groth16 setup` + one `zkey contribute` on our `.r1cs`, with a ptau made here
//!   (`powersoftau new`, `contribute`, `prepare phase2`), verifies, as `snarkjs zkey verify` says;
//! - the key of the tiny iris model with `+1` kernels is refused for the `-1` model, whose circuit
//!   has the same shape and A/B coefficients (what import checked before), and snarkjs agrees;
//! - a key with one L or one H point replaced is refused, naming the section, and snarkjs agrees;
//! - the real ptau decodes (τ⁰ = generator, e(τ·G1, G2) = e(G1, τ·G2)); truncated, garbage and
//!   unprepared ptau files give typed errors.

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use std::sync::OnceLock;
use zkbio_circuits::builder::R1cs;
use zkbio_circuits::circom::{coefs_from_r1cs, r1cs, Ptau, PtauError, Zkey};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::zkey_convert::{from_zkey, ImportError};
use zkbio_core::groth16::zkey_verify::{verify_zkey, KeySection, ZkeyVerifyError};
use zkbio_tests::{snarkjs, TempDir};

fn snarkjs_ok(args: &[&str]) -> String {
    let (ok, out) = snarkjs(args);
    assert!(ok, "snarkjs {args:?} failed:\n{out}");
    out
}

fn tiny_iris(variant: i16) -> R1cs {
    IrisCodeStatement::new(IrisModel::tiny_test_model(variant))
        .to_r1cs()
        .unwrap()
}

/// Files shared by the tests: the ptau (unprepared and prepared), both models' `.r1cs`, and the
/// `+1` model's ceremony key. Made once per run.
struct Fixture {
    dir: TempDir,
    plus: R1cs,
    minus: R1cs,
}

impl Fixture {
    fn path(&self, f: &str) -> String {
        self.dir.join(f).to_str().unwrap().to_owned()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new("zkey-verify");
        let f = Fixture {
            dir,
            plus: tiny_iris(1),
            minus: tiny_iris(-1),
        };
        let power = f.plus.domain_size().trailing_zeros().to_string();
        let p = |x: &str| f.path(x);
        std::fs::write(p("plus.r1cs"), r1cs::to_bytes(&f.plus).unwrap()).unwrap();
        std::fs::write(p("minus.r1cs"), r1cs::to_bytes(&f.minus).unwrap()).unwrap();
        snarkjs_ok(&["powersoftau", "new", "bn128", &power, &p("p0.ptau")]);
        snarkjs_ok(&[
            "powersoftau",
            "contribute",
            &p("p0.ptau"),
            &p("p1.ptau"),
            "--name=test",
            "-e=zkbio zkey-verify entropy",
        ]);
        snarkjs_ok(&[
            "powersoftau",
            "prepare",
            "phase2",
            &p("p1.ptau"),
            &p("final.ptau"),
        ]);
        snarkjs_ok(&[
            "groth16",
            "setup",
            &p("plus.r1cs"),
            &p("final.ptau"),
            &p("c0.zkey"),
        ]);
        snarkjs_ok(&[
            "zkey",
            "contribute",
            &p("c0.zkey"),
            &p("c1.zkey"),
            "--name=phase2",
            "-e=more entropy",
        ]);
        f
    })
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Whether `snarkjs zkey verify` accepts `zkey` for `r1cs` and the fixture's ptau.
fn snarkjs_accepts(f: &Fixture, r1cs: &str, zkey: &str) -> bool {
    let (ok, out) = snarkjs(&["zkey", "verify", &f.path(r1cs), &f.path("final.ptau"), zkey]);
    // snarkjs 0.7.6 exits 0 either way: its verdict is in the log.
    ok && out.contains("ZKey Ok!")
}

#[test]
#[ignore = "a snarkjs ceremony on the tiny iris (domain 2^13) takes minutes; run with --ignored (the same checks run on small circuits in core::groth16::zkey_verify and cli/tests/import_zkey.rs)"]
fn a_snarkjs_ceremony_key_verifies_and_imports() {
    let f = fixture();
    let ptau_bytes = read(&f.path("final.ptau"));
    let ptau = Ptau::from_bytes(&ptau_bytes).unwrap();
    let z = Zkey::from_bytes(&read(&f.path("c1.zkey"))).unwrap();
    assert_eq!(z.contribution_info().unwrap().1, 1);
    assert_eq!(verify_zkey(&z, &f.plus, &ptau), Ok(()));
    assert!(from_zkey(&z, &f.plus, &ptau).is_ok());
    assert!(snarkjs_accepts(f, "plus.r1cs", &f.path("c1.zkey")));
    // The contribution-free key fits the circuit too (refusing it is a key-structure check).
    let z0 = Zkey::from_bytes(&read(&f.path("c0.zkey"))).unwrap();
    assert_eq!(verify_zkey(&z0, &f.plus, &ptau), Ok(()));
}

#[test]
#[ignore = "a snarkjs ceremony on the tiny iris (domain 2^13) takes minutes; run with --ignored (the same checks run on small circuits in core::groth16::zkey_verify and cli/tests/import_zkey.rs)"]
fn the_plus_one_model_key_is_refused_for_the_minus_one_model() {
    let f = fixture();
    let (plus, minus) = (&f.plus, &f.minus);
    assert_ne!(plus, minus, "the two models must give different circuits");
    let ptau_bytes = read(&f.path("final.ptau"));
    let ptau = Ptau::from_bytes(&ptau_bytes).unwrap();
    let z = Zkey::from_bytes(&read(&f.path("c1.zkey"))).unwrap();
    // Everything import compared before this check is identical: shapes and the A/B section.
    assert_eq!(
        (minus.n_wires, minus.n_public, minus.domain_size()),
        (z.n_vars, z.n_public, z.domain_size)
    );
    assert_eq!(coefs_from_r1cs(minus), z.coefs);
    let a_b: Vec<_> = minus.constraints.iter().map(|c| (&c.a, &c.b)).collect();
    let a_b_plus: Vec<_> = plus.constraints.iter().map(|c| (&c.a, &c.b)).collect();
    assert_eq!(a_b, a_b_plus, "the models differ only in C");

    assert_eq!(
        verify_zkey(&z, minus, &ptau),
        Err(ZkeyVerifyError::Mismatch(KeySection::L))
    );
    assert_eq!(
        from_zkey(&z, minus, &ptau).unwrap_err(),
        ImportError::Verify(ZkeyVerifyError::Mismatch(KeySection::L))
    );
    assert!(!snarkjs_accepts(f, "minus.r1cs", &f.path("c1.zkey")));
}

#[test]
#[ignore = "a snarkjs ceremony on the tiny iris (domain 2^13) takes minutes; run with --ignored (the same checks run on small circuits in core::groth16::zkey_verify and cli/tests/import_zkey.rs)"]
fn a_key_with_one_l_or_h_point_replaced_is_refused() {
    let f = fixture();
    let ptau_bytes = read(&f.path("final.ptau"));
    let ptau = Ptau::from_bytes(&ptau_bytes).unwrap();
    let good = Zkey::from_bytes(&read(&f.path("c1.zkey"))).unwrap();
    let g = G1Affine::generator();
    type Tamper = fn(&mut Zkey, G1Affine);
    let cases: [(KeySection, &str, Tamper); 2] = [
        (KeySection::L, "bad_l.zkey", |z, g| z.c[5] = g),
        (KeySection::H, "bad_h.zkey", |z, g| z.h[17] = g),
    ];
    for (section, name, tamper) in cases {
        let mut z = good.clone();
        tamper(&mut z, g);
        let path = f.path(name);
        std::fs::write(&path, z.to_bytes().unwrap()).unwrap();
        let z = Zkey::from_bytes(&read(&path)).unwrap();
        let err = verify_zkey(&z, &f.plus, &ptau).unwrap_err();
        assert_eq!(err, ZkeyVerifyError::Mismatch(section));
        assert!(err.to_string().contains(&section.to_string()), "{err}");
        assert!(!snarkjs_accepts(f, "plus.r1cs", &path), "{name}");
    }
}

#[test]
#[ignore = "a snarkjs ceremony on the tiny iris (domain 2^13) takes minutes; run with --ignored (the same checks run on small circuits in core::groth16::zkey_verify and cli/tests/import_zkey.rs)"]
fn the_real_ptau_decodes_and_bad_ones_are_typed_errors() {
    let f = fixture();
    let bytes = read(&f.path("final.ptau"));
    let ptau = Ptau::from_bytes(&bytes).unwrap();
    assert_eq!(ptau.power, f.plus.domain_size().trailing_zeros());
    let tau = ptau.tau_g1(2).unwrap();
    let tau2 = ptau.tau_g2(2).unwrap();
    assert_eq!(
        (tau[0], tau2[0]),
        (G1Affine::generator(), G2Affine::generator())
    );
    assert_eq!(
        Bn254::pairing(tau[1], G2Affine::generator()),
        Bn254::pairing(G1Affine::generator(), tau2[1])
    );
    // The one-point domain's Lagrange polynomial is 1.
    assert_eq!(ptau.lagrange_g1(1).unwrap(), vec![G1Affine::generator()]);
    assert_eq!(ptau.lagrange_g2(1).unwrap(), vec![G2Affine::generator()]);
    assert_eq!(ptau.lagrange_alpha_g1(1).unwrap(), vec![ptau.alpha_g1]);
    assert_eq!(ptau.lagrange_beta_g1(1).unwrap(), vec![ptau.beta_g1]);

    for len in [0, 3, 11, 40, 1000, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(Ptau::from_bytes(&bytes[..len]), Err(PtauError::Format(_))),
            "{len}"
        );
    }
    let garbage: Vec<u8> = bytes.iter().map(|b| b.wrapping_mul(31) ^ 0x5a).collect();
    assert!(matches!(
        Ptau::from_bytes(&garbage),
        Err(PtauError::Format(_))
    ));
    let unprepared = read(&f.path("p1.ptau"));
    let err = Ptau::from_bytes(&unprepared).unwrap_err();
    assert!(matches!(err, PtauError::NotPrepared(12)), "{err}");
}
