//! Encodings at the boundary (docs/PROTOCOL.md): field elements as 32 bytes big-endian or `0x` and
//! 64 hex digits, canonical (below the modulus); bit strings packed MSB-first.

use crate::error::ZkbioError;
use ark_ff::{BigInteger, PrimeField};
use zeroize::Zeroize;

/// Bytes of one encoded field element.
pub(crate) const BYTES: usize = 32;

/// `x` as 32 bytes, big-endian.
pub(crate) fn to_bytes<F: PrimeField>(x: &F) -> Vec<u8> {
    let mut out = x.into_bigint().to_bytes_be();
    // BN254's fields fit in 32 bytes; pad defensively should a representation be shorter.
    while out.len() < BYTES {
        out.insert(0, 0);
    }
    out
}

/// Parses a canonical element: exactly 32 bytes, big-endian, value below the modulus. `what`
/// names the argument in the error.
pub(crate) fn from_bytes<F: PrimeField>(what: &str, bytes: &[u8]) -> Result<F, ZkbioError> {
    if bytes.len() != BYTES {
        return Err(ZkbioError::invalid(
            what,
            format!("expected {BYTES} bytes (big-endian), got {}", bytes.len()),
        ));
    }
    let x = F::from_be_bytes_mod_order(bytes);
    // Canonical means the reduction changed nothing.
    let mut back = x.into_bigint().to_bytes_be();
    let canonical = back.as_slice() == bytes;
    back.zeroize();
    if canonical {
        Ok(x)
    } else {
        Err(ZkbioError::invalid(what, "not below the field modulus"))
    }
}

/// Like [`from_bytes`] for a secret (a salt): the caller's buffer is wiped afterwards.
pub(crate) fn from_secret_bytes<F: PrimeField>(
    what: &str,
    mut bytes: Vec<u8>,
) -> Result<F, ZkbioError> {
    let x = from_bytes(what, &bytes);
    bytes.zeroize();
    x
}

/// `x` as `0x` and 64 lowercase hex digits (32 bytes, big-endian).
pub(crate) fn to_hex<F: PrimeField>(x: &F) -> String {
    crate::error::hex0x(&to_bytes(x))
}

/// Parses [`to_hex`]'s format strictly: `0x`, exactly 64 hex digits (either case), canonical.
pub(crate) fn from_hex<F: PrimeField>(what: &str, text: &str) -> Result<F, ZkbioError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| ZkbioError::invalid(what, "expected 0x and 64 hex digits"))?;
    if digits.len() != 2 * BYTES || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ZkbioError::invalid(what, "expected 0x and 64 hex digits"));
    }
    let bytes: Vec<u8> = (0..BYTES)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    from_bytes(what, &bytes)
}

/// Packs bits MSB-first (numpy's `packbits` order, docs/PROTOCOL.md): bit `i` is bit `7 - i % 8`
/// of byte `i / 8`; the last byte's unused low bits are zero.
pub(crate) fn pack_bits(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, &b) in bits.iter().enumerate() {
        if b {
            out[i / 8] |= 0x80 >> (i % 8);
        }
    }
    out
}

/// Unpacks `n` bits packed by [`pack_bits`]: exactly `ceil(n / 8)` bytes, the padding bits zero
/// (so each bit string has one encoding). `what` names the argument in the error.
pub(crate) fn unpack_bits(what: &str, bytes: &[u8], n: usize) -> Result<Vec<bool>, ZkbioError> {
    let want = n.div_ceil(8);
    if bytes.len() != want {
        return Err(ZkbioError::invalid(
            what,
            format!(
                "expected {want} bytes ({n} bits packed MSB-first), got {}",
                bytes.len()
            ),
        ));
    }
    let bits: Vec<bool> = (0..n)
        .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect();
    if pack_bits(&bits) != bytes {
        return Err(ZkbioError::invalid(
            what,
            "the padding bits after the last bit are not zero",
        ));
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bits_pack_msb_first_with_zero_padding() {
        let bits = [
            true, false, true, true, false, false, false, false, true, true,
        ];
        let packed = pack_bits(&bits);
        assert_eq!(packed, vec![0b1011_0000, 0b1100_0000]);
        assert_eq!(unpack_bits("mask", &packed, 10), Ok(bits.to_vec()));
        assert!(unpack_bits("mask", &[0b1011_0000, 0b1110_0000], 10).is_err());
        assert!(unpack_bits("mask", &packed, 17).is_err());
        assert_eq!(pack_bits(&[]), Vec::<u8>::new());
    }

    use super::*;
    use ark_bn254::{Fq, Fr};

    #[test]
    fn round_trips_and_rejects_non_canonical() {
        let x = Fr::from(0x0102_0304u64);
        let b = to_bytes(&x);
        assert_eq!(b.len(), 32);
        assert_eq!(&b[28..], &[1, 2, 3, 4]);
        assert_eq!(from_bytes::<Fr>("x", &b), Ok(x));

        let r_minus_1 = -Fr::from(1u64);
        assert_eq!(from_bytes::<Fr>("x", &to_bytes(&r_minus_1)), Ok(r_minus_1));
        // r itself (= (r - 1) + 1) is not canonical; nor is 2^256 - 1.
        let mut r = to_bytes(&r_minus_1);
        r[31] += 1;
        assert_eq!(
            from_bytes::<Fr>("salt", &r),
            Err(ZkbioError::invalid("salt", "not below the field modulus"))
        );
        assert!(from_bytes::<Fq>("y", &[0xff; 32]).is_err());
        assert_eq!(
            from_bytes::<Fr>("binding", &[0; 31]),
            Err(ZkbioError::invalid(
                "binding",
                "expected 32 bytes (big-endian), got 31"
            ))
        );
    }
}
