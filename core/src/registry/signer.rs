//! Local secp256k1 signing: EIP-1559 transactions (for `eth_sendRawTransaction`) and digests
//! (the scanner's EIP-712 attestation), with `k256`.

use alloy_primitives::{keccak256, Address, B256, U256};
use k256::ecdsa::{SigningKey, VerifyingKey};

use super::rlp;
use super::RegistryError;

/// The address of a public key: the last 20 bytes of keccak256 of its uncompressed `x || y`.
pub(crate) fn address_of(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    // Uncompressed SEC1: 0x04 || x || y.
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// The address of the contract `sender` creates with its `nonce`-th transaction (CREATE):
/// `keccak256(rlp([sender, nonce]))[12..]`.
pub fn create_address(sender: Address, nonce: u64) -> Address {
    let mut payload = Vec::with_capacity(32);
    rlp::bytes(&mut payload, sender.as_slice());
    rlp::uint(&mut payload, U256::from(nonce));
    let mut out = Vec::with_capacity(34);
    rlp::list(&mut out, &payload);
    Address::from_slice(&keccak256(out)[12..])
}

/// An ECDSA signature with the parity of `R.y` (EIP-2098 / typed-transaction style), `s` low.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoverableSignature {
    /// `r`.
    pub r: U256,
    /// `s`, at most `n/2`.
    pub s: U256,
    /// Whether `R.y` is odd (the recovery id).
    pub y_parity: bool,
}

/// A secp256k1 key held in memory (tests, the CLI, a scanner simulator). A phone's wallet signs
/// with its own keystore instead, from [`super::TxRequest::to_eip1193`].
pub struct LocalSigner {
    key: SigningKey,
    address: Address,
}

impl std::fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalSigner({})", self.address)
    }
}

impl LocalSigner {
    /// The signer of a 32-byte private key (big-endian scalar in `[1, n)`).
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, RegistryError> {
        let key = SigningKey::from_slice(secret)
            .map_err(|_| RegistryError::Signature("private key out of range".into()))?;
        let address = address_of(key.verifying_key());
        Ok(Self { key, address })
    }

    /// The signer of a private key written as hex (with or without `0x`).
    pub fn from_hex(secret: &str) -> Result<Self, RegistryError> {
        let digits = secret.strip_prefix("0x").unwrap_or(secret);
        let bytes: [u8; 32] = hex::decode(digits)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| RegistryError::Signature("private key is not 32 hex bytes".into()))?;
        Self::from_bytes(&bytes)
    }

    /// The signer's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest (RFC 6979 deterministic nonce), with low `s`.
    pub fn sign_digest(&self, digest: B256) -> Result<RecoverableSignature, RegistryError> {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(digest.as_slice())
            .map_err(|e| RegistryError::Signature(e.to_string()))?;
        let mut y_parity = recid.is_y_odd();
        // Normalize to low s (the twin (r, n - s) has the other parity).
        let sig = match sig.normalize_s() {
            Some(low) => {
                y_parity = !y_parity;
                low
            }
            None => sig,
        };
        let (r, s) = sig.split_bytes();
        Ok(RecoverableSignature {
            r: U256::from_be_slice(&r),
            s: U256::from_be_slice(&s),
            y_parity,
        })
    }

    /// Signs `tx` and returns the raw transaction for `eth_sendRawTransaction`.
    pub fn sign_transaction(&self, tx: &Eip1559Transaction) -> Result<Vec<u8>, RegistryError> {
        let sig = self.sign_digest(tx.signing_hash())?;
        Ok(tx.encode_signed(&sig))
    }
}

/// An EIP-1559 (type 2) transaction without access list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip1559Transaction {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The sender's account nonce.
    pub nonce: u64,
    /// Tip per gas, in wei.
    pub max_priority_fee_per_gas: u128,
    /// Cap of base fee + tip per gas, in wei.
    pub max_fee_per_gas: u128,
    /// Gas limit.
    pub gas_limit: u64,
    /// Callee; `None` creates a contract from `input`.
    pub to: Option<Address>,
    /// Wei sent.
    pub value: U256,
    /// Call data or init code.
    pub input: Vec<u8>,
}

impl Eip1559Transaction {
    /// RLP of the nine unsigned fields (`access_list` empty).
    fn fields(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.input.len() + 128);
        rlp::uint(&mut p, U256::from(self.chain_id));
        rlp::uint(&mut p, U256::from(self.nonce));
        rlp::uint(&mut p, U256::from(self.max_priority_fee_per_gas));
        rlp::uint(&mut p, U256::from(self.max_fee_per_gas));
        rlp::uint(&mut p, U256::from(self.gas_limit));
        match self.to {
            Some(to) => rlp::bytes(&mut p, to.as_slice()),
            None => rlp::bytes(&mut p, &[]),
        }
        rlp::uint(&mut p, self.value);
        rlp::bytes(&mut p, &self.input);
        rlp::list(&mut p, &[]);
        p
    }

    /// The hash the sender signs: `keccak256(0x02 || rlp([chain_id, ..., access_list]))`.
    pub fn signing_hash(&self) -> B256 {
        let mut out = vec![0x02];
        rlp::list(&mut out, &self.fields());
        keccak256(out)
    }

    /// The signed raw transaction `0x02 || rlp([..., y_parity, r, s])`; its keccak256 is the
    /// transaction hash.
    pub fn encode_signed(&self, sig: &RecoverableSignature) -> Vec<u8> {
        let mut p = self.fields();
        rlp::uint(&mut p, U256::from(u8::from(sig.y_parity)));
        rlp::uint(&mut p, sig.r);
        rlp::uint(&mut p, sig.s);
        let mut out = vec![0x02];
        rlp::list(&mut out, &p);
        out
    }
}
