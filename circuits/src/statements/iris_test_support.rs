//! Test set-up shared by the iris-code statements of both families.

use super::image_opening::InputError;
use super::iris_code::IrisCodeInput;
use ark_bn254::Fr;

/// Deterministic bytes (xorshift64*).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// A generator for `seed` (never the all-zero state).
    pub(crate) fn seeded(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9) | 1)
    }

    /// The next 64 bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` mask bits with `holes_permille` / 1000 holes.
    pub(crate) fn mask(&mut self, n: usize, holes_permille: u64) -> Vec<bool> {
        (0..n)
            .map(|_| self.next() % 1000 >= holes_permille)
            .collect()
    }
}

/// A statement's `input(image, mask, salt_img, salt_code, binding)`.
pub(crate) type InputFn<'a> =
    &'a dyn Fn(Vec<u8>, Vec<bool>, Fr, Fr, Fr) -> Result<IrisCodeInput, InputError>;

/// `input(image, mask)` with the salts and binding the tests derive from `seed`.
pub(crate) fn seeded_input(
    input: InputFn<'_>,
    image: Vec<u8>,
    mask: Vec<bool>,
    seed: u64,
) -> IrisCodeInput {
    input(
        image,
        mask,
        Fr::from(seed + 100),
        Fr::from(seed + 200),
        Fr::from(seed * 1000 + 7),
    )
    .expect("sizes match")
}
