//! A `.tflite` model (`models/tflite` in zkbio-circuits): the reader and the validating lowering
//! return typed errors, and a model that loads runs on a zero input (when its input has at most
//! `TFLITE_MAX_RUN_ELEMENTS` elements) to a trace or a typed error.
//!
//! The body is `zkbio_core::fuzzing::targets::tflite`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_core::fuzzing::targets::tflite(data);
});
