//! `manifest.json`: what a model package contains, signed by its publisher.
//!
//! ```json
//! {
//!   "format": 1,
//!   "kind": "iris",
//!   "version": 2,
//!   "model_hash": "0x<keccak256 of the model file, 64 hex digits>",
//!   "artifacts": [
//!     { "name": "model.bin", "role": "model", "sha3_256": "<64 hex digits>", "size": 1234 },
//!     { "name": "circuit.zpk", "role": "proving_key", "sha3_256": "…", "size": 99 },
//!     { "name": "verification_key.json", "role": "verification_key", "sha3_256": "…", "size": 9 }
//!   ],
//!   "insecure_dev_key": true,
//!   "proving_key_transport": { "name": "circuit.zpkz", "sha3_256": "…", "size": 50 },
//!   "family": { "name": "tflite", "magnitude": 2, "cell_min_valid": 15 },
//!   "signature": "0x<r || s || v, 130 hex digits>"
//! }
//! ```
//!
//! A face-model package (`"kind": "face"`) holds both face statements' keys: `proving_key` and
//! `verification_key` are the face-embedding statement's (registry kind 2), and
//! `match_proving_key` and `match_verification_key` the face-match statement's (registry kind 1),
//! so five artifacts; an iris package has exactly the first three roles.
//!
//! `insecure_dev_key` is present (and `true`) only for a package whose proving key comes from
//! the INSECURE development setup; [`crate::package::publish_package`] sets it from the key
//! file's header, and [`crate::flows::IrisModelPackage::load`] refuses a package whose flag and
//! key header disagree. Manifests written before the flag existed read as `false`.
//!
//! `proving_key_transport`, when present, names the compressed transport form of the proving
//! key ([`crate::groth16::key_transport`], about half the bytes): a downloader may fetch it
//! instead of the `proving_key` artifact and expand it on the device; the expanded file must
//! still have the `proving_key` artifact's size and SHA3-256.
//!
//! `family`, iris packages only, says which statement the model file is for ([`IrisFamily`]):
//! `{"name": "filter-bank"}`, the open-iris Gabor filter bank (`model.bin`, the canonical
//! encoding of [`zkbio_circuits::models::iris::IrisModel`], whose code rule is inside it), or
//! `{"name": "tflite", "magnitude": M, "cell_min_valid": N}`, an int8 `.tflite` network (the
//! model artifact's name ends in `.tflite`) and its code rule
//! ([`zkbio_circuits::models::iris_tflite::CodeRule`]): a mask bit needs `|out − zp| >= M` and
//! at least `N` valid image-mask pixels in its cell. For both the model hash is keccak256 of the
//! model file. A manifest without `family` (every one written before families existed) is a
//! filter bank.
//!
//! The publisher signs, with secp256k1, the keccak256 of the manifest's **canonical
//! encoding** (not of the JSON text, whose spacing and key order are free). All integers
//! big-endian:
//!
//! ```text
//! "zkbio-model-manifest/v1" (23 ASCII bytes) | u32 format | u8 kind (1 iris, 2 face) |
//! u32 version | model_hash 32 | u32 artifact count |
//! per artifact, in manifest order: u16 name length | name | u8 role (1 model,
//!   2 proving_key, 3 verification_key, 4 match_proving_key, 5 match_verification_key) |
//!   sha3_256 32 | u64 size |
//! u8 1, only when insecure_dev_key is true |
//! u8 2 | u16 name length | name | sha3_256 32 | u64 size, only when proving_key_transport is set |
//! u8 3 | u8 family (1 filter bank, 2 tflite) | tflite only: u8 magnitude | u32 cell_min_valid,
//!   only when family is set
//! ```
//!
//! The trailing parts keep every older manifest's encoding (and signature) as it was, and stay
//! unambiguous: each starts with its own tag byte, and everything before is length-prefixed.
//!
//! The signature is 65 bytes `r || s || v`, `s` in the lower half of the group order, `v`
//! the recovery id (0 or 1, or 27 or 28 as Ethereum writes it). The publisher is the
//! Ethereum address of the recovered key. Unknown JSON fields are refused, since the
//! signature would not cover them.

use alloy_primitives::Address;
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use super::PackageError;

/// The manifest format this code reads and writes.
pub const MANIFEST_FORMAT: u32 = 1;
/// Largest `manifest.json` accepted.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// Largest artifact accepted (a proving key for the largest circuits is a few GiB).
pub const MAX_ARTIFACT_BYTES: u64 = 16 << 30;

const DOMAIN: &[u8; 23] = b"zkbio-model-manifest/v1";

/// Which kind of model a package holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// An iris-code model (Proof 1).
    Iris,
    /// A face-embedding model (Proof 2).
    Face,
}

impl ModelKind {
    /// The kind's code in the canonical encoding (and the registry).
    pub fn code(self) -> u8 {
        match self {
            ModelKind::Iris => 1,
            ModelKind::Face => 2,
        }
    }

    /// The artifact roles a package of this kind has, each exactly once, in publishing order.
    pub fn roles(self) -> &'static [ArtifactRole] {
        match self {
            ModelKind::Iris => &ArtifactRole::ALL,
            ModelKind::Face => &ArtifactRole::FACE,
        }
    }
}

/// Which iris-code statement an iris package's model file is for (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IrisFamily {
    /// The open-iris Gabor filter bank (v1): `model.bin` in the canonical model encoding.
    FilterBank,
    /// An int8 `.tflite` network (v2) with its code rule.
    Tflite {
        /// A mask bit needs `|out − zp| >= magnitude`.
        magnitude: u8,
        /// ... and at least this many valid image-mask pixels in its cell.
        cell_min_valid: u32,
    },
}

impl IrisFamily {
    /// The family's code in the canonical encoding.
    pub fn code(self) -> u8 {
        match self {
            IrisFamily::FilterBank => 1,
            IrisFamily::Tflite { .. } => 2,
        }
    }

    /// The family's name in `manifest.json`.
    pub fn name(self) -> &'static str {
        match self {
            IrisFamily::FilterBank => "filter-bank",
            IrisFamily::Tflite { .. } => "tflite",
        }
    }

    fn encode(self, out: &mut Vec<u8>) {
        out.push(3);
        out.push(self.code());
        if let IrisFamily::Tflite {
            magnitude,
            cell_min_valid,
        } = self
        {
            out.push(magnitude);
            out.extend_from_slice(&cell_min_valid.to_be_bytes());
        }
    }
}

/// What an artifact is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactRole {
    /// The model file; its keccak256 is the package's `model_hash`.
    Model,
    /// The Groth16 proving key of the model's circuit.
    ProvingKey,
    /// The verification key.
    VerificationKey,
    /// Face packages only: the face-match statement's proving key (`proving_key` is the
    /// face-embedding statement's).
    MatchProvingKey,
    /// Face packages only: the face-match statement's verification key.
    MatchVerificationKey,
}

impl ArtifactRole {
    /// The roles of an iris package, each of which it has exactly once.
    pub const ALL: [ArtifactRole; 3] = [
        ArtifactRole::Model,
        ArtifactRole::ProvingKey,
        ArtifactRole::VerificationKey,
    ];

    /// The roles of a face package, each of which it has exactly once.
    pub const FACE: [ArtifactRole; 5] = [
        ArtifactRole::Model,
        ArtifactRole::ProvingKey,
        ArtifactRole::VerificationKey,
        ArtifactRole::MatchProvingKey,
        ArtifactRole::MatchVerificationKey,
    ];

    fn code(self) -> u8 {
        match self {
            ArtifactRole::Model => 1,
            ArtifactRole::ProvingKey => 2,
            ArtifactRole::VerificationKey => 3,
            ArtifactRole::MatchProvingKey => 4,
            ArtifactRole::MatchVerificationKey => 5,
        }
    }
}

/// One file of a package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// File name, also its path relative to the package's base URL: 1 to 128 of
    /// `[A-Za-z0-9._-]`, not starting with a dot.
    pub name: String,
    /// What it is for.
    pub role: ArtifactRole,
    /// SHA3-256 of its bytes.
    #[serde(with = "hex32")]
    pub sha3_256: [u8; 32],
    /// Its length in bytes.
    pub size: u64,
}

/// The compressed transport form of a package's proving key (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTransport {
    /// File name under the package's base URL (the same rules as an artifact's).
    pub name: String,
    /// SHA3-256 of the transport file's bytes.
    #[serde(with = "hex32")]
    pub sha3_256: [u8; 32],
    /// Its length in bytes.
    pub size: u64,
}

/// A package's `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format, [`MANIFEST_FORMAT`].
    pub format: u32,
    /// Model kind.
    pub kind: ModelKind,
    /// Model version (as registered).
    pub version: u32,
    /// keccak256 of the model file's bytes (as registered).
    #[serde(with = "hex32_0x")]
    pub model_hash: [u8; 32],
    /// The files: one of each of the kind's roles ([`ModelKind::roles`]).
    pub artifacts: Vec<Artifact>,
    /// The proving key is an INSECURE development key (see the module docs).
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_dev_key: bool,
    /// The compressed transport form of the proving key, if the publisher offers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proving_key_transport: Option<KeyTransport>,
    /// Iris packages: the model's family; absent is [`IrisFamily::FilterBank`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<IrisFamily>,
    /// The publisher's signature, `r || s || v`.
    #[serde(
        with = "signature_0x",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub signature: Option<[u8; 65]>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

impl Manifest {
    /// Parses and structurally checks `manifest.json` (not its signature: see
    /// [`super::verify_manifest`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, PackageError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(PackageError::ManifestTooLarge {
                len: bytes.len(),
                max: MAX_MANIFEST_BYTES,
            });
        }
        let manifest: Manifest = serde_json::from_slice(bytes)?;
        manifest.check_structure()?;
        Ok(manifest)
    }

    /// The manifest as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, integers and enums cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the rules the type cannot express: the format, exactly one artifact per role of
    /// the kind, safe and unique names, sane sizes.
    pub fn check_structure(&self) -> Result<(), PackageError> {
        if self.format != MANIFEST_FORMAT {
            return Err(PackageError::UnsupportedFormat(self.format));
        }
        let roles = self.kind.roles();
        for &role in roles {
            let count = self.artifacts.iter().filter(|a| a.role == role).count();
            if count != 1 {
                return Err(PackageError::InvalidManifest(format!(
                    "{count} artifacts with role {role:?}, expected 1"
                )));
            }
        }
        if self.artifacts.len() != roles.len() {
            return Err(PackageError::InvalidManifest("unexpected artifacts".into()));
        }
        for (i, artifact) in self.artifacts.iter().enumerate() {
            if !valid_name(&artifact.name) {
                return Err(PackageError::InvalidManifest(format!(
                    "invalid artifact name {:?}",
                    artifact.name
                )));
            }
            if self.artifacts[..i].iter().any(|a| a.name == artifact.name) {
                return Err(PackageError::InvalidManifest(format!(
                    "duplicate artifact name {:?}",
                    artifact.name
                )));
            }
            if artifact.size == 0 || artifact.size > MAX_ARTIFACT_BYTES {
                return Err(PackageError::InvalidManifest(format!(
                    "artifact {:?} has size {}",
                    artifact.name, artifact.size
                )));
            }
        }
        if let Some(t) = &self.proving_key_transport {
            if !valid_name(&t.name) || self.artifacts.iter().any(|a| a.name == t.name) {
                return Err(PackageError::InvalidManifest(format!(
                    "invalid or duplicate proving key transport name {:?}",
                    t.name
                )));
            }
            if t.size == 0 || t.size > MAX_ARTIFACT_BYTES {
                return Err(PackageError::InvalidManifest(format!(
                    "proving key transport has size {}",
                    t.size
                )));
            }
        }
        self.check_family()
    }

    fn check_family(&self) -> Result<(), PackageError> {
        let Some(family) = self.family else {
            return Ok(());
        };
        if self.kind != ModelKind::Iris {
            return Err(PackageError::InvalidManifest(format!(
                "a {:?} package has no iris model family",
                self.kind
            )));
        }
        let tflite_file = self
            .artifact(ArtifactRole::Model)
            .is_some_and(|a| a.name.ends_with(".tflite"));
        if matches!(family, IrisFamily::Tflite { .. }) != tflite_file {
            return Err(PackageError::InvalidManifest(format!(
                "family {} does not fit the model file's name (a .tflite file is family tflite)",
                family.name()
            )));
        }
        Ok(())
    }

    /// The iris model family: the manifest's `family`, or the filter bank when absent.
    pub fn iris_family(&self) -> IrisFamily {
        self.family.unwrap_or(IrisFamily::FilterBank)
    }

    /// The artifact with `role` (a checked manifest has exactly one).
    pub fn artifact(&self, role: ArtifactRole) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.role == role)
    }

    /// The canonical encoding the signature covers (see the module docs).
    pub fn canonical_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(DOMAIN);
        out.extend_from_slice(&self.format.to_be_bytes());
        out.push(self.kind.code());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.model_hash);
        out.extend_from_slice(&(self.artifacts.len() as u32).to_be_bytes());
        for artifact in &self.artifacts {
            // Names are at most 128 bytes once checked; longer ones never verify anyway.
            out.extend_from_slice(
                &(artifact.name.len().min(u16::MAX as usize) as u16).to_be_bytes(),
            );
            out.extend_from_slice(artifact.name.as_bytes());
            out.push(artifact.role.code());
            out.extend_from_slice(&artifact.sha3_256);
            out.extend_from_slice(&artifact.size.to_be_bytes());
        }
        if self.insecure_dev_key {
            out.push(1);
        }
        if let Some(t) = &self.proving_key_transport {
            out.push(2);
            out.extend_from_slice(&(t.name.len().min(u16::MAX as usize) as u16).to_be_bytes());
            out.extend_from_slice(t.name.as_bytes());
            out.extend_from_slice(&t.sha3_256);
            out.extend_from_slice(&t.size.to_be_bytes());
        }
        if let Some(family) = self.family {
            family.encode(&mut out);
        }
        out
    }

    /// keccak256 of the canonical encoding: what the publisher signs.
    pub fn signing_digest(&self) -> [u8; 32] {
        Keccak256::digest(self.canonical_encoding()).into()
    }

    /// Signs the manifest with a publisher's secp256k1 secret key (publishing tools and
    /// tests; phones only verify). Returns the publisher's address.
    pub fn sign(&mut self, secret_key: &[u8; 32]) -> Result<Address, PackageError> {
        let key = SigningKey::from_slice(secret_key)
            .map_err(|_| PackageError::InvalidManifest("invalid publisher secret key".into()))?;
        let (signature, recovery) = key
            .sign_prehash_recoverable(&self.signing_digest())
            .map_err(|_| PackageError::BadSignature)?;
        let mut bytes = [0u8; 65];
        bytes[..64].copy_from_slice(&signature.to_bytes());
        bytes[64] = 27 + recovery.to_byte();
        self.signature = Some(bytes);
        Ok(address_of(key.verifying_key()))
    }

    /// The address whose key signed the manifest.
    pub fn publisher(&self) -> Result<Address, PackageError> {
        let bytes = self.signature.ok_or(PackageError::Unsigned)?;
        let signature =
            Signature::from_slice(&bytes[..64]).map_err(|_| PackageError::BadSignature)?;
        // A high-s signature is the malleated twin of a valid one; only the canonical form
        // is accepted, so each manifest has exactly one valid signature per key.
        if signature.normalize_s().is_some() {
            return Err(PackageError::BadSignature);
        }
        let v = match bytes[64] {
            v @ (0 | 1) => v,
            v @ (27 | 28) => v - 27,
            _ => return Err(PackageError::BadSignature),
        };
        let recovery = RecoveryId::from_byte(v).ok_or(PackageError::BadSignature)?;
        let key = VerifyingKey::recover_from_prehash(&self.signing_digest(), &signature, recovery)
            .map_err(|_| PackageError::BadSignature)?;
        Ok(address_of(&key))
    }
}

/// The Ethereum address of a public key: the last 20 bytes of keccak256 of its
/// uncompressed encoding without the 0x04 prefix.
fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    let hash = Keccak256::digest(&point.as_bytes()[1..]);
    Address::from_slice(&hash[12..])
}

/// The Ethereum address of a secp256k1 secret key (to configure trusted publishers).
pub fn publisher_address(secret_key: &[u8; 32]) -> Result<Address, PackageError> {
    let key = SigningKey::from_slice(secret_key)
        .map_err(|_| PackageError::InvalidManifest("invalid publisher secret key".into()))?;
    Ok(address_of(key.verifying_key()))
}

/// Parses hex with an optional `0x` and either case into exactly `N` bytes.
fn parse_hex<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out)
        .map_err(|e| format!("expected {N} bytes of hex: {e}"))?;
    Ok(out)
}

/// 32 bytes as plain lowercase hex (SHA3 digests).
mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        super::parse_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// 32 bytes as `0x`-prefixed hex (keccak hashes, as on chain).
mod hex32_0x {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        super::parse_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An optional 65-byte signature as `0x`-prefixed hex.
mod signature_0x {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        bytes: &Option<[u8; 65]>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_str(&format!("0x{}", hex::encode(bytes))),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<[u8; 65]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::parse_hex(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}
