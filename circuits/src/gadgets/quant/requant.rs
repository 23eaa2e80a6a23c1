//! Requantization.
