//! The fragile-bit refinement in the circuit: per probe, which parts' mask bits survive
//! open-iris's `FragileBitRefinement` (the model's [`FragileRowRule`], `docs/IRIS.md`).
//!
//! The operands are linear combinations of the two squared responses `x = S_re^2`, `y = S_im^2`
//! that the nonzero test already computes (no new products), with the rule's integer constants
//! as coefficients. Each comparison is one [`is_nonnegative`] whose width comes from the static
//! bounds `|S_q| <= 255 * D_q`: an operand in `[-neg, pos]` needs `n = 1 + bitlen(max(neg,
//! pos + 1) - 1)` ([`comparison_width`]). Layout per probe: radius `L - T_min >= 0` and
//! `T_max - L >= 0`, their AND, the two angle tests `own * S_q^2 - other * S_(1-q)^2 >= 0`, and
//! one AND per part with the radius: `sum(n_i + 1) + 3` constraints
//! ([`FragilePlan::constraints`]); the statement ANDs each result with the encoder's mask bit.

use crate::builder::{Builder, LinearCombination};
use crate::gadgets::sign::is_nonnegative;
use crate::models::iris::FragileRowRule;
use ark_bn254::Fr;
use num_bigint::BigUint;

/// A probe row's refinement constants as field elements, and the comparison widths.
#[derive(Debug, Clone)]
pub(crate) struct FragilePlan {
    /// `[Q_im, Q_re]`: `L = Q_im x + Q_re y`.
    weights: [Fr; 2],
    radius_min: Fr,
    radius_max: Fr,
    /// Per part `[own, other]`.
    angle: [[Fr; 2]; 2],
    /// Widths of `L - T_min`, `T_max - L`, the real and the imaginary angle test.
    widths: [usize; 4],
}

/// Width `n` of `is_nonnegative` for an operand in `[-neg, pos]`: it needs
/// `-2^(n-1) <= x < 2^(n-1)`, i.e. `2^(n-1) >= max(neg, pos + 1)`.
pub(crate) fn comparison_width(neg: &BigUint, pos: &BigUint) -> usize {
    let m = neg.max(&(pos + 1u8)).clone();
    1 + (m - 1u8).bits() as usize
}

impl FragilePlan {
    /// The plan of `rule` for responses bounded by `|S_re| <= bounds[0]`, `|S_im| <= bounds[1]`.
    pub(crate) fn new(rule: &FragileRowRule, bounds: [u64; 2]) -> Self {
        let sq = bounds.map(|b| BigUint::from(b).pow(2));
        let zero = BigUint::from(0u8);
        let l_max = &rule.radius_weights[0] * &sq[0] + &rule.radius_weights[1] * &sq[1];
        // L - T_min in [-T_min, L_max - T_min]; T_max - L in [T_max - L_max, T_max]. The rule's
        // constants may exceed L_max (a threshold no response reaches): the range still holds.
        let lo = (
            rule.radius_min.clone(),
            if l_max >= rule.radius_min {
                &l_max - &rule.radius_min
            } else {
                zero.clone()
            },
        );
        let hi = (
            if l_max >= rule.radius_max {
                &l_max - &rule.radius_max
            } else {
                zero.clone()
            },
            rule.radius_max.clone(),
        );
        let angle_width = |q: usize| {
            let [own, other] = &rule.angle[q];
            comparison_width(&(other * &sq[1 - q]), &(own * &sq[q]))
        };
        let fr = |v: &BigUint| Fr::from(v.clone());
        Self {
            weights: [fr(&rule.radius_weights[0]), fr(&rule.radius_weights[1])],
            radius_min: fr(&rule.radius_min),
            radius_max: fr(&rule.radius_max),
            angle: [0, 1].map(|q| [fr(&rule.angle[q][0]), fr(&rule.angle[q][1])]),
            widths: [
                comparison_width(&lo.0, &lo.1),
                comparison_width(&hi.0, &hi.1),
                angle_width(0),
                angle_width(1),
            ],
        }
    }

    /// Constraints of [`keep_bits`] with this plan.
    pub(crate) fn constraints(&self) -> usize {
        self.widths.iter().map(|n| n + 1).sum::<usize>() + 3
    }
}

/// Per part, 1 iff the refinement keeps the part's mask bit, from `sq = [S_re^2, S_im^2]`
/// (combinations of already constrained wires, each at most the plan's bound squared).
pub(crate) fn keep_bits<B: Builder>(b: &mut B, sq: &[B::Lc; 2], plan: &FragilePlan) -> [B::Lc; 2] {
    let [x, y] = sq;
    let l = x.clone() * plan.weights[0] + y.clone() * plan.weights[1];
    let above = is_nonnegative(
        b,
        &(l.clone() - B::Lc::constant(plan.radius_min)),
        plan.widths[0],
    );
    let below = is_nonnegative(b, &(B::Lc::constant(plan.radius_max) - l), plan.widths[1]);
    let radius = and(b, &above, &below);
    [0, 1].map(|q| {
        let [own, other] = plan.angle[q];
        let operand = sq[q].clone() * own - sq[1 - q].clone() * other;
        let angle = is_nonnegative(b, &operand, plan.widths[2 + q]);
        and(b, &radius, &angle)
    })
}

/// `x * y` of two bits, one constraint.
pub(crate) fn and<B: Builder>(b: &mut B, x: &B::Lc, y: &B::Lc) -> B::Lc {
    let out = b.alloc(b.value(x) * b.value(y));
    b.enforce(x, y, &out);
    out
}

#[cfg(test)]
pub(crate) mod tests;
