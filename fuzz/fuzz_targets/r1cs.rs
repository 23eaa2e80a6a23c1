//! circom `.r1cs` (circuits/src/circom/r1cs.rs): header and system parse, and a parsed system
//! writes back and re-parses equal.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::circom::r1cs;

fuzz_target!(|data: &[u8]| {
    let header = r1cs::header_from_bytes(data);
    let Ok(system) = r1cs::from_bytes(data) else {
        return;
    };
    let header = header.expect("a parsed .r1cs has a valid header");
    assert_eq!(system.n_wires, header.n_wires as usize);
    assert_eq!(system.constraints.len(), header.n_constraints as usize);
    let bytes = r1cs::to_bytes(&system).expect("a parsed .r1cs writes back");
    let again = r1cs::from_bytes(&bytes).expect("a written .r1cs parses");
    assert!(again == system, "the .r1cs does not round-trip");
});
