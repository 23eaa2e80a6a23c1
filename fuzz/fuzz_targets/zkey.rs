//! snarkjs `.zkey` (circuits/src/circom/zkey.rs): a parsed key writes back and re-parses equal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::circom::Zkey;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = Zkey::from_bytes(data) else {
        return;
    };
    let _ = key.contribution_info();
    let _ = key.verifying_key();
    let bytes = key.to_bytes().expect("a parsed .zkey writes back");
    let again = Zkey::from_bytes(&bytes).expect("a written .zkey parses");
    assert!(again == key, "the .zkey does not round-trip");
});
