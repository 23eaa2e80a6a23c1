//! Values across the boundary: field elements (exactly 32 bytes, big-endian, canonical: below the
//! modulus), Ethereum addresses (exactly 20 bytes) and 256-bit integers (exactly 32 bytes,
//! big-endian).

use crate::error::ZkbioError;
use ark_ff::{BigInteger, PrimeField};
use zeroize::Zeroize;
use zkbio_core::registry::{Address, U256};

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

/// Parses an Ethereum address: exactly 20 bytes. `what` names the argument in the error.
pub(crate) fn address(what: &str, bytes: &[u8]) -> Result<Address, ZkbioError> {
    if bytes.len() != 20 {
        return Err(ZkbioError::invalid(
            what,
            format!("expected a 20-byte address, got {} bytes", bytes.len()),
        ));
    }
    Ok(Address::from_slice(bytes))
}

/// Parses a list of addresses; the error names the entry, e.g. `trusted_scanners[2]`.
pub(crate) fn addresses(what: &str, list: &[Vec<u8>]) -> Result<Vec<Address>, ZkbioError> {
    list.iter()
        .enumerate()
        .map(|(i, a)| address(&format!("{what}[{i}]"), a))
        .collect()
}

/// Parses a 256-bit unsigned integer: exactly 32 bytes, big-endian.
pub(crate) fn u256(what: &str, bytes: &[u8]) -> Result<U256, ZkbioError> {
    if bytes.len() != BYTES {
        return Err(ZkbioError::invalid(
            what,
            format!("expected {BYTES} bytes (big-endian), got {}", bytes.len()),
        ));
    }
    Ok(U256::from_be_slice(bytes))
}

#[cfg(test)]
mod tests {
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
