//! An iris model file (`model.bin` of a package, circuits/src/models/iris/canonical.rs): whatever
//! decodes re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::models::iris::IrisModel;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = IrisModel::from_canonical_bytes(data) {
        assert!(
            model.to_canonical_bytes() == data,
            "the model encoding does not round-trip"
        );
    }
});
