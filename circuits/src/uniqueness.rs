//! Exports a gadget recorded alone, with designated input and output wires, for the SMT
//! uniqueness checker `tests/uniqueness/check_unique.py` (z3).
//!
//! The checker proves, for the exported instance, that no two assignments agreeing on the inputs
//! (each an integer in its declared range: the gadget's precondition) satisfy every constraint
//! mod p and differ on an output; and that range claims on outputs hold for every satisfying
//! assignment. Single-wire mutation ([`crate::soundness`]) samples one witness; this is a proof
//! over all of them, at the small widths where the solver finishes.

use crate::builder::{Builder, Lc, R1cs, Recorder};
use crate::gadgets::equality::enforce_equal;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use serde_json::{json, Value};

/// What the checker must conclude about an instance's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Outputs are determined by the inputs, and every range claim holds.
    Unique,
    /// A deliberately under-constrained gadget: the checker must find two valid witnesses with
    /// different outputs.
    NotUnique,
}

/// Records one gadget with its ports.
#[derive(Debug, Default)]
pub struct Harness {
    rec: Recorder,
    inputs: Vec<(u32, Option<(i128, i128)>)>,
    outputs: Vec<u32>,
    ranges: Vec<(u32, i128, i128)>,
}

/// A recorded gadget with its ports, ready to export.
#[derive(Debug)]
pub struct Instance {
    /// Name shown by the checker, e.g. `quant/requantize relu acc±3000`.
    pub name: String,
    /// The constraints.
    pub r1cs: R1cs,
    /// A satisfying assignment (lets the checker verify the export itself).
    pub witness: Vec<Fr>,
    /// `(wire, range)`: input wires and the integer range each may take (`None`: any field
    /// element).
    pub inputs: Vec<(u32, Option<(i128, i128)>)>,
    /// Output wires that must be unique.
    pub outputs: Vec<u32>,
    /// `(wire, lo, hi)`: claims that a wire's signed value is always in range.
    pub ranges: Vec<(u32, i128, i128)>,
    /// The expected verdict.
    pub expect: Expect,
}

fn wire_of(lc: &Lc) -> u32 {
    match lc.raw_terms() {
        [(w, c)] if *c == Fr::from(1u64) => *w,
        _ => unreachable!("a freshly allocated wire is a single term"),
    }
}

fn dec(v: Fr) -> String {
    v.into_bigint().to_string()
}

impl Harness {
    /// An empty harness.
    pub fn new() -> Self {
        Self::default()
    }

    /// The builder the gadget runs on.
    pub fn builder(&mut self) -> &mut Recorder {
        &mut self.rec
    }

    /// Allocates an input wire with value `value`, which the checker lets range over `[lo, hi]`.
    /// No constraint is added: the range is the gadget's precondition.
    pub fn input(&mut self, value: i128, lo: i128, hi: i128) -> Lc {
        let lc = self.rec.alloc(Fr::from(value));
        self.inputs.push((wire_of(&lc), Some((lo, hi))));
        lc
    }

    /// Allocates an input wire that may be any field element.
    pub fn input_field(&mut self, value: Fr) -> Lc {
        let lc = self.rec.alloc(value);
        self.inputs.push((wire_of(&lc), None));
        lc
    }

    /// Makes `lc` an output: a new wire constrained equal to it. Returns the wire.
    pub fn output(&mut self, lc: &Lc) -> u32 {
        let v = self.rec.value(lc);
        let out = self.rec.alloc(v);
        enforce_equal(&mut self.rec, lc, &out);
        let w = wire_of(&out);
        self.outputs.push(w);
        w
    }

    /// Claims that `lc`'s signed value is in `[lo, hi]` for every satisfying assignment.
    pub fn claim_range(&mut self, lc: &Lc, lo: i128, hi: i128) {
        let v = self.rec.value(lc);
        let out = self.rec.alloc(v);
        enforce_equal(&mut self.rec, lc, &out);
        self.ranges.push((wire_of(&out), lo, hi));
    }

    /// The finished instance.
    pub fn finish(self, name: &str, expect: Expect) -> Instance {
        let (r1cs, witness) = self.rec.finish_with_assignment();
        Instance {
            name: name.to_string(),
            r1cs,
            witness,
            inputs: self.inputs,
            outputs: self.outputs,
            ranges: self.ranges,
            expect,
        }
    }
}

impl Instance {
    /// The checker's JSON: wires, constraints (`[wire, coefficient]` lists, decimal), ports.
    pub fn to_json(&self) -> Value {
        let side =
            |t: &[(u32, Fr)]| -> Value { t.iter().map(|&(w, c)| json!([w, dec(c)])).collect() };
        let ports = |v: &[(u32, i128, i128)]| -> Value {
            v.iter()
                .map(|&(w, lo, hi)| json!({"wire": w, "lo": lo.to_string(), "hi": hi.to_string()}))
                .collect()
        };
        let inputs: Value = self
            .inputs
            .iter()
            .map(|&(w, range)| match range {
                Some((lo, hi)) => json!({"wire": w, "lo": lo.to_string(), "hi": hi.to_string()}),
                None => json!({"wire": w, "lo": "0", "hi": dec(-Fr::from(1u64))}),
            })
            .collect();
        json!({
            "name": self.name,
            "prime": modulus_decimal(),
            "n_wires": self.r1cs.n_wires,
            "inputs": inputs,
            "outputs": self.outputs,
            "range_claims": ports(&self.ranges),
            "expect": match self.expect { Expect::Unique => "unique", Expect::NotUnique => "not_unique" },
            "constraints": self.r1cs.constraints.iter().map(|k| json!([side(&k.a), side(&k.b), side(&k.c)])).collect::<Vec<_>>(),
            "witness": self.witness.iter().map(|&v| dec(v)).collect::<Vec<_>>(),
        })
    }
}

/// The modulus check the exporter relies on: BN254's scalar field.
pub fn modulus_decimal() -> String {
    Fr::MODULUS.to_string()
}

#[cfg(test)]
mod tests;
