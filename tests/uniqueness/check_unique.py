#!/usr/bin/env python3
"""Prove, with the z3 SMT solver, that a gadget's outputs are uniquely determined by its inputs.

Input: JSON files written by zkbio-circuits' `uniqueness` exporter (one gadget recorded alone):
the R1CS over the BN254 scalar field, input wires with integer ranges (the gadget's
precondition), output wires, optional range claims on outputs, a sample witness, and what is
expected (`unique`, or `not_unique` for a deliberately broken gadget: a validated pair of
witnesses with different outputs, or a validated witness breaking a range claim).

Claim checked: there are no two assignments z, z' that agree on the input wires (each an integer
in its declared range, mapped into the field), both satisfy every constraint mod p, and differ on
some output wire. `unsat` is a proof of uniqueness for this instance. Range claims are checked the
same way: no satisfying assignment puts an output outside its declared signed range.

Encoding. Every wire is an integer in [0, p) (its canonical representative); inputs are integers
in [lo, hi] (a field element is the residue, and every constraint is evaluated mod p, so the
representative does not matter). Linear forms use signed coefficient representatives. Only
these facts, each valid for a prime field, are used:

  L1 (exact). A linear congruence F = 0 (mod p) is F = k*p for an integer k; the interval bounds of
     F bound k.
  L2 (exact). p is prime, so w*(1-w) = 0, w*(w-1) = 0 or w*w = w force w in {0, 1}: such wires are
     encoded as 0/1 integers.
  L3 (exact). If A = a*w + b for a 0/1 wire w, then A*B = C is "w=1 -> (a+b)*B = C, w=0 -> b*B = C",
     two linear congruences.
  L4 (relaxation, sound). Any other product A*B = C is replaced by consequences that hold in any
     field: A=0 or B=0 implies C=0; C=0 implies A=0 or B=0 (no zero divisors, p prime); A=1
     implies C=B; B=1 implies C=A; and across the two copies, equal A and equal B imply equal C
     (the product is a function). All residues mod p.

L1-L3 are equivalences; L4 only weakens the system. So `unsat` (no two differing solutions of a
weaker system) proves uniqueness for the real one. A `sat` answer is reported as a real
counterexample only after both assignments are checked against the exact constraints mod p with
Python integers (wires the relaxation left loose, such as inverses, are first re-solved from
their constraint); otherwise the result is `unknown`.

Usage: check_unique.py FILE.json...   (exit 0 iff every file meets its expectation)
"""

import json
import sys
import time

import z3

P_BN254 = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def signed(c, p):
    c %= p
    return c - p if c > p // 2 else c


class Instance:
    def __init__(self, data):
        self.name = data["name"]
        self.p = int(data["prime"])
        if self.p != P_BN254:
            raise ValueError("unexpected prime")
        self.n_wires = data["n_wires"]
        self.inputs = {int(i["wire"]): (int(i["lo"]), int(i["hi"])) for i in data["inputs"]}
        self.outputs = [int(w) for w in data["outputs"]]
        self.ranges = [(int(r["wire"]), int(r["lo"]), int(r["hi"])) for r in data.get("range_claims", [])]
        self.expect = data["expect"]
        self.constraints = [
            tuple([(int(w), signed(int(c), self.p)) for w, c in side] for side in k)
            for k in data["constraints"]
        ]
        self.witness = [int(v) for v in data["witness"]]

    def lc_value(self, lc, z):
        return sum(c * z[w] for w, c in lc) % self.p

    def satisfied(self, z):
        return all(
            (self.lc_value(a, z) * self.lc_value(b, z) - self.lc_value(c, z)) % self.p == 0
            for a, b, c in self.constraints
        )


def boolean_wires(inst):
    """L2: wires w with a constraint w*(1-w) = 0, w*(w-1) = 0 or w*w = w (any nonzero scaling)."""
    bits = set()
    for a, b, c in inst.constraints:
        if len(a) == 1 and a[0][0] != 0:
            w, ca = a[0]
            bd = dict(b)
            if not c and set(bd) == {0, w} and bd[0] == -bd[w]:
                bits.add(w)  # c_a*w * d*(1 - w) = 0  or  d*(w - 1)
            if len(b) == 1 and b[0][0] == w and len(c) == 1 and c[0][0] == w:
                # (ca*w)*(cb*w) = cc*w is w*w = w when ca*cb == cc
                if (ca * b[0][1] - c[0][1]) % inst.p == 0:
                    bits.add(w)
    return bits


class Encoder:
    def __init__(self, inst):
        self.inst = inst
        self.p = inst.p
        self.bits = boolean_wires(inst)
        self.solver = z3.SolverFor("QF_LIA")  # every encoded fact is linear
        self.fresh = 0
        self.inputs = {}
        for w, (lo, hi) in inst.inputs.items():
            v = z3.Int(f"in{w}")
            self.solver.add(v >= lo, v <= hi)
            self.inputs[w] = (v, lo, hi)

    def new_int(self, prefix, lo, hi):
        self.fresh += 1
        v = z3.Int(f"{prefix}_{self.fresh}")
        self.solver.add(v >= lo, v <= hi)
        return v

    def make_copy(self, tag):
        """Variables of one assignment: (z3 term, lo, hi) per wire."""
        z = {0: (z3.IntVal(1), 1, 1)}
        for w in range(1, self.inst.n_wires):
            if w in self.inputs:
                z[w] = self.inputs[w]
            elif w in self.bits:
                z[w] = (self.new_int(f"{tag}b{w}", 0, 1), 0, 1)
            else:
                z[w] = (self.new_int(f"{tag}w{w}", 0, self.p - 1), 0, self.p - 1)
        return z

    def linear(self, terms, z):
        """A linear form sum c*w as (z3 term, lo, hi)."""
        expr, lo, hi = z3.IntVal(0), 0, 0
        for w, c in terms:
            if c == 0:
                continue
            v, vlo, vhi = z[w]
            expr = expr + c * v
            a, b = c * vlo, c * vhi
            lo += min(a, b)
            hi += max(a, b)
        return expr, lo, hi

    def congruent_zero(self, form):
        """L1: form = 0 (mod p) as form = k*p with k bounded by the form's interval."""
        expr, lo, hi = form
        klo, khi = -((-lo) // self.p), hi // self.p
        if klo > khi:
            return z3.BoolVal(False)
        if klo == khi:
            return expr == klo * self.p
        k = self.new_int("k", klo, khi)
        return expr == k * self.p

    def residue(self, form):
        """The canonical residue of a linear form mod p, as a fresh variable."""
        expr, lo, hi = form
        klo, khi = lo // self.p, hi // self.p
        r = self.new_int("r", 0, self.p - 1)
        k = klo * self.p if klo == khi else self.new_int("k", klo, khi) * self.p
        self.solver.add(expr == r + k)
        return r

    @staticmethod
    def scale(terms, s):
        return [(w, c * s) for w, c in terms]

    def combine(self, x, y, sx, sy):
        """sx*x + sy*y as a term list (coefficients reduced to signed representatives)."""
        out = {}
        for w, c in x:
            out[w] = out.get(w, 0) + sx * c
        for w, c in y:
            out[w] = out.get(w, 0) + sy * c
        return [(w, signed(c, self.p)) for w, c in out.items() if c % self.p]

    def affine_in_bit(self, terms):
        """(w, a, b) if terms = a*w + b for a 0/1 wire w."""
        nonconst = [(w, c) for w, c in terms if w != 0]
        if len(nonconst) == 1 and nonconst[0][0] in self.bits:
            const = sum(c for w, c in terms if w == 0)
            return nonconst[0][0], nonconst[0][1], const
        return None

    def encode_constraint(self, k, z, products):
        a, b, c = k
        const_a = all(w == 0 for w, _ in a)
        const_b = all(w == 0 for w, _ in b)
        if const_a or const_b:
            s = sum(cc for _, cc in (a if const_a else b))
            other = b if const_a else a
            self.solver.add(self.congruent_zero(self.linear(self.combine(other, c, s, -1), z)))
            return
        for lhs, rhs in ((a, b), (b, a)):
            aff = self.affine_in_bit(lhs)
            if aff:
                w, alpha, beta = aff
                v = z[w][0]
                f1 = self.congruent_zero(self.linear(self.combine(rhs, c, alpha + beta, -1), z))
                f0 = self.congruent_zero(self.linear(self.combine(rhs, c, beta, -1), z))
                self.solver.add(z3.Implies(v == 1, f1), z3.Implies(v == 0, f0))
                return
        # L4: relaxation of a general product.
        ra, rb, rc = (self.residue(self.linear(side, z)) for side in (a, b, c))
        s = self.solver
        s.add(z3.Implies(z3.Or(ra == 0, rb == 0), rc == 0))
        s.add(z3.Implies(rc == 0, z3.Or(ra == 0, rb == 0)))
        s.add(z3.Implies(ra == 1, rc == rb), z3.Implies(rb == 1, rc == ra))
        products.append((ra, rb, rc))

    def encode(self, z):
        products = []
        for k in self.inst.constraints:
            self.encode_constraint(k, z, products)
        return products


def value_of(model, term):
    return model.eval(term, model_completion=True).as_long()


def assignment(model, z, p):
    return [value_of(model, z[w][0]) % p for w in range(len(z))]


def repair(inst, z, fixed):
    """Tries to turn a model of the relaxed system into a real solution: a wire that the L4
    relaxation left unconstrained (e.g. an inverse) is re-solved from a violated product
    `A*B = C` in which it appears alone on one side, A or B. Only wires not in `fixed` change;
    the result is checked exactly by the caller."""
    z = list(z)
    p = inst.p
    for _ in range(4):
        changed = False
        for a, b, c in inst.constraints:
            if (inst.lc_value(a, z) * inst.lc_value(b, z) - inst.lc_value(c, z)) % p == 0:
                continue
            for lhs, rhs in ((a, b), (b, a)):
                free = [(w, cw) for w, cw in rhs if w not in fixed and w != 0]
                lv = inst.lc_value(lhs, z)
                if len(free) != 1 or lv == 0:
                    continue
                w, cw = free[0]
                rest = (inst.lc_value(rhs, z) - cw * z[w]) % p
                # lv * (rest + cw * x) = C  =>  x = (C / lv - rest) / cw
                target = inst.lc_value(c, z) * pow(lv, p - 2, p) % p
                z[w] = (target - rest) * pow(cw % p, p - 2, p) % p
                changed = True
                break
        if not changed:
            break
    return z


def check(inst, timeout_ms):
    if len(inst.witness) != inst.n_wires or not inst.satisfied(inst.witness):
        return "bad-export", "the sample witness does not satisfy the exported constraints"
    enc = Encoder(inst)
    z1 = enc.make_copy("a")
    p1 = enc.encode(z1)
    goal = []
    results = {}
    if inst.outputs:
        z2 = enc.make_copy("b")
        p2 = enc.encode(z2)
        for (ra, rb, rc), (sa, sb, sc) in zip(p1, p2):
            enc.solver.add(z3.Implies(z3.And(ra == sa, rb == sb), rc == sc))
        differ = z3.Or([z1[w][0] != z2[w][0] for w in inst.outputs])
        results["unique"] = (differ, z1, z2)
    for w, lo, hi in inst.ranges:
        v = z1[w][0]
        inside = z3.Or(z3.And(v >= 0, v <= hi), z3.And(v >= inst.p + lo, v < inst.p)) if lo < 0 else z3.And(v >= lo, v <= hi)
        goal.append(z3.Not(inside))
    enc.solver.set("timeout", timeout_ms)
    verdicts = []
    if "unique" in results:
        differ, z1, z2 = results["unique"]
        enc.solver.push()
        enc.solver.add(differ)
        r = enc.solver.check()
        if r == z3.unsat:
            verdicts.append("unique")
        elif r == z3.sat:
            m = enc.solver.model()
            a, b = assignment(m, z1, inst.p), assignment(m, z2, inst.p)
            keep = set(inst.inputs) | set(inst.outputs) | {0}
            a, b = repair(inst, a, keep), repair(inst, b, keep)
            if inst.satisfied(a) and inst.satisfied(b) and any(a[w] != b[w] for w in inst.outputs):
                verdicts.append("not_unique")
                diff = [(w, a[w], b[w]) for w in inst.outputs if a[w] != b[w]][:3]
                results["counterexample"] = diff
            else:
                verdicts.append("unknown")
        else:
            verdicts.append("unknown")
        enc.solver.pop()
    if goal:
        enc.solver.push()
        enc.solver.add(z3.Or(goal))
        r = enc.solver.check()
        if r == z3.unsat:
            verdicts.append("in_range")
        elif r == z3.sat:
            a = assignment(enc.solver.model(), z1, inst.p)
            outside = [
                (w, a[w]) for w, lo, hi in inst.ranges
                if not (lo <= (a[w] if a[w] <= inst.p // 2 else a[w] - inst.p) <= hi)
            ]
            if inst.satisfied(a) and outside:
                verdicts.append("out_of_range")
                results["counterexample"] = outside[:3]
            else:
                verdicts.append("unknown_range")
        else:
            verdicts.append("unknown_range")
        enc.solver.pop()
    return verdicts, results.get("counterexample")


def main(argv):
    timeout_ms = 60_000
    files = [a for a in argv[1:] if not a.startswith("--")]
    failures = 0
    total = time.time()
    for f in files:
        with open(f) as fh:
            inst = Instance(json.load(fh))
        t = time.time()
        verdicts, detail = check(inst, timeout_ms)
        dt = time.time() - t
        if verdicts == "bad-export" or not verdicts:
            ok = False  # a broken export, or an instance with nothing to check
        elif inst.expect == "unique":
            ok = all(v in ("unique", "in_range") for v in verdicts)
        else:
            ok = "not_unique" in verdicts or "out_of_range" in verdicts
        failures += not ok
        extra = f" counterexample (wire, a, b): {detail}" if detail else ""
        print(f"{'ok  ' if ok else 'FAIL'} {inst.name}: {verdicts} (expected {inst.expect}; "
              f"{inst.n_wires} wires, {len(inst.constraints)} constraints, {dt:.2f}s){extra}")
    print(f"{len(files) - failures} passed, {failures} failed ({time.time() - total:.1f}s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
