//! snarkjs Groth16 proving keys (`.zkey`), byte-compatible with snarkjs 0.7.6.
//!
//! Sections (as `snarkjs zkey new` / `groth16 setup` writes them, in this file order):
//! 1 protocol (`u32` 1 = Groth16); 2 header (`n8q`, `q`, `n8r`, `r`, `nVars`, `nPublic`,
//! `domainSize`, then α₁, β₁, β₂, γ₂, δ₁, δ₂); 4 coefficients of A and B; 3 IC (`nPublic + 1`
//! G1); 9 H (`domainSize` G1); 8 C (`nVars - nPublic - 1` G1, private wires only); 5 A
//! (`nVars` G1); 6 B1 (`nVars` G1); 7 B2 (`nVars` G2); 10 contributions (MPC transcript).
//!
//! Encodings are in the [parent module's docs](super). Section 10 is `csHash` (64 bytes) then a
//! `u32` contribution count and the contributions (each 4 points, a 64-byte transcript, a `u32`
//! type and a length-prefixed parameter list). `snarkjs zkey export verificationkey` and
//! `snarkjs groth16 prove` never read it; `zkey contribute` only needs it to parse (the hash seeds
//! the next transcript); `zkey verify` recomputes `csHash` from the `.r1cs` and `.ptau` and
//! replays every contribution, so only keys really derived from that ptau can pass it.
//!
//! Reading validates the container, the curve, every section's size against the header counts,
//! index ranges and canonical encodings. It does **not** check that points lie on the curve or in
//! the right subgroup: a proving key is not attacker-chosen data at proving time. Its integrity
//! comes from the SHA3-256 digest pinned in the signed model manifest (checked before use), and a
//! wrong key can only produce proofs that the registered verifying key rejects.

use super::binfile::{BinFile, BinWriter, SectionReader};
use super::{
    bigint_le, check_prime, fq_modulus_le, fr_modulus_le, fr_r2, fr_to_le, read_g1, read_g2,
    to_u32, write_g1, write_g2, FormatError, G1_SIZE, G2_SIZE, N8,
};
use crate::builder::R1cs;
use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger256, PrimeField};
use ark_groth16::VerifyingKey;
use std::io::{BufWriter, Read, Write};

/// File magic.
pub const MAGIC: &[u8; 4] = b"zkey";
/// The container version snarkjs writes.
pub const VERSION: u32 = 1;
/// The newest container version snarkjs (and this reader) accepts.
pub const MAX_VERSION: u32 = 2;
/// Protocol id of Groth16 in section 1.
pub const GROTH16: u32 = 1;
/// Size of the circuit hash that starts section 10.
pub const CS_HASH_SIZE: usize = 64;

const S_PROTOCOL: u32 = 1;
const S_HEADER: u32 = 2;
const S_IC: u32 = 3;
const S_COEFS: u32 = 4;
const S_A: u32 = 5;
const S_B1: u32 = 6;
const S_B2: u32 = 7;
const S_C: u32 = 8;
const S_H: u32 = 9;
const S_CONTRIBUTIONS: u32 = 10;
/// The order `snarkjs zkey new` writes sections in; writing the same order makes a re-encoded
/// snarkjs key byte-identical to the original.
const SECTION_ORDER: [u32; 10] = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10];
const HEADER_SIZE: u64 = (4 + N8 + 4 + N8 + 3 * 4 + 3 * G1_SIZE + 3 * G2_SIZE) as u64;
/// Bytes of one section-4 entry: matrix, row, signal (`u32` each), then the value.
pub const COEF_SIZE: usize = 12 + N8;
/// A contribution without its parameter bytes: 3 G1, 1 G2, transcript, type, parameter length.
const CONTRIBUTION_FIXED: usize = 3 * G1_SIZE + G2_SIZE + 64 + 4 + 4;

/// One entry of section 4: `value` is the coefficient of `signal` in row `constraint` of matrix A
/// (`matrix == 0`) or B (`matrix == 1`). C is not stored: the prover computes `C·z = A·z ∘ B·z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZkeyCoef {
    /// 0 for A, 1 for B.
    pub matrix: u32,
    /// Row (constraint index; rows past the constraints are the public-input rows).
    pub constraint: u32,
    /// Column (wire index).
    pub signal: u32,
    /// The coefficient itself (stored as `value·R²` on disk; see the module docs).
    pub value: Fr,
}

/// A snarkjs Groth16 proving key.
#[derive(Debug, Clone, PartialEq)]
pub struct Zkey {
    /// Wires, including the constant one.
    pub n_vars: usize,
    /// Public inputs (wires `1..=n_public`).
    pub n_public: usize,
    /// QAP evaluation domain size (a power of two).
    pub domain_size: usize,
    /// α in G1.
    pub alpha_g1: G1Affine,
    /// β in G1.
    pub beta_g1: G1Affine,
    /// β in G2.
    pub beta_g2: G2Affine,
    /// γ in G2.
    pub gamma_g2: G2Affine,
    /// δ in G1.
    pub delta_g1: G1Affine,
    /// δ in G2.
    pub delta_g2: G2Affine,
    /// Verifying-key points for the one wire and each public input: `n_public + 1` points.
    pub ic: Vec<G1Affine>,
    /// Section 4: the A and B matrix entries, including the public-input rows.
    pub coefs: Vec<ZkeyCoef>,
    /// A_i(τ) in G1 for every wire.
    pub a: Vec<G1Affine>,
    /// B_i(τ) in G1 for every wire.
    pub b_g1: Vec<G1Affine>,
    /// B_i(τ) in G2 for every wire.
    pub b_g2: Vec<G2Affine>,
    /// The private wires' points (`n_vars - n_public - 1`).
    pub c: Vec<G1Affine>,
    /// The H (quotient) points, `domain_size` of them, Lagrange basis on the odd coset.
    pub h: Vec<G1Affine>,
    /// Section 10 bytes, preserved as read (see [`Zkey::empty_contributions`] for fresh keys).
    pub contributions: Vec<u8>,
}

/// A `.zkey` checked in place, without decoding its points: the counts, the header and IC
/// points (checked canonical) and every other section as the file's bytes. The query points are
/// in the encoding the prover reads directly (Montgomery limbs, little-endian), so a mapped
/// `.zkey` is proved from without a decoded copy; the coefficients are read one at a time
/// ([`ZkeyView::for_each_coef`]).
#[derive(Debug, Clone, Copy)]
pub struct ZkeyView<'a> {
    /// Wires, including the constant one.
    pub n_vars: usize,
    /// Public inputs (wires `1..=n_public`).
    pub n_public: usize,
    /// QAP evaluation domain size (a power of two).
    pub domain_size: usize,
    /// α₁, β₁, β₂, γ₂, δ₁, δ₂ as the header stores them ([`HEADER_POINTS_SIZE`] bytes).
    pub header_points: &'a [u8],
    /// Section 3: `n_public + 1` G1 points.
    pub ic: &'a [u8],
    /// Section 4 after its count: the coefficient entries, [`COEF_SIZE`] bytes each.
    pub coefs: &'a [u8],
    /// Section 5: `n_vars` G1 points.
    pub a: &'a [u8],
    /// Section 6: `n_vars` G1 points.
    pub b_g1: &'a [u8],
    /// Section 7: `n_vars` G2 points.
    pub b_g2: &'a [u8],
    /// Section 8: `n_vars - n_public - 1` G1 points.
    pub c: &'a [u8],
    /// Section 9: `domain_size` G1 points.
    pub h: &'a [u8],
    /// Section 10, structure checked.
    pub contributions: &'a [u8],
}

/// Bytes of the six points at the end of the header section.
pub const HEADER_POINTS_SIZE: usize = 3 * G1_SIZE + 3 * G2_SIZE;

impl<'a> ZkeyView<'a> {
    /// Checks the container, the protocol, the primes, the counts, every section's size, the
    /// header and IC points' encodings and the contributions' structure. Reads no query point
    /// and no coefficient (those are checked as they are read).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let file = BinFile::parse(bytes, MAGIC, MAX_VERSION)?;

        let mut p = file.reader(S_PROTOCOL, "zkey protocol")?;
        if p.u32()? != GROTH16 {
            return Err(FormatError::Unsupported(
                "zkey for a protocol other than Groth16",
            ));
        }
        p.finish()?;

        let mut h = file.reader(S_HEADER, "zkey header")?;
        let n8q = h.u32()?;
        let q = h.bytes(n8q as usize)?;
        check_prime(n8q, q, fq_modulus_le(), "zkey base field")?;
        let n8r = h.u32()?;
        let r = h.bytes(n8r as usize)?;
        check_prime(n8r, r, fr_modulus_le(), "zkey scalar field")?;
        let n_vars = h.u32()? as usize;
        let n_public = h.u32()? as usize;
        let domain_size = h.u32()? as usize;
        let header_points = h.bytes(HEADER_POINTS_SIZE)?;
        h.finish()?;
        if n_public >= n_vars {
            return Err(FormatError::OutOfRange {
                what: "zkey public input count",
                value: n_public as u64,
                limit: n_vars as u64,
            });
        }
        if !domain_size.is_power_of_two() {
            return Err(FormatError::Malformed(
                "zkey domain size is not a power of two",
            ));
        }
        let n_private = n_vars - n_public - 1;

        let mut k = file.reader(S_COEFS, "zkey coefficients")?;
        let n = k.u32()? as u64;
        let expected = 4 + n * COEF_SIZE as u64;
        let found = 4 + k.remaining() as u64;
        if expected != found {
            return Err(super::BinFileError::SizeMismatch {
                section: S_COEFS,
                expected,
                found,
            }
            .into());
        }
        let coefs = k.bytes(k.remaining())?;

        let view = ZkeyView {
            n_vars,
            n_public,
            domain_size,
            header_points,
            ic: sized_section(&file, S_IC, n_public + 1, G1_SIZE)?,
            coefs,
            a: sized_section(&file, S_A, n_vars, G1_SIZE)?,
            b_g1: sized_section(&file, S_B1, n_vars, G1_SIZE)?,
            b_g2: sized_section(&file, S_B2, n_vars, G2_SIZE)?,
            c: sized_section(&file, S_C, n_private, G1_SIZE)?,
            h: sized_section(&file, S_H, domain_size, G1_SIZE)?,
            contributions: file.section(S_CONTRIBUTIONS)?,
        };
        let _checked = view.header()?;
        g1s(view.ic, "IC point")?;
        count_contributions(view.contributions)?;
        Ok(view)
    }

    /// The header's points, decoded: α₁, β₁, β₂, γ₂, δ₁, δ₂.
    #[allow(clippy::type_complexity)]
    pub fn header(
        &self,
    ) -> Result<(G1Affine, G1Affine, G2Affine, G2Affine, G1Affine, G2Affine), FormatError> {
        let b = self.header_points;
        let g1 = |at: usize, what| read_g1(array(&b[at..at + G1_SIZE]), what);
        let g2 = |at: usize, what| read_g2(array(&b[at..at + G2_SIZE]), what);
        Ok((
            g1(0, "alpha_1")?,
            g1(G1_SIZE, "beta_1")?,
            g2(2 * G1_SIZE, "beta_2")?,
            g2(2 * G1_SIZE + G2_SIZE, "gamma_2")?,
            g1(2 * G1_SIZE + 2 * G2_SIZE, "delta_1")?,
            g2(3 * G1_SIZE + 2 * G2_SIZE, "delta_2")?,
        ))
    }

    /// Number of coefficient entries.
    pub fn n_coefs(&self) -> usize {
        self.coefs.len() / COEF_SIZE
    }

    /// Calls `f(matrix, row, signal, scaled)` for each coefficient entry in file order, where
    /// `scaled` is the coefficient times the Montgomery radix `R = 2^256 mod r` (the stored
    /// `value·R²` taken as Montgomery limbs: no multiplication per entry; multiply a sum of such
    /// terms by [`radix_inverse`] once). Every entry is checked before `f` sees it: matrix 0 (A)
    /// or 1 (B), row below the domain size, signal below the wire count, stored value below `r`.
    pub fn for_each_coef(
        &self,
        mut f: impl FnMut(u32, usize, usize, Fr),
    ) -> Result<(), FormatError> {
        for e in self.coefs.chunks_exact(COEF_SIZE) {
            let word = |i: usize| u32::from_le_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
            let (matrix, row, signal) = (word(0), word(4), word(8));
            check_coef_at(matrix, row, signal, self.n_vars, self.domain_size)?;
            let stored = bigint_le(array(&e[12..]));
            if stored >= Fr::MODULUS {
                return Err(FormatError::NonCanonical {
                    what: "zkey coefficient",
                });
            }
            f(
                matrix,
                row as usize,
                signal as usize,
                Fr::new_unchecked(stored),
            );
        }
        Ok(())
    }

    /// Every coefficient entry, decoded (one pass; see [`ZkeyView::for_each_coef`]).
    pub fn coefs(&self) -> Result<Vec<ZkeyCoef>, FormatError> {
        let r_inv = radix_inverse();
        let mut out = Vec::with_capacity(self.n_coefs());
        self.for_each_coef(|matrix, row, signal, scaled| {
            out.push(ZkeyCoef {
                matrix,
                constraint: row as u32,
                signal: signal as u32,
                value: scaled * r_inv,
            })
        })?;
        Ok(out)
    }

    /// One more than the highest row any coefficient uses (0 without coefficients).
    pub fn rows_used(&self) -> Result<usize, FormatError> {
        let mut rows = 0;
        self.for_each_coef(|_, row, _, _| rows = rows.max(row + 1))?;
        Ok(rows)
    }
}

/// `R⁻¹` for the Montgomery radix `R = 2^256 mod r`: turns a sum of
/// [`ZkeyView::for_each_coef`]'s scaled terms into the sum of the terms.
pub fn radix_inverse() -> Fr {
    // new_unchecked(1) is the element whose Montgomery limbs are 1, i.e. 1·R⁻¹.
    Fr::new_unchecked(BigInteger256::from(1u64))
}

impl Zkey {
    /// Parses a `.zkey` file (see the module docs for what is validated) into decoded points.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let v = ZkeyView::parse(bytes)?;
        let (alpha_g1, beta_g1, beta_g2, gamma_g2, delta_g1, delta_g2) = v.header()?;
        Ok(Zkey {
            n_vars: v.n_vars,
            n_public: v.n_public,
            domain_size: v.domain_size,
            alpha_g1,
            beta_g1,
            beta_g2,
            gamma_g2,
            delta_g1,
            delta_g2,
            ic: g1s(v.ic, "IC point")?,
            coefs: v.coefs()?,
            a: g1s(v.a, "A point")?,
            b_g1: g1s(v.b_g1, "B1 point")?,
            b_g2: v
                .b_g2
                .chunks_exact(G2_SIZE)
                .map(|c| read_g2(array(c), "B2 point"))
                .collect::<Result<_, _>>()?,
            c: g1s(v.c, "C point")?,
            h: g1s(v.h, "H point")?,
            contributions: v.contributions.to_vec(),
        })
    }

    /// Reads a whole `.zkey` from `r` (buffers the file in memory; see [`Zkey::from_bytes`]).
    pub fn read(r: &mut impl Read) -> Result<Self, FormatError> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes)?;
        Self::from_bytes(&bytes)
    }

    /// Writes the key in `snarkjs zkey new`'s section order (version 1, ten sections). A key read
    /// from a `groth16 setup` output is written back byte-identical.
    pub fn write(&self, w: &mut impl Write) -> Result<(), FormatError> {
        self.check_shape()?;
        let mut out = BinWriter::new(BufWriter::new(w), MAGIC, VERSION, 10)?;
        for id in SECTION_ORDER {
            self.write_section(&mut out, id)?;
        }
        out.finish()?.flush()?;
        Ok(())
    }

    /// The key as `.zkey` file bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        self.write(&mut out)?;
        Ok(out)
    }

    /// The Groth16 verifying key this proving key belongs to.
    pub fn verifying_key(&self) -> VerifyingKey<Bn254> {
        VerifyingKey {
            alpha_g1: self.alpha_g1,
            beta_g2: self.beta_g2,
            gamma_g2: self.gamma_g2,
            delta_g2: self.delta_g2,
            gamma_abc_g1: self.ic.clone(),
        }
    }

    /// A valid section 10 for a key made outside a snarkjs ceremony: `cs_hash` and no
    /// contributions. `snarkjs zkey contribute` accepts it (the hash only seeds the transcript);
    /// `zkey verify` cannot pass for such a key whatever the hash (it rebuilds the key from a ptau).
    pub fn empty_contributions(cs_hash: &[u8; CS_HASH_SIZE]) -> Vec<u8> {
        let mut out = cs_hash.to_vec();
        out.extend_from_slice(&0u32.to_le_bytes());
        out
    }

    /// The circuit hash and number of MPC contributions recorded in section 10.
    pub fn contribution_info(&self) -> Result<([u8; CS_HASH_SIZE], u32), FormatError> {
        let n = count_contributions(&self.contributions)?;
        let mut hash = [0u8; CS_HASH_SIZE];
        hash.copy_from_slice(&self.contributions[..CS_HASH_SIZE]);
        Ok((hash, n))
    }

    /// Checks that every vector has the length the counts imply before anything is written.
    fn check_shape(&self) -> Result<(), FormatError> {
        to_u32(self.n_vars, "zkey wire count")?;
        to_u32(self.n_public, "zkey public input count")?;
        to_u32(self.domain_size, "zkey domain size")?;
        to_u32(self.coefs.len(), "zkey coefficient count")?;
        if self.n_public >= self.n_vars {
            return Err(FormatError::OutOfRange {
                what: "zkey public input count",
                value: self.n_public as u64,
                limit: self.n_vars as u64,
            });
        }
        if !self.domain_size.is_power_of_two() {
            return Err(FormatError::Malformed(
                "zkey domain size is not a power of two",
            ));
        }
        let n_private = self.n_vars - self.n_public - 1;
        for (what, expected, found) in [
            ("IC points", self.n_public + 1, self.ic.len()),
            ("A points", self.n_vars, self.a.len()),
            ("B1 points", self.n_vars, self.b_g1.len()),
            ("B2 points", self.n_vars, self.b_g2.len()),
            ("C points", n_private, self.c.len()),
            ("H points", self.domain_size, self.h.len()),
        ] {
            if expected != found {
                return Err(FormatError::CountMismatch {
                    what,
                    expected: expected as u64,
                    found: found as u64,
                });
            }
        }
        for k in &self.coefs {
            check_coef(k, self.n_vars, self.domain_size)?;
        }
        count_contributions(&self.contributions)?;
        Ok(())
    }

    fn write_section<W: Write>(&self, out: &mut BinWriter<W>, id: u32) -> Result<(), FormatError> {
        let g1s = |v: &[G1Affine]| (v.len() * G1_SIZE) as u64;
        match id {
            S_PROTOCOL => out.section(id, 4, |s| s.write_all(&GROTH16.to_le_bytes()))?,
            S_HEADER => out.section(id, HEADER_SIZE, |s| {
                for prime in [fq_modulus_le(), fr_modulus_le()] {
                    s.write_all(&(N8 as u32).to_le_bytes())?;
                    s.write_all(&prime)?;
                }
                // Sizes were checked to fit in u32 by `check_shape`.
                for v in [self.n_vars, self.n_public, self.domain_size] {
                    s.write_all(&(v as u32).to_le_bytes())?;
                }
                write_g1(s, &self.alpha_g1)?;
                write_g1(s, &self.beta_g1)?;
                write_g2(s, &self.beta_g2)?;
                write_g2(s, &self.gamma_g2)?;
                write_g1(s, &self.delta_g1)?;
                write_g2(s, &self.delta_g2)
            })?,
            S_COEFS => {
                let size = 4 + (self.coefs.len() * COEF_SIZE) as u64;
                let r2 = fr_r2();
                out.section(id, size, |s| {
                    s.write_all(&(self.coefs.len() as u32).to_le_bytes())?;
                    for k in &self.coefs {
                        for v in [k.matrix, k.constraint, k.signal] {
                            s.write_all(&v.to_le_bytes())?;
                        }
                        s.write_all(&fr_to_le(&(k.value * r2)))?;
                    }
                    Ok(())
                })?
            }
            S_IC => out.section(id, g1s(&self.ic), |s| g1_all(s, &self.ic))?,
            S_H => out.section(id, g1s(&self.h), |s| g1_all(s, &self.h))?,
            S_C => out.section(id, g1s(&self.c), |s| g1_all(s, &self.c))?,
            S_A => out.section(id, g1s(&self.a), |s| g1_all(s, &self.a))?,
            S_B1 => out.section(id, g1s(&self.b_g1), |s| g1_all(s, &self.b_g1))?,
            S_B2 => out.section(id, (self.b_g2.len() * G2_SIZE) as u64, |s| {
                self.b_g2.iter().try_for_each(|p| write_g2(s, p))
            })?,
            _ => out.section(id, self.contributions.len() as u64, |s| {
                s.write_all(&self.contributions)
            })?,
        }
        Ok(())
    }
}

fn g1_all(w: &mut impl Write, points: &[G1Affine]) -> std::io::Result<()> {
    points.iter().try_for_each(|p| write_g1(w, p))
}

/// Section `id`, whose size must be exactly `count` items of `item` bytes.
fn sized_section<'a>(
    file: &BinFile<'a>,
    id: u32,
    count: usize,
    item: usize,
) -> Result<&'a [u8], FormatError> {
    let bytes = file.section(id)?;
    BinFile::check_size(id, bytes, count as u64 * item as u64)?;
    Ok(bytes)
}

fn array<const K: usize>(b: &[u8]) -> &[u8; K] {
    // Callers slice exactly K bytes.
    b.try_into().expect("slice of the array's length")
}

fn g1s(bytes: &[u8], what: &'static str) -> Result<Vec<G1Affine>, FormatError> {
    bytes
        .chunks_exact(G1_SIZE)
        .map(|c| read_g1(array(c), what))
        .collect()
}

fn check_coef(k: &ZkeyCoef, n_vars: usize, domain_size: usize) -> Result<(), FormatError> {
    check_coef_at(k.matrix, k.constraint, k.signal, n_vars, domain_size)
}

fn check_coef_at(
    matrix: u32,
    row: u32,
    signal: u32,
    n_vars: usize,
    domain_size: usize,
) -> Result<(), FormatError> {
    for (what, value, limit) in [
        ("zkey coefficient matrix", matrix as usize, 2),
        // The prover writes row `constraint` of a domain-sized buffer.
        ("zkey coefficient row", row as usize, domain_size),
        ("zkey coefficient signal", signal as usize, n_vars),
    ] {
        if value >= limit {
            return Err(FormatError::OutOfRange {
                what,
                value: value as u64,
                limit: limit as u64,
            });
        }
    }
    Ok(())
}

/// Validates section 10's structure and returns its contribution count.
fn count_contributions(bytes: &[u8]) -> Result<u32, FormatError> {
    let mut r = SectionReader::new(S_CONTRIBUTIONS, bytes, "zkey contributions");
    r.bytes(CS_HASH_SIZE)?;
    let n = r.u32()?;
    for _ in 0..n {
        r.bytes(CONTRIBUTION_FIXED - 4)?;
        let param_len = r.u32()?;
        r.bytes(param_len as usize)?;
    }
    r.finish()?;
    Ok(n)
}

/// The section-4 entries `snarkjs zkey new` derives from `r1cs`, in its order: for each
/// constraint its A terms then its B terms (file order), then one A entry with coefficient 1 in
/// row `n_constraints + i` on wire `i` for every `i` in `0..=n_public`. Those extra rows make the
/// public inputs (and the one wire) linearly independent in the QAP, which Groth16's soundness
/// needs.
pub fn coefs_from_r1cs(r1cs: &R1cs) -> Vec<ZkeyCoef> {
    let n_terms: usize = r1cs.constraints.iter().map(|k| k.a.len() + k.b.len()).sum();
    let mut out = Vec::with_capacity(n_terms + r1cs.n_public + 1);
    let n_constraints = r1cs.constraints.len() as u32;
    for (row, k) in r1cs.constraints.iter().enumerate() {
        for (matrix, side) in [(0, &k.a), (1, &k.b)] {
            out.extend(side.iter().map(|&(signal, value)| ZkeyCoef {
                matrix,
                constraint: row as u32,
                signal,
                value,
            }));
        }
    }
    out.extend((0..=r1cs.n_public as u32).map(|i| ZkeyCoef {
        matrix: 0,
        constraint: n_constraints + i,
        signal: i,
        value: Fr::from(1u64),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Constraint;
    use crate::circom::BinFileError;
    use ark_ec::{AffineRepr, CurveGroup};

    fn g1(k: u64) -> G1Affine {
        (G1Affine::generator() * Fr::from(k)).into_affine()
    }

    fn g2(k: u64) -> G2Affine {
        (G2Affine::generator() * Fr::from(k)).into_affine()
    }

    fn tiny_r1cs() -> R1cs {
        R1cs {
            n_wires: 3,
            n_public: 1,
            constraints: vec![Constraint {
                a: vec![(1, Fr::from(1u64))],
                b: vec![(1, Fr::from(2u64))],
                c: vec![(2, Fr::from(2u64))],
            }],
        }
    }

    /// A structurally valid key with arbitrary points (including infinity).
    fn sample() -> Zkey {
        let r1cs = tiny_r1cs();
        Zkey {
            n_vars: 3,
            n_public: 1,
            domain_size: r1cs.domain_size(),
            alpha_g1: g1(2),
            beta_g1: g1(3),
            beta_g2: g2(3),
            gamma_g2: G2Affine::generator(),
            delta_g1: g1(5),
            delta_g2: g2(5),
            ic: vec![g1(7), G1Affine::identity()],
            coefs: coefs_from_r1cs(&r1cs),
            a: vec![g1(11), g1(12), g1(13)],
            b_g1: vec![g1(14), g1(15), g1(16)],
            b_g2: vec![g2(17), g2(18), G2Affine::identity()],
            c: vec![g1(19)],
            h: vec![g1(20), g1(21), g1(22), g1(23)],
            contributions: Zkey::empty_contributions(&[9u8; 64]),
        }
    }

    #[test]
    fn coefs_follow_snarkjs_order() {
        let c = coefs_from_r1cs(&tiny_r1cs());
        let one = Fr::from(1u64);
        let expect = |matrix, constraint, signal, value| ZkeyCoef {
            matrix,
            constraint,
            signal,
            value,
        };
        assert_eq!(
            c,
            vec![
                expect(0, 0, 1, one),
                expect(1, 0, 1, Fr::from(2u64)),
                expect(0, 1, 0, one),
                expect(0, 2, 1, one),
            ]
        );
    }

    #[test]
    fn round_trips_and_layout() {
        let z = sample();
        let bytes = z.to_bytes().unwrap();
        assert_eq!(Zkey::from_bytes(&bytes).unwrap(), z);
        assert_eq!(Zkey::read(&mut &bytes[..]).unwrap(), z);
        assert_eq!(z.contribution_info().unwrap(), ([9u8; 64], 0));

        let file = BinFile::parse(&bytes, MAGIC, MAX_VERSION).unwrap();
        let order: Vec<u32> = file.sections().iter().map(|s| s.0).collect();
        assert_eq!(order, SECTION_ORDER);
        assert_eq!(file.section(S_HEADER).unwrap().len(), 660);
        // Section 4: count, then the first entry (A, row 0, wire 1, value 1 stored as R² mod r).
        let s4 = file.section(S_COEFS).unwrap();
        assert_eq!(&s4[..4], &4u32.to_le_bytes());
        assert_eq!(&s4[4..16], &[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
        let r = num_bigint::BigUint::from_bytes_le(&fr_modulus_le());
        let r2: num_bigint::BigUint = (num_bigint::BigUint::from(1u8) << 512usize) % &r;
        let mut r2_le = r2.to_bytes_le();
        r2_le.resize(32, 0);
        assert_eq!(&s4[16..48], &r2_le[..]);
        // IC[1] is the point at infinity: 64 zero bytes at the end of section 3.
        let s3 = file.section(S_IC).unwrap();
        assert!(s3[64..].iter().all(|&b| b == 0) && s3.len() == 128);
    }

    #[test]
    fn verifying_key_uses_the_header_and_ic() {
        let z = sample();
        let vk = z.verifying_key();
        assert_eq!(vk.alpha_g1, z.alpha_g1);
        assert_eq!(vk.delta_g2, z.delta_g2);
        assert_eq!(vk.gamma_abc_g1, z.ic);
    }

    #[test]
    fn truncations_are_typed_errors() {
        let bytes = sample().to_bytes().unwrap();
        for len in (0..bytes.len()).step_by(7) {
            assert!(matches!(
                Zkey::from_bytes(&bytes[..len]),
                Err(FormatError::Container(BinFileError::Truncated { .. }))
            ));
        }
    }

    /// Offset of section `id`'s body in `bytes`.
    fn body_offset(bytes: &[u8], id: u32) -> usize {
        let file = BinFile::parse(bytes, MAGIC, MAX_VERSION).unwrap();
        let body = file.section(id).unwrap();
        body.as_ptr() as usize - bytes.as_ptr() as usize
    }

    #[test]
    fn corrupted_keys_are_typed_errors() {
        let good = sample().to_bytes().unwrap();
        let header = body_offset(&good, S_HEADER);
        // n_public (after n8q, q, n8r, r, n_vars) raised to 2: IC must then hold 3 points.
        let mut b = good.clone();
        b[header + 76] = 2;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::Container(BinFileError::SizeMismatch {
                section: 3,
                ..
            }))
        ));
        // Domain size 3.
        let mut b = good.clone();
        b[header + 80] = 3;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::Malformed(_))
        ));
        // Wrong base-field prime.
        let mut b = good.clone();
        b[header + 4] ^= 1;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::WrongPrime { .. })
        ));
        // Protocol 2 (PLONK).
        let mut b = good.clone();
        b[body_offset(&good, S_PROTOCOL)] = 2;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::Unsupported(_))
        ));
        // A coefficient on matrix 2, and one on a wire past n_vars.
        let s4 = body_offset(&good, S_COEFS);
        let mut b = good.clone();
        b[s4 + 4] = 2;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::OutOfRange {
                what: "zkey coefficient matrix",
                ..
            })
        ));
        let mut b = good.clone();
        b[s4 + 12] = 3;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::OutOfRange {
                what: "zkey coefficient signal",
                ..
            })
        ));
        // Coefficient count disagreeing with the section size.
        let mut b = good.clone();
        b[s4] = 5;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::Container(BinFileError::SizeMismatch {
                section: 4,
                ..
            }))
        ));
        // A point coordinate >= q.
        let mut b = good.clone();
        let a = body_offset(&good, S_A);
        b[a..a + 32].copy_from_slice(&fq_modulus_le());
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::NonCanonical { .. })
        ));
        // Section 10 claiming one contribution it does not contain.
        let mut b = good.clone();
        b[body_offset(&good, S_CONTRIBUTIONS) + 64] = 1;
        assert!(matches!(
            Zkey::from_bytes(&b),
            Err(FormatError::Container(BinFileError::Truncated { .. }))
        ));
    }

    #[test]
    fn inconsistent_keys_are_not_written() {
        let mut z = sample();
        z.h.pop();
        assert!(matches!(
            z.to_bytes(),
            Err(FormatError::CountMismatch {
                what: "H points",
                expected: 4,
                found: 3
            })
        ));
        let mut z = sample();
        z.coefs[0].constraint = 4;
        assert!(matches!(z.to_bytes(), Err(FormatError::OutOfRange { .. })));
        let mut z = sample();
        z.contributions.pop();
        assert!(z.to_bytes().is_err());
    }
}
