//! The fragile-bit refinement in the circuit: per probe, which parts' mask bits survive
//! open-iris's `FragileBitRefinement` (the model's [`FragileRowRule`], `docs/IRIS.md`,
//! "Circuit" under the full variant).
//!
//! - Radius: `L = Q_im S_re^2 + Q_re S_im^2` from the squares the statement already has;
//!   `T_max - L >= 0` at the width of the static bounds `|S_q| <= 255 D_q`, then `L - T_min >= 0`
//!   *gated* by that bit ([`gated_nonnegative`]), at the width of `L <= T_max`.
//! - Angles: with the radius kept, `|S_q| <= R_q = isqrt(T_max / Q_(1-q))`. In that box the
//!   rule's `own S_q^2 >= other S_(1-q)^2` is exactly `a |S_q| - b |S_(1-q)| >= 0`, with `a / b`
//!   the largest box fraction `|S_(1-q)| / |S_q|` that passes ([`best_lower_fraction`]): a
//!   comparison of about `2 bitlen(R)` bits on the absolute values (one product each, from the
//!   code bit) instead of one on the squares with the 48-bit constants of `c^2`. Each test is
//!   gated by the radius bit, so its output is already "radius and angle".
//! - The radius test implies `S != 0` when `T_min >= 1`, so the statement then drops the
//!   encoder's nonzero test ([`FragilePlan::implies_nonzero`]).
//!
//! Costs per probe: radius `(n_max + 1) + (n_min + 2)`, angles `2 + (n_re + 2) + (n_im + 2)`
//! ([`FragileCost`]).

use crate::builder::{Builder, LinearCombination};
use crate::gadgets::sign::is_nonnegative;
use crate::models::iris::FragileRowRule;
use ark_bn254::Fr;
use ark_ff::One;
use num_bigint::BigUint;

/// A probe row's refinement constants as field elements, and the comparison widths.
#[derive(Debug, Clone)]
pub(crate) struct FragilePlan {
    /// `[Q_im, Q_re]`: `L = Q_im x + Q_re y`.
    weights: [Fr; 2],
    radius_min: Fr,
    radius_max: Fr,
    /// Per part `q`, `[a, b]`: the angle test is `a |S_q| - b |S_(1-q)| >= 0`.
    angle: [[Fr; 2]; 2],
    /// Widths of `T_max - L`, the gated `L - T_min`, the real and the imaginary angle test.
    widths: [usize; 4],
    implies_nonzero: bool,
}

/// Constraints of one probe's refinement, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragileCost {
    /// The two radius tests.
    pub radius: usize,
    /// The absolute values and the two gated angle tests.
    pub angle: usize,
}

/// Width `n` of `is_nonnegative` for an operand in `[-neg, pos]`: it needs
/// `-2^(n-1) <= x < 2^(n-1)`, i.e. `2^(n-1) >= max(neg, pos + 1)`.
pub(crate) fn comparison_width(neg: &BigUint, pos: &BigUint) -> usize {
    let m = neg.max(&(pos + 1u8)).clone();
    1 + (m - 1u8).bits() as usize
}

/// The largest `a / b` with `0 <= a <= num_max`, `1 <= b <= den_max` and
/// `other a^2 <= own b^2`; `(1, 0)` (no bound) if `other` is 0, `(0, 1)` if `den_max` is 0.
///
/// A Stern–Brocot descent between `l = 0/1` (passes) and `r = 1/0` (fails), each run of equal
/// steps found by bisection: it stops when the mediant `l + r` leaves the box, and then no box
/// fraction lies strictly between `l` and `r` (their mediants' numerators and denominators are
/// at least `l`'s plus `r`'s), so every passing box fraction is at most `l`.
pub(crate) fn best_lower_fraction(
    own: &BigUint,
    other: &BigUint,
    num_max: u64,
    den_max: u64,
) -> (u64, u64) {
    if *other == BigUint::from(0u8) {
        return (1, 0);
    }
    if den_max == 0 {
        return (0, 1);
    }
    let passes = |p: u64, q: u64| other * BigUint::from(p).pow(2) <= own * BigUint::from(q).pow(2);
    // Steps `k` with `base + k * step <= max` (`base <= max`, or no step).
    let room = |max: u64, base: u64, step: u64| match step {
        0 => u64::MAX,
        s => max.saturating_sub(base) / s,
    };
    let (mut l, mut r) = ((0u64, 1u64), (1u64, 0u64));
    loop {
        let k_max = room(num_max, l.0, r.0).min(room(den_max, l.1, r.1));
        let k = largest(k_max, |k| passes(l.0 + k * r.0, l.1 + k * r.1));
        l = (l.0 + k * r.0, l.1 + k * r.1);
        let j_max = room(num_max, r.0, l.0).min(room(den_max, r.1, l.1));
        let j = largest(j_max, |j| !passes(r.0 + j * l.0, r.1 + j * l.1));
        r = (r.0 + j * l.0, r.1 + j * l.1);
        if k == 0 && j == 0 {
            return l;
        }
    }
}

/// The largest `k <= k_max` with `holds(k)`, for a predicate true at 0 and monotone (true, then
/// false).
fn largest(k_max: u64, holds: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0u64, k_max);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if holds(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// `isqrt(floor(n / d))`, or `cap` if smaller (or if `d` is 0).
fn box_side(n: &BigUint, d: &BigUint, cap: u64) -> u64 {
    if *d == BigUint::from(0u8) {
        return cap;
    }
    let side = (n / d).sqrt();
    u64::try_from(side).map_or(cap, |s| s.min(cap))
}

/// The angle tests' box and constants: with the radius kept, `|S_q| <= side[q]`, and part `q`'s
/// test is `a |S_q| - b |S_(1-q)| >= 0` with `fractions[q] = (a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AngleBox {
    pub side: [u64; 2],
    pub fractions: [(u64, u64); 2],
}

impl AngleBox {
    /// The box of `rule` at the static bounds `|S_q| <= bounds[q]`.
    pub(crate) fn new(rule: &FragileRowRule, bounds: [u64; 2]) -> Self {
        let sq = bounds.map(|b| BigUint::from(b).pow(2));
        let l_max = &rule.radius_weights[0] * &sq[0] + &rule.radius_weights[1] * &sq[1];
        // With the radius kept, Q_(1-q) S_q^2 <= L <= min(T_max, L_max).
        let reach = rule.radius_max.clone().min(l_max);
        let side = [0, 1].map(|q| box_side(&reach, &rule.radius_weights[q], bounds[q]));
        let fractions = [0, 1].map(|q| {
            let [own, other] = &rule.angle[q];
            best_lower_fraction(own, other, side[1 - q], side[q])
        });
        Self { side, fractions }
    }
}

impl FragilePlan {
    /// The plan of `rule` for responses bounded by `|S_re| <= bounds[0]`, `|S_im| <= bounds[1]`.
    pub(crate) fn new(rule: &FragileRowRule, bounds: [u64; 2]) -> Self {
        let big = |v: u64| BigUint::from(v);
        let sq = bounds.map(|b| big(b).pow(2));
        let zero = big(0);
        let sub = |a: &BigUint, b: &BigUint| if a >= b { a - b } else { zero.clone() };
        let [t_min, t_max] = [&rule.radius_min, &rule.radius_max];
        let l_max = &rule.radius_weights[0] * &sq[0] + &rule.radius_weights[1] * &sq[1];
        // T_max - L in [T_max - L_max, T_max] (the rule's constants may exceed L_max: a threshold
        // no response reaches; the range still holds).
        let upper = comparison_width(&sub(&l_max, t_max), t_max);
        // Gated: -1 when the upper test fails, else L - T_min with 0 <= L <= min(T_max, L_max).
        let reach = t_max.min(&l_max);
        let lower = comparison_width(&t_min.max(&big(1)).clone(), &sub(reach, t_min));
        let AngleBox { side, fractions } = AngleBox::new(rule, bounds);
        let angle_width = |q: usize| {
            let (a, b) = fractions[q];
            // Gated: -1, or a |S_q| - b |S_(1-q)| in [-b R_(1-q), a R_q].
            let neg = (big(b) * big(side[1 - q])).max(big(1));
            comparison_width(&neg, &(big(a) * big(side[q])))
        };
        let fr = |v: &BigUint| Fr::from(v.clone());
        Self {
            weights: [fr(&rule.radius_weights[0]), fr(&rule.radius_weights[1])],
            radius_min: fr(t_min),
            radius_max: fr(t_max),
            angle: fractions.map(|(a, b)| [Fr::from(a), Fr::from(b)]),
            widths: [upper, lower, angle_width(0), angle_width(1)],
            implies_nonzero: *t_min >= big(1),
        }
    }

    /// Whether the radius test fails at `S = 0` (`T_min >= 1`): every kept bit then has a
    /// nonzero response, and the encoder's nonzero test is redundant.
    pub(crate) fn implies_nonzero(&self) -> bool {
        self.implies_nonzero
    }

    /// Constraints of [`keep_bits`] with this plan, by part.
    pub(crate) fn cost(&self) -> FragileCost {
        let [upper, lower, re, im] = self.widths;
        FragileCost {
            radius: (upper + 1) + (lower + 2),
            angle: 2 + (re + 2) + (im + 2),
        }
    }

    /// The comparison widths: `T_max - L`, the gated `L - T_min`, the two angle tests.
    #[cfg(test)]
    pub(crate) fn widths(&self) -> [usize; 4] {
        self.widths
    }
}

/// 1 iff `T_min <= L <= T_max`, from `sq = [S_re^2, S_im^2]` (combinations of constrained wires,
/// each at most its bound squared).
pub(crate) fn radius_bit<B: Builder>(b: &mut B, sq: &[B::Lc; 2], plan: &FragilePlan) -> B::Lc {
    let [x, y] = sq;
    let l = x.clone() * plan.weights[0] + y.clone() * plan.weights[1];
    let below = is_nonnegative(
        b,
        &(B::Lc::constant(plan.radius_max) - l.clone()),
        plan.widths[0],
    );
    let above = l - B::Lc::constant(plan.radius_min);
    gated_nonnegative(b, &below, &above, plan.widths[1])
}

/// Per part, 1 iff the radius bit is 1 and the part's angle test passes. `s` are the responses,
/// `positive[q]` the bit `S_q > 0` (the code bit), both constrained by the caller.
pub(crate) fn angle_bits<B: Builder>(
    b: &mut B,
    s: &[B::Lc; 2],
    positive: &[B::Lc; 2],
    radius: &B::Lc,
    plan: &FragilePlan,
) -> [B::Lc; 2] {
    let abs = [0, 1].map(|q| {
        // |S| = (2 [S > 0] - 1) S, also at S = 0.
        let sign = positive[q].clone() * Fr::from(2u64) - B::Lc::constant(Fr::one());
        let out = b.alloc(b.value(&sign) * b.value(&s[q]));
        b.enforce(&sign, &s[q], &out);
        out
    });
    [0, 1].map(|q| {
        let [a, c] = plan.angle[q];
        let operand = abs[q].clone() * a - abs[1 - q].clone() * c;
        gated_nonnegative(b, radius, &operand, plan.widths[2 + q])
    })
}

/// Per part, 1 iff the refinement keeps the part's mask bit ([`radius_bit`], [`angle_bits`]):
/// the gadget alone, for the exhaustive and SMT checks.
#[cfg(test)]
pub(crate) fn keep_bits<B: Builder>(
    b: &mut B,
    s: &[B::Lc; 2],
    positive: &[B::Lc; 2],
    sq: &[B::Lc; 2],
    plan: &FragilePlan,
) -> [B::Lc; 2] {
    let radius = radius_bit(b, sq, plan);
    angle_bits(b, s, positive, &radius, plan)
}

/// `gate AND x >= 0` for a bit `gate`, in `n + 2` constraints: decomposes
/// `gate * (x + 1) - 1`, which is `-1` when the gate is 0 and `x` otherwise, so `n` need only
/// bound `x` where the gate is 1 (and `-1`).
pub(crate) fn gated_nonnegative<B: Builder>(b: &mut B, gate: &B::Lc, x: &B::Lc, n: usize) -> B::Lc {
    let x_plus_one = x.clone() + B::Lc::constant(Fr::one());
    let product = b.alloc(b.value(gate) * b.value(&x_plus_one));
    b.enforce(gate, &x_plus_one, &product);
    is_nonnegative(b, &(product - B::Lc::constant(Fr::one())), n)
}

/// `x * y` of two bits, one constraint.
pub(crate) fn and<B: Builder>(b: &mut B, x: &B::Lc, y: &B::Lc) -> B::Lc {
    let out = b.alloc(b.value(x) * b.value(y));
    b.enforce(x, y, &out);
    out
}

#[cfg(test)]
pub(crate) mod tests;
