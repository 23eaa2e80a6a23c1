//! Gadgets: constraint patterns written once against [`crate::Builder`].

pub mod bits;
pub mod boolean;
pub mod commitment;
pub mod cosine;
pub mod equality;
pub mod poseidon;
pub mod quant;
pub mod sign;

#[cfg(test)]
pub(crate) mod test_support;
