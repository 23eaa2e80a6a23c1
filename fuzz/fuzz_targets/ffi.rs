//! The FFI entry points that take bytes (bindings/src), called as Rust functions: the first byte
//! picks the entry point, the rest are its arguments. Each must return a value or a typed error;
//! `Internal` (a panic caught at the boundary) fails the target, and so does any panic (the
//! fuzzer's panic hook aborts before the boundary's guard could catch it).
//!
//! The body is `zkbio_ffi::fuzzing::ffi`, which the seed replay test also runs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zkbio_ffi::fuzzing::ffi(data);
});
