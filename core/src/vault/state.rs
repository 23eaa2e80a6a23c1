//! The vault's state file: which key new records use, and which old key awaits deletion.
//!
//! It is the durable pointer a key rotation switches once every record has a copy under the
//! new key. It holds no secret, so it is checksummed rather than encrypted: damage is
//! detected, and a forged one could at worst make the vault ask the key store for another
//! key id.
//!
//! ```text
//! magic "ZKBVSTAT" | u16 version (= 1) | u32 active key id | u8 has_retiring (0|1) |
//! u32 retiring key id (0 when none) | SHA3-256 of all preceding bytes, first 16 bytes
//! ```

use sha3::{Digest, Sha3_256};

use super::keys::KeyId;
use super::VaultError;

/// File name of the state file (record files end in `.zbv`, so it cannot collide).
pub(crate) const STATE_FILE: &str = "vault.state";

const MAGIC: [u8; 8] = *b"ZKBVSTAT";
const VERSION: u16 = 1;
const BODY_LEN: usize = 8 + 2 + 4 + 1 + 4;
const CHECK_LEN: usize = 16;

/// The vault's durable state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VaultState {
    /// The key that seals new and rewritten records.
    pub(crate) active_key: KeyId,
    /// A key a finished rotation left behind, to delete from the key store once no record
    /// uses it.
    pub(crate) retiring_key: Option<KeyId>,
}

fn checksum(body: &[u8]) -> [u8; CHECK_LEN] {
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(&Sha3_256::digest(body)[..CHECK_LEN]);
    out
}

impl VaultState {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BODY_LEN + CHECK_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.extend_from_slice(&self.active_key.0.to_be_bytes());
        out.push(u8::from(self.retiring_key.is_some()));
        out.extend_from_slice(&self.retiring_key.map_or(0, |k| k.0).to_be_bytes());
        let check = checksum(&out);
        out.extend_from_slice(&check);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        if bytes.len() != BODY_LEN + CHECK_LEN {
            return Err(VaultError::CorruptState("wrong length"));
        }
        let (body, check) = bytes.split_at(BODY_LEN);
        if body[..8] != MAGIC {
            return Err(VaultError::CorruptState("bad magic"));
        }
        if checksum(body)[..] != *check {
            return Err(VaultError::CorruptState("checksum mismatch"));
        }
        if u16::from_be_bytes([body[8], body[9]]) != VERSION {
            return Err(VaultError::CorruptState("unknown version"));
        }
        let be32 =
            |at: usize| u32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
        let retiring_key = match body[14] {
            0 => None,
            1 => Some(KeyId(be32(15))),
            _ => return Err(VaultError::CorruptState("bad flag")),
        };
        Ok(Self {
            active_key: KeyId(be32(10)),
            retiring_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_any_flipped_byte_is_caught() {
        let state = VaultState {
            active_key: KeyId(3),
            retiring_key: Some(KeyId(2)),
        };
        let bytes = state.encode();
        assert_eq!(VaultState::decode(&bytes).expect("decode"), state);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(
                VaultState::decode(&bad).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }
}
