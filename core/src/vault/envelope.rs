//! The encrypted record file (format version 1).
//!
//! ```text
//! offset  size  field
//! 0       8     magic "ZKBVAULT"
//! 8       2     format version, u16 BE (= 1)
//! 10      4     key id, u32 BE
//! 14      16    key check: SHA3-256("zkbio/vault/key-check/v1" || key)[..16]
//! 30      8     generation (record version), u64 BE
//! 38      1     record id length L (1..=64)
//! 39      L     record id, ASCII
//! 39+L    24    XChaCha20-Poly1305 nonce (random)
//! 63+L    4     body length B, u32 BE (plaintext length + 16)
//! 67+L    B     body: ciphertext || 16-byte Poly1305 tag
//! ```
//!
//! The associated data is the whole header (bytes `0..67+L`), so the format version, key id,
//! generation and record id are all authenticated: a file moved to another record's name or
//! version, or a header with a rewritten version field, does not open. The reader also
//! compares the header's id and generation with the file name it opened (reported as
//! [`VaultError::Misplaced`]). The key check tells a wrong key apart from a tampered
//! ciphertext, and makes the encryption key-committing (a ciphertext cannot be crafted to
//! open under two keys).

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use sha3::{Digest, Sha3_256};

use super::keys::{KeyId, KeyProvider, VaultKey};
use super::record_id::RecordId;
use super::secret::SecretVec;
use super::VaultError;

/// The first bytes of every record file.
pub const MAGIC: [u8; 8] = *b"ZKBVAULT";
/// The record format this code writes, and the only one it reads.
/// Version 2 added the scanner's deadline to the plaintext (codec.rs); version 1 records are
/// refused as unknown, not misread.
pub const FORMAT_VERSION: u16 = 2;

const KEY_CHECK_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Magic and version: enough to decide whether and how to read the rest.
const PREFIX_LEN: usize = MAGIC.len() + 2;

/// The fields of a record header that can be read without the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) key_id: KeyId,
    pub(crate) generation: u64,
    pub(crate) record_id: String,
}

fn key_check(key: &VaultKey) -> [u8; KEY_CHECK_LEN] {
    let digest = Sha3_256::new()
        .chain_update(b"zkbio/vault/key-check/v1")
        .chain_update(key.expose())
        .finalize();
    let mut check = [0u8; KEY_CHECK_LEN];
    check.copy_from_slice(&digest[..KEY_CHECK_LEN]);
    check
}

fn header_len(id_len: usize) -> usize {
    PREFIX_LEN + 4 + KEY_CHECK_LEN + 8 + 1 + id_len + NONCE_LEN + 4
}

/// Encrypts `plaintext` into a complete record file.
pub(crate) fn seal(
    id: &RecordId,
    generation: u64,
    key_id: KeyId,
    key: &VaultKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let id_bytes = id.as_str().as_bytes();
    let too_long = || {
        VaultError::Bundle(super::BundleError::OpeningSize {
            what: "record",
            len: plaintext.len(),
        })
    };
    let body_len = u32::try_from(plaintext.len() + TAG_LEN).map_err(|_| too_long())?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| VaultError::Io {
        op: "random nonce",
        file: id.to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;

    let header_end = header_len(id_bytes.len());
    let mut file = Vec::with_capacity(header_end + plaintext.len() + TAG_LEN);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    file.extend_from_slice(&key_id.0.to_be_bytes());
    file.extend_from_slice(&key_check(key));
    file.extend_from_slice(&generation.to_be_bytes());
    // RecordId guarantees 1..=64 bytes.
    file.push(id_bytes.len() as u8);
    file.extend_from_slice(id_bytes);
    file.extend_from_slice(&nonce);
    file.extend_from_slice(&body_len.to_be_bytes());
    debug_assert_eq!(file.len(), header_end);

    // The plaintext is copied into the file buffer and encrypted where it lies, so the only
    // plaintext copy is the caller's (wiping) buffer.
    file.extend_from_slice(plaintext);
    let (aad, body) = file.split_at_mut(header_end);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let tag = cipher
        .encrypt_inout_detached(&XNonce::from(nonce), aad, body.into())
        // The cipher only refuses messages beyond its length limit (256 GiB).
        .map_err(|_| too_long())?;
    file.extend_from_slice(&tag);
    Ok(file)
}

/// A record file split into its parts, with only the key-free checks done.
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    key_check: &'a [u8],
    nonce: &'a [u8],
    aad: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

/// Splits a record file and checks what needs no key: magic, version, lengths, and that the
/// header names the record and generation the file is stored as.
pub(crate) fn parse<'a>(
    file: &'a [u8],
    id: &RecordId,
    generation: u64,
) -> Result<Parsed<'a>, VaultError> {
    let name = || id.to_string();
    let truncated = |needed: usize| VaultError::Truncated {
        id: name(),
        len: file.len(),
        needed,
    };
    if file.len() < PREFIX_LEN {
        // Too short even for magic and version: only call it truncated if what is there
        // could be the start of a record.
        return if MAGIC.starts_with(&file[..file.len().min(MAGIC.len())]) {
            Err(truncated(PREFIX_LEN))
        } else {
            Err(VaultError::NotARecord { id: name() })
        };
    }
    if file[..MAGIC.len()] != MAGIC {
        return Err(VaultError::NotARecord { id: name() });
    }
    let version = u16::from_be_bytes([file[8], file[9]]);
    if version != FORMAT_VERSION {
        return Err(VaultError::UnknownFormatVersion {
            id: name(),
            version,
        });
    }
    let fixed = header_len(0);
    if file.len() < fixed {
        return Err(truncated(fixed));
    }
    let id_len = usize::from(file[38]);
    let header_end = header_len(id_len);
    if file.len() < header_end {
        return Err(truncated(header_end));
    }
    let be32 = |at: usize| u32::from_be_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]);
    let mut generation_bytes = [0u8; 8];
    generation_bytes.copy_from_slice(&file[30..38]);
    let header = Header {
        key_id: KeyId(be32(10)),
        generation: u64::from_be_bytes(generation_bytes),
        record_id: String::from_utf8_lossy(&file[39..39 + id_len]).into_owned(),
    };
    let body_len = be32(header_end - 4) as usize;
    let end = header_end + body_len;
    if body_len < TAG_LEN || file.len() > end {
        // A body length that cannot be right, or bytes after the body: not a crash artefact
        // (writes are atomic), so the file was altered.
        return Err(VaultError::Tampered { id: name() });
    }
    if file.len() < end {
        return Err(truncated(end));
    }
    if header.record_id != id.as_str() || header.generation != generation {
        return Err(VaultError::Misplaced {
            id: name(),
            found_id: header.record_id,
            found_generation: header.generation,
        });
    }
    let nonce_at = 39 + id_len;
    Ok(Parsed {
        header,
        key_check: &file[14..30],
        nonce: &file[nonce_at..nonce_at + NONCE_LEN],
        aad: &file[..header_end],
        ciphertext: &file[header_end..end - TAG_LEN],
        tag: &file[end - TAG_LEN..end],
    })
}

/// Decrypts a parsed record with its key from `keys`; the plaintext wipes itself on drop.
pub(crate) fn open(
    parsed: &Parsed<'_>,
    id: &RecordId,
    keys: &dyn KeyProvider,
) -> Result<SecretVec<u8>, VaultError> {
    let key = keys.key(parsed.header.key_id)?;
    if key_check(&key)[..] != *parsed.key_check {
        return Err(VaultError::WrongKey {
            id: id.to_string(),
            key: parsed.header.key_id,
        });
    }
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let mut nonce = XNonce::default();
    nonce.copy_from_slice(parsed.nonce);
    let mut tag = Tag::default();
    tag.copy_from_slice(parsed.tag);
    // Decrypted in place inside a wiping buffer: no other plaintext copy exists.
    let mut plaintext = SecretVec::new(parsed.ciphertext.to_vec());
    cipher
        .decrypt_inout_detached(&nonce, parsed.aad, plaintext.as_mut_slice().into(), &tag)
        .map_err(|_| VaultError::Tampered { id: id.to_string() })?;
    Ok(plaintext)
}
