//! Proofs, verifying keys and verification.
//!
//! A point's coordinates are 32-byte big-endian base-field elements; the point at infinity is all
//! zeros (as in the EVM precompiles). G2 coordinates are `c0 + c1·u` with both parts named, so no
//! ordering convention is implied (snarkjs JSON writes `[c0, c1]`, the EVM expects `[c1, c0]`).

use crate::error::{guard, ZkbioError};
use crate::field;
use crate::image_opening::ImageOpeningProof;
use crate::values::{Bytes32, FieldElement};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::Zero;
use std::sync::Arc;
use zkbio_circuits::circom::json::{public_to_json, ProofJson, VerificationKeyJson};
use zkbio_core::groth16::{self, Proof, VerifyError};

/// A point of G1: affine `(x, y)`, each a base-field element as `0x` and 64 hex digits
/// (32 bytes big-endian; strings so that proofs compare by value); `(0, 0)` is the point at
/// infinity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
pub struct G1Point {
    /// x coordinate.
    pub x: String,
    /// y coordinate.
    pub y: String,
}

/// A point of G2: affine `(x, y)` over `Fq2`, each part as `0x` and 64 hex digits; all zeros is
/// the point at infinity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
pub struct G2Point {
    /// x = x_c0 + x_c1·u: real part.
    pub x_c0: String,
    /// x: imaginary part.
    pub x_c1: String,
    /// y = y_c0 + y_c1·u: real part.
    pub y_c0: String,
    /// y: imaginary part.
    pub y_c1: String,
}

/// A Groth16 proof over BN254 (snarkjs's `pi_a`, `pi_b`, `pi_c`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Record)]
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
        x: field::to_hex(&x),
        y: field::to_hex(&y),
    }
}

fn g2_from(p: &G2Affine) -> G2Point {
    let (x, y) = p.xy().unwrap_or((Fq2::zero(), Fq2::zero()));
    G2Point {
        x_c0: field::to_hex(&x.c0),
        x_c1: field::to_hex(&x.c1),
        y_c0: field::to_hex(&y.c0),
        y_c1: field::to_hex(&y.c1),
    }
}

/// Parses coordinates; curve and subgroup membership are checked by [`verify`].
fn g1_to(p: &G1Point, what: &str) -> Result<G1Affine, ZkbioError> {
    let x: Fq = field::from_hex(&format!("{what}.x"), &p.x)?;
    let y: Fq = field::from_hex(&format!("{what}.y"), &p.y)?;
    Ok(if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    })
}

fn g2_to(p: &G2Point, what: &str) -> Result<G2Affine, ZkbioError> {
    let part = |name: &str, t: &str| field::from_hex::<Fq>(&format!("{what}.{name}"), t);
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
    pub fn public_input_count(&self) -> i32 {
        i32::try_from(self.vk.gamma_abc_g1.len().saturating_sub(1)).unwrap_or(i32::MAX)
    }

    /// keccak256 of the key in the EVM verifier's constructor encoding: what the registry pins
    /// as a model version's `vkHash` and the verifier's `vkHash()` returns. Fails with
    /// `InvalidInput` (`vk`) for a key the verifier contract cannot take.
    pub fn vk_hash(&self) -> Result<Arc<Bytes32>, ZkbioError> {
        zkbio_core::evm::vk_hash(&self.vk)
            .map(|h| Bytes32::new(h.0))
            .map_err(|e| ZkbioError::invalid("vk", e))
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

fn publics(public_inputs: &[Arc<FieldElement>]) -> Vec<Fr> {
    public_inputs.iter().map(|x| x.fr()).collect()
}

/// Verifies `proof` for `public_inputs` (in the statement's order, as in snarkjs's
/// `public.json`) under `vk`. Returns normally if the proof is valid;
/// fails with `VerificationFailed` if it is not, `InvalidInput` if an argument is malformed
/// (wrong count, a coordinate not below the modulus, a point off the curve or outside the
/// subgroup) or the key is forgeable (`what` = `vk`: e.g. δ = γ, a key with no phase-2
/// contribution, under which any proof can be forged).
#[uniffi::export]
pub fn verify(
    vk: Arc<VerifyingKey>,
    proof: Groth16Proof,
    public_inputs: Vec<Arc<FieldElement>>,
) -> Result<(), ZkbioError> {
    guard(|| {
        let proof = proof.to_ark()?;
        let inputs = publics(&public_inputs);
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

/// `public_inputs` as snarkjs's `public.json` (decimal strings).
#[uniffi::export]
pub fn public_inputs_to_snarkjs_json(public_inputs: Vec<Arc<FieldElement>>) -> String {
    json_text(&public_to_json(&publics(&public_inputs)))
}
