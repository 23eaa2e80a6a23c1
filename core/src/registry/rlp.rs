//! The few RLP encodings transactions and CREATE addresses need (Ethereum yellow paper,
//! appendix B): byte strings, unsigned integers (big-endian, no leading zeros) and lists.

use alloy_primitives::U256;

/// Appends the header of a string (`base` 0x80) or list (`base` 0xc0) of `len` bytes.
fn header(out: &mut Vec<u8>, base: u8, len: usize) {
    if len < 56 {
        out.push(base + len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(base + 55 + (be.len() - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

/// Appends the byte string `bytes`.
pub(crate) fn bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() == 1 && bytes[0] < 0x80 {
        out.push(bytes[0]);
    } else {
        header(out, 0x80, bytes.len());
        out.extend_from_slice(bytes);
    }
}

/// Appends the unsigned integer `x` (zero is the empty string).
pub(crate) fn uint(out: &mut Vec<u8>, x: U256) {
    let be = x.to_be_bytes::<32>();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    bytes(out, &be[skip..]);
}

/// Appends a list whose items are already encoded in `payload`.
pub(crate) fn list(out: &mut Vec<u8>, payload: &[u8]) {
    header(out, 0xc0, payload.len());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_bytes(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        bytes(&mut out, b);
        out
    }

    #[test]
    fn yellow_paper_examples() {
        // Examples of the Ethereum wiki's RLP page.
        assert_eq!(enc_bytes(b"dog"), [0x83, b'd', b'o', b'g']);
        assert_eq!(enc_bytes(b""), [0x80]);
        assert_eq!(enc_bytes(&[0x0f]), [0x0f]);
        assert_eq!(enc_bytes(&[0x04, 0x00]), [0x82, 0x04, 0x00]);
        let mut out = Vec::new();
        uint(&mut out, U256::ZERO);
        uint(&mut out, U256::from(15u8));
        uint(&mut out, U256::from(1024u16));
        assert_eq!(out, [0x80, 0x0f, 0x82, 0x04, 0x00]);
        let mut payload = Vec::new();
        bytes(&mut payload, b"cat");
        bytes(&mut payload, b"dog");
        let mut out = Vec::new();
        list(&mut out, &payload);
        assert_eq!(out, [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']);
        let mut out = Vec::new();
        list(&mut out, &[]);
        assert_eq!(out, [0xc0]);
        // "Lorem ipsum dolor sit amet, consectetur adipisicing elit" (56 bytes): long form.
        let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let enc = enc_bytes(lorem);
        assert_eq!(&enc[..2], &[0xb8, 0x38]);
        assert_eq!(&enc[2..], lorem);
    }
}
