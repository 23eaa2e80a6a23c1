//! Proofs, verifying keys and verification.
//!
//! A point's coordinates are 32-byte big-endian base-field elements; the point at infinity is all
//! zeros (as in the EVM precompiles). G2 coordinates are `c0 + c1·u` with both parts named, so no
//! ordering convention is implied (snarkjs JSON writes `[c0, c1]`, the EVM expects `[c1, c0]`).

use crate::error::{guard, ZkbioError};
use crate::field;
use crate::image_opening::ImageOpeningProof;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::Zero;
use std::sync::Arc;
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_core::groth16::{self, Proof, VerifyError};

/// A point of G1: affine `(x, y)`, each 32 bytes big-endian; `(0, 0)` is the point at infinity.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct G1Point {
    /// x coordinate.
    pub x: Vec<u8>,
    /// y coordinate.
    pub y: Vec<u8>,
}

/// A point of G2: affine `(x, y)` over `Fq2`, each part 32 bytes big-endian; all zeros is the
/// point at infinity.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct G2Point {
    /// x = x_c0 + x_c1·u: real part.
    pub x_c0: Vec<u8>,
    /// x: imaginary part.
    pub x_c1: Vec<u8>,
    /// y = y_c0 + y_c1·u: real part.
    pub y_c0: Vec<u8>,
    /// y: imaginary part.
    pub y_c1: Vec<u8>,
}

/// A Groth16 proof over BN254 (snarkjs's `pi_a`, `pi_b`, `pi_c`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Groth16Proof {
    /// A (G1).
    pub a: G1Point,
    /// B (G2).
    pub b: G2Point,
    /// C (G1).
    pub c: G1Point,
}

fn g1_from(p: &G1Affine) -> G1Point {
    let (x, y) = p.xy().unwrap_or((Fq::zero(), Fq::zero()));
    G1Point {
        x: field::to_bytes(&x),
        y: field::to_bytes(&y),
    }
}

fn g2_from(p: &G2Affine) -> G2Point {
    let (x, y) = p.xy().unwrap_or((Fq2::zero(), Fq2::zero()));
    G2Point {
        x_c0: field::to_bytes(&x.c0),
        x_c1: field::to_bytes(&x.c1),
        y_c0: field::to_bytes(&y.c0),
        y_c1: field::to_bytes(&y.c1),
    }
}

/// Parses coordinates; curve and subgroup membership are checked by [`verify`].
fn g1_to(p: &G1Point, what: &str) -> Result<G1Affine, ZkbioError> {
    let x: Fq = field::from_bytes(&format!("{what}.x"), &p.x)?;
    let y: Fq = field::from_bytes(&format!("{what}.y"), &p.y)?;
    Ok(if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    })
}

fn g2_to(p: &G2Point, what: &str) -> Result<G2Affine, ZkbioError> {
    let part = |name: &str, b: &[u8]| field::from_bytes::<Fq>(&format!("{what}.{name}"), b);
    let x = Fq2::new(part("x_c0", &p.x_c0)?, part("x_c1", &p.x_c1)?);
    let y = Fq2::new(part("y_c0", &p.y_c0)?, part("y_c1", &p.y_c1)?);
    Ok(if x.is_zero() && y.is_zero() {
        G2Affine::identity()
    } else {
        G2Affine::new_unchecked(x, y)
    })
}

impl From<&Proof<Bn254>> for Groth16Proof {
    fn from(p: &Proof<Bn254>) -> Self {
        Groth16Proof {
            a: g1_from(&p.a),
            b: g2_from(&p.b),
            c: g1_from(&p.c),
        }
    }
}

impl Groth16Proof {
    /// The arkworks proof (coordinates parsed, points not yet validated).
    pub(crate) fn to_ark(&self) -> Result<Proof<Bn254>, ZkbioError> {
        Ok(Proof {
            a: g1_to(&self.a, "proof.a")?,
            b: g2_to(&self.b, "proof.b")?,
            c: g1_to(&self.c, "proof.c")?,
        })
    }
}

/// A Groth16 verifying key: from [`crate::ProvingMaterials::verifying_key`], or a model package's
/// `verification_key.json`.
#[derive(Debug, uniffi::Object)]
pub struct VerifyingKey {
    vk: groth16::VerifyingKey<Bn254>,
}

impl VerifyingKey {
    pub(crate) fn new(vk: groth16::VerifyingKey<Bn254>) -> Arc<Self> {
        Arc::new(VerifyingKey { vk })
    }
}

#[uniffi::export]
impl VerifyingKey {
    /// Parses snarkjs's `verification_key.json` (strict: every point is checked).
    #[uniffi::constructor]
    pub fn from_snarkjs_json(json: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let parsed: VerificationKeyJson = serde_json::from_str(&json)
                .map_err(|e| ZkbioError::invalid("verification key JSON", e))?;
            let vk = parsed
                .to_vk()
                .map_err(|e| ZkbioError::invalid("verification key JSON", e))?;
            Ok(VerifyingKey::new(vk))
        })
    }

    /// Number of public inputs a proof under this key has.
    pub fn public_input_count(&self) -> u32 {
        u32::try_from(self.vk.gamma_abc_g1.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// The key as snarkjs's `verification_key.json`.
    pub fn to_snarkjs_json(&self) -> String {
        json_text(&VerificationKeyJson::from_vk(&self.vk))
    }
}

fn json_text(value: &impl serde::Serialize) -> String {
    // Serializing these plain structs of strings cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn publics(public_inputs: &[Vec<u8>]) -> Result<Vec<Fr>, ZkbioError> {
    public_inputs
        .iter()
        .enumerate()
        .map(|(i, b)| field::from_bytes(&format!("public_inputs[{i}]"), b))
        .collect()
}

/// Verifies `proof` for `public_inputs` (32-byte big-endian field elements, in the statement's
/// order, as in snarkjs's `public.json`) under `vk`. Returns normally if the proof is valid;
/// fails with `VerificationFailed` if it is not, `InvalidInput` if an argument is malformed
/// (wrong count, a coordinate not below the modulus, a point off the curve or outside the
/// subgroup) or the key is forgeable (`what` = `vk`: e.g. δ = γ, a key with no phase-2
/// contribution, under which any proof can be forged).
#[uniffi::export]
pub fn verify(
    vk: Arc<VerifyingKey>,
    proof: Groth16Proof,
    public_inputs: Vec<Vec<u8>>,
) -> Result<(), ZkbioError> {
    guard(|| {
        let proof = proof.to_ark()?;
        let inputs = publics(&public_inputs)?;
        groth16::verify(&vk.vk, &proof, &inputs).map_err(|e| match e {
            VerifyError::Rejected => ZkbioError::VerificationFailed,
            VerifyError::PublicInputCount { .. } => ZkbioError::invalid("public_inputs", e),
            VerifyError::UnsafeKey(_) => ZkbioError::invalid("vk", e),
            VerifyError::InvalidPoint(p) => {
                ZkbioError::invalid(format!("proof.{}", p.to_lowercase()), e)
            }
        })
    })
}

/// [`verify`] for an image-opening proof (public inputs `[C_img, binding]`).
#[uniffi::export]
pub fn verify_image_opening(
    vk: Arc<VerifyingKey>,
    proof: ImageOpeningProof,
) -> Result<(), ZkbioError> {
    let ImageOpeningProof {
        proof,
        public_inputs,
    } = proof;
    verify(vk, proof, public_inputs.to_list())
}

/// `proof` as snarkjs's `proof.json` (interop: `snarkjs groth16 verify`, web verifiers).
#[uniffi::export]
pub fn proof_to_snarkjs_json(proof: Groth16Proof) -> Result<String, ZkbioError> {
    guard(|| Ok(json_text(&ProofJson::from_proof(&proof.to_ark()?))))
}

/// `public_inputs` (32-byte big-endian field elements) as snarkjs's `public.json`.
#[uniffi::export]
pub fn public_inputs_to_snarkjs_json(public_inputs: Vec<Vec<u8>>) -> Result<String, ZkbioError> {
    guard(|| Ok(json_text(&public_to_json(&publics(&public_inputs)?))))
}
