//! Reading and writing the files commands exchange (snarkjs formats and `.zpk`).

use ark_bn254::{Bn254, Fr};
use std::path::Path;
use zkbio_circuits::circom::json::{
    public_from_json, public_to_json, ProofJson, VerificationKeyJson,
};
use zkbio_core::groth16::dev_marker::{vk_json, vk_json_origin};
use zkbio_core::groth16::{KeyOrigin, Proof, VerifyingKey};

/// Error text for a failed file operation on `path`.
pub fn io_err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

/// Writes `value` as pretty JSON.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| io_err(path, e))?;
    std::fs::write(path, text + "\n").map_err(|e| io_err(path, e))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    serde_json::from_str(&text).map_err(|e| io_err(path, e))
}

/// Reads a snarkjs `verification_key.json`.
pub fn read_vk(path: &Path) -> Result<VerifyingKey<Bn254>, String> {
    Ok(read_vk_with_origin(path)?.0)
}

/// Reads a snarkjs `verification_key.json` and its development-key marker
/// ([`zkbio_core::groth16::dev_marker`]).
pub fn read_vk_with_origin(path: &Path) -> Result<(VerifyingKey<Bn254>, KeyOrigin), String> {
    let value: serde_json::Value = read_json(path)?;
    let origin = vk_json_origin(&value);
    let vk = serde_json::from_value::<VerificationKeyJson>(value)
        .map_err(|e| io_err(path, e))?
        .to_vk()
        .map_err(|e| io_err(path, e))?;
    Ok((vk, origin))
}

/// Reads a Groth16 `proof.json` as snarkjs or rapidsnark writes it: rapidsnark leaves out
/// `curve` (and older tools `protocol`), which then default to the only values accepted,
/// `bn128` and `groth16`; present, they are checked as always.
pub fn read_proof(path: &Path) -> Result<Proof<Bn254>, String> {
    let mut value: serde_json::Value = read_json(path)?;
    if let Some(fields) = value.as_object_mut() {
        for (key, default) in [("curve", "bn128"), ("protocol", "groth16")] {
            fields.entry(key).or_insert_with(|| default.into());
        }
    }
    serde_json::from_value::<ProofJson>(value)
        .map_err(|e| io_err(path, e))?
        .to_proof()
        .map_err(|e| io_err(path, e))
}

/// Reads a snarkjs `public.json`.
pub fn read_public(path: &Path) -> Result<Vec<Fr>, String> {
    public_from_json(&read_json::<Vec<String>>(path)?).map_err(|e| io_err(path, e))
}

/// Writes `verification_key.json`, with the development-key marker if `origin` says so.
pub fn write_vk(path: &Path, vk: &VerifyingKey<Bn254>, origin: KeyOrigin) -> Result<(), String> {
    write_json(path, &vk_json(vk, origin))
}

/// Writes a snarkjs `proof.json`.
pub fn write_proof(path: &Path, proof: &Proof<Bn254>) -> Result<(), String> {
    write_json(path, &ProofJson::from_proof(proof))
}

/// Writes a snarkjs `public.json`.
pub fn write_public(path: &Path, public: &[Fr]) -> Result<(), String> {
    write_json(path, &public_to_json(public))
}

/// 32-byte seed from text (SHA3-256), so seeds can be typed.
pub fn seed_from_text(text: &str) -> [u8; 32] {
    use sha3::Digest;
    sha3::Sha3_256::digest(text.as_bytes()).into()
}
