//! Model descriptions that circuits are compiled from: versioned, canonically encoded, hashed.

pub mod face;
pub mod iris;
pub mod iris_tflite;
pub mod tflite;
