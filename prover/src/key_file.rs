//! The `.zpk` proving-key file: a fixed header followed by the key's points in the exact encoding
//! the prover consumes ([`super::encoding`]), so opening a key is an `mmap` plus a header check.
//!
//! Layout (all integers little-endian, every section starting on a 64-byte boundary):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 8 | magic `ZKBIOPK\0` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | flags: bit 0 = INSECURE development key ([`KeyOrigin::InsecureDev`]); others 0 |
//! | 16 | 8 | `n_vars`: wires including the constant one |
//! | 24 | 8 | `n_public`: public inputs |
//! | 32 | 8 | `domain_size` (power of two) |
//! | 40 | 8 | `n_constraints` |
//! | 48 | 80 | reserved, 0 (a non-zero byte is refused) |
//! | 128 | 576 | α₁, β₁, β₂, γ₂, δ₁, δ₂ |
//! | … | 64·(n_public+1) | IC (γ-scaled public-input points) |
//! | … | 64·n_vars | A query (G1) |
//! | … | 64·n_vars | B query (G1) |
//! | … | 128·n_vars | B query (G2) |
//! | … | 64·(n_vars−n_public−1) | C query of the private wires (δ-scaled) |
//! | … | 64·domain_size | H query (odd Lagrange basis of the doubled domain, δ-scaled) |
//!
//! The flags word was "reserved, 0" before keys were marked, so the format version stays 1: a
//! file written before the marker reads as unmarked (it says nothing about its origin, as
//! before), and a file with a flag bit this build does not know is refused
//! ([`KeyError::UnknownFlags`]) rather than read with its meaning lost.
//!
//! Points are not validated when read; integrity comes from the file's SHA3-256 digest
//! ([`digest`]), which the model package pins and the caller checks once when it obtains the file
//! ([`MappedKey::open_verified`]). A corrupted point cannot cause memory unsafety, only an invalid
//! proof, which verification rejects.

use super::encoding::{get_g1, get_g2, put_g1, put_g2, G1_BYTES, G2_BYTES};
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_groth16::{ProvingKey, VerifyingKey};
use sha3::{Digest, Sha3_256};
use std::io::Write;
use std::path::Path;

/// File magic.
pub const MAGIC: &[u8; 8] = b"ZKBIOPK\0";
/// Current format version.
pub const VERSION: u32 = 1;
/// Bytes of the `.zpk` header.
pub const HEADER_BYTES: usize = 128;
/// Start of the header's reserved bytes (zero up to [`HEADER_BYTES`]).
const RESERVED_START: usize = 48;
/// Flag bit: the key comes from the INSECURE development setup.
const FLAG_INSECURE_DEV: u32 = 1;
/// Every flag bit this build knows.
const KNOWN_FLAGS: u32 = FLAG_INSECURE_DEV;
/// Most wires a key may have (the IC/query sections are indexed by `u32` in circom formats).
const MAX_VARS: u64 = 1 << 32;
/// Largest domain BN254's scalar field offers an FFT for (2-adicity 28).
const MAX_DOMAIN: u64 = 1 << 28;

/// Where a key comes from, as its `.zpk` header records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyOrigin {
    /// A ceremony or an imported `.zkey` (unmarked; also every key written before the marker).
    External,
    /// The seeded **INSECURE** development setup ([`super::dev_setup_insecure`]): whoever knows
    /// the seed can forge proofs. Registry tools refuse to deploy such keys off local chains.
    InsecureDev,
}
const VK_BYTES: usize = 3 * G1_BYTES + 3 * G2_BYTES;

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or mapping the file failed.
    #[error("key file I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Not a `.zpk` file.
    #[error("not a zkbio proving key (bad magic)")]
    BadMagic,
    /// The header sets flag bits this build does not know.
    #[error("proving key header has unknown flags {0:#x}")]
    UnknownFlags(u32),
    /// Written by a newer or unknown format.
    #[error("unsupported proving-key format version {0} (this build reads {VERSION})")]
    UnsupportedVersion(u32),
    /// The header's counts do not fit together.
    #[error("inconsistent proving-key header: {0}")]
    Inconsistent(&'static str),
    /// The file is shorter or longer than its header says.
    #[error("proving key has {actual} bytes, its header implies {expected}")]
    WrongLength {
        /// Length implied by the header.
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// A section holds another number of bytes than the key's counts imply.
    #[error("proving key section {section} has {actual} bytes, the counts imply {expected}")]
    SectionLength {
        /// Which section.
        section: &'static str,
        /// Length implied by the counts.
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// The digest differs from the pinned one: corrupted or substituted file.
    #[error("proving key digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// Pinned digest (hex).
        expected: String,
        /// Computed digest (hex).
        actual: String,
    },
}

/// Section offsets implied by a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    n_constraints: usize,
    ic: usize,
    a: usize,
    b_g1: usize,
    b_g2: usize,
    c: usize,
    h: usize,
    end: usize,
}

impl Layout {
    /// The layout a header implies. Every bound is checked and every offset computed in `u64`
    /// (a hostile header must not overflow `usize`, which is 32 bits on armeabi-v7a); only the
    /// final offsets, all at most `end`, are converted.
    fn new(
        n_vars: u64,
        n_public: u64,
        domain_size: u64,
        n_constraints: u64,
    ) -> Result<Layout, KeyError> {
        if domain_size > MAX_DOMAIN || n_vars > MAX_VARS {
            return Err(KeyError::Inconsistent(
                "circuit larger than BN254's FFT domain",
            ));
        }
        if n_public >= n_vars {
            return Err(KeyError::Inconsistent("more public inputs than wires"));
        }
        if !domain_size.is_power_of_two() {
            return Err(KeyError::Inconsistent("domain size is not a power of two"));
        }
        // n_public < n_vars <= 2^32, so neither sum overflows once n_constraints <= 2^28.
        if n_constraints > domain_size || n_constraints + n_public + 1 > domain_size {
            return Err(KeyError::Inconsistent(
                "domain too small for the constraints",
            ));
        }
        let (g1, g2) = (G1_BYTES as u64, G2_BYTES as u64);
        // At most about 2^41 bytes with the bounds above: no u64 overflow.
        let ic = (HEADER_BYTES + VK_BYTES) as u64;
        let a = ic + (n_public + 1) * g1;
        let b_g1 = a + n_vars * g1;
        let b_g2 = b_g1 + n_vars * g1;
        let c = b_g2 + n_vars * g2;
        let h = c + (n_vars - n_public - 1) * g1;
        let end = h + domain_size * g1;
        let size = |v: u64| {
            usize::try_from(v)
                .map_err(|_| KeyError::Inconsistent("key too large for this platform's memory"))
        };
        size(end)?;
        Ok(Layout {
            n_vars: size(n_vars)?,
            n_public: size(n_public)?,
            domain_size: size(domain_size)?,
            n_constraints: size(n_constraints)?,
            ic: size(ic)?,
            a: size(a)?,
            b_g1: size(b_g1)?,
            b_g2: size(b_g2)?,
            c: size(c)?,
            h: size(h)?,
            end: size(end)?,
        })
    }
}

/// The byte sections of a proving key, each in the prover's point encoding
/// ([`super::encoding`]): what the prover reads, wherever the bytes live. A `.zpk` holds them
/// back to back ([`KeyView::new`]); a snarkjs `.zkey` holds the same encodings in its own
/// sections, so a mapped `.zkey` is proved from in place ([`KeyView::from_sections`]).
#[derive(Clone, Copy, Debug)]
pub struct KeySections<'a> {
    /// α₁, β₁, β₂, γ₂, δ₁, δ₂ (576 bytes).
    pub vk: &'a [u8],
    /// IC: `n_public + 1` G1 points.
    pub ic: &'a [u8],
    /// A query: `n_vars` G1 points.
    pub a: &'a [u8],
    /// B query in G1: `n_vars` points.
    pub b_g1: &'a [u8],
    /// B query in G2: `n_vars` points.
    pub b_g2: &'a [u8],
    /// C query of the private wires: `n_vars - n_public - 1` G1 points.
    pub c: &'a [u8],
    /// H query: `domain_size` G1 points.
    pub h: &'a [u8],
}

impl<'a> KeySections<'a> {
    /// The sections of a `.zpk` file whose header implied `layout` (length already checked).
    fn of_zpk(bytes: &'a [u8], l: &Layout) -> Self {
        KeySections {
            vk: &bytes[HEADER_BYTES..l.ic],
            ic: &bytes[l.ic..l.a],
            a: &bytes[l.a..l.b_g1],
            b_g1: &bytes[l.b_g1..l.b_g2],
            b_g2: &bytes[l.b_g2..l.c],
            c: &bytes[l.c..l.h],
            h: &bytes[l.h..l.end],
        }
    }

    /// Checks every section's length against the counts.
    fn check(&self, l: &Layout) -> Result<(), KeyError> {
        let private = l.n_vars - l.n_public - 1;
        for (section, bytes, expected) in [
            ("verification key", self.vk, VK_BYTES),
            ("IC", self.ic, (l.n_public + 1) * G1_BYTES),
            ("A", self.a, l.n_vars * G1_BYTES),
            ("B1", self.b_g1, l.n_vars * G1_BYTES),
            ("B2", self.b_g2, l.n_vars * G2_BYTES),
            ("C", self.c, private * G1_BYTES),
            ("H", self.h, l.domain_size * G1_BYTES),
        ] {
            if bytes.len() != expected {
                return Err(KeyError::SectionLength {
                    section,
                    expected,
                    actual: bytes.len(),
                });
            }
        }
        Ok(())
    }
}

/// A borrowed, checked proving key: its counts and its sections (of a mapped or in-memory
/// `.zpk`, or of another container holding the same encodings).
#[derive(Clone, Copy, Debug)]
pub struct KeyView<'a> {
    layout: Layout,
    origin: KeyOrigin,
    s: KeySections<'a>,
}

fn origin_of_flags(flags: u32) -> Result<KeyOrigin, KeyError> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(KeyError::UnknownFlags(flags));
    }
    Ok(if flags & FLAG_INSECURE_DEV != 0 {
        KeyOrigin::InsecureDev
    } else {
        KeyOrigin::External
    })
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// What a `.zpk` header says, checked for consistency: enough to size and place every section
/// without the points (e.g. from the first [`HEADER_BYTES`] of a key before downloading it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHeader {
    layout: Layout,
    origin: KeyOrigin,
}

impl KeyHeader {
    /// Parses and checks the first [`HEADER_BYTES`] of `bytes` (further bytes are ignored).
    pub fn parse(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() < HEADER_BYTES {
            return Err(KeyError::WrongLength {
                expected: HEADER_BYTES as u64,
                actual: bytes.len() as u64,
            });
        }
        if &bytes[..8] != MAGIC {
            return Err(KeyError::BadMagic);
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != VERSION {
            return Err(KeyError::UnsupportedVersion(version));
        }
        let origin = origin_of_flags(u32::from_le_bytes([
            bytes[12], bytes[13], bytes[14], bytes[15],
        ]))?;
        let layout = Layout::new(
            u64_at(bytes, 16),
            u64_at(bytes, 24),
            u64_at(bytes, 32),
            u64_at(bytes, 40),
        )?;
        // Like an unknown flag: bytes a later format may give a meaning are refused, not
        // ignored (and one key has one encoding).
        if bytes[RESERVED_START..HEADER_BYTES].iter().any(|&b| b != 0) {
            return Err(KeyError::Inconsistent("reserved header bytes are not zero"));
        }
        Ok(KeyHeader { layout, origin })
    }

    /// Where the key comes from.
    pub fn origin(&self) -> KeyOrigin {
        self.origin
    }
    /// Wires, including the constant one.
    pub fn n_vars(&self) -> usize {
        self.layout.n_vars
    }
    /// Public inputs.
    pub fn n_public(&self) -> usize {
        self.layout.n_public
    }
    /// Evaluation domain size.
    pub fn domain_size(&self) -> usize {
        self.layout.domain_size
    }
    /// Constraints of the circuit the key was made for.
    pub fn n_constraints(&self) -> usize {
        self.layout.n_constraints
    }
    /// Length of the whole `.zpk` file.
    pub fn file_len(&self) -> usize {
        self.layout.end
    }

    /// The points after the header, in file order, as runs of `(is_g2, count)`.
    pub fn point_runs(&self) -> [(bool, usize); 7] {
        let l = &self.layout;
        [
            // α₁, β₁ | β₂, γ₂ | δ₁ | δ₂ | IC, A, B₁ | B₂ | C, H
            (false, 2),
            (true, 2),
            (false, 1),
            (true, 1),
            (false, l.n_public + 1 + 2 * l.n_vars),
            (true, l.n_vars),
            (false, l.n_vars - l.n_public - 1 + l.domain_size),
        ]
    }
}

impl<'a> KeyView<'a> {
    /// Checks the header and the length; reads no point.
    pub fn new(bytes: &'a [u8]) -> Result<Self, KeyError> {
        let KeyHeader { layout, origin } = KeyHeader::parse(bytes)?;
        if bytes.len() != layout.end {
            return Err(KeyError::WrongLength {
                expected: layout.end as u64,
                actual: bytes.len() as u64,
            });
        }
        Ok(KeyView {
            layout,
            origin,
            s: KeySections::of_zpk(bytes, &layout),
        })
    }

    /// A key from its counts and its sections held elsewhere (e.g. in a mapped `.zkey`): the
    /// counts are checked as a `.zpk` header's are, and every section's length against them.
    /// Reads no point.
    pub fn from_sections(
        n_vars: usize,
        n_public: usize,
        domain_size: usize,
        n_constraints: usize,
        origin: KeyOrigin,
        sections: KeySections<'a>,
    ) -> Result<Self, KeyError> {
        let layout = Layout::new(
            n_vars as u64,
            n_public as u64,
            domain_size as u64,
            n_constraints as u64,
        )?;
        sections.check(&layout)?;
        Ok(KeyView {
            layout,
            origin,
            s: sections,
        })
    }

    /// The key's sections.
    pub fn sections(&self) -> KeySections<'a> {
        self.s
    }

    /// Where the key comes from (its header's marker).
    pub fn origin(&self) -> KeyOrigin {
        self.origin
    }

    /// Wires, including the constant one.
    pub fn n_vars(&self) -> usize {
        self.layout.n_vars
    }
    /// Public inputs.
    pub fn n_public(&self) -> usize {
        self.layout.n_public
    }
    /// Evaluation domain size.
    pub fn domain_size(&self) -> usize {
        self.layout.domain_size
    }
    /// Constraints of the circuit the key was made for.
    pub fn n_constraints(&self) -> usize {
        self.layout.n_constraints
    }

    fn vk_g1(&self, at: usize) -> G1Affine {
        get_g1(&self.s.vk[at..at + G1_BYTES])
    }
    fn vk_g2(&self, at: usize) -> G2Affine {
        get_g2(&self.s.vk[at..at + G2_BYTES])
    }

    /// α₁, the first point of the verification-key section.
    pub fn alpha_g1(&self) -> G1Affine {
        self.vk_g1(0)
    }
    /// β₁.
    pub fn beta_g1(&self) -> G1Affine {
        self.vk_g1(G1_BYTES)
    }
    /// β₂.
    pub fn beta_g2(&self) -> G2Affine {
        self.vk_g2(2 * G1_BYTES)
    }
    /// γ₂.
    pub fn gamma_g2(&self) -> G2Affine {
        self.vk_g2(2 * G1_BYTES + G2_BYTES)
    }
    /// δ₁.
    pub fn delta_g1(&self) -> G1Affine {
        self.vk_g1(2 * G1_BYTES + 2 * G2_BYTES)
    }
    /// δ₂.
    pub fn delta_g2(&self) -> G2Affine {
        self.vk_g2(3 * G1_BYTES + 2 * G2_BYTES)
    }

    /// The verification key embedded in the proving key.
    pub fn verifying_key(&self) -> VerifyingKey<Bn254> {
        let l = &self.layout;
        VerifyingKey {
            alpha_g1: self.alpha_g1(),
            beta_g2: self.beta_g2(),
            gamma_g2: self.gamma_g2(),
            delta_g2: self.delta_g2(),
            gamma_abc_g1: (0..=l.n_public)
                .map(|i| get_g1(&self.s.ic[i * G1_BYTES..(i + 1) * G1_BYTES]))
                .collect(),
        }
    }

    /// Encoded A query (G1, one per wire).
    pub fn a_bytes(&self) -> &'a [u8] {
        self.s.a
    }
    /// Encoded B query in G1.
    pub fn b_g1_bytes(&self) -> &'a [u8] {
        self.s.b_g1
    }
    /// Encoded B query in G2.
    pub fn b_g2_bytes(&self) -> &'a [u8] {
        self.s.b_g2
    }
    /// Encoded C query (private wires).
    pub fn c_bytes(&self) -> &'a [u8] {
        self.s.c
    }
    /// Encoded H query.
    pub fn h_bytes(&self) -> &'a [u8] {
        self.s.h
    }

    /// Decodes the whole key (tests, format conversion; not the proving path).
    pub fn to_proving_key(&self) -> ProvingKey<Bn254> {
        let g1s = |b: &[u8]| b.chunks_exact(G1_BYTES).map(get_g1).collect::<Vec<_>>();
        ProvingKey {
            vk: self.verifying_key(),
            beta_g1: self.beta_g1(),
            delta_g1: self.delta_g1(),
            a_query: g1s(self.a_bytes()),
            b_g1_query: g1s(self.b_g1_bytes()),
            b_g2_query: self
                .b_g2_bytes()
                .chunks_exact(G2_BYTES)
                .map(get_g2)
                .collect(),
            h_query: g1s(self.h_bytes()),
            l_query: g1s(self.c_bytes()),
        }
    }
}

/// Writes `pk` in the `.zpk` layout, unmarked ([`KeyOrigin::External`]). `n_constraints` is the
/// circuit's constraint count. Keys from the development setup use [`write_key_with_origin`].
pub fn write_key(
    pk: &ProvingKey<Bn254>,
    n_constraints: usize,
    out: &mut impl Write,
) -> Result<(), KeyError> {
    write_key_with_origin(pk, n_constraints, KeyOrigin::External, out)
}

/// Writes `pk` in the `.zpk` layout with `origin` in its header's flags.
pub fn write_key_with_origin(
    pk: &ProvingKey<Bn254>,
    n_constraints: usize,
    origin: KeyOrigin,
    out: &mut impl Write,
) -> Result<(), KeyError> {
    let n_public = pk
        .vk
        .gamma_abc_g1
        .len()
        .checked_sub(1)
        .ok_or(KeyError::Inconsistent("no IC points"))?;
    let n_vars = pk.a_query.len();
    let layout = Layout::new(
        n_vars as u64,
        n_public as u64,
        pk.h_query.len() as u64,
        n_constraints as u64,
    )?;
    if pk.b_g1_query.len() != n_vars
        || pk.b_g2_query.len() != n_vars
        || pk.l_query.len() != n_vars - n_public - 1
    {
        return Err(KeyError::Inconsistent(
            "query lengths differ from the wire count",
        ));
    }
    let mut header = [0u8; HEADER_BYTES];
    header[..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&VERSION.to_le_bytes());
    let flags = match origin {
        KeyOrigin::External => 0,
        KeyOrigin::InsecureDev => FLAG_INSECURE_DEV,
    };
    header[12..16].copy_from_slice(&flags.to_le_bytes());
    for (i, v) in [n_vars, n_public, layout.domain_size, n_constraints]
        .into_iter()
        .enumerate()
    {
        header[16 + 8 * i..24 + 8 * i].copy_from_slice(&(v as u64).to_le_bytes());
    }
    out.write_all(&header)?;
    let mut g1 = [0u8; G1_BYTES];
    let mut g2 = [0u8; G2_BYTES];
    let mut w1 = |p: &G1Affine, out: &mut dyn Write| -> std::io::Result<()> {
        put_g1(p, &mut g1);
        out.write_all(&g1)
    };
    w1(&pk.vk.alpha_g1, out)?;
    w1(&pk.beta_g1, out)?;
    let mut w2 = |p: &G2Affine, out: &mut dyn Write| -> std::io::Result<()> {
        put_g2(p, &mut g2);
        out.write_all(&g2)
    };
    w2(&pk.vk.beta_g2, out)?;
    w2(&pk.vk.gamma_g2, out)?;
    w1(&pk.delta_g1, out)?;
    w2(&pk.vk.delta_g2, out)?;
    for p in pk
        .vk
        .gamma_abc_g1
        .iter()
        .chain(&pk.a_query)
        .chain(&pk.b_g1_query)
    {
        w1(p, out)?;
    }
    for p in &pk.b_g2_query {
        w2(p, out)?;
    }
    for p in pk.l_query.iter().chain(&pk.h_query) {
        w1(p, out)?;
    }
    Ok(())
}

/// `pk` as `.zpk` bytes in memory, unmarked.
pub fn key_to_bytes(pk: &ProvingKey<Bn254>, n_constraints: usize) -> Result<Vec<u8>, KeyError> {
    key_to_bytes_with_origin(pk, n_constraints, KeyOrigin::External)
}

/// `pk` as `.zpk` bytes in memory, with `origin` in its header.
pub fn key_to_bytes_with_origin(
    pk: &ProvingKey<Bn254>,
    n_constraints: usize,
    origin: KeyOrigin,
) -> Result<Vec<u8>, KeyError> {
    let mut v = Vec::new();
    write_key_with_origin(pk, n_constraints, origin, &mut v)?;
    Ok(v)
}

/// SHA3-256 of a key file's bytes: the digest a model package pins.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha3_256::digest(bytes).into()
}

/// A `.zpk` file mapped read-only into memory.
pub struct MappedKey {
    map: memmap2::Mmap,
    layout: Layout,
    origin: KeyOrigin,
}

impl MappedKey {
    /// Maps `path` and checks its header and length. Reads no point.
    pub fn open(path: &Path) -> Result<Self, KeyError> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only. Key files are content-addressed and never modified in
        // place (they are written to a temporary name and renamed), so the bytes cannot change
        // under us; a truncation by another process would raise SIGBUS, as with any mmap reader.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        let view = KeyView::new(&map)?;
        let (layout, origin) = (view.layout, view.origin);
        Ok(MappedKey {
            map,
            layout,
            origin,
        })
    }

    /// Like [`MappedKey::open`], and checks the file's SHA3-256 against `expected` (one pass over
    /// the file: use where the digest was not already checked when the file was obtained).
    pub fn open_verified(path: &Path, expected: &[u8; 32]) -> Result<Self, KeyError> {
        let key = Self::open(path)?;
        let actual = digest(&key.map);
        if &actual != expected {
            return Err(KeyError::DigestMismatch {
                expected: hex::encode(expected),
                actual: hex::encode(actual),
            });
        }
        Ok(key)
    }

    /// The file's bytes (the mapping).
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// SHA3-256 of the mapped file (one pass over it).
    pub fn digest(&self) -> [u8; 32] {
        digest(&self.map)
    }

    /// The key.
    pub fn view(&self) -> KeyView<'_> {
        KeyView {
            layout: self.layout,
            origin: self.origin,
            s: KeySections::of_zpk(&self.map, &self.layout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `zpk` fuzz target (fuzz/corpus/zpk/regress-reserved-byte): a key with a
    /// non-zero reserved header byte was read, and re-encoded to other bytes.
    #[test]
    fn reserved_header_bytes_must_be_zero() {
        let mut header = [0u8; HEADER_BYTES];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        for (at, v) in [(16, 10u64), (24, 2), (32, 16), (40, 13)] {
            header[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        assert_eq!(KeyHeader::parse(&header).unwrap().n_vars(), 10);
        for at in [RESERVED_START, 81, HEADER_BYTES - 1] {
            let mut bad = header;
            bad[at] = 8;
            assert!(
                matches!(KeyHeader::parse(&bad), Err(KeyError::Inconsistent(_))),
                "reserved byte {at}"
            );
        }
    }

    #[test]
    fn hostile_header_counts_are_refused_without_overflow() {
        let inconsistent =
            |r: Result<Layout, KeyError>| matches!(r, Err(KeyError::Inconsistent(_)));
        // Hostile counts. Before the checks moved to u64, `n_public = u64::MAX` and
        // `n_constraints = u64::MAX` overflowed `usize` sums (a panic in debug builds), and the
        // size bound did not compile on 32-bit targets (`1 << 32` as usize).
        assert!(inconsistent(Layout::new(u64::MAX, 1, 1 << 10, 10)));
        assert!(inconsistent(Layout::new(MAX_VARS + 1, 1, 1 << 10, 10)));
        assert!(inconsistent(Layout::new(10, u64::MAX, 1 << 10, 10)));
        assert!(inconsistent(Layout::new(10, u64::MAX - 1, 1 << 10, 10)));
        assert!(inconsistent(Layout::new(10, 1, 1 << 10, u64::MAX)));
        assert!(inconsistent(Layout::new(10, 1, 1 << 10, u64::MAX - 1)));
        assert!(inconsistent(Layout::new(10, 1, MAX_DOMAIN << 1, 10)));
        assert!(inconsistent(Layout::new(10, 1, 1 << 63, 10)));
        assert!(inconsistent(Layout::new(10, 10, 1 << 10, 10)));
        assert!(inconsistent(Layout::new(10, 1, 1 << 4, 15)));
        let small = Layout::new(10, 2, 16, 13).unwrap();
        assert_eq!(
            small.end,
            HEADER_BYTES + VK_BYTES + 64 * 3 + 64 * 10 * 2 + 128 * 10 + 64 * 7 + 64 * 16
        );
        // The largest counts the format allows fit on 64-bit targets (on 32-bit ones such a
        // key cannot be mapped and is refused), and the offsets are the documented ones.
        let big = Layout::new(MAX_VARS, 3, MAX_DOMAIN, MAX_DOMAIN - 4);
        if usize::BITS < 64 {
            assert!(inconsistent(big));
            return;
        }
        let big = big.unwrap();
        assert_eq!(big.ic, HEADER_BYTES + VK_BYTES);
        assert_eq!(big.a, big.ic + 4 * G1_BYTES);
        let end = big.h as u64 + MAX_DOMAIN * G1_BYTES as u64;
        assert_eq!(big.end as u64, end);
        assert_eq!(
            big.c as u64,
            (HEADER_BYTES + VK_BYTES + 4 * G1_BYTES) as u64
                + MAX_VARS * (2 * G1_BYTES + G2_BYTES) as u64
        );
    }
}
