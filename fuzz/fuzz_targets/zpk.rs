//! `.zpk` proving-key header and view (core/src/groth16/key_file.rs): a header-checked view reads
//! every point without panicking, and a decoded key re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_core::groth16::key_file::{key_to_bytes, KeyView};

fuzz_target!(|data: &[u8]| {
    let Ok(view) = KeyView::new(data) else {
        return;
    };
    let vk = view.verifying_key();
    assert_eq!(vk.gamma_abc_g1.len(), view.n_public() + 1);
    let pk = view.to_proving_key();
    assert_eq!(pk.a_query.len(), view.n_vars());
    let again = key_to_bytes(&pk, view.n_constraints()).expect("a parsed key re-encodes");
    assert!(again == data, "the .zpk encoding does not round-trip");
});
