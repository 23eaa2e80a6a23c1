//! Value types for Kotlin and Swift: [`FieldElement`], [`Address`], [`Bytes32`] and [`Uint256`].
//!
//! Each is a UniFFI object exporting `Eq`, `Hash` and `Display`, so Kotlin's `==`, `hashCode()`
//! and `toString()` (Swift's `Equatable`, `Hashable`, `CustomStringConvertible`) compare and print
//! the value, not a reference, and a record holding one keeps data-class equality. Each parses
//! strictly (typed `InvalidInput` errors, never a panic) so that a value that exists is
//! canonical: a field element below the BN254 scalar modulus, an address whose mixed-case hex
//! matches its EIP-55 checksum, exactly 32 bytes for a word.
//!
//! Text formats (docs/PROTOCOL.md, "Encodings at the boundary"): `0x` and lowercase hex, 64
//! digits for 32-byte values (field elements, hashes, 256-bit integers), 40 for addresses
//! (`Display` of an address is its EIP-55 checksummed form).

use crate::error::{guard, hex0x, ZkbioError};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use zeroize::Zeroize;
use zkbio_core::registry::{self, B256, U256};

/// The hex digits of `text`, without its optional `0x`; `max` digits at most, at least one.
fn hex_digits<'a>(what: &str, text: &'a str, max: usize) -> Result<&'a str, ZkbioError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() {
        return Err(ZkbioError::invalid(what, "no hex digits"));
    }
    if digits.len() > max {
        return Err(ZkbioError::invalid(
            what,
            format!("{} hex digits, at most {max} allowed", digits.len()),
        ));
    }
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ZkbioError::invalid(what, "not hexadecimal"));
    }
    Ok(digits)
}

/// Parses up to 64 hex digits (optional `0x`) as a 256-bit integer.
fn u256_from_hex(what: &str, text: &str) -> Result<U256, ZkbioError> {
    let digits = hex_digits(what, text, 64)?;
    U256::from_str_radix(digits, 16).map_err(|e| ZkbioError::invalid(what, e))
}

/// Parses a decimal integer below 2^256: digits only (no sign, no spaces).
fn u256_from_decimal(what: &str, text: &str) -> Result<U256, ZkbioError> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ZkbioError::invalid(
            what,
            "not a decimal number (digits only)",
        ));
    }
    U256::from_str_radix(text, 10).map_err(|_| ZkbioError::invalid(what, "not below 2^256"))
}

/// Exactly `N` bytes.
fn exact<const N: usize>(what: &str, bytes: &[u8]) -> Result<[u8; N], ZkbioError> {
    bytes
        .try_into()
        .map_err(|_| ZkbioError::invalid(what, format!("expected {N} bytes, got {}", bytes.len())))
}

/// An element of BN254's scalar field (what commitments, salts, bindings and public inputs
/// are): always below the modulus `r`. Bytes are 32, big-endian. A salt held in one is wiped
/// when the object is freed; its `toString()` prints it, so do not log salts.
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Eq, Hash, Display)]
pub struct FieldElement(pub(crate) Fr);

impl Drop for FieldElement {
    fn drop(&mut self) {
        // Salts are field elements too.
        self.0.zeroize();
    }
}

impl fmt::Debug for FieldElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the value: Debug output ends up in logs, and salts are field elements.
        f.write_str("FieldElement(..)")
    }
}

impl fmt::Display for FieldElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex0x(&self.bytes()))
    }
}

impl FieldElement {
    /// Wraps a value.
    pub(crate) fn new(x: Fr) -> Arc<Self> {
        Arc::new(FieldElement(x))
    }

    /// The value.
    pub(crate) fn fr(&self) -> Fr {
        self.0
    }

    fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let be = self.0.into_bigint().to_bytes_be();
        out[32 - be.len()..].copy_from_slice(&be);
        out
    }

    fn from_u256(what: &str, v: U256) -> Result<Arc<Self>, ZkbioError> {
        crate::field::from_bytes::<Fr>(what, &v.to_be_bytes::<32>()).map(Self::new)
    }
}

#[uniffi::export]
impl FieldElement {
    /// From exactly 32 bytes, big-endian, below the modulus (else `InvalidInput`).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ZkbioError> {
        guard(|| crate::field::from_secret_bytes::<Fr>("field element", bytes).map(Self::new))
    }

    /// From hex: optional `0x`, 1 to 64 digits, either case, value below the modulus.
    #[uniffi::constructor]
    pub fn from_hex(hex: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| Self::from_u256("field element", u256_from_hex("field element", &hex)?))
    }

    /// From a decimal string (digits only, as snarkjs's `public.json` writes them), below the
    /// modulus. Kotlin: `FieldElement.fromDecimal(bigInteger.toString())`.
    #[uniffi::constructor]
    pub fn from_decimal(decimal: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            Self::from_u256(
                "field element",
                u256_from_decimal("field element", &decimal)?,
            )
        })
    }

    /// From a non-negative integer (a negative one is `InvalidInput`: no implicit reduction).
    #[uniffi::constructor]
    pub fn from_long(value: i64) -> Result<Arc<Self>, ZkbioError> {
        let v =
            u64::try_from(value).map_err(|_| ZkbioError::invalid("field element", "negative"))?;
        Ok(Self::new(Fr::from(v)))
    }

    /// The 32 big-endian bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes().to_vec()
    }

    /// `0x` and 64 lowercase hex digits (also `toString()`).
    pub fn to_hex(&self) -> String {
        hex0x(&self.bytes())
    }

    /// Decimal digits (snarkjs's format). Kotlin: `BigInteger(x.toDecimal())`.
    pub fn to_decimal(&self) -> String {
        self.0.into_bigint().to_string()
    }

    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

/// A 20-byte Ethereum address. `toString()` is its EIP-55 checksummed hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Eq, Hash, Display)]
pub struct Address(pub(crate) registry::Address);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_checksum(None))
    }
}

impl Address {
    /// Wraps an address.
    pub(crate) fn new(a: registry::Address) -> Arc<Self> {
        Arc::new(Address(a))
    }
}

/// The core's addresses from a list of the FFI's.
pub(crate) fn addresses(list: &[Arc<Address>]) -> Vec<registry::Address> {
    list.iter().map(|a| a.0).collect()
}

#[uniffi::export]
impl Address {
    /// From exactly 20 bytes.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ZkbioError> {
        Ok(Self::new(registry::Address::from(exact::<20>(
            "address", &bytes,
        )?)))
    }

    /// From hex: optional `0x` and exactly 40 digits. All-lowercase and all-uppercase are
    /// accepted as they are; mixed case must be the EIP-55 checksum (a typo is refused).
    #[uniffi::constructor]
    pub fn from_hex(hex: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let digits = hex_digits("address", &hex, 40)?;
            if digits.len() != 40 {
                return Err(ZkbioError::invalid(
                    "address",
                    format!("expected 40 hex digits, got {}", digits.len()),
                ));
            }
            let a = registry::Address::from_str(digits)
                .map_err(|e| ZkbioError::invalid("address", e))?;
            let mixed = digits.bytes().any(|c| c.is_ascii_lowercase())
                && digits.bytes().any(|c| c.is_ascii_uppercase());
            if mixed && a.to_checksum(None)[2..] != *digits {
                return Err(ZkbioError::invalid(
                    "address",
                    "mixed-case hex that is not its EIP-55 checksum",
                ));
            }
            Ok(Self::new(a))
        })
    }

    /// The 20 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_vec()
    }

    /// `0x` and 40 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex0x(self.0.as_slice())
    }

    /// The EIP-55 checksummed form (also `toString()`).
    pub fn to_checksum_hex(&self) -> String {
        self.0.to_checksum(None)
    }
}

/// A 32-byte word that is not a number: a keccak256 hash (the registry's model hash, a key's
/// `vkHash`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Eq, Hash, Display)]
pub struct Bytes32(pub(crate) B256);

impl fmt::Display for Bytes32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex0x(self.0.as_slice()))
    }
}

impl Bytes32 {
    /// Wraps a word.
    pub(crate) fn new(bytes: [u8; 32]) -> Arc<Self> {
        Arc::new(Bytes32(B256::from(bytes)))
    }

    /// The bytes.
    pub(crate) fn array(&self) -> [u8; 32] {
        self.0 .0
    }
}

#[uniffi::export]
impl Bytes32 {
    /// From exactly 32 bytes.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ZkbioError> {
        Ok(Self::new(exact::<32>("bytes32", &bytes)?))
    }

    /// From hex: optional `0x` and exactly 64 digits (a hash has no short form).
    #[uniffi::constructor]
    pub fn from_hex(hex: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| {
            let digits = hex_digits("bytes32", &hex, 64)?;
            if digits.len() != 64 {
                return Err(ZkbioError::invalid(
                    "bytes32",
                    format!("expected 64 hex digits, got {}", digits.len()),
                ));
            }
            Ok(Self::new(
                u256_from_hex("bytes32", digits)?.to_be_bytes::<32>(),
            ))
        })
    }

    /// The 32 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_vec()
    }

    /// `0x` and 64 lowercase hex digits (also `toString()`).
    pub fn to_hex(&self) -> String {
        hex0x(self.0.as_slice())
    }
}

/// An unsigned 256-bit integer (a registry nonce, an amount of wei): Solidity's `uint256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Eq, Hash, Display)]
pub struct Uint256(pub(crate) U256);

impl fmt::Display for Uint256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Uint256 {
    /// Wraps a value.
    pub(crate) fn new(v: U256) -> Arc<Self> {
        Arc::new(Uint256(v))
    }
}

#[uniffi::export]
impl Uint256 {
    /// From exactly 32 bytes, big-endian.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ZkbioError> {
        Ok(Self::new(U256::from_be_bytes(exact::<32>(
            "uint256", &bytes,
        )?)))
    }

    /// From hex: optional `0x`, 1 to 64 digits (`0x0` is zero, as JSON-RPC writes quantities).
    #[uniffi::constructor]
    pub fn from_hex(hex: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| Ok(Self::new(u256_from_hex("uint256", &hex)?)))
    }

    /// From a decimal string (digits only). Kotlin: `Uint256.fromDecimal(bigInteger.toString())`.
    #[uniffi::constructor]
    pub fn from_decimal(decimal: String) -> Result<Arc<Self>, ZkbioError> {
        guard(|| Ok(Self::new(u256_from_decimal("uint256", &decimal)?)))
    }

    /// From a non-negative integer (negative: `InvalidInput`).
    #[uniffi::constructor]
    pub fn from_long(value: i64) -> Result<Arc<Self>, ZkbioError> {
        let v = u64::try_from(value).map_err(|_| ZkbioError::invalid("uint256", "negative"))?;
        Ok(Self::new(U256::from(v)))
    }

    /// The 32 big-endian bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_be_bytes::<32>().to_vec()
    }

    /// `0x` and 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex0x(&self.0.to_be_bytes::<32>())
    }

    /// Decimal digits (also `toString()`).
    pub fn to_decimal(&self) -> String {
        self.0.to_string()
    }

    /// The value as a Kotlin `Long` / Swift `Int64`, or `null`/`nil` if it is above 2^63 - 1.
    pub fn to_long(&self) -> Option<i64> {
        u64::try_from(self.0)
            .ok()
            .and_then(|v| i64::try_from(v).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_elements_parse_canonically_in_every_format() {
        let x = FieldElement::from_long(777).unwrap();
        assert_eq!(FieldElement::from_hex("0x309".into()).unwrap(), x);
        assert_eq!(FieldElement::from_decimal("777".into()).unwrap(), x);
        let mut b = vec![0u8; 32];
        b[30] = 3;
        b[31] = 9;
        assert_eq!(FieldElement::from_bytes(b.clone()).unwrap(), x);
        assert_eq!(x.to_bytes(), b);
        assert_eq!(x.to_decimal(), "777");
        assert_eq!(x.to_hex(), format!("0x{}309", "0".repeat(61)));
        assert_eq!(x.to_string(), x.to_hex());
        assert_ne!(FieldElement::from_long(778).unwrap(), x);

        // r - 1 is the largest; r is refused in every format.
        let r_minus_1 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        let top = FieldElement::from_decimal(r_minus_1.into()).unwrap();
        assert_eq!(top.to_decimal(), r_minus_1);
        assert_eq!(FieldElement::from_hex(top.to_hex()).unwrap(), top);
        for bad in [
            FieldElement::from_decimal(r.into()),
            FieldElement::from_hex(format!("0x{}", "f".repeat(64))),
            FieldElement::from_hex(format!("0x1{}", "0".repeat(64))),
            FieldElement::from_hex("0x".into()),
            FieldElement::from_hex("0xg1".into()),
            FieldElement::from_decimal("-1".into()),
            FieldElement::from_decimal(" 1".into()),
            FieldElement::from_decimal("".into()),
            FieldElement::from_bytes(vec![0; 31]),
            FieldElement::from_long(-1),
        ] {
            assert!(
                matches!(bad, Err(ZkbioError::InvalidInput { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn addresses_check_length_and_checksum() {
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let a = Address::from_hex(checksummed.into()).unwrap();
        assert_eq!(a.to_checksum_hex(), checksummed);
        assert_eq!(a.to_string(), checksummed);
        assert_eq!(a.to_hex(), checksummed.to_lowercase());
        assert_eq!(Address::from_hex(checksummed.to_lowercase()).unwrap(), a);
        assert_eq!(
            Address::from_hex(format!("0x{}", checksummed[2..].to_uppercase())).unwrap(),
            a
        );
        assert_eq!(Address::from_bytes(a.to_bytes()).unwrap(), a);
        // One letter's case flipped: a checksum typo.
        let typo = checksummed.replacen("aA", "aa", 1);
        assert!(matches!(
            Address::from_hex(typo),
            Err(ZkbioError::InvalidInput { .. })
        ));
        assert!(Address::from_hex(checksummed[..41].into()).is_err());
        assert!(Address::from_bytes(vec![0; 32]).is_err());
    }

    #[test]
    fn words_and_integers() {
        let h = Bytes32::from_hex(format!("0x{}", "ab".repeat(32))).unwrap();
        assert_eq!(h.to_bytes(), vec![0xab; 32]);
        assert_eq!(h.to_string(), format!("0x{}", "ab".repeat(32)));
        assert!(Bytes32::from_hex("0xab".into()).is_err());
        assert!(Bytes32::from_bytes(vec![0; 20]).is_err());

        let n = Uint256::from_hex("0x0".into()).unwrap();
        assert_eq!(n, Uint256::from_long(0).unwrap());
        assert_eq!(n.to_bytes(), vec![0; 32]);
        let big = Uint256::from_bytes(vec![0xff; 32]).unwrap();
        assert_eq!(big.to_long(), None);
        assert_eq!(Uint256::from_decimal(big.to_decimal()).unwrap(), big);
        assert_eq!(
            Uint256::from_long(i64::MAX).unwrap().to_long(),
            Some(i64::MAX)
        );
        assert!(Uint256::from_long(-5).is_err());
        assert!(Uint256::from_decimal("1e3".into()).is_err());
    }
}
