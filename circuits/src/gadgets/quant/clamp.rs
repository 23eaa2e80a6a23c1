//! Clamps (fused activations) and max (max pooling).
