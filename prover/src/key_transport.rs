//! The compressed transport form of a `.zpk` proving key (`.zpkz`): the same points in
//! arkworks' compressed encoding (x only, the y sign in a flag bit), about half the bytes on the
//! wire. A phone downloads it and expands it once into the `.zpk` mmap layout
//! ([`super::key_file`]); the expanded file is then checked against the digest the manifest
//! pins for the `.zpk`, so the transport form adds nothing to trust.
//!
//! Layout (integers little-endian):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 8 | magic `ZKBIOPKZ` |
//! | 8 | 4 | transport version (1) |
//! | 12 | 4 | reserved, 0 |
//! | 16 | 128 | the `.zpk` header, verbatim |
//! | 144 | … | every point of the `.zpk`, in its order: G1 in 32 bytes, G2 in 64 bytes |
//!
//! Expanding computes each y with a square root (about 10 µs per G1 point and 4× that per G2
//! point on one core here), spread over the cores with rayon, batch by batch, so memory stays
//! at a few MiB whatever the key's size. Points are decompressed without the subgroup check
//! (a G2 subgroup check costs more than the square root, and the digest of the expanded file
//! decides anyway); an x with no point on the curve is [`TransportError::BadPoint`].

use super::encoding::{put_g1, put_g2, G1_BYTES, G2_BYTES};
use super::key_file::{KeyError, KeyHeader, KeyView, HEADER_BYTES};
use ark_bn254::{G1Affine, G2Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha3::{Digest, Sha3_256};
use std::io::{Read, Write};

/// Magic of the transport form.
pub const TRANSPORT_MAGIC: &[u8; 8] = b"ZKBIOPKZ";
/// Transport format version.
pub const TRANSPORT_VERSION: u32 = 1;
/// Bytes before the points: magic, version, reserved, the `.zpk` header.
pub const TRANSPORT_PREFIX_BYTES: usize = 16 + HEADER_BYTES;
/// Bytes of a compressed G1 point.
pub const G1_COMPRESSED_BYTES: usize = 32;
/// Bytes of a compressed G2 point.
pub const G2_COMPRESSED_BYTES: usize = 64;
/// Points decompressed per batch: bounds memory (about 12 MiB of buffers for G2) while giving
/// every core enough work.
const BATCH_POINTS: usize = 1 << 16;

/// Why a transport file cannot be expanded.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Reading the transport form or writing the expanded key failed.
    #[error("key transport I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Not a transport file.
    #[error("not a compressed zkbio proving key (bad magic)")]
    BadMagic,
    /// Written by a newer or unknown transport format.
    #[error("unsupported key transport version {0} (this build reads {TRANSPORT_VERSION})")]
    UnsupportedVersion(u32),
    /// The reserved word is not zero.
    #[error("key transport header has reserved bits set")]
    Reserved,
    /// The embedded `.zpk` header is invalid.
    #[error("key transport embeds an invalid key header: {0}")]
    Header(KeyError),
    /// The transport file is shorter or longer than its header says.
    #[error("key transport has {actual} bytes, its header implies {expected}")]
    WrongLength {
        /// Length implied by the header.
        expected: u64,
        /// Actual length (for a stream: at least this, or the bytes read before it ended).
        actual: u64,
    },
    /// A compressed point is not a point of the curve (or has invalid flag bits).
    #[error("compressed point {index} (a {group} point) is invalid")]
    BadPoint {
        /// Index of the point among all points of the file.
        index: u64,
        /// `"G1"` or `"G2"`.
        group: &'static str,
    },
    /// The expanded key's SHA3-256 is not the pinned one.
    #[error("expanded proving key digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// Pinned digest (hex).
        expected: String,
        /// Digest of the expanded bytes (hex).
        actual: String,
    },
    /// The caller's progress callback asked to stop.
    #[error("key expansion cancelled")]
    Cancelled,
}

/// What a transport file's prefix says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportHeader {
    /// The embedded `.zpk` header.
    pub key: KeyHeader,
    /// Length of the transport file this header implies.
    pub transport_len: u64,
    /// Length of the expanded `.zpk`.
    pub expanded_len: u64,
}

fn points_len(key: &KeyHeader) -> u64 {
    key.point_runs()
        .iter()
        .map(|&(g2, n)| {
            n as u64
                * if g2 {
                    G2_COMPRESSED_BYTES
                } else {
                    G1_COMPRESSED_BYTES
                } as u64
        })
        .sum()
}

impl TransportHeader {
    /// Parses and checks the first [`TRANSPORT_PREFIX_BYTES`] of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, TransportError> {
        if bytes.len() < TRANSPORT_PREFIX_BYTES {
            return Err(TransportError::WrongLength {
                expected: TRANSPORT_PREFIX_BYTES as u64,
                actual: bytes.len() as u64,
            });
        }
        if &bytes[..8] != TRANSPORT_MAGIC {
            return Err(TransportError::BadMagic);
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != TRANSPORT_VERSION {
            return Err(TransportError::UnsupportedVersion(version));
        }
        if bytes[12..16] != [0; 4] {
            return Err(TransportError::Reserved);
        }
        let key =
            KeyHeader::parse(&bytes[16..TRANSPORT_PREFIX_BYTES]).map_err(TransportError::Header)?;
        Ok(TransportHeader {
            key,
            transport_len: TRANSPORT_PREFIX_BYTES as u64 + points_len(&key),
            expanded_len: key.file_len() as u64,
        })
    }
}

/// Writes the transport form of the `.zpk` bytes `zpk` (publishing tools). Returns its length.
pub fn compress_key(zpk: &[u8], out: &mut impl Write) -> Result<u64, TransportError> {
    let view = KeyView::new(zpk).map_err(TransportError::Header)?;
    let header = KeyHeader::parse(zpk).map_err(TransportError::Header)?;
    debug_assert_eq!(view.n_vars(), header.n_vars());
    out.write_all(TRANSPORT_MAGIC)?;
    out.write_all(&TRANSPORT_VERSION.to_le_bytes())?;
    out.write_all(&[0; 4])?;
    out.write_all(&zpk[..HEADER_BYTES])?;
    let mut at = HEADER_BYTES;
    let mut buf = Vec::with_capacity(G2_COMPRESSED_BYTES);
    for (g2, count) in header.point_runs() {
        for _ in 0..count {
            buf.clear();
            // The .zpk decodes without validation; serializing a point never fails.
            if g2 {
                let p = super::encoding::get_g2(&zpk[at..at + G2_BYTES]);
                p.serialize_compressed(&mut buf)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                at += G2_BYTES;
            } else {
                let p = super::encoding::get_g1(&zpk[at..at + G1_BYTES]);
                p.serialize_compressed(&mut buf)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                at += G1_BYTES;
            }
            out.write_all(&buf)?;
        }
    }
    Ok(TRANSPORT_PREFIX_BYTES as u64 + points_len(&header))
}

/// Progress of an expansion: `(expanded bytes written, expanded length)`; return `false` to
/// stop with [`TransportError::Cancelled`].
pub type ExpandProgress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// Decompresses `n` points of `compressed` (`width` bytes each) into `out` (`.zpk` encoding),
/// in parallel; the first invalid point's index within the batch on failure.
fn expand_batch(compressed: &[u8], g2: bool, out: &mut [u8]) -> Result<(), usize> {
    let (cw, ow) = if g2 {
        (G2_COMPRESSED_BYTES, G2_BYTES)
    } else {
        (G1_COMPRESSED_BYTES, G1_BYTES)
    };
    let failed = compressed
        .par_chunks_exact(cw)
        .zip(out.par_chunks_exact_mut(ow))
        .enumerate()
        .filter_map(|(i, (src, dst))| {
            let ok = if g2 {
                G2Affine::deserialize_with_mode(src, Compress::Yes, Validate::No)
                    .map(|p| put_g2(&p, dst))
                    .is_ok()
            } else {
                G1Affine::deserialize_with_mode(src, Compress::Yes, Validate::No)
                    .map(|p| put_g1(&p, dst))
                    .is_ok()
            };
            (!ok).then_some(i)
        })
        .min();
    match failed {
        Some(i) => Err(i),
        None => Ok(()),
    }
}

/// Expands the transport form read from `input` (exactly one transport file: trailing bytes are
/// [`TransportError::WrongLength`]) into the `.zpk` layout written to `out`, and returns the
/// expanded bytes' SHA3-256. `progress` is called after every batch.
pub fn expand_key(
    input: &mut impl Read,
    out: &mut impl Write,
    progress: ExpandProgress<'_>,
) -> Result<[u8; 32], TransportError> {
    let mut prefix = [0u8; TRANSPORT_PREFIX_BYTES];
    read_exact(input, &mut prefix, 0, TRANSPORT_PREFIX_BYTES as u64)?;
    let header = TransportHeader::parse(&prefix)?;
    let mut sha3 = Sha3_256::new();
    let zpk_header = &prefix[16..];
    out.write_all(zpk_header)?;
    sha3.update(zpk_header);
    let total = header.expanded_len;
    let mut done = HEADER_BYTES as u64;
    let mut read = TRANSPORT_PREFIX_BYTES as u64;
    let mut index = 0u64;
    let mut src = Vec::new();
    let mut dst = Vec::new();
    for (g2, count) in header.key.point_runs() {
        let (cw, ow) = if g2 {
            (G2_COMPRESSED_BYTES, G2_BYTES)
        } else {
            (G1_COMPRESSED_BYTES, G1_BYTES)
        };
        let mut left = count;
        while left > 0 {
            let n = left.min(BATCH_POINTS);
            src.resize(n * cw, 0);
            dst.resize(n * ow, 0);
            read_exact(input, &mut src, read, header.transport_len)?;
            read += src.len() as u64;
            expand_batch(&src, g2, &mut dst).map_err(|i| TransportError::BadPoint {
                index: index + i as u64,
                group: if g2 { "G2" } else { "G1" },
            })?;
            out.write_all(&dst)?;
            sha3.update(&dst);
            index += n as u64;
            done += dst.len() as u64;
            left -= n;
            if !progress(done, total) {
                return Err(TransportError::Cancelled);
            }
        }
    }
    let mut extra = [0u8; 1];
    if input.read(&mut extra)? != 0 {
        return Err(TransportError::WrongLength {
            expected: header.transport_len,
            actual: read + 1,
        });
    }
    out.flush()?;
    Ok(sha3.finalize().into())
}

/// [`expand_key`], then checks the digest against `expected` (the manifest's digest of the
/// `.zpk`). The caller writes `out` to a temporary file and keeps it only on success.
pub fn expand_key_verified(
    input: &mut impl Read,
    out: &mut impl Write,
    expected: &[u8; 32],
    progress: ExpandProgress<'_>,
) -> Result<(), TransportError> {
    let actual = expand_key(input, out, progress)?;
    if &actual != expected {
        return Err(TransportError::DigestMismatch {
            expected: hex::encode(expected),
            actual: hex::encode(actual),
        });
    }
    Ok(())
}

/// `read_exact` of the bytes at `offset`, with an input ending early as
/// [`TransportError::WrongLength`] (`expected`: the whole input's length).
fn read_exact(
    input: &mut impl Read,
    buf: &mut [u8],
    offset: u64,
    expected: u64,
) -> Result<(), TransportError> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(TransportError::WrongLength {
                    expected,
                    actual: offset + got as u64,
                })
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_file::{digest, key_to_bytes};
    use crate::progress::Silent;
    use crate::{dev_setup_insecure, prove, verify};
    use ark_bn254::Fr;
    use ark_std::rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use zkbio_circuits::statements::image_opening::ImageOpening;
    use zkbio_circuits::Circuit;

    const STMT: ImageOpening = ImageOpening { rows: 4, cols: 16 };

    fn zpk() -> Vec<u8> {
        let r1cs = STMT.to_r1cs().unwrap();
        let pk = dev_setup_insecure(&r1cs, [9; 32]).unwrap();
        key_to_bytes(&pk, r1cs.constraints.len()).unwrap()
    }

    fn compress(zpk: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let len = compress_key(zpk, &mut out).unwrap();
        assert_eq!(len, out.len() as u64);
        out
    }

    fn expand(z: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut out = Vec::new();
        expand_key(&mut &z[..], &mut out, &mut |_, _| true)?;
        Ok(out)
    }

    #[test]
    fn expansion_restores_the_exact_key_and_proofs_verify() {
        let zpk = zpk();
        let z = compress(&zpk);
        let header = TransportHeader::parse(&z).unwrap();
        assert_eq!(header.transport_len, z.len() as u64);
        assert_eq!(header.expanded_len, zpk.len() as u64);
        // About half: every point loses its y (G1 64 -> 32, G2 128 -> 64).
        assert!(
            z.len() * 2 < zpk.len() + 2 * TRANSPORT_PREFIX_BYTES,
            "{} vs {}",
            z.len(),
            zpk.len()
        );
        let mut seen = Vec::new();
        let mut expanded = Vec::new();
        let d = expand_key(&mut &z[..], &mut expanded, &mut |done, total| {
            seen.push((done, total));
            true
        })
        .unwrap();
        assert_eq!(expanded, zpk);
        assert_eq!(d, digest(&zpk));
        // Progress ends at the whole file and never goes back.
        assert_eq!(seen.last(), Some(&(zpk.len() as u64, zpk.len() as u64)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        // The expanded key proves, and the proof verifies under the original's key.
        let view = KeyView::new(&expanded).unwrap();
        let inp = STMT
            .input(
                vec![3; STMT.pixels()],
                vec![true; STMT.pixels()],
                Fr::from(5u64),
                Fr::from(6u64),
            )
            .unwrap();
        let proof = prove(
            &view,
            STMT.witness(&inp).unwrap(),
            &mut ChaCha20Rng::seed_from_u64(3),
            &Silent,
        )
        .unwrap();
        let vk = KeyView::new(&zpk).unwrap().verifying_key();
        assert_eq!(verify(&vk, &proof, &STMT.public_inputs(&inp)), Ok(()));
        // The verified variant accepts the right digest and refuses another.
        let mut sink = Vec::new();
        expand_key_verified(&mut &z[..], &mut sink, &digest(&zpk), &mut |_, _| true).unwrap();
        let other = [1u8; 32];
        assert!(matches!(
            expand_key_verified(&mut &z[..], &mut Vec::new(), &other, &mut |_, _| true),
            Err(TransportError::DigestMismatch { .. })
        ));
    }

    #[test]
    fn corrupted_transport_files_are_typed_errors() {
        let zpk = zpk();
        let z = compress(&zpk);
        let mut bad = z.clone();
        bad[0] ^= 1;
        assert!(matches!(expand(&bad), Err(TransportError::BadMagic)));
        let mut bad = z.clone();
        bad[8] = 2;
        assert!(matches!(
            expand(&bad),
            Err(TransportError::UnsupportedVersion(2))
        ));
        let mut bad = z.clone();
        bad[13] = 1;
        assert!(matches!(expand(&bad), Err(TransportError::Reserved)));
        let mut bad = z.clone();
        bad[16] ^= 1; // the embedded .zpk magic
        assert!(matches!(
            expand(&bad),
            Err(TransportError::Header(KeyError::BadMagic))
        ));
        let mut bad = z.clone();
        bad[16 + 32..16 + 40].copy_from_slice(&3u64.to_le_bytes()); // domain not a power of two
        assert!(matches!(
            expand(&bad),
            Err(TransportError::Header(KeyError::Inconsistent(_)))
        ));
        assert!(matches!(
            expand(&z[..z.len() - 1]),
            Err(TransportError::WrongLength { expected, actual }) if expected == z.len() as u64 && actual < expected
        ));
        assert!(matches!(
            expand(&z[..10]),
            Err(TransportError::WrongLength { .. })
        ));
        let mut longer = z.clone();
        longer.push(0);
        assert!(matches!(
            expand(&longer),
            Err(TransportError::WrongLength { .. })
        ));
        // An x with no point on the curve: a typed error naming the point. Flipping low bits
        // of a G1 x finds one within a few tries (about half of all x have no y).
        let first_g1 = TRANSPORT_PREFIX_BYTES;
        let bad_point = (0..64u8)
            .map(|k| {
                let mut bad = z.clone();
                bad[first_g1] ^= k + 1;
                expand(&bad)
            })
            .find_map(|r| match r {
                Err(TransportError::BadPoint { index, group }) => Some((index, group)),
                _ => None,
            });
        assert_eq!(bad_point, Some((0, "G1")));
        // A G2 point with invalid flag bits (both infinity and sign set).
        let first_g2 = TRANSPORT_PREFIX_BYTES + 2 * G1_COMPRESSED_BYTES;
        let mut bad = z.clone();
        bad[first_g2 + G2_COMPRESSED_BYTES - 1] |= 0xc0;
        assert!(matches!(
            expand(&bad),
            Err(TransportError::BadPoint {
                index: 2,
                group: "G2"
            })
        ));
        // A valid point swapped for another (still on the curve): only the digest notices.
        let mut swapped = z.clone();
        let (a, b) = (first_g1, first_g1 + G1_COMPRESSED_BYTES);
        let tmp = swapped[a..b].to_vec();
        swapped.copy_within(b..b + G1_COMPRESSED_BYTES, a);
        swapped[b..b + G1_COMPRESSED_BYTES].copy_from_slice(&tmp);
        assert!(matches!(
            expand_key_verified(
                &mut &swapped[..],
                &mut Vec::new(),
                &digest(&zpk),
                &mut |_, _| true
            ),
            Err(TransportError::DigestMismatch { .. })
        ));
        // Cancellation from the progress callback.
        assert!(matches!(
            expand_key(&mut &z[..], &mut Vec::new(), &mut |_, _| false),
            Err(TransportError::Cancelled)
        ));
        // compress_key refuses what is not a .zpk.
        assert!(matches!(
            compress_key(&zpk[..200], &mut Vec::new()),
            Err(TransportError::Header(_))
        ));
    }
}
