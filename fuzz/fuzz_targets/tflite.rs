//! A `.tflite` model (circuits/src/models/tflite): the reader and the validating lowering return
//! typed errors, and a model that loads runs on a zero input (bounded, so one input stays fast).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::models::tflite::{run, Model};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = Model::from_bytes(data) else {
        return;
    };
    let n = model.input_tensor().num_elements();
    if n <= 1 << 14 {
        let _ = run(&model, &vec![0i8; n]);
    }
});
