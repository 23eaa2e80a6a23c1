//! Complete statements (circuits with public inputs) built from the gadgets.

/// `Debug` for a prover's input that names the type and prints none of its fields (they are the
/// secrets the proof hides; a log line must not carry them).
macro_rules! redacted_debug {
    ($t:ident) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { <redacted> }"))
            }
        }
    };
}

pub mod face_embedding;
pub mod face_match;
pub mod image_opening;
pub mod iris_code;
mod iris_prologue;
#[cfg(test)]
mod iris_test_support;
pub mod iris_tflite;
pub mod model_io;
