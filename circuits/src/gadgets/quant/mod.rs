//! Quantized (int8 TFLite) arithmetic as gadgets: floor division, requantization, clamps, max and
//! average pooling, each bit-exact with the TFLite reference kernels (see [`mod@reference`]).
//!
//! Every signed value travels as a [`Bounded`]: a linear combination with static integer bounds
//! `[lo, hi]` known when the circuit is compiled (inputs are range-checked int8, weights are
//! constants, so an accumulator's bounds are exact). Every decomposition width is derived from
//! those bounds, and a bound wider than [`MAX_BOUND_BITS`] is an error, so no value can wrap the
//! field: all the integer identities the gadgets rely on hold over the integers, not just mod p.
//!
//! Levers used to cut constraints (costs are in each gadget's docs):
//! - one floor division for TFLite's double rounding (the closed form in [`mod@reference`]), with
//!   quotient and remainder in a single bit decomposition, without a packing row (its lowest
//!   bit is derived from the others, see [`crate::gadgets::bits::to_bits_le_derived_low`]);
//! - "short-mantissa" scales (power-of-two activation scales, 8-bit weight-scale mantissas:
//!   `tests/tflite/gen_models.py --short-mantissa`) leave `M·2^ls` with >= 23 trailing zeros;
//!   the bench model's CONV_2D layers go from 37.5–48.5 to 25.6–33.4 constraints per element
//!   (`short_mantissa_bench_meets_the_per_element_goal` in `circuits/tests/tflite_circuit.rs`);
//! - trailing zero bits of `M·2^ls` shrink the remainder;
//! - a fused ReLU/ReLU6 skips the tie-correction term (see [`requant`]) and folds the lower clamp
//!   into the quotient's sign bit; an upper clamp at `2^k − 1` above the lower one reuses the
//!   quotient's bits;
//! - a clamp side the static bounds already satisfy costs nothing.

pub mod bounded;
pub mod clamp;
pub mod division;
pub mod fit;
pub mod pool;
pub mod reference;
pub mod requant;

pub use bounded::{range_checked, Bounded};
pub use clamp::{clamp, max};
pub use division::floor_div;
pub use pool::avg_pool_round;
pub use requant::{
    requantize, requantize_f64, requantize_planned, rescale_planned, FloatRequant, Requant,
    RequantPlan, RescalePlan,
};

/// Largest magnitude, in bits, a static bound may have. Far below the field's 253 safe bits, and
/// small enough that products of a bound with a 53-bit constant stay exact in `i128`.
pub const MAX_BOUND_BITS: u32 = 120;

/// Why a quantized gadget could not be laid out. Raised at circuit compile time, from the model's
/// constants and static bounds; never from the witness.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantError {
    /// A static bound exceeds [`MAX_BOUND_BITS`].
    #[error("a static bound exceeds 2^{MAX_BOUND_BITS}")]
    BoundTooWide,
    /// `lo > hi`.
    #[error("empty interval [{lo}, {hi}]")]
    EmptyInterval {
        /// Lower bound.
        lo: i128,
        /// Upper bound.
        hi: i128,
    },
    /// A divisor that is not positive.
    #[error("divisor {0} is not positive")]
    BadDivisor(i128),
    /// A quantized multiplier outside `[1, 2^31)`.
    #[error("quantized multiplier {0} is outside [1, 2^31)")]
    BadMultiplier(i64),
    /// A shift outside `[-31, 30]`.
    #[error("shift {0} is outside [-31, 30]")]
    BadShift(i32),
    /// The accumulator (or `acc·2^ls`) could leave int32, where the C++ kernel is undefined.
    #[error("accumulator bounds [{lo}, {hi}] can overflow int32 in the kernel")]
    Int32Overflow {
        /// Lower bound of the accumulator.
        lo: i128,
        /// Upper bound of the accumulator.
        hi: i128,
    },
    /// A float scale that is not positive and finite.
    #[error("scale {0} is not a positive finite number")]
    BadScale(f64),
    /// Accumulator values in the static range where `round(fl64(acc·E))` differs from the exact
    /// rational rounding the circuit proves; such a model is refused.
    #[error("float requantization differs from exact rounding at {count} accumulator values (first {first:?})")]
    FloatRoundingExceptions {
        /// How many.
        count: usize,
        /// Up to 8 of them.
        first: Vec<i64>,
    },
    /// A static range too large to enumerate for float-rounding exceptions.
    #[error("accumulator range of {0} values is too large to check for float-rounding exceptions")]
    RangeTooLargeToEnumerate(u128),
    /// An accumulator range wider than the one a [`FloatRequant`] was checked for.
    #[error("accumulator bounds [{lo}, {hi}] exceed the range checked for float rounding")]
    UncheckedRange {
        /// Lower bound.
        lo: i128,
        /// Upper bound.
        hi: i128,
    },
    /// `max` of no values.
    #[error("max of no values")]
    NoValues,
}
