//! One value per constraint (`A·z`, `B·z` or `C·z`), held in four bytes when it is small.
//!
//! At full iris size each of the three columns has 1.66M rows: 53 MiB as field elements. About
//! 92% of the rows are 0, 1 or another small integer (bits, pixel sums, sign tests), so a column
//! takes 4 bytes per row plus 32 per large value, about 11 MiB. The prover decodes one column at a
//! time into the FFT's buffer, so the three never exist at full width together.

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInt, Field, PrimeField, Zero};
use rayon::prelude::*;
use std::fmt;
use std::mem::MaybeUninit;
use zeroize::Zeroize;

/// Codes at or above this refer to `large[code - LARGE]`; codes below are the value itself.
const LARGE: u32 = 1 << 31;

/// A column of per-constraint evaluations, compact for small values.
///
/// The values come from biometric data: both buffers are zeroized on drop, and `Debug` shows
/// only the sizes. Two columns are equal when they hold the same values, however encoded.
#[derive(Clone, Default)]
pub struct Evaluations {
    codes: Vec<u32>,
    large: Vec<Fr>,
}

/// How many codes [`Evaluations::write_staged`] packs into one field-element-sized word.
const CODES_PER_WORD: usize = 8;

/// The value of `code`, its large values being `large`.
fn decode_with(code: u32, large: &[Fr]) -> Fr {
    match code {
        0 => Fr::ZERO,
        1 => Fr::ONE,
        c if c < LARGE => Fr::from(u64::from(c)),
        c => large[(c - LARGE) as usize],
    }
}

/// The code of `v` if it is a small non-negative integer.
fn small_code(v: &Fr) -> Option<u32> {
    if v.is_zero() {
        return Some(0);
    }
    if *v == Fr::ONE {
        return Some(1);
    }
    let limbs = v.into_bigint().0;
    (limbs[1..].iter().all(|&l| l == 0) && limbs[0] < u64::from(LARGE)).then(|| limbs[0] as u32)
}

impl Evaluations {
    /// An empty column.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty column with room for `rows` values.
    pub fn with_capacity(rows: usize) -> Self {
        Evaluations {
            codes: Vec::with_capacity(rows),
            large: Vec::new(),
        }
    }

    /// Appends one row's value.
    pub fn push(&mut self, v: Fr) {
        let code = small_code(&v).unwrap_or_else(|| self.push_large(v));
        self.codes.push(code);
    }

    /// Stores `v` among the large values and returns its code. A column holds fewer than 2^31
    /// large values: that many would take 64 GiB, and BN254's domains stop at 2^28 rows.
    fn push_large(&mut self, v: Fr) -> u32 {
        let index = u32::try_from(self.large.len())
            .ok()
            .filter(|&i| i < LARGE)
            .expect("fewer than 2^31 large evaluations");
        self.large.push(v);
        LARGE | index
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    fn decode(&self, code: u32) -> Fr {
        decode_with(code, &self.large)
    }

    /// Row `i`'s value, `None` past the end.
    pub fn get(&self, i: usize) -> Option<Fr> {
        self.codes.get(i).map(|&c| self.decode(c))
    }

    /// Replaces row `i`'s value (fault injection in tests). Panics if `i` is out of range, as
    /// slice indexing does.
    pub fn set(&mut self, i: usize, v: Fr) {
        let old = self.codes[i];
        self.codes[i] = match small_code(&v) {
            Some(code) => code,
            None if old >= LARGE => {
                self.large[(old - LARGE) as usize] = v;
                old
            }
            None => self.push_large(v),
        };
    }

    /// The values in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Fr> + '_ {
        self.codes.iter().map(|&c| self.decode(c))
    }

    /// Writes rows `start..start + out.len()` into `out` (on all cores). Panics if those rows
    /// are not all in the column, as slice indexing does.
    pub fn decode_into(&self, start: usize, out: &mut [Fr]) {
        let codes = &self.codes[start..start + out.len()];
        out.par_iter_mut()
            .zip(codes.par_iter())
            .for_each(|(x, &c)| *x = self.decode(c));
    }

    /// The values as field elements.
    pub fn to_vec(&self) -> Vec<Fr> {
        let mut out = vec![Fr::ZERO; self.len()];
        self.decode_into(0, &mut out);
        out
    }

    /// How many field-element-sized words [`Evaluations::write_staged`] writes.
    pub fn staged_len(&self) -> usize {
        self.len().div_ceil(CODES_PER_WORD) + self.large.len()
    }

    /// Writes the column into `words` (exactly [`Evaluations::staged_len`] long, else it
    /// panics): the codes packed eight to a word as raw limbs (not field values),
    /// then the large values. The prover writes them into the unused end of an FFT buffer and
    /// frees the column, so the column and the buffer it is decoded into are never resident
    /// together; [`Evaluations::decode_staged`] reads them back.
    pub fn write_staged(&self, words: &mut [MaybeUninit<Fr>]) {
        assert_eq!(words.len(), self.staged_len(), "staging area size");
        let (packed, large) = words.split_at_mut(self.len().div_ceil(CODES_PER_WORD));
        for (w, codes) in packed.iter_mut().zip(self.codes.chunks(CODES_PER_WORD)) {
            let mut limbs = [0u64; 4];
            for (k, &code) in codes.iter().enumerate() {
                limbs[k / 2] |= u64::from(code) << (32 * (k % 2));
            }
            w.write(Fr::new_unchecked(BigInt(limbs)));
        }
        for (w, v) in large.iter_mut().zip(&self.large) {
            w.write(*v);
        }
    }

    /// Decodes the `out.len()` rows a column wrote with [`Evaluations::write_staged`] into
    /// `words`, on all cores. Panics if `words` is too short for that many rows, or a code
    /// points past it.
    pub fn decode_staged(words: &[Fr], out: &mut [MaybeUninit<Fr>]) {
        let (packed, large) = words.split_at(out.len().div_ceil(CODES_PER_WORD));
        out.par_chunks_mut(CODES_PER_WORD)
            .zip(packed.par_iter())
            .for_each(|(rows, word)| {
                for (k, row) in rows.iter_mut().enumerate() {
                    let code = (word.0 .0[k / 2] >> (32 * (k % 2))) as u32;
                    row.write(decode_with(code, large));
                }
            });
    }

    /// Bytes held on the heap (what the column costs in memory).
    pub fn heap_bytes(&self) -> usize {
        self.codes.capacity() * std::mem::size_of::<u32>()
            + self.large.capacity() * std::mem::size_of::<Fr>()
    }
}

impl Zeroize for Evaluations {
    fn zeroize(&mut self) {
        self.codes.zeroize();
        self.large.zeroize();
    }
}

impl Drop for Evaluations {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl PartialEq for Evaluations {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Evaluations {}

impl fmt::Debug for Evaluations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluations")
            .field("rows", &self.len())
            .field("large", &self.large.len())
            .finish_non_exhaustive()
    }
}

impl FromIterator<Fr> for Evaluations {
    fn from_iter<I: IntoIterator<Item = Fr>>(values: I) -> Self {
        let values = values.into_iter();
        let mut column = Evaluations::with_capacity(values.size_hint().0);
        for v in values {
            column.push(v);
        }
        column
    }
}

impl From<&[Fr]> for Evaluations {
    /// Encodes on all cores (the prover's wire values: 1.6M at full iris size).
    fn from(values: &[Fr]) -> Self {
        const PENDING: u32 = u32::MAX;
        let mut column = Evaluations {
            codes: values
                .par_iter()
                .map(|v| small_code(v).unwrap_or(PENDING))
                .collect(),
            large: Vec::new(),
        };
        let mut codes = std::mem::take(&mut column.codes);
        for (code, v) in codes.iter_mut().zip(values) {
            if *code == PENDING {
                *code = column.push_large(*v);
            }
        }
        column.codes = codes;
        column
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_std::rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Values at every encoding's edges, and random full-width ones.
    fn edge_values() -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut v: Vec<Fr> = [
            0u64,
            1,
            2,
            255,
            (1 << 31) - 1,
            1 << 31,
            (1 << 32) + 5,
            u64::MAX,
        ]
        .into_iter()
        .map(Fr::from)
        .collect();
        v.extend([
            -Fr::ONE,
            -Fr::from(2u64),
            Fr::from(1u64 << 31) * Fr::from(1u64 << 31),
        ]);
        v.extend((0..5).map(|_| Fr::rand(&mut rng)));
        v
    }

    #[test]
    fn every_value_reads_back_by_index_iteration_and_decoding() {
        let values = edge_values();
        let column: Evaluations = values.iter().copied().collect();
        assert_eq!(column.len(), values.len());
        assert_eq!(column.iter().collect::<Vec<_>>(), values);
        assert_eq!(column.to_vec(), values);
        assert_eq!(Evaluations::from(&values[..]).to_vec(), values);
        let mut middle = vec![Fr::ZERO; 4];
        column.decode_into(3, &mut middle);
        assert_eq!(middle, values[3..7]);
        for (i, v) in values.iter().enumerate() {
            assert_eq!(column.get(i), Some(*v), "row {i}");
        }
        assert_eq!(column.get(values.len()), None);
        // Only what does not fit below 2^31 is stored at full width.
        assert_eq!(column.large.len(), values.len() - 5);
    }

    #[test]
    fn staged_words_decode_back_to_the_column_at_every_length() {
        let values = edge_values();
        // Lengths around the packing's word boundaries, and a long column decoded on all cores.
        let long: Vec<Fr> = values.iter().cycle().take(5000).copied().collect();
        for rows in (0..=values.len()).chain([long.len()]) {
            let source = if rows <= values.len() {
                &values[..rows]
            } else {
                &long[..]
            };
            let column: Evaluations = source.iter().copied().collect();
            let words = column.len().div_ceil(CODES_PER_WORD) + column.large.len();
            assert_eq!(column.staged_len(), words, "{rows} rows");
            let mut staged = vec![MaybeUninit::uninit(); words];
            column.write_staged(&mut staged);
            let staged: Vec<Fr> = staged.iter().map(|w| unsafe { w.assume_init() }).collect();
            drop(column);
            let mut out = vec![MaybeUninit::uninit(); rows];
            Evaluations::decode_staged(&staged, &mut out);
            let out: Vec<Fr> = out.iter().map(|w| unsafe { w.assume_init() }).collect();
            assert_eq!(out, source, "{rows} rows");
        }
    }

    #[test]
    #[should_panic(expected = "staging area size")]
    fn staging_into_the_wrong_size_panics_rather_than_leave_words_unwritten() {
        let column: Evaluations = edge_values().into_iter().collect();
        let mut staged = vec![MaybeUninit::uninit(); column.staged_len() + 1];
        column.write_staged(&mut staged);
    }

    #[test]
    fn set_replaces_one_row_whatever_the_old_and_new_encodings() {
        let values = edge_values();
        for i in 0..values.len() {
            for new in [Fr::ZERO, Fr::from(7u64), -Fr::ONE, values[values.len() - 1]] {
                let mut column: Evaluations = values.iter().copied().collect();
                column.set(i, new);
                let mut want = values.clone();
                want[i] = new;
                assert_eq!(column.iter().collect::<Vec<_>>(), want, "row {i} := {new}");
            }
        }
    }

    #[test]
    fn equality_is_by_value_and_small_columns_are_small() {
        let mut a: Evaluations = [Fr::from(5u64), -Fr::ONE].into_iter().collect();
        let b = a.clone();
        a.set(1, Fr::ONE);
        assert_ne!(a, b);
        a.set(1, -Fr::ONE);
        // `a` now has a stale large value; it still equals `b`.
        assert_eq!(a, b);
        let bits: Evaluations = (0..1000u64).map(|i| Fr::from(i % 2)).collect();
        assert!(bits.heap_bytes() <= 4 * 1000);
        assert_eq!(format!("{b:?}"), "Evaluations { rows: 2, large: 1, .. }");
    }
}
