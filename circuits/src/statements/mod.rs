//! Complete statements (circuits with public inputs) built from the gadgets.

pub mod face_embedding;
pub mod face_match;
pub mod image_opening;
pub mod iris_code;
pub mod model_io;
