//! The values both sides of the registry compute: the proofs' `binding` public input and the
//! scanner's EIP-712 enrollment attestation.

use alloy_primitives::{keccak256, Address, Signature, B256, U256};
use alloy_sol_types::SolValue;
use ark_bn254::Fr;
use ark_ff::PrimeField;

use super::signer::LocalSigner;
use super::RegistryError;

/// EIP-712 domain name of the registry.
pub const DOMAIN_NAME: &str = "zkbio BiometricRegistry";
/// EIP-712 domain version of the registry.
pub const DOMAIN_VERSION: &str = "1";
/// EIP-712 type of the scanner's attestation (chain id and registry are in the domain).
pub const ENROLLMENT_TYPE: &str =
    "Enrollment(uint256 imageCommitment,uint256 faceCommitment,address subject,uint256 deadline)";
/// The EIP-712 domain type.
const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// secp256k1's group order `n`.
const SECP256K1_N: U256 = U256::from_be_bytes([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

/// `binding` as a word: `uint256(keccak256(abi.encode(chain_id, registry, wallet, nonce))) >> 8`
/// with `chain_id` and `nonce` as `uint256` (docs/PROTOCOL.md). Always below 2^248 < r.
pub fn binding_word(chain_id: u64, registry: Address, wallet: Address, nonce: U256) -> U256 {
    let encoded = (U256::from(chain_id), registry, wallet, nonce).abi_encode();
    U256::from_be_bytes(keccak256(encoded).0) >> 8
}

/// The `binding` public input of a proof for `wallet` and `nonce` on `registry` at `chain_id`
/// (for a face match, `wallet` is the relying party and `nonce` its challenge).
pub fn binding(chain_id: u64, registry: Address, wallet: Address, nonce: U256) -> Fr {
    let word = binding_word(chain_id, registry, wallet, nonce);
    // Below 2^248 < r: no reduction happens.
    Fr::from_be_bytes_mod_order(&word.to_be_bytes::<32>())
}

/// A registry word as a field element; `None` if it is not below the BN254 scalar order `r`.
pub fn fr_from_word(word: U256) -> Option<Fr> {
    let fr = Fr::from_be_bytes_mod_order(&word.to_be_bytes::<32>());
    (crate::evm::abi::fr_word(&fr) == word).then_some(fr)
}

/// The registry's EIP-712 domain separator on `chain_id`.
pub fn domain_separator(chain_id: u64, registry: Address) -> B256 {
    keccak256(
        (
            keccak256(DOMAIN_TYPE),
            keccak256(DOMAIN_NAME),
            keccak256(DOMAIN_VERSION),
            U256::from(chain_id),
            registry,
        )
            .abi_encode(),
    )
}

/// The EIP-712 digest a scanner signs to attest that `subject` enrolled with `C_img` and
/// `C_face` on `registry` at `chain_id`, valid until `deadline` (Unix seconds; the registry
/// refuses it once `block.timestamp > deadline`).
pub fn enrollment_digest(
    chain_id: u64,
    registry: Address,
    c_img: Fr,
    c_face: Fr,
    subject: Address,
    deadline: u64,
) -> B256 {
    let word = crate::evm::abi::fr_word;
    let struct_hash = keccak256(
        (
            keccak256(ENROLLMENT_TYPE),
            word(&c_img),
            word(&c_face),
            subject,
            U256::from(deadline),
        )
            .abi_encode(),
    );
    let mut buf = Vec::with_capacity(66);
    buf.extend_from_slice(b"\x19\x01");
    buf.extend_from_slice(domain_separator(chain_id, registry).as_slice());
    buf.extend_from_slice(struct_hash.as_slice());
    keccak256(buf)
}

/// A scanner's signature in the registry's layout: 65 bytes `r || s || v`, `v` in {27, 28},
/// `s <= n/2` (the registry refuses the malleable high-`s` twin).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ScannerSignature([u8; 65]);

impl std::fmt::Debug for ScannerSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScannerSignature(0x{})", hex::encode(self.0))
    }
}

impl ScannerSignature {
    /// Signs the enrollment digest with the scanner's key (what the scanner does).
    pub fn sign(
        scanner: &LocalSigner,
        chain_id: u64,
        registry: Address,
        c_img: Fr,
        c_face: Fr,
        subject: Address,
        deadline: u64,
    ) -> Result<Self, RegistryError> {
        let digest = enrollment_digest(chain_id, registry, c_img, c_face, subject, deadline);
        let sig = scanner.sign_digest(digest)?;
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
        out[32..64].copy_from_slice(&sig.s().to_be_bytes::<32>());
        out[64] = 27 + u8::from(sig.v());
        Ok(Self(out))
    }

    /// Takes 65 bytes `r || s || v`, checking the layout the registry requires (length, `v`,
    /// low `s`), so that a bad bundle is refused before any gas is spent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RegistryError> {
        let arr: [u8; 65] = bytes
            .try_into()
            .map_err(|_| RegistryError::Signature(format!("{} bytes, expected 65", bytes.len())))?;
        let v = arr[64];
        if v != 27 && v != 28 {
            return Err(RegistryError::Signature(format!(
                "v = {v}, expected 27 or 28"
            )));
        }
        let s = U256::from_be_slice(&arr[32..64]);
        if s > SECP256K1_N >> 1 {
            return Err(RegistryError::Signature("high s (malleable)".into()));
        }
        Ok(Self(arr))
    }

    /// The 65 bytes `r || s || v`.
    pub fn as_bytes(&self) -> &[u8; 65] {
        &self.0
    }

    /// The signer of `digest` (as the registry's `ecrecover` finds it).
    pub fn recover(&self, digest: B256) -> Result<Address, RegistryError> {
        // `from_bytes` checked v is 27 or 28, which `from_raw` reads as the parity.
        Signature::from_raw(&self.0)
            .and_then(|sig| sig.recover_address_from_prehash(&digest))
            .map_err(|e| RegistryError::Signature(e.to_string()))
    }

    /// The scanner that attested `subject`'s enrollment with `C_img`, `C_face` until
    /// `deadline` (the phone checks it against the registry's scanners before submitting).
    pub fn recover_enrollment(
        &self,
        chain_id: u64,
        registry: Address,
        c_img: Fr,
        c_face: Fr,
        subject: Address,
        deadline: u64,
    ) -> Result<Address, RegistryError> {
        self.recover(enrollment_digest(
            chain_id, registry, c_img, c_face, subject, deadline,
        ))
    }
}
