//! Compressed proving-key transport (core/src/groth16/key_transport.rs): expanding hostile bytes
//! never panics nor allocates beyond one batch ahead of the input; what expands is a valid `.zpk`
//! of its header's length whose digest is the one returned, and compressing it again expands to
//! the same key.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::groth16::key_file::{digest, KeyView};
use zkbio_core::groth16::key_transport::{compress_key, expand_key, TransportHeader};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let Ok(d) = expand_key(&mut &data[..], &mut out, &mut |_, _| true) else {
        return;
    };
    let header = TransportHeader::parse(data).expect("an expanded input has a valid header");
    assert_eq!(header.transport_len, data.len() as u64);
    assert_eq!(header.expanded_len, out.len() as u64);
    assert_eq!(d, digest(&out));
    assert!(KeyView::new(&out).is_ok(), "the expansion is not a .zpk");
    let mut again = Vec::new();
    compress_key(&out, &mut again).expect("an expanded key compresses");
    let mut twice = Vec::new();
    expand_key(&mut &again[..], &mut twice, &mut |_, _| true).expect("re-expands");
    assert!(twice == out, "compress/expand is not idempotent");
});
