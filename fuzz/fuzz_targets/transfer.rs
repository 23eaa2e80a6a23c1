//! The scanner's enrollment transfer (core/src/flows/transfer.rs): whatever decodes re-encodes to
//! the same bytes, and its check (commitments, EIP-712 signature recovery) returns, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::flows::EnrollmentTransfer;

fuzz_target!(|data: &[u8]| {
    let Ok(transfer) = EnrollmentTransfer::from_bytes(data) else {
        return;
    };
    assert!(
        transfer.to_bytes().as_slice() == data,
        "the transfer encoding does not round-trip"
    );
    let _ = transfer.verify();
});
