//! Shared scaffolding for gadget tests: wrap a gadget in a circuit, check both modes agree, and run
//! the soundness campaign on it.

use crate::builder::Recorder;
use crate::check::modes_agree;
use crate::circuit::Circuit;
use crate::soundness::assert_mutations_rejected;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Defines a unit struct implementing [`Circuit`] whose body is the given block.
macro_rules! gadget_circuit {
    ($name:ident, $input:ty, $placeholder:expr, |$b:ident, $inp:ident| $body:block) => {
        struct $name;
        impl $crate::Circuit for $name {
            type Input = $input;
            fn public_count(&self) -> usize {
                0
            }
            fn placeholder_input(&self) -> $input {
                $placeholder
            }
            fn synthesize<B: $crate::Builder>(
                &self,
                $b: &mut B,
                $inp: &$input,
            ) -> Result<(), $crate::SynthesisError> {
                $body;
                Ok(())
            }
        }
    };
}
pub(crate) use gadget_circuit;

/// For each input: both modes agree and are satisfied, and 1,000 single-wire mutations are all
/// caught. Returns the constraint count.
pub fn check_sound<C: Circuit>(circuit: &C, inputs: &[C::Input]) -> usize {
    let mut count = 0;
    for (i, input) in inputs.iter().enumerate() {
        count = modes_agree(circuit, input).unwrap_or_else(|e| panic!("input {i}: {e}"));
        let mut rec = Recorder::new();
        circuit.synthesize(&mut rec, input).expect("synthesis");
        let (r1cs, z) = rec.finish_with_assignment();
        let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
        assert_mutations_rejected(&r1cs, &z, 1000, &mut rng);
    }
    count
}

/// Whether the witness for `input` satisfies the circuit (for inputs a gadget must reject).
pub fn is_satisfied<C: Circuit>(circuit: &C, input: &C::Input) -> bool {
    circuit
        .witness(input)
        .expect("synthesis")
        .first_unsatisfied()
        .is_none()
}

/// Like [`gadget_circuit!`], for a circuit with parameters: defines a struct with the given fields
/// plus `placeholder: Input`, whose body sees the struct as `$s`. The layout may depend on the
/// parameters (bounds, constants), never on the input.
macro_rules! param_circuit {
    ($name:ident { $($field:ident : $ft:ty),* $(,)? }, $input:ty,
     |$s:ident, $b:ident, $inp:ident| $body:block) => {
        #[derive(Clone, Debug)]
        struct $name {
            $($field: $ft,)*
            placeholder: $input,
        }
        impl $crate::Circuit for $name {
            type Input = $input;
            fn public_count(&self) -> usize {
                0
            }
            fn placeholder_input(&self) -> $input {
                self.placeholder.clone()
            }
            fn synthesize<B: $crate::Builder>(
                &self,
                $b: &mut B,
                $inp: &$input,
            ) -> Result<(), $crate::SynthesisError> {
                let $s = self;
                $body;
                Ok(())
            }
        }
    };
}
pub(crate) use param_circuit;
