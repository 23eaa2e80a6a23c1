//! snarkjs powers-of-tau files (`.ptau`), read-only, as snarkjs 0.7.6 writes them.
//!
//! Sections (`powersoftau_new.js`, `powersoftau_preparephase2.js`; points as in a `.zkey`:
//! Montgomery little-endian affine coordinates, all-zero bytes for infinity):
//! 1 header (`u32` n8 = 32, the base-field prime `q`, `u32` power, `u32` ceremony power);
//! 2 τ^i·G1 for `i < 2^(power+1) - 1`; 3 τ^i·G2, 4 ατ^i·G1, 5 βτ^i·G1 for `i < 2^power`;
//! 6 β·G2; 7 the contributions (not read here).
//! A file prepared for phase 2 (`snarkjs powersoftau prepare phase2`) adds the same values in
//! the Lagrange basis of every domain size `2^p`, concatenated by increasing `p` (so the block
//! of `2^p` points starts at point `2^p - 1`): 12 from section 2 for `p = 0..=power + 1` (the
//! last block with the missing top power taken as zero), 13, 14, 15 from sections 3, 4, 5 for
//! `p = 0..=power`. `snarkjs zkey new` builds a key's A, B, C and H points from 12 to 15 only.
//!
//! Parsing checks the container, the prime, the power and every section's size; it decodes only
//! α and β. The point sections are decoded on demand (a power-22 file is 4.8 GB: parse it from
//! a memory map), each point checked canonical and on the curve. G1 has cofactor 1, so that
//! places G1 points in the group; G2 points are not subgroup-checked (a check per point would
//! cost a scalar multiplication each): this reader gives the points a ceremony file contains,
//! and whether that file is the published, verified one is for its user to check (its hash).

use super::binfile::BinFile;
use super::{check_prime, fq_modulus_le, read_g1, read_g2, FormatError, G1_SIZE, G2_SIZE};
use ark_bn254::{G1Affine, G2Affine};
use std::ops::Range;

/// File magic.
pub const MAGIC: &[u8; 4] = b"ptau";
/// The container version snarkjs writes and reads.
pub const MAX_VERSION: u32 = 1;
/// The largest power accepted: the Groth16 prover here needs the `2^(power+1)`-th roots of unity
/// of BN254's scalar field (2-adicity 28).
pub const MAX_POWER: u32 = 27;

const S_HEADER: u32 = 1;
const S_TAU_G1: u32 = 2;
const S_TAU_G2: u32 = 3;
const S_ALPHA_TAU_G1: u32 = 4;
const S_BETA_TAU_G1: u32 = 5;
const S_BETA_G2: u32 = 6;
const S_CONTRIBUTIONS: u32 = 7;
/// Section of the Lagrange-basis τ^i·G1 points (the first prepared section).
pub const S_LAGRANGE_TAU_G1: u32 = 12;
/// Section of the Lagrange-basis τ^i·G2 points.
pub const S_LAGRANGE_TAU_G2: u32 = 13;
/// Section of the Lagrange-basis ατ^i·G1 points.
pub const S_LAGRANGE_ALPHA_TAU_G1: u32 = 14;
/// Section of the Lagrange-basis βτ^i·G1 points.
pub const S_LAGRANGE_BETA_TAU_G1: u32 = 15;

/// Why a `.ptau` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PtauError {
    /// The container, a size or an encoding is malformed.
    #[error("powers of tau: {0}")]
    Format(#[from] FormatError),
    /// A phase-1 file without the Lagrange sections that phase 2 needs.
    #[error(
        "the powers of tau file is not prepared for phase 2 (section {0} is missing): run \
         `snarkjs powersoftau prepare phase2` on it, or use a published prepared (\"final\") file"
    )]
    NotPrepared(u32),
    /// A power beyond what the prover supports.
    #[error("powers of tau of power {0}: at most {MAX_POWER} is supported")]
    PowerTooLarge(u32),
    /// α or β is not a valid point.
    #[error(transparent)]
    Point(#[from] PtauReadError),
}

/// Why points could not be taken from a parsed `.ptau`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PtauReadError {
    /// The file is too small for the domain asked for.
    #[error(
        "the powers of tau file (power {power}) is too small for a {domain_size}-point domain"
    )]
    DomainNotCovered {
        /// The domain size asked for.
        domain_size: usize,
        /// The file's power.
        power: u32,
    },
    /// A point is not canonically encoded or not on the curve.
    #[error("powers of tau section {section}, point {index}: {reason}")]
    BadPoint {
        /// The section.
        section: u32,
        /// The point's index within the section.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A parsed `.ptau`, borrowing its point sections from the file's bytes.
#[derive(Debug, Clone)]
pub struct Ptau<'a> {
    /// `2^power` is the largest domain a circuit may have with this file.
    pub power: u32,
    /// The power of the ceremony the file was cut from.
    pub ceremony_power: u32,
    /// α·G1 (section 4, point 0).
    pub alpha_g1: G1Affine,
    /// β·G1 (section 5, point 0).
    pub beta_g1: G1Affine,
    /// β·G2 (section 6).
    pub beta_g2: G2Affine,
    tau_g1: &'a [u8],
    tau_g2: &'a [u8],
    lagrange: [&'a [u8]; 4],
}

/// `2^p` as a point count (`p <= MAX_POWER + 2`, so this cannot overflow).
fn pow2(p: u32) -> u64 {
    1u64 << p
}

impl<'a> Ptau<'a> {
    /// Parses a prepared `.ptau` (see the module docs for what is validated).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, PtauError> {
        let file = BinFile::parse(bytes, MAGIC, MAX_VERSION).map_err(FormatError::from)?;
        let mut h = file
            .reader(S_HEADER, "ptau header")
            .map_err(FormatError::from)?;
        let header = (|| -> Result<(u32, u32), FormatError> {
            let n8 = h.u32()?;
            let q = h.bytes(n8 as usize)?;
            check_prime(n8, q, fq_modulus_le(), "ptau base field")?;
            let power = h.u32()?;
            let ceremony_power = h.u32()?;
            h.finish()?;
            Ok((power, ceremony_power))
        })();
        let (power, ceremony_power) = header?;
        if power > MAX_POWER {
            return Err(PtauError::PowerTooLarge(power));
        }
        let sized = |id: u32, points: u64, size: usize| -> Result<&'a [u8], FormatError> {
            let bytes = file.section(id)?;
            BinFile::check_size(id, bytes, points * size as u64)?;
            Ok(bytes)
        };
        let n = pow2(power);
        let tau_g1 = sized(S_TAU_G1, 2 * n - 1, G1_SIZE)?;
        let tau_g2 = sized(S_TAU_G2, n, G2_SIZE)?;
        let alpha_tau = sized(S_ALPHA_TAU_G1, n, G1_SIZE)?;
        let beta_tau = sized(S_BETA_TAU_G1, n, G1_SIZE)?;
        let beta_g2 = sized(S_BETA_G2, 1, G2_SIZE)?;
        file.section(S_CONTRIBUTIONS).map_err(FormatError::from)?;
        for id in S_LAGRANGE_TAU_G1..=S_LAGRANGE_BETA_TAU_G1 {
            if file
                .optional_section(id)
                .map_err(FormatError::from)?
                .is_none()
            {
                return Err(PtauError::NotPrepared(id));
            }
        }
        let lagrange = [
            sized(S_LAGRANGE_TAU_G1, 4 * n - 1, G1_SIZE)?,
            sized(S_LAGRANGE_TAU_G2, 2 * n - 1, G2_SIZE)?,
            sized(S_LAGRANGE_ALPHA_TAU_G1, 2 * n - 1, G1_SIZE)?,
            sized(S_LAGRANGE_BETA_TAU_G1, 2 * n - 1, G1_SIZE)?,
        ];
        Ok(Ptau {
            power,
            ceremony_power,
            alpha_g1: g1_points(S_ALPHA_TAU_G1, alpha_tau, 0..1)?[0],
            beta_g1: g1_points(S_BETA_TAU_G1, beta_tau, 0..1)?[0],
            beta_g2: g2_points(S_BETA_G2, beta_g2, 0..1)?[0],
            tau_g1,
            tau_g2,
            lagrange,
        })
    }

    /// τ^i·G1 for `i < count` (section 2).
    pub fn tau_g1(&self, count: usize) -> Result<Vec<G1Affine>, PtauReadError> {
        g1_points(S_TAU_G1, self.tau_g1, 0..count)
    }

    /// τ^i·G2 for `i < count` (section 3).
    pub fn tau_g2(&self, count: usize) -> Result<Vec<G2Affine>, PtauReadError> {
        g2_points(S_TAU_G2, self.tau_g2, 0..count)
    }

    /// `L_i(τ)·G1` for the `domain_size`-point domain (section 12). Available up to
    /// `2^(power+1)` points: the H points of a `2^power` domain need that doubled domain.
    pub fn lagrange_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, PtauReadError> {
        let range = self.block(domain_size, 1)?;
        g1_points(S_LAGRANGE_TAU_G1, self.lagrange[0], range)
    }

    /// `L_i(τ)·G2` for the `domain_size`-point domain (section 13), up to `2^power` points.
    pub fn lagrange_g2(&self, domain_size: usize) -> Result<Vec<G2Affine>, PtauReadError> {
        let range = self.block(domain_size, 0)?;
        g2_points(S_LAGRANGE_TAU_G2, self.lagrange[1], range)
    }

    /// `α·L_i(τ)·G1` for the `domain_size`-point domain (section 14), up to `2^power` points.
    pub fn lagrange_alpha_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, PtauReadError> {
        let range = self.block(domain_size, 0)?;
        g1_points(S_LAGRANGE_ALPHA_TAU_G1, self.lagrange[2], range)
    }

    /// `β·L_i(τ)·G1` for the `domain_size`-point domain (section 15), up to `2^power` points.
    pub fn lagrange_beta_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, PtauReadError> {
        let range = self.block(domain_size, 0)?;
        g1_points(S_LAGRANGE_BETA_TAU_G1, self.lagrange[3], range)
    }

    /// The points of the `domain_size` block in a Lagrange section holding blocks up to
    /// `2^(power + extra)`.
    fn block(&self, domain_size: usize, extra: u32) -> Result<Range<usize>, PtauReadError> {
        let covered =
            domain_size.is_power_of_two() && (domain_size as u64) <= pow2(self.power + extra);
        if !covered {
            return Err(PtauReadError::DomainNotCovered {
                domain_size,
                power: self.power,
            });
        }
        Ok(domain_size - 1..2 * domain_size - 1)
    }
}

fn g1_points(
    section: u32,
    bytes: &[u8],
    range: Range<usize>,
) -> Result<Vec<G1Affine>, PtauReadError> {
    points(section, bytes, range, G1_SIZE, |b| {
        let p = read_g1(b.try_into().map_err(|_| "truncated")?, "ptau G1 point")
            .map_err(|_| "a coordinate is not below the field modulus")?;
        if !p.is_on_curve() {
            return Err("not on the curve");
        }
        Ok(p)
    })
}

fn g2_points(
    section: u32,
    bytes: &[u8],
    range: Range<usize>,
) -> Result<Vec<G2Affine>, PtauReadError> {
    points(section, bytes, range, G2_SIZE, |b| {
        let p = read_g2(b.try_into().map_err(|_| "truncated")?, "ptau G2 point")
            .map_err(|_| "a coordinate is not below the field modulus")?;
        if !p.is_on_curve() {
            return Err("not on the curve");
        }
        Ok(p)
    })
}

/// Decodes points `range` of a section of `size`-byte points.
fn points<P>(
    section: u32,
    bytes: &[u8],
    range: Range<usize>,
    size: usize,
    decode: impl Fn(&[u8]) -> Result<P, &'static str>,
) -> Result<Vec<P>, PtauReadError> {
    let available = bytes.len() / size;
    if range.end > available {
        return Err(PtauReadError::BadPoint {
            section,
            index: available,
            reason: "past the end of the section",
        });
    }
    range
        .map(|index| {
            decode(&bytes[index * size..(index + 1) * size]).map_err(|reason| {
                PtauReadError::BadPoint {
                    section,
                    index,
                    reason,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circom::binfile::{BinFileError, BinWriter};
    use crate::circom::{write_g1, write_g2, N8};
    use ark_bn254::Fr;
    use ark_ec::{AffineRepr, CurveGroup};
    use std::io::Write;

    const HEADER_SIZE: u64 = (4 + N8 + 4 + 4) as u64;

    fn g1(k: u64) -> G1Affine {
        (G1Affine::generator() * Fr::from(k)).into_affine()
    }

    fn g2(k: u64) -> G2Affine {
        (G2Affine::generator() * Fr::from(k)).into_affine()
    }

    /// A structurally valid ptau of `power` whose point `i` of every section is `(i + 1 +
    /// 100·section)·G`: the values are arbitrary, the layout is snarkjs's.
    fn synthetic(power: u32, prepared: bool) -> Vec<u8> {
        let n = 1u64 << power;
        let mut sections: Vec<(u32, u64, bool)> = vec![
            (S_TAU_G1, 2 * n - 1, false),
            (S_TAU_G2, n, true),
            (S_ALPHA_TAU_G1, n, false),
            (S_BETA_TAU_G1, n, false),
            (S_BETA_G2, 1, true),
        ];
        if prepared {
            sections.extend([
                (S_LAGRANGE_TAU_G1, 4 * n - 1, false),
                (S_LAGRANGE_TAU_G2, 2 * n - 1, true),
                (S_LAGRANGE_ALPHA_TAU_G1, 2 * n - 1, false),
                (S_LAGRANGE_BETA_TAU_G1, 2 * n - 1, false),
            ]);
        }
        let mut w = BinWriter::new(Vec::new(), MAGIC, 1, sections.len() as u32 + 2).unwrap();
        w.section(S_HEADER, HEADER_SIZE, |s| {
            s.write_all(&(N8 as u32).to_le_bytes())?;
            s.write_all(&fq_modulus_le())?;
            s.write_all(&power.to_le_bytes())?;
            s.write_all(&power.to_le_bytes())
        })
        .unwrap();
        for (id, count, is_g2) in sections {
            let size = count * if is_g2 { G2_SIZE } else { G1_SIZE } as u64;
            w.section(id, size, |s| {
                for i in 0..count {
                    let k = i + 1 + 100 * id as u64;
                    if is_g2 {
                        write_g2(s, &g2(k))?;
                    } else {
                        write_g1(s, &g1(k))?;
                    }
                }
                Ok(())
            })
            .unwrap();
            if id == S_BETA_G2 {
                w.section(S_CONTRIBUTIONS, 4, |s| s.write_all(&0u32.to_le_bytes()))
                    .unwrap();
            }
        }
        w.finish().unwrap()
    }

    fn offset(bytes: &[u8], id: u32) -> usize {
        let f = BinFile::parse(bytes, MAGIC, MAX_VERSION).unwrap();
        f.section(id).unwrap().as_ptr() as usize - bytes.as_ptr() as usize
    }

    #[test]
    fn reads_the_header_and_the_blocks_of_each_domain() {
        let bytes = synthetic(3, true);
        let p = Ptau::from_bytes(&bytes).unwrap();
        assert_eq!((p.power, p.ceremony_power), (3, 3));
        assert_eq!(p.alpha_g1, g1(401));
        assert_eq!(p.beta_g1, g1(501));
        assert_eq!(p.beta_g2, g2(601));
        assert_eq!(p.tau_g1(3).unwrap(), vec![g1(201), g1(202), g1(203)]);
        assert_eq!(p.tau_g2(1).unwrap(), vec![g2(301)]);
        // The 4-point block starts at point 3 (after the 1- and 2-point blocks).
        assert_eq!(
            p.lagrange_alpha_g1(4).unwrap(),
            (4..8).map(|i| g1(1400 + i)).collect::<Vec<_>>()
        );
        assert_eq!(p.lagrange_g2(1).unwrap(), vec![g2(1301)]);
        assert_eq!(p.lagrange_beta_g1(8).unwrap().len(), 8);
        // Section 12 has one more block (2^(power+1) points), the others do not.
        assert_eq!(p.lagrange_g1(16).unwrap()[0], g1(1216));
        let too_big = PtauReadError::DomainNotCovered {
            domain_size: 16,
            power: 3,
        };
        assert_eq!(p.lagrange_beta_g1(16), Err(too_big.clone()));
        assert_eq!(p.lagrange_g2(16).unwrap_err(), too_big);
        assert!(p.lagrange_g1(32).is_err());
        assert!(p.lagrange_g1(6).is_err());
        assert!(p.tau_g1(16).is_err());
    }

    #[test]
    fn an_unprepared_file_is_refused_with_the_fix() {
        let bytes = synthetic(2, false);
        let err = Ptau::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, PtauError::NotPrepared(12)), "{err}");
        assert!(err.to_string().contains("prepare phase2"));
    }

    #[test]
    fn every_truncation_and_garbage_is_a_typed_error() {
        let bytes = synthetic(2, true);
        for len in 0..bytes.len() {
            let err = Ptau::from_bytes(&bytes[..len]).unwrap_err();
            assert!(
                matches!(
                    err,
                    PtauError::Format(FormatError::Container(BinFileError::Truncated { .. }))
                ),
                "{len}: {err}"
            );
        }
        let mut garbage = bytes.clone();
        garbage[..4].copy_from_slice(b"zkey");
        assert!(matches!(
            Ptau::from_bytes(&garbage),
            Err(PtauError::Format(FormatError::Container(
                BinFileError::BadMagic { .. }
            )))
        ));
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        assert!(Ptau::from_bytes(&noise).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Ptau::from_bytes(&trailing).is_err());
    }

    #[test]
    fn header_and_size_errors_are_typed() {
        let good = synthetic(2, true);
        let h = offset(&good, S_HEADER);
        let mut b = good.clone();
        b[h + 4] ^= 1;
        assert!(matches!(
            Ptau::from_bytes(&b),
            Err(PtauError::Format(FormatError::WrongPrime { .. }))
        ));
        // Power 3 in the header: every section is then the wrong size.
        let mut b = good.clone();
        b[h + 4 + N8] = 3;
        assert!(matches!(
            Ptau::from_bytes(&b),
            Err(PtauError::Format(FormatError::Container(
                BinFileError::SizeMismatch { section: 2, .. }
            )))
        ));
        let mut b = good.clone();
        b[h + 4 + N8] = 28;
        assert!(matches!(
            Ptau::from_bytes(&b),
            Err(PtauError::PowerTooLarge(28))
        ));
        let mut b = good.clone();
        b[h + 4 + N8..h + 8 + N8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Ptau::from_bytes(&b),
            Err(PtauError::PowerTooLarge(u32::MAX))
        ));
        // α not on the curve is refused at parse time.
        let mut b = good.clone();
        b[offset(&good, S_ALPHA_TAU_G1)] ^= 1;
        assert!(matches!(
            Ptau::from_bytes(&b),
            Err(PtauError::Point(PtauReadError::BadPoint {
                section: 4,
                index: 0,
                ..
            }))
        ));
    }

    #[test]
    fn bad_points_are_refused_when_read() {
        let good = synthetic(2, true);
        // Point 1 of the 2-point G1 block (index 2 of section 12) moved off the curve.
        let mut b = good.clone();
        b[offset(&good, S_LAGRANGE_TAU_G1) + 2 * G1_SIZE] ^= 1;
        let p = Ptau::from_bytes(&b).unwrap();
        assert_eq!(
            p.lagrange_g1(2),
            Err(PtauReadError::BadPoint {
                section: 12,
                index: 2,
                reason: "not on the curve"
            })
        );
        assert!(p.lagrange_g1(4).is_ok());
        // A coordinate equal to q.
        let mut b = good.clone();
        let o = offset(&good, S_LAGRANGE_TAU_G2);
        b[o..o + N8].copy_from_slice(&fq_modulus_le());
        let p = Ptau::from_bytes(&b).unwrap();
        assert!(matches!(
            p.lagrange_g2(1),
            Err(PtauReadError::BadPoint {
                section: 13,
                index: 0,
                ..
            })
        ));
    }
}
