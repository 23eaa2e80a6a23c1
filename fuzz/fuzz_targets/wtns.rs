//! snarkjs `.wtns` (circuits/src/circom/wtns.rs): parsed values write back and re-parse equal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::circom::wtns;

fuzz_target!(|data: &[u8]| {
    let Ok(values) = wtns::from_bytes(data) else {
        return;
    };
    let bytes = wtns::to_bytes(&values).expect("parsed values write back");
    assert_eq!(wtns::from_bytes(&bytes).expect("re-parse"), values);
});
