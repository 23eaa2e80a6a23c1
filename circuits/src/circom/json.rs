//! snarkjs's JSON files: `verification_key.json`, `proof.json` and `public.json`.
//!
//! Numbers are decimal strings of canonical integers. Points are ffjavascript "objects":
//! Jacobian coordinates `[x, y, z]` (snarkjs always writes `z = 1`, and `["0", "1", "0"]` for the
//! point at infinity); a G2 coordinate is `[c0, c1]` (real part first). `vk_alphabeta_12` is
//! `e(α, β)` as `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]` of `[c0, c1]` pairs, the same
//! `Fq12 = Fq6[w]/(w² − v)`, `Fq6 = Fq2[v]/(v³ − (9 + u))` tower arkworks uses. Neither
//! `snarkjs groth16 verify` nor its Solidity template reads it; we write it for compatibility and
//! ignore it when parsing.
//!
//! Parsing is strict: non-decimal strings, values not below the modulus, points off the curve or
//! outside the prime-order subgroup are typed errors.

use ark_bn254::{Bn254, Fq, Fq12, Fq2, Fq6, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger256, Field, PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

/// A G1 point as snarkjs writes it: `[x, y, z]`.
pub type G1Json = [String; 3];
/// A G2 point as snarkjs writes it: `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`.
pub type G2Json = [[String; 2]; 3];
/// An Fq12 element as snarkjs writes it (see the module docs).
pub type Fq12Json = [[[String; 2]; 3]; 2];

/// Why a snarkjs JSON document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// Not valid JSON, or not the expected shape.
    #[error("invalid JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    /// A number that is not a plain decimal string.
    #[error("{field}: {value:?} is not a decimal number")]
    NotANumber {
        /// Where the value was.
        field: String,
        /// The offending text.
        value: String,
    },
    /// A number not below the field modulus.
    #[error("{field}: {value} is not below the field modulus")]
    OutOfField {
        /// Where the value was.
        field: String,
        /// The offending number.
        value: String,
    },
    /// Coordinates that are not a point of the curve.
    #[error("{0}: not a point on the curve")]
    NotOnCurve(String),
    /// A curve point outside the prime-order subgroup.
    #[error("{0}: point is not in the prime-order subgroup")]
    NotInSubgroup(String),
    /// A `protocol` or `curve` other than `groth16` / `bn128`.
    #[error("{field} is {found:?}, expected {expected:?}")]
    Unexpected {
        /// Which field.
        field: &'static str,
        /// What was found.
        found: String,
        /// What is supported.
        expected: &'static str,
    },
    /// `IC` does not hold `nPublic + 1` points.
    #[error("IC has {ic} points but nPublic is {n_public}")]
    IcLength {
        /// `nPublic`.
        n_public: usize,
        /// Number of IC points.
        ic: usize,
    },
}

/// `verification_key.json` (Groth16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationKeyJson {
    /// Always `"groth16"`.
    pub protocol: String,
    /// Always `"bn128"` (snarkjs's name for BN254).
    pub curve: String,
    /// Number of public inputs.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// α in G1.
    pub vk_alpha_1: G1Json,
    /// β in G2.
    pub vk_beta_2: G2Json,
    /// γ in G2.
    pub vk_gamma_2: G2Json,
    /// δ in G2.
    pub vk_delta_2: G2Json,
    /// `e(α, β)`; optional when parsing, never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk_alphabeta_12: Option<Fq12Json>,
    /// One point for the constant one and one per public input.
    #[serde(rename = "IC")]
    pub ic: Vec<G1Json>,
}

/// `proof.json` (Groth16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJson {
    /// A in G1.
    pub pi_a: G1Json,
    /// B in G2.
    pub pi_b: G2Json,
    /// C in G1.
    pub pi_c: G1Json,
    /// Always `"groth16"`.
    pub protocol: String,
    /// Always `"bn128"`.
    pub curve: String,
}

const PROTOCOL: &str = "groth16";
const CURVE: &str = "bn128";

impl VerificationKeyJson {
    /// The JSON form of `vk`, exactly as `snarkjs zkey export verificationkey` writes it.
    pub fn from_vk(vk: &VerifyingKey<Bn254>) -> Self {
        let alphabeta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
        VerificationKeyJson {
            protocol: PROTOCOL.into(),
            curve: CURVE.into(),
            n_public: vk.gamma_abc_g1.len().saturating_sub(1),
            vk_alpha_1: g1_to_json(&vk.alpha_g1),
            vk_beta_2: g2_to_json(&vk.beta_g2),
            vk_gamma_2: g2_to_json(&vk.gamma_g2),
            vk_delta_2: g2_to_json(&vk.delta_g2),
            vk_alphabeta_12: Some(fq12_to_json(&alphabeta)),
            ic: vk.gamma_abc_g1.iter().map(g1_to_json).collect(),
        }
    }

    /// The verifying key, with every point checked (curve and subgroup).
    pub fn to_vk(&self) -> Result<VerifyingKey<Bn254>, JsonError> {
        check_tags(&self.protocol, &self.curve)?;
        if self.ic.len() != self.n_public + 1 {
            return Err(JsonError::IcLength {
                n_public: self.n_public,
                ic: self.ic.len(),
            });
        }
        Ok(VerifyingKey {
            alpha_g1: g1_from_json(&self.vk_alpha_1, "vk_alpha_1")?,
            beta_g2: g2_from_json(&self.vk_beta_2, "vk_beta_2")?,
            gamma_g2: g2_from_json(&self.vk_gamma_2, "vk_gamma_2")?,
            delta_g2: g2_from_json(&self.vk_delta_2, "vk_delta_2")?,
            gamma_abc_g1: self
                .ic
                .iter()
                .enumerate()
                .map(|(i, p)| g1_from_json(p, &format!("IC[{i}]")))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl ProofJson {
    /// The JSON form of `proof`, as `snarkjs groth16 prove` writes it.
    pub fn from_proof(proof: &Proof<Bn254>) -> Self {
        ProofJson {
            pi_a: g1_to_json(&proof.a),
            pi_b: g2_to_json(&proof.b),
            pi_c: g1_to_json(&proof.c),
            protocol: PROTOCOL.into(),
            curve: CURVE.into(),
        }
    }

    /// The proof, with every point checked (curve and subgroup).
    pub fn to_proof(&self) -> Result<Proof<Bn254>, JsonError> {
        check_tags(&self.protocol, &self.curve)?;
        Ok(Proof {
            a: g1_from_json(&self.pi_a, "pi_a")?,
            b: g2_from_json(&self.pi_b, "pi_b")?,
            c: g1_from_json(&self.pi_c, "pi_c")?,
        })
    }
}

/// `public.json`: the public inputs as decimal strings.
pub fn public_to_json(inputs: &[Fr]) -> Vec<String> {
    inputs.iter().map(|x| decimal(&x.into_bigint())).collect()
}

/// Parses `public.json`'s strings; each must be a decimal number below `r`.
pub fn public_from_json(inputs: &[String]) -> Result<Vec<Fr>, JsonError> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, s)| parse_field::<Fr>(s, &format!("public[{i}]")))
        .collect()
}

fn check_tags(protocol: &str, curve: &str) -> Result<(), JsonError> {
    if protocol != PROTOCOL {
        return Err(JsonError::Unexpected {
            field: "protocol",
            found: protocol.into(),
            expected: PROTOCOL,
        });
    }
    if curve != CURVE {
        return Err(JsonError::Unexpected {
            field: "curve",
            found: curve.into(),
            expected: CURVE,
        });
    }
    Ok(())
}

fn decimal(x: &BigInteger256) -> String {
    BigUint::from(*x).to_str_radix(10)
}

fn fq(x: &Fq) -> String {
    decimal(&x.into_bigint())
}

fn fq2(x: &Fq2) -> [String; 2] {
    [fq(&x.c0), fq(&x.c1)]
}

/// G1 point as `[x, y, "1"]`, or `["0", "1", "0"]` at infinity (ffjavascript's `toObject`).
pub fn g1_to_json(p: &G1Affine) -> G1Json {
    match p.xy() {
        None => ["0".into(), "1".into(), "0".into()],
        Some((x, y)) => [fq(&x), fq(&y), "1".into()],
    }
}

/// G2 point as `[x, y, ["1", "0"]]` of `[c0, c1]` pairs, or `[0, 1, 0]` at infinity.
pub fn g2_to_json(p: &G2Affine) -> G2Json {
    match p.xy() {
        None => [fq2(&Fq2::zero()), fq2(&Fq2::ONE), fq2(&Fq2::zero())],
        Some((x, y)) => [fq2(&x), fq2(&y), fq2(&Fq2::ONE)],
    }
}

fn fq6_to_json(x: &Fq6) -> [[String; 2]; 3] {
    [fq2(&x.c0), fq2(&x.c1), fq2(&x.c2)]
}

/// An Fq12 element in snarkjs's nesting (see the module docs).
pub fn fq12_to_json(x: &Fq12) -> Fq12Json {
    [fq6_to_json(&x.c0), fq6_to_json(&x.c1)]
}

fn parse_field<F: PrimeField<BigInt = BigInteger256>>(
    s: &str,
    field: &str,
) -> Result<F, JsonError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(JsonError::NotANumber {
            field: field.into(),
            value: s.into(),
        });
    }
    let out_of_field = || JsonError::OutOfField {
        field: field.into(),
        value: s.into(),
    };
    // No field element needs more than 78 digits; the cap keeps hostile input from costing much
    // while allowing generous zero padding.
    if s.len() > 256 {
        return Err(out_of_field());
    }
    let n: BigUint = s.parse().map_err(|_| out_of_field())?;
    let b = BigInteger256::try_from(n).map_err(|_| out_of_field())?;
    F::from_bigint(b).ok_or_else(out_of_field)
}

fn fq2_from_json(c: &[String; 2], field: &str) -> Result<Fq2, JsonError> {
    Ok(Fq2::new(
        parse_field(&c[0], &format!("{field}.c0"))?,
        parse_field(&c[1], &format!("{field}.c1"))?,
    ))
}

/// Parses a G1 point (Jacobian `[x, y, z]`, `z = 0` meaning infinity) and checks it.
pub fn g1_from_json(p: &G1Json, field: &str) -> Result<G1Affine, JsonError> {
    let x: Fq = parse_field(&p[0], &format!("{field}.x"))?;
    let y: Fq = parse_field(&p[1], &format!("{field}.y"))?;
    let z: Fq = parse_field(&p[2], &format!("{field}.z"))?;
    if z.is_zero() {
        return Ok(G1Affine::identity());
    }
    // arkworks' projective short-Weierstrass points are Jacobian, like ffjavascript's.
    check_point(G1Projective::new_unchecked(x, y, z).into_affine(), field)
}

/// Parses a G2 point (Jacobian, `[c0, c1]` coordinates) and checks it.
pub fn g2_from_json(p: &G2Json, field: &str) -> Result<G2Affine, JsonError> {
    let x = fq2_from_json(&p[0], &format!("{field}.x"))?;
    let y = fq2_from_json(&p[1], &format!("{field}.y"))?;
    let z = fq2_from_json(&p[2], &format!("{field}.z"))?;
    if z.is_zero() {
        return Ok(G2Affine::identity());
    }
    check_point(G2Projective::new_unchecked(x, y, z).into_affine(), field)
}

fn check_point<P: SWCurveConfig>(p: Affine<P>, field: &str) -> Result<Affine<P>, JsonError> {
    if !p.is_on_curve() {
        return Err(JsonError::NotOnCurve(field.into()));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(JsonError::NotInSubgroup(field.into()));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g1(k: u64) -> G1Affine {
        (G1Affine::generator() * Fr::from(k)).into_affine()
    }

    fn g2(k: u64) -> G2Affine {
        (G2Affine::generator() * Fr::from(k)).into_affine()
    }

    fn vk() -> VerifyingKey<Bn254> {
        VerifyingKey {
            alpha_g1: g1(2),
            beta_g2: g2(3),
            gamma_g2: g2(4),
            delta_g2: g2(5),
            gamma_abc_g1: vec![g1(6), g1(7)],
        }
    }

    #[test]
    fn generator_matches_snarkjs_text() {
        // snarkjs prints the BN254 G1 generator as ["1", "2", "1"] and the G2 generator's x.c0 as
        // 10857046999023057135944570762232829481370756359578518086990519993285655852781.
        assert_eq!(g1_to_json(&G1Affine::generator()), ["1", "2", "1"]);
        assert_eq!(
            g2_to_json(&G2Affine::generator())[0][0],
            "10857046999023057135944570762232829481370756359578518086990519993285655852781"
        );
        assert_eq!(g1_to_json(&G1Affine::identity()), ["0", "1", "0"]);
    }

    #[test]
    fn vk_and_proof_round_trip_through_text() {
        let j = VerificationKeyJson::from_vk(&vk());
        let text = serde_json::to_string(&j).unwrap();
        let back: VerificationKeyJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_vk().unwrap(), vk());
        assert_eq!(back.n_public, 1);

        let proof = Proof::<Bn254> {
            a: g1(8),
            b: g2(9),
            c: G1Affine::identity(),
        };
        let p = ProofJson::from_proof(&proof);
        let text = serde_json::to_string(&p).unwrap();
        let back: ProofJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_proof().unwrap(), proof);

        let public = [Fr::from(0u64), -Fr::from(1u64)];
        let strings = public_to_json(&public);
        assert_eq!(
            strings[1],
            "21888242871839275222246405745257275088548364400416034343698204186575808495616"
        );
        assert_eq!(public_from_json(&strings).unwrap(), public);
    }

    #[test]
    fn jacobian_coordinates_are_normalized() {
        // (x·z², y·z³, z) is the same point as (x, y, 1).
        let p = g1(10);
        let (x, y) = p.xy().unwrap();
        let z = Fq::from(3u64);
        let j = [fq(&(x * z.square())), fq(&(y * z.square() * z)), fq(&z)];
        assert_eq!(g1_from_json(&j, "p").unwrap(), p);
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches!(
            public_from_json(&strs(&["12a"])),
            Err(JsonError::NotANumber { .. })
        ));
        assert!(matches!(
            public_from_json(&strs(&["-1"])),
            Err(JsonError::NotANumber { .. })
        ));
        assert!(matches!(
            public_from_json(&strs(&[""])),
            Err(JsonError::NotANumber { .. })
        ));
        assert!(matches!(
            public_from_json(&strs(&[
                "21888242871839275222246405745257275088548364400416034343698204186575808495617"
            ])),
            Err(JsonError::OutOfField { .. })
        ));
        assert!(matches!(
            public_from_json(&strs(&["1".repeat(100).as_str()])),
            Err(JsonError::OutOfField { .. })
        ));

        let off = ["1".to_string(), "3".to_string(), "1".to_string()];
        assert!(matches!(
            g1_from_json(&off, "p"),
            Err(JsonError::NotOnCurve(_))
        ));

        // A point on the G2 curve twist but outside the r-torsion: take any x with a square root,
        // which is overwhelmingly likely to miss the subgroup (the twist's cofactor is huge).
        let b = <ark_bn254::g2::Config as SWCurveConfig>::COEFF_B;
        let mut x = Fq2::new(Fq::from(1u64), Fq::from(0u64));
        let y = loop {
            if let Some(y) = (x.square() * x + b).sqrt() {
                break y;
            }
            x += Fq2::ONE;
        };
        let p = G2Affine::new_unchecked(x, y);
        assert!(p.is_on_curve());
        let j = g2_to_json(&p);
        assert!(matches!(
            g2_from_json(&j, "q"),
            Err(JsonError::NotInSubgroup(_))
        ));

        let mut v = VerificationKeyJson::from_vk(&vk());
        v.n_public = 2;
        assert!(matches!(
            v.to_vk(),
            Err(JsonError::IcLength { n_public: 2, ic: 2 })
        ));
        let mut v = VerificationKeyJson::from_vk(&vk());
        v.curve = "bls12381".into();
        assert!(matches!(
            v.to_vk(),
            Err(JsonError::Unexpected { field: "curve", .. })
        ));
        assert!(serde_json::from_str::<ProofJson>("{\"pi_a\": 1}").is_err());
    }
}
