//! Local secp256k1 signing: EIP-1559 transactions (for `eth_sendRawTransaction`) and digests
//! (the scanner's EIP-712 attestation).
//!
//! alloy does the work: `alloy-signer-local` signs (RFC 6979 nonces), `alloy-consensus`'
//! [`TxEip1559`] gives the signing hash and the EIP-2718 envelope, `alloy-primitives` the CREATE
//! address. What stays ours is [`LocalSigner`]'s small front: typed [`RegistryError`]s instead of
//! alloy's, hex parsing of the key, and low `s` enforced on every signature (the registry refuses
//! high `s`, whatever the signing library does by default).

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Signature, B256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use zeroize::Zeroizing;

use super::RegistryError;

/// The address of the contract `sender` creates with its `nonce`-th transaction (CREATE):
/// `keccak256(rlp([sender, nonce]))[12..]`.
pub fn create_address(sender: Address, nonce: u64) -> Address {
    sender.create(nonce)
}

/// A secp256k1 key held in memory (tests, the CLI, a scanner simulator). A phone's wallet signs
/// with its own keystore instead, from [`super::TxRequest::to_eip1193`]. The key is zeroized on
/// drop (k256's `SigningKey` inside alloy's signer).
pub struct LocalSigner {
    inner: PrivateKeySigner,
}

impl std::fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalSigner({})", self.address())
    }
}

impl LocalSigner {
    /// The signer of a 32-byte private key (big-endian scalar in `[1, n)`).
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, RegistryError> {
        let inner = PrivateKeySigner::from_slice(secret)
            .map_err(|_| RegistryError::Signature("private key out of range".into()))?;
        Ok(Self { inner })
    }

    /// The signer of a private key written as hex (with or without `0x`).
    pub fn from_hex(secret: &str) -> Result<Self, RegistryError> {
        let digits = secret.strip_prefix("0x").unwrap_or(secret);
        let bytes = Zeroizing::new(hex::decode(digits).unwrap_or_default());
        let key: &[u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| RegistryError::Signature("private key is not 32 hex bytes".into()))?;
        Self::from_bytes(key)
    }

    /// The signer's address.
    pub fn address(&self) -> Address {
        self.inner.address()
    }

    /// Signs a 32-byte digest (RFC 6979 deterministic nonce), with low `s`.
    pub fn sign_digest(&self, digest: B256) -> Result<Signature, RegistryError> {
        let sig = self
            .inner
            .sign_hash_sync(&digest)
            .map_err(|e| RegistryError::Signature(e.to_string()))?;
        // The twin (r, n - s) with the other parity is the same signature in low-s form.
        Ok(sig.normalize_s().unwrap_or(sig))
    }

    /// Signs `tx` and returns the raw transaction for `eth_sendRawTransaction`
    /// (`0x02 || rlp([..., y_parity, r, s])`; its keccak256 is the transaction hash).
    pub fn sign_transaction(&self, tx: &TxEip1559) -> Result<Vec<u8>, RegistryError> {
        let sig = self.sign_digest(tx.signature_hash())?;
        Ok(TxEnvelope::from(tx.clone().into_signed(sig)).encoded_2718())
    }
}
